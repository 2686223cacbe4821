"""Alpharun's audio part: common formats are accepted; empty, unreadable or damaged audio is refused."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    SEED,
    SPEC,
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
    source=f"{SEED}: audio is a binary file with no documented format limit ({SPEC}, "
    "x-tapecheck audio). 200 passes too: a second run sends the same files.",
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
    source=f"{SEED}: the endpoint creates a recording and triggers its assessment (of audio); "
    "CONTRACT.md: 400 or 422 for invalid data, 400 or 415 for a wrong type.",
    checks=ERROR_CHECKS,
)
async def audio_unreadable(s: Session) -> None:
    for content in (b"", s.media.garbage()):
        await refused(s, Upload(s, audio=content), INVALID | WRONG_TYPE)


@requirement(
    V,
    "ALPHARUN-CORRUPT-AUDIO",
    title="A wav whose header claims more audio than the file holds is refused",
    source="VENDORS.md: a WAV whose header claims more audio than the file holds is refused as "
    "invalid audio (400) by every mock.",
    checks=ERROR_CHECKS,
)
async def audio_corrupt(s: Session) -> None:
    await refused(s, Upload(s, audio=s.media.lying_wav().read_bytes()))
