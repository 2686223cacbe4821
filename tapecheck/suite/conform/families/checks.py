"""The error body's members, as the spec's ``x-tapecheck.error-members`` states them.

Beyond the error schema (``error_body_shape``), a vendor's docs may say more of
an error's members: one repeats the HTTP status (RFC 9457's ``status``), one
holds the code the docs pair with each status, some must say something. Those
are facts of the spec, checked here for every vendor alike; a spec that states
none asks nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from tapecheck.suite.conform.checks import (
    NOT_JSON,
    CheckContext,
    ConformanceFailure,
    body_json,
    check,
)

__all__ = ["error_members"]

_MISSING = object()


def _at(body: Any, pointer: str) -> Any:
    """The value at a JSON Pointer, or ``_MISSING``."""
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(body, Mapping) or key not in body:
            return _MISSING
        body = body[key]
    return body


def _fail(title: str, message: str) -> ConformanceFailure:
    return ConformanceFailure("error_members", title, message)


@check
def error_members(ctx: CheckContext, response: httpx.Response) -> None:
    """An error's members say what the docs say they do: the status, its code, a message.

    A member that is missing is ``error_body_shape``'s to report (the schema requires it).
    """
    facts = ctx.spec.ext.get("error-members")
    body = body_json(response)
    if not isinstance(facts, Mapping) or body is NOT_JSON or response.status_code < 400:
        return
    status = response.status_code
    pointer = facts.get("status")
    found = _at(body, pointer) if isinstance(pointer, str) else _MISSING
    if found is not _MISSING and (isinstance(found, bool) or found != status):
        raise _fail(
            "Error status disagrees with HTTP",
            f"the body's {pointer} says {found!r}, the response is {status}",
        )
    codes = facts.get("codes")
    expected = codes.get(str(status)) if isinstance(codes, Mapping) else None
    code = _at(body, str(facts.get("code", "")))
    if expected is not None and code is not _MISSING and code != expected:
        raise _fail(
            "Wrong error code for the status",
            f"a {status} carries code {code!r} at {facts['code']}; the docs give {expected!r}",
        )
    for said in facts.get("said", ()):
        value = _at(body, str(said))
        if value is not _MISSING and (not isinstance(value, str) or not value.strip()):
            raise _fail("Empty error member", f"{said} must say something: {body!r}")
