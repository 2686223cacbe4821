"""Crescendo's own checks: the error codes its docs pair with each status.

Registered in :data:`tapecheck.suite.conform.checks.CHECKS` like the generic
checks, so a requirement names them and a failure carries their name.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from tapecheck.suite.conform.checks import CheckContext, ConformanceFailure, body_json, check

__all__ = ["ERROR_CODES", "crescendo_error_code_matches"]

#: The code of each documented error status (seed: responses BadRequest, Unauthenticated,
#: PermissionDenied, NotFound, each with its example; VENDORS.md lists the same pairs).
ERROR_CODES: Mapping[int, str] = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
}


@check
def crescendo_error_code_matches(ctx: CheckContext, response: httpx.Response) -> None:
    """An error's ``code`` is the one the docs give its status (other statuses: any code)."""
    expected = ERROR_CODES.get(response.status_code)
    if expected is None:
        return
    body = body_json(response)
    if not isinstance(body, dict) or "code" not in body:
        return  # error_body_shape reports a body that is not JSON, or a missing member
    if body["code"] != expected:
        raise ConformanceFailure(
            "crescendo_error_code_matches",
            "Wrong error code for the status",
            f"a {response.status_code} carries code {body['code']!r}; the docs give {expected!r}",
        )
