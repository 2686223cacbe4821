"""Audio at a size limit, and one byte more: written to disk in chunks, never held in memory."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Protocol

from tapecheck.suite.specs import Operation

__all__ = ["at_limit", "one_byte_more"]

#: The rate of the WAV ``Media.sized`` writes (8-bit mono 16 kHz): bytes of audio a second.
_SIZED_WAV_RATE = 16_000
_CHUNK = 1 << 20


class _Media(Protocol):
    def sized(self, fmt: str, *, size_bytes: int) -> Path: ...

    def dense_wav(self, *, at_most_bytes: int) -> Path: ...


def at_limit(media: _Media, operation: Operation, fmt: str, limit: int) -> Path:
    """Sound audio of ``limit`` bytes, within the operation's duration limit where it has one.

    A WAV of silence at a low rate is long for its size (150 MB: over two hours);
    where that is over the duration limit, the densest WAV of at most ``limit``
    bytes stands in (exactly ``limit`` when the frames fit).
    """
    duration = (operation.audio or {}).get("max-duration-s")
    if (
        fmt == "wav"
        and isinstance(duration, (int, float))
        and (limit - 44) / _SIZED_WAV_RATE > duration
    ):
        return media.dense_wav(at_most_bytes=limit)
    return media.sized(fmt, size_bytes=limit)


def one_byte_more(path: Path, fmt: str) -> Path:
    """``path``'s audio with one more byte of audio data, beside it (a WAV's header counts it)."""
    target = path.with_name(f"{path.stem}-plus1{path.suffix}")
    if target.exists() and target.stat().st_size == path.stat().st_size + 1:
        return target
    with path.open("rb") as source, target.open("wb") as out:
        first = True
        while chunk := source.read(_CHUNK):
            if first and fmt == "wav":
                head = bytearray(chunk)
                data = head.find(b"data", 12, 512)
                if head[:4] == b"RIFF" and data > 0:
                    for offset in (4, data + 4):
                        (size,) = struct.unpack_from("<I", head, offset)
                        struct.pack_into("<I", head, offset, size + 1)
                chunk = bytes(head)
            first = False
            out.write(chunk)
        out.write(b"\x00")
    return target
