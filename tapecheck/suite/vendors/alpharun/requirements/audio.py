"""Alpharun's audio part: common formats are accepted; empty, unreadable or damaged audio is refused."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    SUCCESS_CHECKS,
    UPLOAD,
    Upload,
    V,
    refused,
)

__all__ = ["audio_corrupt", "audio_formats", "audio_unreadable"]


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


@requirement(
    V,
    "ALPHARUN-AUDIO-UNREADABLE",
    title="An empty audio part, or one that is no audio format, is refused",
    level="should",
    source="Alpharun's docs do not say that an empty audio part, or one in no audio format, is "
    "refused; a reasonable expectation: 400, 415 or 422.",
    checks=ERROR_CHECKS,
)
async def audio_unreadable(s: Session) -> None:
    for content in (b"", s.media.garbage()):
        await refused(s, Upload(s, audio=content), INVALID | WRONG_TYPE)


@requirement(
    V,
    "ALPHARUN-CORRUPT-AUDIO",
    title="A wav whose header claims more audio than the file holds is refused",
    level="should",
    source="Alpharun's docs do not say that damaged audio (a WAV whose header claims more audio "
    "than the file holds) is refused; a reasonable expectation: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def audio_corrupt(s: Session) -> None:
    await refused(s, Upload(s, audio=s.media.lying_wav().read_bytes()))
