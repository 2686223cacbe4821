"""MP4 sample tables: do the audio track's chunk offsets point into the file's media data?

A byte flip in ``stco``/``co64`` sends a player to data that is not there (past
the end of the file, or into a box header), while every duration in the header
still reads well. Only the tables are read, never the media: the chunk
offsets (4 or 8 bytes a chunk, one chunk holding many samples), the last
``stsc`` entry and the sizes of the last chunk's samples from ``stsz``.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_right

from tapecheck.suite._audio.source import Source, n

__all__ = ["chunk_problem"]

# An index this large is read at its two ends only; an hour of AAC has ~3,600
# chunks (14 KB of offsets), so real files are read whole.
_MAX_ENTRIES = 256 * 1024
_END_ENTRIES = 4096


def _offsets(src: Source, body_at: int, box_end: int, width: int) -> list[int] | None:
    """The chunk offsets of an ``stco`` (``width`` 4) or ``co64`` (8) body; None if unreadable."""
    head = src.read(body_at, 8)
    if len(head) < 8:
        return None
    count = struct.unpack_from(">I", head, 4)[0]
    if count == 0:
        return []
    first = body_at + 8
    count = min(count, (box_end - first) // width)
    if count <= 0:
        return None
    if count <= _MAX_ENTRIES:
        spans = [(first, count)]
    else:
        tail = count - _END_ENTRIES
        spans = [(first, _END_ENTRIES), (first + tail * width, _END_ENTRIES)]
    values: list[int] = []
    for at, entries in spans:
        table = array("I" if width == 4 else "Q")
        if table.itemsize != width:  # pragma: no cover - every CPython platform has these sizes
            return None
        table.frombytes(src.read(at, entries * width)[: entries * width // width * width])
        if sys.byteorder == "little":
            table.byteswap()
        values.extend(table)
    return values


def _last_chunk_bytes(src: Source, tables: dict[bytes, tuple[int, int]]) -> int | None:
    """Bytes of the samples in the track's last chunk (``stsc`` + ``stsz``), or None."""
    stsc, stsz = tables.get(b"stsc"), tables.get(b"stsz")
    if stsc is None or stsz is None:
        return None
    head = src.read(stsc[0], 8)
    if len(head) < 8:
        return None
    entries = struct.unpack_from(">I", head, 4)[0]
    last_at = stsc[0] + 8 + (entries - 1) * 12
    if entries == 0 or last_at + 12 > stsc[1]:
        return None
    per_chunk: int = struct.unpack_from(">I", src.read(last_at + 4, 4).rjust(4, b"\0"))[0]
    sizes = src.read(stsz[0], 12)
    if len(sizes) < 12:
        return None
    constant: int
    count: int
    constant, count = struct.unpack_from(">II", sizes, 4)
    per_chunk = min(per_chunk, count)
    if constant:
        return constant * per_chunk
    table_end = stsz[0] + 12 + count * 4
    if table_end > stsz[1] or per_chunk == 0:
        return None
    data = src.read(table_end - per_chunk * 4, per_chunk * 4)
    sizes_of_chunk: tuple[int, ...] = struct.unpack(
        f">{len(data) // 4}I", data[: len(data) // 4 * 4]
    )
    return sum(sizes_of_chunk)


def chunk_problem(
    src: Source, tables: dict[bytes, tuple[int, int]], mdats: list[tuple[int, int, int]]
) -> str | None:
    """What is wrong with the track's chunk offsets, or None.

    ``mdats`` holds each ``mdat`` box as ``(box start, body start, box end)``.
    Every offset must fall inside an ``mdat`` body (not its 8- or 16-byte
    header, not past its end), and the last chunk's samples must end inside it.
    """
    if b"co64" in tables:
        offsets = _offsets(src, *tables[b"co64"], 8)
    elif b"stco" in tables:
        offsets = _offsets(src, *tables[b"stco"], 4)
    else:
        return None
    if not offsets:
        return None
    bodies = sorted((body, end) for _box, body, end in mdats)
    starts = [body for body, _end in bodies]
    # One media box (the usual case): its bounds hold every offset if they hold both ends.
    for offset in (max(offsets), min(offsets)) if len(bodies) == 1 else offsets:
        index = bisect_right(starts, offset) - 1
        if index < 0 or offset >= bodies[index][1]:
            box = next((box for box, body, _end in mdats if box <= offset < body), None)
            if box is not None:
                where = f"into the header of the 'mdat' box at offset {n(box)}"
            elif offset >= src.size:
                where = f"past the end of the file ({n(src.size)} bytes)"
            else:
                where = "outside its media data ('mdat')"
            return f"MP4 audio track's index points to audio at offset {n(offset)}, {where}"
    last = offsets[-1]
    size = _last_chunk_bytes(src, tables)
    if size is not None:
        body_end = bodies[bisect_right(starts, last) - 1][1]
        if last + size > body_end:
            return (
                f"MP4 audio track's last chunk (offset {n(last)}, {n(size)} bytes) runs "
                f"{n(last + size - body_end)} bytes past the end of its media data"
            )
    return None
