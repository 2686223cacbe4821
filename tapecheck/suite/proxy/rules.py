"""The FLW family: what only live traffic shows, judged by ``tapecheck proxy``.

A manifest is one request at rest; the proxy sees requests in order and the
responses they got. These rules are registered in the linter's registry like
every other rule, so ``tapecheck rule FLW001``, SARIF and the docs read their
pages from here, but a manifest never triggers them: their checks yield
nothing for a file, and the proxy reports them from the exchanges it forwards
(:mod:`tapecheck.suite.proxy.flows`, :mod:`tapecheck.suite.proxy.responses`).
A vendor's own flow rules live in ``suite/vendors/<vendor>/live.py``.

The response rules (FLW002-FLW005) judge the upstream, not the client: they
are warnings, reported as the upstream's deviations, so a team's client is
never failed for what the vendor's sandbox answered.
"""

from __future__ import annotations

from collections.abc import Iterator

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule

__all__ = [
    "error_shape_deviates",
    "no_such_operation",
    "not_json",
    "response_schema_deviates",
    "undocumented_status",
]


@rule("FLW001", "no-such-operation")
def no_such_operation(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags a request, seen by `tapecheck proxy`, whose method and path match no
    operation of the vendor's spec (under the vendor's base path).

    ## Why is this bad?
    The vendor documents no such call: it answers 404 or 405 at best, and an
    undocumented endpoint that happens to work today may go away without notice.

    ## Example
    A client calls a singular path that the spec does not document:

    ```yaml
    request: POST /v2/interactions/{id}/recording
    ```

    Use the documented path:

    ```yaml
    request: POST /v2/interactions/{id}/recordings/  # operation `upload`
    ```

    ## Fix safety
    Use the documented method and path; `tapecheck specs` lists the operations.

    ## References
    - The vendor's spec in `specs/<vendor>.yaml`
    - CONTRACT.md, section 6
    """
    return iter(())


@rule("FLW002", "undocumented-status", severity="warning")
def undocumented_status(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags a response whose status the spec does not document for the operation.

    ## Why is this bad?
    A client handles the statuses the docs promise. An undocumented one (a 500,
    a 404 the docs never mention) is either a vendor deviation or a request the
    client should not have sent; either way the client's handling is untested.

    ## Example
    The server answers a status its docs do not list for the operation:

    ```yaml
    operation: create
    response: {status: 418}
    ```

    A documented status:

    ```yaml
    operation: create
    response: {status: 201}
    ```

    ## Fix safety
    Nothing to fix in the request when the vendor deviates; report it to the
    vendor. When the request is wrong, the request findings of the same
    exchange say why.

    ## References
    - The operation's `responses` in `specs/<vendor>.yaml`
    """
    return iter(())


@rule("FLW003", "response-schema-deviates", severity="warning")
def response_schema_deviates(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags a success response whose JSON body does not match the schema the
    spec documents for its status.

    ## Why is this bad?
    The client reads fields the docs promise (`recordingId`, `data.id`); a body
    without them breaks the client at run time, far from the cause.

    ## Example
    An upload answered without the documented `recordingId`:

    ```yaml
    operation: upload
    response: {status: 201, body: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}}
    ```

    As documented:

    ```yaml
    operation: upload
    response: {status: 201, body: {recordingId: f47ac10b-58cc-4372-a567-0e02b2c3d479}}
    ```

    ## Fix safety
    A vendor deviation: report it; do not build the client around it.

    ## References
    - The operation's `responses` in `specs/<vendor>.yaml`
    - `tapecheck.suite.conform.checks.response_schema_conformance`
    """
    return iter(())


@rule("FLW004", "error-shape-deviates", severity="warning")
def error_shape_deviates(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags an error response whose body is not in the vendor's documented error
    shape (the spec's `x-tapecheck.error-schema`, or the error response of the
    operation).

    ## Why is this bad?
    A client shows the vendor's error message to its users and logs its code;
    an error in another shape loses both.

    ## Example
    An error without the vendor's documented error object:

    ```yaml
    response: {status: 400, body: {message: bad}}
    ```

    In the documented shape (the spec's `x-tapecheck.error-schema`):

    ```yaml
    response: {status: 400, body: {error: {code: invalid_metadata, message: bad}}}
    ```

    ## Fix safety
    A vendor deviation: report it to the vendor.

    ## References
    - `x-tapecheck.error-schema` in `specs/<vendor>.yaml`
    """
    return iter(())


@rule("FLW005", "response-not-json", severity="warning")
def not_json(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags a response whose body is not JSON (by Content-Type or by content)
    where the docs describe a JSON body.

    ## Why is this bad?
    The client parses the body as JSON and fails; an HTML error page from a
    gateway is the usual cause.

    ## Example
    A gateway's HTML page where the docs promise JSON:

    ```yaml
    response: {status: 502, headers: {Content-Type: text/html}}
    ```

    JSON, as documented:

    ```yaml
    response: {status: 502, headers: {Content-Type: application/json}}
    ```

    ## Fix safety
    A deviation of the server or of what stands in front of it: report it.

    ## References
    - The operation's `responses` in `specs/<vendor>.yaml`
    """
    return iter(())
