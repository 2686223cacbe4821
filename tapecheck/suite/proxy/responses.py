"""Each response against the spec, with conform's own checks.

The proxy turns a response it forwarded (status, headers, the body when it was
small enough to keep) into an ``httpx.Response`` and runs the checks of
:mod:`tapecheck.suite.conform.checks` that need nothing but the spec: the
status is documented for the operation (FLW002), a documented JSON body
matches its schema (FLW003), an error body is in the vendor's shape (FLW004),
and a body the docs describe as JSON is JSON (FLW005).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

import httpx

from tapecheck.suite.conform.checks import (
    CheckContext,
    ConformanceFailure,
    error_body_shape,
    json_content_type,
    media_type,
    response_schema_conformance,
)
from tapecheck.suite.lint.registry import Violation
from tapecheck.suite.specs import Operation, Spec

__all__ = ["MAX_DECODED_BYTES", "check_response", "decoded", "documented_statuses"]

#: A compressed body is judged only when it inflates to at most this much (a gzip bomb is not).
MAX_DECODED_BYTES = 16 * 1024 * 1024


def decoded(body: bytes | None, encoding: str | None) -> bytes | None:
    """``body`` without its Content-Encoding (gzip, deflate), bounded; ``None`` when unknown."""
    if body is None:
        return None
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity"):
        return body
    if name not in ("gzip", "x-gzip", "deflate"):
        return None  # br, zstd...: not judged rather than misjudged
    wbits = 16 + zlib.MAX_WBITS if "gzip" in name else zlib.MAX_WBITS
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, MAX_DECODED_BYTES + 1)
    except zlib.error:
        return None
    return out if len(out) <= MAX_DECODED_BYTES else None


def documented_statuses(operation: Operation) -> list[str]:
    return list(operation.responses())


def _documented(operation: Operation, status: int) -> bool:
    keys = documented_statuses(operation)
    wanted = str(status)
    return wanted in keys or f"{wanted[0]}XX" in {k.upper() for k in keys} or "default" in keys


def _says_json(operation: Operation, status: int) -> bool:
    response = operation.responses().get(str(status))
    content = response.get("content", {}) if response else {}
    return any(m == "application/json" or m.endswith("+json") for m in content)


def check_response(
    spec: Spec,
    operation: Operation,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
) -> Iterator[tuple[str, Violation]]:
    """``(code, violation)`` for each way the response deviates from the spec.

    ``body`` is ``None`` when the body was too large to keep: only the status
    is judged then.
    """
    if not _documented(operation, status):
        documented = ", ".join(documented_statuses(operation)) or "none"
        yield (
            "FLW002",
            Violation(
                "/response/status",
                f"{spec.title} documents no {status} for `{operation.operation_id}` "
                f"(documented: {documented})",
            ),
        )
        return
    if body is None:
        return
    # ``body`` is decoded already (see :func:`decoded`): its encoding and length headers go.
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
    response = httpx.Response(status, headers=kept, content=body)
    ctx = CheckContext(spec=spec, operation=operation)
    if _says_json(operation, status) and media_type(response) != "application/json":
        try:
            json_content_type(ctx, response)
        except ConformanceFailure as failure:
            yield "FLW005", Violation("/response/body", failure.message)
            return
    check = error_body_shape if status >= 400 else response_schema_conformance
    try:
        check(ctx, response)
    except ConformanceFailure as failure:
        code = "FLW004" if status >= 400 else "FLW003"
        if failure.title == "Not JSON":
            code = "FLW005"
        yield code, Violation("/response/body", failure.message)
