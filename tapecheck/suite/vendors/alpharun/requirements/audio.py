"""Alpharun's audio part: common formats are accepted (damaged audio: the family)."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    SUCCESS_CHECKS,
    UPLOAD,
    Upload,
    V,
)

__all__ = ["audio_formats"]


@requirement(
    V,
    "ALPHARUN-AUDIO-FORMATS",
    title="Common recording formats are accepted (wav, mp3, m4a)",
    level="should",
    source="Alpharun's docs give audio as a binary file and name no format limit; a reasonable "
    "expectation: common recording formats (wav, mp3, m4a) are accepted (201, or 200 for a "
    "repeat).",
    checks=SUCCESS_CHECKS,
)
async def audio_formats(s: Session) -> None:
    for fmt, name, media in (("mp3", "call.mp3", "audio/mpeg"), ("mp4", "call.m4a", "audio/mp4")):
        upload = Upload(s, audio=s.media.audio_bytes(fmt))
        upload.filename, upload.audio_type = name, media
        response = await upload.send(s)
        s.expect(response, *SUCCESS_CHECKS, operation=UPLOAD, status=(200, 201))
