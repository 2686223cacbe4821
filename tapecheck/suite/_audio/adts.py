"""AAC in ADTS: frame sync and a scan that counts raw data blocks (1024 samples each).

ADTS has no header with a length, so the duration comes from reading the
7-byte header of every frame, in 1 MB chunks, without decoding.
"""

from __future__ import annotations

import struct

from tapecheck.suite._audio.source import (
    CHUNK,
    CORRUPT,
    EMPTY,
    SYNC_SEARCH,
    TRUNCATED,
    Found,
    Source,
    find_stream,
    n,
)

__all__ = ["adts_at", "is_header", "parse_adts"]

_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
_FIXED_MASK = 0xFFFFFDF  # the 28 fixed-header bits, without the private bit
_CHAIN = 4
_SAMPLES = 1024
_HEADER = struct.Struct(">Q")


def _fixed(value: int) -> int | None:
    """The fixed-header bits of a 56-bit ADTS header, or None when it is not one."""
    fixed = (value >> 28) & _FIXED_MASK
    if fixed >> 16 != 0xFFF or (fixed >> 13) & 3 != 0 or (fixed >> 6) & 15 >= len(_RATES):
        return None
    if (value >> 13) & 0x1FFF < 7:
        return None
    return fixed


def is_header(data: bytes) -> bool:
    """Whether ``data`` starts with an ADTS frame header."""
    return len(data) >= 7 and _fixed(int.from_bytes(data[:7], "big")) is not None


def adts_at(window: bytes, offset: int, at_end: bool) -> bool:
    """Whether an ADTS stream starts at ``offset`` of ``window`` (see ``mpeg.stream_at``)."""
    if offset + 7 > len(window):
        return False
    value = int.from_bytes(window[offset : offset + 7], "big")
    fixed = _fixed(value)
    if fixed is None:
        return False
    position = offset + ((value >> 13) & 0x1FFF)
    for count in range(1, _CHAIN):
        if position == len(window) and at_end:
            return offset == 0 or count >= 2
        if position + 7 > len(window):
            # A cut file: whole frames, then one that runs past the end.
            return at_end and position > len(window) and offset == 0 and count >= 2
        value = int.from_bytes(window[position : position + 7], "big")
        if _fixed(value) != fixed:
            return False
        position += (value >> 13) & 0x1FFF
    return True


def _scan(src: Source, start: int, end: int, fixed: int) -> tuple[int, int, int]:
    """``(raw data blocks, blocks of the last frame, offset where the chain stopped)``."""
    frames = extra = last = 0
    position = start
    unpack = _HEADER.unpack_from
    while position + 7 <= end:
        buffer = src.read(position, min(CHUNK, end - position))
        if position + len(buffer) >= end:
            buffer += b"\x00"  # headers are read 8 bytes at a time
        limit = len(buffer) - 8
        cursor = 0
        while cursor <= limit:
            value = unpack(buffer, cursor)[0]  # the 7-byte header, then one byte more
            length = (value >> 21) & 0x1FFF
            if (value >> 36) & _FIXED_MASK != fixed or length < 7:
                break
            last = (value >> 8) & 3
            extra += last
            frames += 1
            cursor += length
        else:
            position += cursor
            continue
        position += cursor
        break
    return frames + extra, last + 1, position


def parse_adts(src: Source, found: Found, first: int, end: int) -> None:
    """Probe the ADTS stream whose first frame is at ``first`` (checked by :func:`adts_at`)."""
    value = int.from_bytes(src.read(first, 7), "big")
    fixed = _fixed(value)
    if fixed is None:  # pragma: no cover - adts_at checked it
        return
    rate = _RATES[(fixed >> 6) & 15]
    found.format = "aac"
    found.codec = "aac"
    found.sample_rate = rate
    channels = (fixed >> 2) & 7
    found.channels = channels or None
    blocks, last, position = _scan(src, first, end, fixed)
    junk_at: int | None = None
    junk = 0
    while position < end:
        if end - position < 7:
            if src.read(position, 1) == b"\xff":
                found.problem(TRUNCATED, "AAC (ADTS) file is cut inside a frame header")
            break
        resume = _find(src, position + 1, end, fixed)
        if resume is None:
            if end - position > SYNC_SEARCH:
                found.problem(
                    CORRUPT,
                    f"the last {n(end - position)} bytes of the AAC (ADTS) file are not "
                    "ADTS frames",
                )
            break
        if junk_at is None:
            junk_at = position
        junk += resume - position
        more, last, position = _scan(src, resume, end, fixed)
        blocks += more
    if position > end:
        blocks -= last
        found.problem(
            TRUNCATED,
            f"AAC (ADTS) file is cut inside a frame: the last frame needs "
            f"{n(position - end)} more bytes",
        )
    if junk_at is not None:
        found.problem(
            CORRUPT,
            f"AAC (ADTS) stream holds {n(junk)} bytes that are not ADTS frames, "
            f"the first at offset {n(junk_at)}",
        )
    found.duration_s = blocks * _SAMPLES / rate
    if found.duration_s == 0 and not found.problems:
        found.problem(EMPTY, "AAC (ADTS) file holds no audio frames")


def _find(src: Source, start: int, end: int, fixed: int) -> int | None:
    """The first offset in ``[start, start + 64 KB)`` where a stream with ``fixed`` starts."""

    def same_stream(window: bytes, offset: int, at_end: bool) -> bool:
        return (
            offset + 7 <= len(window)
            and _fixed(int.from_bytes(window[offset : offset + 7], "big")) == fixed
            and adts_at(window, offset, at_end)
        )

    return find_stream(src, start, end, reach=_CHAIN * 8192, starts_here=same_stream)
