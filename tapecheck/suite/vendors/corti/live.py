"""Corti on live traffic: what ``tapecheck proxy`` follows across a client's requests.

FLW101: a recording uploaded to an interaction this client deleted earlier
through the proxy (Corti answers 404: the interaction and its recordings are
gone).
"""

from __future__ import annotations

from collections.abc import Iterator

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.proxy.flows import FlowState, Seen, flow_check

__all__ = ["follow_deleted_interactions", "upload_to_deleted_interaction"]

_BUCKET = "corti"


@rule("FLW101", "upload-to-deleted-interaction", vendor="corti")
def upload_to_deleted_interaction(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags, on live traffic through `tapecheck proxy`, a recording upload to an
    interaction that the same client deleted earlier (`DELETE
    /interactions/{id}` answered with success).

    ## Why is this bad?
    Deleting an interaction deletes it and its recordings; an upload to it
    fails with 404, and a client that keeps interaction ids after deleting them
    loses recordings.

    ## Example
    The upload after the delete:

    ```yaml
    - {operation: delete-interaction, path: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}}
    - {operation: upload, path: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}}
    ```

    Create a new interaction for the recording:

    ```yaml
    - {operation: create-interaction}
    - {operation: upload, path: {id: "<the new interactionId>"}}
    ```

    ## Fix safety
    Drop the deleted id from the client's state when the delete succeeds.

    ## References
    - Corti API: `DELETE /interactions/{id}` (specs/corti.yaml)
    """
    return iter(())


@flow_check("corti")
def follow_deleted_interactions(state: FlowState, seen: Seen) -> Iterator[tuple[str, Violation]]:
    deleted: set[str] = state.bucket(_BUCKET).setdefault("deleted", set())
    interaction = seen.path_params.get("id")
    if interaction is None:
        return
    if seen.operation == "delete-interaction" and seen.status is not None and seen.status < 300:
        deleted.add(interaction)
    elif seen.operation == "upload" and interaction in deleted:
        yield (
            "FLW101",
            Violation(
                "/path/id",
                f"interaction {interaction} was deleted earlier in this session; "
                "create a new interaction for this recording",
            ),
        )
