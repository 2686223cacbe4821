"""FLAC: STREAMINFO's total samples, checked against the last frame header.

The metadata blocks are walked with seeks (a cover picture is skipped, not
read). The last frame header is found in the final bytes of the file: its
frame or sample number and block size say how many samples the file really
holds, so a cut file is caught without decoding, and a stream whose
STREAMINFO says 0 samples (written to a pipe) still gets its duration. A
second STREAMINFO block is corrupt: which one a decoder believes is open.
"""

from __future__ import annotations

import struct
from functools import cache

from tapecheck.suite._audio.source import CORRUPT, EMPTY, TRUNCATED, Found, Source, n
from tapecheck.suite._audio.tags import tags_start

__all__ = ["parse_flac"]

_TAIL = 64 * 1024
_MAX_TAIL = 1024 * 1024
_MAX_BLOCKS = 1024
_BITS = (0, 8, 12, 0, 16, 20, 24, 32)
_RATES = (0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000)


@cache
def _crc8_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


@cache
def _crc16_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        table.append(crc)
    return tuple(table)


def _crc8(data: bytes) -> int:
    table = _crc8_table()
    crc = 0
    for byte in data:
        crc = table[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    """CRC-16 (polynomial 0x8005); 0 over a whole frame, footer included."""
    table = _crc16_table()
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc


class _Info:
    __slots__ = ("bits", "channels", "max_block", "max_frame", "min_block", "rate", "total")

    def __init__(self, body: bytes) -> None:
        self.min_block, self.max_block = struct.unpack_from(">HH", body)
        self.max_frame = int.from_bytes(body[7:10], "big")
        packed = int.from_bytes(body[10:18], "big")
        self.rate = packed >> 44
        self.channels = ((packed >> 41) & 7) + 1
        self.bits = ((packed >> 36) & 31) + 1
        self.total = packed & 0xFFFFFFFFF


def _frame_header(data: bytes, at: int, info: _Info) -> tuple[int, int, int] | None:
    """``(first sample, block size, header length)`` of a valid frame header at ``at``."""
    if at + 6 > len(data):
        return None
    variable = data[at + 1] & 1
    size_code = data[at + 2] >> 4
    rate_code = data[at + 2] & 15
    bits_code = (data[at + 3] >> 1) & 7
    if size_code == 0 or rate_code == 15 or data[at + 3] & 1 or (data[at + 3] >> 4) > 10:
        return None
    if bits_code == 3 or (bits_code and _BITS[bits_code] != info.bits):
        return None
    lead = data[at + 4]
    extra = 0
    while extra < 7 and lead & (0x80 >> extra):
        extra += 1
    if extra == 1 or extra > 7:
        return None
    number_len = max(extra, 1)
    cursor = at + 4 + number_len
    if cursor > len(data):
        return None
    number = lead & (0xFF >> (extra + 1)) if extra else lead
    for byte in data[at + 5 : cursor]:
        if byte & 0xC0 != 0x80:
            return None
        number = (number << 6) | (byte & 0x3F)
    if size_code == 1:
        block = 192
    elif size_code <= 5:
        block = 576 << (size_code - 2)
    elif size_code <= 7:
        width = size_code - 5
        block = int.from_bytes(data[cursor : cursor + width], "big") + 1
        cursor += width
    else:
        block = 256 << (size_code - 8)
    if rate_code == 12:
        cursor += 1
    elif rate_code in (13, 14):
        cursor += 2
    elif 0 < rate_code < 12 and info.rate and _RATES[rate_code] != info.rate:
        return None
    if cursor >= len(data) or _crc8(data[at:cursor]) != data[cursor]:
        return None
    if info.max_block and block > info.max_block:
        return None
    first = number if variable else number * (info.max_block or block)
    return first, block, cursor + 1 - at


def parse_flac(src: Source, found: Found, start: int) -> None:
    """Probe the FLAC stream whose ``fLaC`` marker is at ``start``."""
    found.format = "flac"
    found.codec = "flac"
    header = src.read(start + 4, 4)
    if len(header) < 4 or header[0] & 0x7F != 0 or int.from_bytes(header[1:4], "big") < 34:
        if len(header) < 4 or start + 8 + 34 > src.size:
            found.problem(TRUNCATED, "FLAC file is cut inside its STREAMINFO block")
        else:
            found.problem(CORRUPT, "FLAC file does not start with a STREAMINFO block")
        return
    body = src.read(start + 8, 34)
    if len(body) < 34:
        found.problem(TRUNCATED, "FLAC file is cut inside its STREAMINFO block")
        return
    info = _Info(body)
    found.sample_rate = info.rate
    found.channels = info.channels
    if info.rate == 0:
        found.problem(CORRUPT, "FLAC STREAMINFO says a sample rate of 0 Hz")
        return
    offset = start + 4
    for index in range(_MAX_BLOCKS):
        block_header = src.read(offset, 4)
        if len(block_header) < 4:
            found.problem(TRUNCATED, "FLAC file is cut inside its metadata")
            return
        if index and block_header[0] & 0x7F == 0 and not found.has(CORRUPT):
            # The format allows one STREAMINFO, first; which one a decoder believes is open.
            found.problem(
                CORRUPT, f"FLAC file has a second STREAMINFO block (at offset {n(offset)})"
            )
        length = int.from_bytes(block_header[1:4], "big")
        offset += 4 + length
        if offset > src.size:
            found.problem(
                TRUNCATED,
                f"FLAC metadata block claims {n(length)} bytes but only "
                f"{n(src.size - offset + length)} remain in the file",
            )
            return
        if block_header[0] & 0x80:
            break
    _frames(src, found, info, offset)


def _frames(src: Source, found: Found, info: _Info, audio: int) -> None:
    """Check the frames against STREAMINFO from the last frame header in the file."""
    declared = info.total
    end = tags_start(src, audio)
    window = min(max(_TAIL, 2 * info.max_frame + 64), _MAX_TAIL)
    start = max(audio, end - window)
    tail = src.read(start, end - start)
    last: tuple[int, int, int] | None = None
    at = len(tail)
    while True:
        at = max(tail.rfind(b"\xff\xf8", 0, at), tail.rfind(b"\xff\xf9", 0, at))
        if at < 0:
            break
        last = _frame_header(tail, at, info)
        if last is not None:
            break
    if last is None:
        if end == audio:
            if declared:
                found.problem(
                    TRUNCATED,
                    f"FLAC file ends after its metadata: STREAMINFO says "
                    f"{n(declared)} samples but there are no audio frames",
                )
            else:
                found.problem(EMPTY, "FLAC file holds no audio frames")
            found.duration_s = 0.0
            return
        found.problem(CORRUPT, "no FLAC frame header found in the last bytes of the file")
        found.duration_s = declared / info.rate if declared else None
        return
    first, block, _length = last
    held = first + block
    if declared and held < declared:
        found.problem(
            TRUNCATED,
            f"FLAC file is cut: STREAMINFO says {n(declared)} samples but the frames "
            f"stop at {n(first)}",
        )
        found.duration_s = first / info.rate
        return
    if declared and held > declared:
        found.problem(
            CORRUPT,
            f"FLAC STREAMINFO says {n(declared)} samples but the frames hold {n(held)}",
        )
    frame = tail[at:]
    if len(frame) >= 4 and _crc16(frame) != 0:
        found.problem(TRUNCATED, "FLAC file is cut inside its last frame")
        found.duration_s = first / info.rate
        return
    found.duration_s = (declared or held) / info.rate
    if found.duration_s == 0:
        found.problem(EMPTY, "FLAC file holds no audio (0 samples)")
