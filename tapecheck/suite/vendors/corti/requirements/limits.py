"""Corti's upload limits: exactly the size limit is stored, one byte more is refused; duration too."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path

from tapecheck.suite.conform.common import INVALID, TOO_LARGE
from tapecheck.suite.conform.media import stream_file
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    DELETE,
    ERROR_CHECKS,
    SPEC,
    UPLOAD,
    V,
    cleanup,
    interaction,
    streamed,
    upload_ok,
    upload_refused,
)

__all__ = ["duration_limit", "size_limit"]


def _upload_limits(s: Session) -> tuple[int, float]:
    """The upload's size and duration limits, from the spec's ``x-tapecheck.audio``."""
    audio = s.op(UPLOAD).audio or {}
    if "max-bytes" not in audio or "max-duration-s" not in audio:
        raise ValueError(f"{SPEC}: the upload operation has no max-bytes or max-duration-s")
    return int(audio["max-bytes"]), float(audio["max-duration-s"])


async def _one_byte_more(path: Path) -> AsyncIterator[bytes]:
    """A WAV's bytes with one more byte of audio data: its header still tells the truth."""
    first = True
    async for chunk in stream_file(path):
        if first:
            first = False
            head = bytearray(chunk)
            data = head.find(b"data", 12, 512)
            if head[:4] == b"RIFF" and data > 0:
                for offset in (4, data + 4):
                    (size,) = struct.unpack_from("<I", head, offset)
                    struct.pack_into("<I", head, offset, size + 1)
            chunk = bytes(head)
        yield chunk
    yield b"\x00"


@requirement(
    V,
    "CORTI-SIZE-LIMIT",
    title="A recording of exactly the size limit is stored; one byte more is refused, "
    "with or without a Content-Length",
    level="must",
    source='Corti API reference, "Upload Recording": "There is a maximum limit of 60 minutes in '
    'length and 150MB in size for recordings." 1 MB = 1,000,000 bytes; the docs name no '
    "status: 400 or 413 passes.",
    checks=("status_code_expected", "response_schema_conformance", *ERROR_CHECKS[1:]),
)
async def size_limit(s: Session) -> None:
    limit, _ = _upload_limits(s)
    at_limit = s.media.dense_wav(at_most_bytes=limit)
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, **streamed(at_limit))
        with suppress(ValueError):  # free the 150 MB early (also done at the end)
            await cleanup(s, DELETE, {"id": handle.id, "recordingId": recording})
            handle.recordings.remove(recording)
        over = {"Content-Length": str(at_limit.stat().st_size + 1)}
        await upload_refused(s, handle, _one_byte_more(at_limit), TOO_LARGE, headers=over)
        # Without a Content-Length the body goes chunked: the size is known only as the bytes
        # arrive; 411 refuses chunked bodies outright.
        await upload_refused(s, handle, _one_byte_more(at_limit), TOO_LARGE | {411})


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
