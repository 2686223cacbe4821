"""What a Corti upload must be: raw audio as application/octet-stream (damaged audio: the family)."""

from __future__ import annotations

from tapecheck.suite.conform.common import WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    ERROR_CHECKS,
    V,
    interaction,
    upload_refused,
)

__all__ = ["upload_content_type"]


@requirement(
    V,
    "CORTI-UPLOAD-CONTENT-TYPE",
    title="A recording sent as multipart/form-data or as audio/wav is refused (400 or 415)",
    level="should",
    source='Corti API reference, "Upload Recording" documents only application/octet-stream for '
    "the body; the docs do not say that other content types are refused. A reasonable "
    "expectation: multipart or audio/wav bodies are refused (400 or 415).",
    checks=ERROR_CHECKS,
)
async def upload_content_type(s: Session) -> None:
    wav = s.media.audio_bytes("wav")
    async with interaction(s) as handle:
        await upload_refused(
            s,
            handle,
            None,
            WRONG_TYPE,
            content_type=None,
            files={"file": ("call.wav", wav, "audio/wav")},
        )
        await upload_refused(s, handle, wav, WRONG_TYPE, content_type="audio/wav")
        if handle.recordings:
            s.fail("status_code_expected", "Wrong Content-Type stored", f"{handle.recordings}")
