"""Siro's own checks: what the signed-urls step must answer beyond its schema.

Registered in :data:`tapecheck.suite.conform.checks.CHECKS` like the generic
checks, so a requirement names them and a failure carries their name. The
requirement passes what it asked for in ``ctx.extra``: ``file_type`` and
``file_size`` of the signed-urls request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from tapecheck.suite.conform.checks import CheckContext, ConformanceFailure, check
from tapecheck.suite.values import parse_datetime, to_instant

__all__ = ["MIME_TYPES", "RANGE_HEADER", "siro_signed_url"]

#: The upload's MIME type for each ``fileType`` (VENDORS.md: mp3 audio/mpeg, wav audio/wav,
#: aac audio/aac).
MIME_TYPES: Mapping[str, str] = {"mp3": "audio/mpeg", "wav": "audio/wav", "aac": "audio/aac"}
RANGE_HEADER = "x-goog-content-length-range"
#: How far the target's clock may be behind ours before a fresh URL looks expired.
_CLOCK_SKEW = timedelta(minutes=5)


def _fail(title: str, message: str) -> ConformanceFailure:
    return ConformanceFailure("siro_signed_url", title, message)


def _header(headers: Mapping[str, Any], name: str) -> Any:
    """A header of ``uploadHeaders`` by name, whatever its letter case (``None`` when absent)."""
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            return value
    return None


def _absolute(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@check
def siro_signed_url(ctx: CheckContext, response: httpx.Response) -> None:
    """``uploadHeaders`` bind the fileType's MIME type and ``0,<fileSize>``; the URLs are absolute.

    ``expiresAt`` is in the future (with some clock skew allowed).
    """
    try:
        data = response.json()["data"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return  # response_schema_conformance reports a body without `data`
    if not isinstance(data, dict):
        return
    headers = data.get("uploadHeaders")
    if not isinstance(headers, dict):
        raise _fail("No uploadHeaders", f"`uploadHeaders` is {headers!r}, not an object")
    file_type = str(ctx.extra.get("file_type", ""))
    expected_type = MIME_TYPES.get(file_type)
    content_type = _header(headers, "Content-Type")
    if expected_type is not None and content_type != expected_type:
        raise _fail(
            "Wrong signed Content-Type",
            f"fileType {file_type!r} needs Content-Type {expected_type!r}; "
            f"uploadHeaders say {content_type!r}",
        )
    size = ctx.extra.get("file_size")
    length_range = _header(headers, RANGE_HEADER)
    if size is not None and length_range != f"0,{size}":
        raise _fail(
            "Wrong signed length range",
            f"fileSize {size} needs {RANGE_HEADER}: '0,{size}'; uploadHeaders say {length_range!r}",
        )
    for name in ("uploadUrl", "downloadUrl"):
        if not _absolute(data.get(name)):
            raise _fail("Not an absolute URL", f"`{name}` is {data.get(name)!r}")
    moment = parse_datetime(data.get("expiresAt"))
    if moment is None:
        return  # response_schema_conformance reports a value that is no date-time
    if to_instant(moment) < datetime.now(UTC) - _CLOCK_SKEW:
        raise _fail(
            "Signed URL already expired",
            f"expiresAt {data.get('expiresAt')!r} is in the past",
        )
