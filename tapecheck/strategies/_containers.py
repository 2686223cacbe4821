"""Byte-level surgery on encoded audio: split it into frames, pages and boxes.

The broken variants cut a file inside a frame, drop an Ogg end page or an MP4
``moov``; long files repeat whole frames. These helpers know just enough of
each container for that; they are not a probe (``tapecheck.suite.audio`` is).
"""

from __future__ import annotations

import struct

__all__ = [
    "adts_frames",
    "id3v2_size",
    "mp4_boxes",
    "mpeg_frames",
    "ogg_pages",
    "syncsafe_tag",
    "wav_data_offset",
]

_MP3_BITRATES = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP2_BITRATES = (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384)
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def id3v2_size(data: bytes) -> int:
    """Bytes taken by the ID3v2 tag at the start of ``data`` (0 when there is none)."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)


def syncsafe_tag(padding: int) -> bytes:
    """An empty ID3v2.4 tag of ``10 + padding`` bytes (padding is zeros, which is valid)."""
    size = bytes((padding >> 21 & 0x7F, padding >> 14 & 0x7F, padding >> 7 & 0x7F, padding & 0x7F))
    return b"ID3\x04\x00\x00" + size + bytes(padding)


def mpeg_frames(data: bytes) -> list[tuple[int, int]]:
    """``(offset, length)`` of each Layer II/III frame, from the first header to the last."""
    offset = id3v2_size(data)
    frames: list[tuple[int, int]] = []
    while offset + 4 <= len(data):
        b1, b2 = data[offset + 1], data[offset + 2]
        version = (b1 >> 3) & 3
        layer = (b1 >> 1) & 3
        if data[offset] != 0xFF or b1 < 0xE0 or version == 1 or layer not in (1, 2):
            break
        mpeg1 = version == 3
        bitrate_index = b2 >> 4
        rate_index = (b2 >> 2) & 3
        if bitrate_index in (0, 15) or rate_index == 3:
            break
        rate = _MP3_RATES[version][rate_index]
        if layer == 2:  # Layer II
            bitrate = (_MP2_BITRATES if mpeg1 else _MP3_BITRATES[False])[bitrate_index]
            length = 144 * bitrate * 1000 // rate
        else:
            bitrate = _MP3_BITRATES[mpeg1][bitrate_index]
            length = (144 if mpeg1 else 72) * bitrate * 1000 // rate
        length += (b2 >> 1) & 1
        frames.append((offset, length))
        offset += length
    return frames


def adts_frames(data: bytes) -> list[tuple[int, int]]:
    """``(offset, length)`` of each ADTS frame."""
    offset = id3v2_size(data)
    frames: list[tuple[int, int]] = []
    while offset + 7 <= len(data) and data[offset] == 0xFF and data[offset + 1] & 0xF6 == 0xF0:
        length = ((data[offset + 3] & 3) << 11) | (data[offset + 4] << 3) | (data[offset + 5] >> 5)
        if length < 7:
            break
        frames.append((offset, length))
        offset += length
    return frames


def ogg_pages(data: bytes) -> list[tuple[int, int]]:
    """``(offset, length)`` of each Ogg page."""
    offset = 0
    pages: list[tuple[int, int]] = []
    while offset + 27 <= len(data) and data[offset : offset + 4] == b"OggS":
        segments = data[offset + 26]
        length = 27 + segments + sum(data[offset + 27 : offset + 27 + segments])
        pages.append((offset, length))
        offset += length
    return pages


def mp4_boxes(data: bytes) -> dict[bytes, tuple[int, int]]:
    """``{type: (offset, length)}`` of the top-level MP4 boxes (the last of each type)."""
    offset = 0
    boxes: dict[bytes, tuple[int, int]] = {}
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size == 1:
            size = struct.unpack_from(">Q", data, offset + 8)[0]
        elif size == 0:
            size = len(data) - offset
        if size < 8:
            break
        boxes[kind] = (offset, size)
        offset += size
    return boxes


def wav_data_offset(data: bytes) -> tuple[int, int]:
    """``(offset of the data chunk's header, block align)`` of a RIFF/WAVE file."""
    offset = 12
    align = 1
    while offset + 8 <= len(data):
        kind = data[offset : offset + 4]
        size = struct.unpack_from("<I", data, offset + 4)[0]
        if kind == b"fmt ":
            align = struct.unpack_from("<H", data, offset + 20)[0]
        if kind == b"data":
            return offset, align
        offset += 8 + size + (size & 1)
    raise ValueError("no data chunk")
