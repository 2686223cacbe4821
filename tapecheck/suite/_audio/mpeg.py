"""MPEG audio (MP3, and Layer I/II): frame sync, Xing/Info/LAME and VBRI headers, frame scan.

A stream is recognised only where several consecutive frame headers agree
(version, layer, sample rate) and each starts where the previous one ends.
The duration comes from a Xing/Info or VBRI header when the first frame holds
one (minus the LAME encoder delay and padding), and otherwise from a scan that
reads the 4-byte header of every frame, in 1 MB chunks, without decoding.
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

__all__ = ["free_format", "is_header", "parse_mpeg", "stream_at", "vbr_claim"]

# Bitrates in kbps by (MPEG-1?, layer).
_BITRATES: dict[tuple[bool, int], tuple[int, ...]] = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by version bits (0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1).
_RATES: dict[int, tuple[int, int, int]] = {
    3: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    0: (11025, 12000, 8000),
}
_LAYERS = {3: 1, 2: 2, 1: 3}  # layer bits -> layer number
_CODECS = {1: "mp1", 2: "mp2", 3: "mp3"}

_SIGNATURE = 0xFFFE0C  # sync, version, layer and sample-rate bits of a 24-bit key
_CHAIN = 4  # consecutive frames that make a stream

# 24-bit key (the first three header bytes) -> (frame length, samples, sample rate, layer)
_INFO: dict[int, tuple[int, int, int, int] | None] = {}
# signature -> {3-byte prefix: frame length} for the fast scan
_TABLES: dict[int, dict[bytes, int]] = {}


def frame_info(key: int) -> tuple[int, int, int, int] | None:
    """Frame length (0 for free format), samples, sample rate and layer of a header, or None."""
    try:
        return _INFO[key]
    except KeyError:
        pass
    info: tuple[int, int, int, int] | None = None
    version = (key >> 11) & 3
    layer = _LAYERS.get((key >> 9) & 3, 0)
    bitrate_index = (key >> 4) & 15
    rate_index = (key >> 2) & 3
    if key >> 13 == 0x7FF and version != 1 and layer and bitrate_index != 15 and rate_index != 3:
        mpeg1 = version == 3
        bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
        rate = _RATES[version][rate_index]
        padding = (key >> 1) & 1
        if layer == 1:
            samples = 384
            length = (12 * bitrate // rate + padding) * 4
        else:
            samples = 1152 if (layer == 2 or mpeg1) else 576
            length = samples // 8 * bitrate // rate + padding
        if bitrate == 0:
            length = 0
        info = (length, samples, rate, layer)
    _INFO[key] = info
    return info


def _key(data: bytes, offset: int) -> int:
    return (data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2]


def _table(signature: int) -> dict[bytes, int]:
    table = _TABLES.get(signature)
    if table is None:
        table = {}
        for low in range(0x200):  # protection bit, bitrate, padding, private
            key = signature | ((low >> 8) << 8) | ((low >> 4 & 15) << 4) | (low & 3)
            info = frame_info(key)
            if info is not None and info[0] > 0:
                table[key.to_bytes(3, "big")] = info[0]
        _TABLES[signature] = table
    return table


def is_header(data: bytes) -> bool:
    """Whether ``data`` starts with an MPEG audio frame header (not free format)."""
    if len(data) < 3 or data[0] != 0xFF:
        return False
    info = frame_info(_key(data, 0))
    return info is not None and info[0] > 0


def stream_at(window: bytes, offset: int, at_end: bool) -> bool:
    """Whether an MPEG audio stream starts at ``offset`` of ``window``.

    ``at_end`` says that ``window`` ends where the audio ends, so a short
    chain that ends exactly there (a file of two frames) is a stream too.
    """
    if offset + 3 > len(window):
        return False
    info = frame_info(_key(window, offset))
    if info is None or info[0] == 0:
        return False
    signature = _key(window, offset) & _SIGNATURE
    table = _table(signature)
    position = offset + info[0]
    for count in range(1, _CHAIN):
        if position == len(window) and at_end:
            return offset == 0 or count >= 2
        if position + 3 > len(window):
            # A cut file: whole frames, then one that runs past the end.
            return at_end and position > len(window) and offset == 0 and count >= 2
        length = table.get(window[position : position + 3])
        if length is None:
            return False
        position += length
    return True


def scan_frames(src: Source, start: int, end: int, table: dict[bytes, int]) -> tuple[int, int]:
    """Count the frames chained from ``start``: ``(frames, offset where the chain stopped)``.

    The offset equals ``end`` for a clean stream, passes it when the last
    frame is cut, and falls short of it at data that is not a frame.
    """
    frames = 0
    position = start
    get = table.get
    while position + 3 <= end:
        buffer = src.read(position, min(CHUNK, end - position))
        limit = len(buffer) - 3
        cursor = 0
        while cursor <= limit:
            length = get(buffer[cursor : cursor + 3])
            if length is None:
                break
            cursor += length
            frames += 1
        else:
            position += cursor
            continue
        position += cursor
        break
    return frames, position


def _find(src: Source, start: int, end: int, signature: int) -> int | None:
    """The first offset in ``[start, start + 64 KB)`` where a stream starts."""

    def same_stream(window: bytes, offset: int, at_end: bool) -> bool:
        return (
            offset + 2 < len(window)
            and window[offset + 1] >= 0xE0
            and _key(window, offset) & _SIGNATURE == signature
            and stream_at(window, offset, at_end)
        )

    return find_stream(src, start, end, reach=_CHAIN * 2048, starts_here=same_stream)


def _vbr_header(
    frame: bytes, mpeg1: bool, mono: bool
) -> tuple[bool, int | None, int | None, int, int]:
    """Whether ``frame`` holds a Xing/Info or VBRI header; its frames and bytes; LAME's
    encoder delay and padding."""
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    at = 4 + side
    if frame[at : at + 4] in (b"Xing", b"Info") and len(frame) >= at + 8:
        flags = struct.unpack_from(">I", frame, at + 4)[0]
        cursor = at + 8
        frames = total = None
        if flags & 1 and len(frame) >= cursor + 4:
            frames = struct.unpack_from(">I", frame, cursor)[0]
            cursor += 4
        if flags & 2 and len(frame) >= cursor + 4:
            total = struct.unpack_from(">I", frame, cursor)[0]
            cursor += 4
        cursor += (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
        delay = padding = 0
        encoder = frame[cursor : cursor + 4]
        if len(frame) >= cursor + 24 and encoder.isascii() and encoder.isalpha():
            packed = int.from_bytes(frame[cursor + 21 : cursor + 24], "big")
            delay, padding = packed >> 12, packed & 0xFFF
        return True, frames, total, delay, padding
    if frame[36:40] == b"VBRI" and len(frame) >= 54:
        total, frames = struct.unpack_from(">II", frame, 46)
        return True, frames, total, 0, 0
    return False, None, None, 0, 0


def vbr_claim(src: Source, at: int) -> float | None:
    """Seconds the Xing/Info/VBRI header of the frame at ``at`` claims, or None."""
    header = src.read(at, 4)
    info = frame_info(_key(header, 0)) if len(header) == 4 and header[0] == 0xFF else None
    if info is None or info[0] == 0 or info[3] != 3:
        return None
    length, samples, rate, _layer = info
    frame = src.read(at, min(length, 2048))
    _tagged, frames, _total, delay, padding = _vbr_header(
        frame, (_key(header, 0) >> 11) & 3 == 3, header[3] >> 6 == 3
    )
    return None if frames is None else max(frames * samples - delay - padding, 0) / rate


def _claim_too_long(key: int, length: int, frames: int, present: int, cbr: bool) -> bool:
    """Whether ``frames`` frames cannot fit in ``present`` bytes.

    Each frame is at least as long as a frame at the lowest bitrate of its
    version and layer (bitrate index 1, no padding byte: 8 kbit/s for MPEG-2
    and 2.5, 32 kbit/s for MPEG-1); a CBR stream's (LAME's ``Info`` header)
    are all as long as the first, give or take the padding byte. One frame of
    slack: encoders differ on whether the count includes the header frame.
    """
    floor_info = frame_info((key & ~0xF2) | 0x10)
    floor = floor_info[0] if floor_info is not None else 0
    if cbr:
        floor = max(floor, length - 1)
    return floor > 0 and (frames - 1) * floor > present


def parse_mpeg(src: Source, found: Found, first: int, end: int) -> None:
    """Probe the MPEG audio stream whose first frame is at ``first`` (see :func:`stream_at`)."""
    header = src.read(first, 4)
    key = _key(header, 0)
    info = frame_info(key)
    if info is None:  # pragma: no cover - stream_at checked it
        return
    length, samples, rate, layer = info
    mono = len(header) > 3 and header[3] >> 6 == 3
    found.format = "mp3"
    found.codec = _CODECS[layer]
    found.sample_rate = rate
    found.channels = 1 if mono else 2
    signature = key & _SIGNATURE
    table = _table(signature)
    if first + length > end:
        found.problem(
            TRUNCATED,
            f"MP3 file is cut inside its first frame: it needs {n(first + length - end)} "
            "more bytes",
        )
        found.duration_s = 0.0
        return
    tagged = False
    frames: int | None = None
    total: int | None = None
    delay = padding = 0
    cbr = False
    if layer == 3:
        frame = src.read(first, min(length, 2048))
        cbr = b"Info" in frame[4:44]  # LAME's tag for a constant bitrate, Xing for a variable one
        tagged, frames, total, delay, padding = _vbr_header(frame, (key >> 11) & 3 == 3, mono)
    impossible = frames is not None and _claim_too_long(key, length, frames, end - first, cbr)
    if frames is not None and not impossible and (total is None or total <= end - first):
        found.duration_s = max(frames * samples - delay - padding, 0) / rate
        if found.duration_s == 0:
            found.problem(EMPTY, "MP3 file holds no audio (0 frames)")
        return
    if frames is not None and impossible:
        claimed = max(frames * samples - delay - padding, 0) / rate
        found.problem(
            TRUNCATED,
            f"MP3 header (Xing/Info/VBRI) claims {n(frames)} frames ({claimed:,.2f} s), more "
            f"audio than the {n(end - first)} bytes of the stream can hold: the file is cut "
            "or the header is damaged",
        )
    elif frames is not None and total is not None:
        found.problem(
            TRUNCATED,
            f"MP3 header (Xing/VBRI) claims {n(total)} bytes of audio but only "
            f"{n(end - first)} remain in the file",
        )
    if tagged:
        first += length  # the header frame holds no audio
    counted, position = _scan_all(src, found, first, end, table, signature)
    if position > end:
        counted -= 1
        if not found.has(TRUNCATED):
            found.problem(
                TRUNCATED,
                f"MP3 file is cut inside a frame: the last frame needs {n(position - end)} "
                "more bytes",
            )
    found.duration_s = max(counted * samples - delay, 0) / rate
    if counted == 1 and not found.problems:
        found.problem(
            CORRUPT,
            "MP3 file holds a single audio frame: decoders (FFmpeg) need two in a row "
            "to recognise the stream",
        )
    if found.duration_s == 0 and not found.problems:
        found.problem(EMPTY, "MP3 file holds no audio (0 frames)")


def _scan_all(
    src: Source, found: Found, first: int, end: int, table: dict[bytes, int], signature: int
) -> tuple[int, int]:
    """Scan every frame, resyncing over data that is not a frame."""
    frames, position = scan_frames(src, first, end, table)
    junk_at: int | None = None
    junk = 0
    while position < end:
        rest = src.read(position, end - position) if end - position < 3 else b""
        if rest[:1] == b"\xff":
            if not found.has(TRUNCATED):
                found.problem(TRUNCATED, "MP3 file is cut inside a frame header")
            break
        resume = _find(src, position + 1, end, signature)
        if resume is None:
            if end - position > SYNC_SEARCH:
                found.problem(
                    CORRUPT,
                    f"the last {n(end - position)} bytes of the MP3 file are not MPEG audio frames",
                )
            break
        if junk_at is None:
            junk_at = position
        junk += resume - position
        more, position = scan_frames(src, resume, end, table)
        frames += more
    if junk_at is not None:
        found.problem(
            CORRUPT,
            f"MP3 stream holds {n(junk)} bytes that are not MPEG audio frames, "
            f"the first at offset {n(junk_at)}",
        )
    return frames, position


def free_format(src: Source, found: Found, start: int) -> bool:
    """A free-format stream (bitrate index 0) at ``start``: known format, unknown duration."""
    header = src.read(start, 4)
    if len(header) < 4:
        return False
    info = frame_info(_key(header, 0))
    if info is None or info[0] != 0:
        return False
    window = src.read(start + 4, 8192)
    if window.find(header[:2]) < 0:
        return False
    found.format = "mp3"
    found.codec = _CODECS[info[3]]
    found.sample_rate = info[2]
    found.channels = 1 if header[3] >> 6 == 3 else 2
    return True
