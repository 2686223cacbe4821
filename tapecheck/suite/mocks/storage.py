"""Uploaded bytes on disk: streamed chunk by chunk, with a running size check.

A mock never holds an upload in memory. :class:`BlobStore` owns one temporary
folder per mock; :class:`FileSink` writes one upload into it, hashing as it
goes and refusing the chunk that would pass the limit (the file is removed,
nothing is kept). :meth:`BlobStore.save_stream` drains an async iterator of
chunks (``request.stream()``) through a sink, so an oversized body is refused
as soon as it passes the limit and the rest is never read.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["BlobStore", "FileSink", "StoredFile", "TooLarge"]


class TooLarge(Exception):
    """An upload passed its size limit; nothing of it was kept."""

    def __init__(self, limit: int, received: int) -> None:
        super().__init__(f"more than {limit} bytes (stopped reading at {received})")
        self.limit = limit
        self.received = received


@dataclass(frozen=True)
class StoredFile:
    """One upload on disk: where, how big, its sha256, and what the client called it."""

    path: Path
    size: int
    sha256: str
    filename: str | None = None
    content_type: str | None = None


class FileSink:
    """Writes one upload to a file, hashing it and enforcing ``max_bytes`` as it goes."""

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int | None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.filename = filename
        self.content_type = content_type
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = path.open("wb")

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; raise :class:`TooLarge` (and drop the file) if it passes the limit."""
        if self._file is None:
            raise ValueError("the sink is closed")
        received = self.size + len(chunk)
        if self.max_bytes is not None and received > self.max_bytes:
            self.abort()
            raise TooLarge(self.max_bytes, received)
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size = received

    def finish(self) -> StoredFile:
        """Close the file and describe it."""
        if self._file is None:
            raise ValueError("the sink is closed")
        self._file.close()
        self._file = None
        return StoredFile(
            self.path, self.size, self._hash.hexdigest(), self.filename, self.content_type
        )

    def abort(self) -> None:
        """Close and delete the file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


class BlobStore:
    """A temporary folder of uploads, created on first use, removed by :meth:`close`.

    The folder is also removed when the store is garbage-collected or the
    interpreter exits, so an app used without its lifespan (in-process tests)
    leaves nothing behind.
    """

    def __init__(self, prefix: str = "tapecheck-mock-") -> None:
        self.prefix = prefix
        self._directory: Path | None = None
        self._finalizer: weakref.finalize[..., BlobStore] | None = None
        self._guard = threading.Lock()

    @property
    def directory(self) -> Path:
        with self._guard:
            if self._directory is None:
                self._directory = Path(tempfile.mkdtemp(prefix=self.prefix))
                self._finalizer = weakref.finalize(
                    self, shutil.rmtree, self._directory, ignore_errors=True
                )
            return self._directory

    def sink(
        self,
        *,
        max_bytes: int | None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> FileSink:
        """A new sink for one upload."""
        path = self.directory / uuid.uuid4().hex
        return FileSink(path, max_bytes=max_bytes, filename=filename, content_type=content_type)

    async def save_stream(
        self,
        chunks: AsyncIterable[bytes],
        *,
        max_bytes: int | None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> StoredFile:
        """Drain ``chunks`` into a new file; stop at the first chunk past ``max_bytes``."""
        sink = self.sink(max_bytes=max_bytes, filename=filename, content_type=content_type)
        try:
            async for chunk in chunks:
                sink.write(chunk)
        except BaseException:
            sink.abort()
            raise
        return sink.finish()

    @staticmethod
    def discard(stored: StoredFile | None) -> None:
        """Delete an upload's file (a refused or deleted upload)."""
        if stored is not None:
            stored.path.unlink(missing_ok=True)

    def files(self) -> list[Path]:
        """The files held now (for tests: an oversized upload leaves none)."""
        with self._guard:
            if self._directory is None or not self._directory.exists():
                return []
            return sorted(self._directory.iterdir())

    def close(self) -> None:
        """Remove the folder and everything in it; the store can be used again after."""
        with self._guard:
            if self._finalizer is not None:
                self._finalizer()
            self._directory = None
            self._finalizer = None
