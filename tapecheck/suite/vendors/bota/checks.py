"""Bota's own checks: error codes by status, rate-limit headers, the fields of a recording.

Registered in :data:`tapecheck.suite.conform.checks.CHECKS` like the generic
checks, so a requirement names them and a failure carries their name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from tapecheck.suite.conform.checks import CheckContext, ConformanceFailure, check

__all__ = [
    "RATE_LIMIT_HEADERS",
    "bota_error_shape",
    "bota_rate_limit_headers",
    "bota_recording_fields",
    "rate_limit",
]

RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


@check
def bota_error_shape(ctx: CheckContext, response: httpx.Response) -> None:
    """``{error: {code, message}}`` with string members, whatever the code.

    For a status the docs give no code (a 403 for another's recording, which the contract
    allows), the documented shape is all that can be asked.
    """
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if (
        not isinstance(error, dict)
        or not isinstance(error.get("code"), str)
        or not isinstance(error.get("message"), str)
    ):
        raise ConformanceFailure(
            "bota_error_shape",
            "Error body in the wrong shape",
            f"a {response.status_code} body is {str(body)[:200]}, not {{error: {{code, message}}}}",
        )


def rate_limit(response: httpx.Response) -> dict[str, int] | None:
    """The three rate-limit headers as integers, or ``None`` when one is missing or not a number."""
    values: dict[str, int] = {}
    for name in RATE_LIMIT_HEADERS:
        raw = response.headers.get(name, "").strip()
        if not raw.isdigit():
            return None
        values[name] = int(raw)
    return values


@check
def bota_rate_limit_headers(ctx: CheckContext, response: httpx.Response) -> None:
    """``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` are there, as non-negative integers."""
    missing = [name for name in RATE_LIMIT_HEADERS if name not in response.headers]
    if missing:
        raise ConformanceFailure(
            "bota_rate_limit_headers",
            "Rate-limit headers missing",
            f"a {response.status_code} answer has no {', '.join(missing)}",
        )
    values = rate_limit(response)
    if values is None:
        shown = {name: response.headers.get(name) for name in RATE_LIMIT_HEADERS}
        raise ConformanceFailure(
            "bota_rate_limit_headers",
            "Rate-limit headers not integers",
            f"a {response.status_code} answer has {shown}",
        )
    if values["X-RateLimit-Remaining"] > values["X-RateLimit-Limit"]:
        raise ConformanceFailure(
            "bota_rate_limit_headers",
            "More remaining than the limit",
            f"X-RateLimit-Remaining {values['X-RateLimit-Remaining']} > "
            f"X-RateLimit-Limit {values['X-RateLimit-Limit']}",
        )


@check
def bota_recording_fields(ctx: CheckContext, response: httpx.Response) -> None:
    """The recording (or upload-url answer) holds the values in ``ctx.extra["fields"]``."""
    body = _json(response)
    wanted: Mapping[str, Any] = ctx.extra.get("fields", {})
    if not isinstance(body, dict):
        return  # json_content_type reports a body that is not JSON
    for name, value in wanted.items():
        if name not in body or body[name] != value:
            raise ConformanceFailure(
                "bota_recording_fields",
                f"Wrong `{name}`",
                f"expected {value!r}, got {body.get(name, '<missing>')!r}",
            )
