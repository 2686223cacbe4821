"""Bota on live traffic: what ``tapecheck proxy`` follows across a client's requests.

FLW103: ``upload-complete`` for a recording whose file was never PUT to the
``upload_url`` the proxy handed out for it.
"""

from __future__ import annotations

from collections.abc import Iterator

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.proxy.flows import FlowState, Seen, flow_check

__all__ = ["complete_before_put", "follow_uploads"]


@rule("FLW103", "complete-before-put", vendor="bota")
def complete_before_put(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags, on live traffic through `tapecheck proxy`, `POST
    /recordings/{id}/upload-complete` for a recording whose `upload_url`
    (answered by `upload-url` through the proxy) received no successful PUT.

    ## Why is this bad?
    `upload-complete` starts processing the uploaded file; before the PUT there
    is no file, and the recording fails or stays empty.

    ## Example
    Completing first:

    ```yaml
    - {operation: upload-url, path: {id: rec_1}}
    - {operation: upload-complete, path: {id: rec_1}}
    ```

    PUT the file to `upload_url`, then complete:

    ```yaml
    - {operation: upload-url, path: {id: rec_1}}
    - {request: "PUT <upload_url>"}
    - {operation: upload-complete, path: {id: rec_1}}
    ```

    ## Fix safety
    Wait for the PUT's success before calling `upload-complete`.

    ## References
    - Bota API: upload flow (specs/bota.yaml, `upload-url` then `upload-complete`)
    """
    return iter(())


@flow_check("bota")
def follow_uploads(state: FlowState, seen: Seen) -> Iterator[tuple[str, Violation]]:
    if seen.operation != "upload-complete":
        return
    recording = seen.path_params.get("id")
    pending = [
        upload
        for upload in state.uploads.values()
        if upload.operation == "upload-url"
        and upload.path_params.get("id") == recording
        and upload.watched
    ]
    if pending and not any(upload.uploaded for upload in pending):
        yield (
            "FLW103",
            Violation(
                "/path/id",
                f"recording {recording}: no file was PUT to its `upload_url` before "
                "`upload-complete`; PUT the file first",
            ),
        )
