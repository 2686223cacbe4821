"""What a Corti upload must be: raw audio as application/octet-stream, not empty, not damaged."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    ERROR_CHECKS,
    V,
    interaction,
    upload_refused,
)

__all__ = ["upload_content_type", "upload_corrupt", "upload_empty", "upload_not_audio"]


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


@requirement(
    V,
    "CORTI-UPLOAD-EMPTY",
    title="An empty body is refused as invalid (400 or 422)",
    level="should",
    source="Corti's docs require a body (requestBody required: true) but do not say that an empty "
    "one is refused; a reasonable expectation: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def upload_empty(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, b"", INVALID)


@requirement(
    V,
    "CORTI-UPLOAD-NOT-AUDIO",
    title="Bytes that are no audio format are refused (400, 415 or 422)",
    level="should",
    source="Corti's docs do not say that bytes in no audio format are refused; a reasonable "
    "expectation: 400, 415 or 422.",
    checks=ERROR_CHECKS,
)
async def upload_not_audio(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, s.media.garbage(), INVALID | WRONG_TYPE)


@requirement(
    V,
    "CORTI-CORRUPT-AUDIO",
    title="A wav whose header claims more audio than the file holds is refused (400 or 422)",
    level="should",
    source="Corti's docs do not say that damaged audio (a WAV whose header claims more audio than "
    "the file holds) is refused; a reasonable expectation: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def upload_corrupt(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, s.media.lying_wav().read_bytes(), INVALID)
