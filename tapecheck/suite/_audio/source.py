"""Bounded reads from a file, and the mutable result a parser fills in."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = [
    "CHUNK",
    "CORRUPT",
    "EMPTY",
    "HEAD",
    "MISSING",
    "PRELOAD",
    "SYNC_SEARCH",
    "TRUNCATED",
    "UNKNOWN",
    "Found",
    "Source",
    "find_stream",
    "n",
    "sync_offsets",
]

# Problem kinds (AudioProblem.kind).
MISSING = "missing"
EMPTY = "empty"
UNKNOWN = "unknown"
TRUNCATED = "truncated"
CORRUPT = "corrupt"

HEAD = 64 * 1024
"""Bytes read once from the start of every file; most parsers need nothing more."""

CHUNK = 1024 * 1024
"""Read size of the frame scans (MP3, ADTS): memory stays flat whatever the file size."""


PRELOAD = 1024 * 1024
"""The largest region :meth:`Source.preload` reads at once."""

SYNC_SEARCH = 64 * 1024
"""How far past where it should start a frame stream (MP3, ADTS) may begin."""


def n(value: int) -> str:
    """A count with thousands separators, as messages print it: ``4,000,000``."""
    return f"{value:,}"


class Source:
    """A file of known size that is read at offsets, never slurped.

    ``head`` holds the first :data:`HEAD` bytes; :meth:`read` serves from it
    when it can and otherwise reads the file. ``bytes_read`` counts what the
    file itself gave, so tests can bound a probe's reads.
    """

    __slots__ = ("_pread", "_window", "_window_at", "bytes_read", "head", "size")

    def __init__(self, pread: Callable[[int, int], bytes], size: int) -> None:
        self._pread = pread
        self.size = size
        self.bytes_read = 0
        self.head = b""
        self._window = b""
        self._window_at = 0
        self.head = self._raw(0, min(size, HEAD))

    @classmethod
    def from_fd(cls, fd: int, size: int) -> Source:
        def pread(offset: int, length: int) -> bytes:
            return os.pread(fd, length, offset)

        return cls(pread, size)

    @classmethod
    def from_fileobj(cls, fileobj: BinaryIO, size: int) -> Source:
        def pread(offset: int, length: int) -> bytes:
            fileobj.seek(offset)
            parts: list[bytes] = []
            while length > 0:
                part = fileobj.read(length)
                if not part:
                    break
                parts.append(part)
                length -= len(part)
            return parts[0] if len(parts) == 1 else b"".join(parts)

        return cls(pread, size)

    def _raw(self, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        data = self._pread(offset, length)
        self.bytes_read += len(data)
        return data

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset`` (fewer at the end of the file)."""
        if offset < 0 or offset >= self.size or length <= 0:
            return b""
        length = min(length, self.size - offset)
        end = offset + length
        if end <= len(self.head):
            return self.head[offset:end]
        at = offset - self._window_at
        if at >= 0 and at + length <= len(self._window):
            return self._window[at : at + length]
        return self._raw(offset, length)

    def preload(self, start: int, end: int) -> None:
        """Read ``[start, end)`` at once, for a parser about to make many small reads in it
        (an MP4 ``moov`` at the end of the file); only the last preload is kept."""
        if end > len(self.head) and 0 < end - start <= PRELOAD:
            self._window_at = start
            self._window = self._raw(start, end - start)

    def chunks(self, start: int, end: int, size: int = CHUNK) -> Iterator[tuple[int, bytes]]:
        """``(offset, data)`` pieces of ``[start, end)``, each at most ``size`` bytes."""
        offset = start
        while offset < end:
            data = self.read(offset, min(size, end - offset))
            if not data:
                return
            yield offset, data
            offset += len(data)


@dataclass
class Found:
    """What a parser learnt about a file; the façade turns it into an ``AudioInfo``."""

    format: str = "unknown"
    duration_s: float | None = None
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, kind: str, message: str) -> None:
        self.problems.append((kind, message))

    def has(self, kind: str) -> bool:
        return any(k == kind for k, _ in self.problems)


def sync_offsets(window: bytes, search: int = SYNC_SEARCH) -> Iterator[int]:
    """Where a frame may start: each ``0xFF`` byte in the first ``search`` bytes of ``window``."""
    limit = min(len(window), search)
    cursor = window.find(b"\xff", 0, limit)
    while cursor >= 0:
        yield cursor
        cursor = window.find(b"\xff", cursor + 1, limit)


def find_stream(
    src: Source,
    start: int,
    end: int,
    *,
    reach: int,
    starts_here: Callable[[bytes, int, bool], bool],
) -> int | None:
    """The first offset in ``[start, start + SYNC_SEARCH)`` where a frame stream starts.

    ``starts_here(window, offset, at_end)`` judges each :func:`sync_offsets`
    candidate; the window reads ``reach`` bytes past the search, so that a
    stream found near its end can be followed for a few frames.
    """
    window_end = min(end, start + SYNC_SEARCH + reach)
    window = src.read(start, window_end - start)
    at_end = window_end == end
    for offset in sync_offsets(window):
        if starts_here(window, offset, at_end):
            return start + offset
    return None
