"""Corti's duration limit: just under it is stored, just over it refused (size: the size-limit family)."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, TOO_LARGE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    ERROR_CHECKS,
    SPEC,
    UPLOAD,
    V,
    interaction,
    streamed,
    upload_ok,
    upload_refused,
)

__all__ = ["duration_limit"]


def _upload_limits(s: Session) -> tuple[int, float]:
    """The upload's size and duration limits, from the spec's ``x-tapecheck.audio``."""
    audio = s.op(UPLOAD).audio or {}
    if "max-bytes" not in audio or "max-duration-s" not in audio:
        raise ValueError(f"{SPEC}: the upload operation has no max-bytes or max-duration-s")
    return int(audio["max-bytes"]), float(audio["max-duration-s"])


@requirement(
    V,
    "CORTI-DURATION-LIMIT",
    title="A recording just under the duration limit is stored; just over it is refused",
    level="must",
    source='Corti API reference, "Upload Recording": "There is a maximum limit of 60 minutes in '
    'length and 150MB in size for recordings." The docs name no status: 400, 413 or 422 '
    "passes.",
    checks=("status_code_expected", "response_schema_conformance", *ERROR_CHECKS[1:]),
)
async def duration_limit(s: Session) -> None:
    _, limit_s = _upload_limits(s)
    under = s.media.long("mp3", duration_s=limit_s - 1)
    over = s.media.long("mp3", duration_s=limit_s + 1)
    async with interaction(s) as handle:
        await upload_ok(s, handle, **streamed(under))
        await upload_refused(s, handle, statuses=INVALID | TOO_LARGE, **streamed(over))
