"""Audio the requirements send: real files at the edges of each limit, made once per run.

Files are written with :mod:`tapecheck.strategies` into the run's working
folder and reused by every requirement that asks for the same thing. Large
files (the 150 MB edges) are written in chunks and streamed from disk, never
held in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from tapecheck.strategies import encode_audio, write_audio, write_sized_file, write_wav
from tapecheck.suite.audio import EXTENSION_BY_FORMAT, MIME_BY_FORMAT

__all__ = ["MIME", "FileStream", "Media", "stream_file"]

_CHUNK = 1024 * 1024
#: The MIME type a client declares for each format.
MIME = MIME_BY_FORMAT
_ENCODING = {
    "wav": "wav",
    "mp3": "mp3-cbr",
    "aac": "aac-adts",
    "mp4": "m4a",
    "opus": "opus",
    "vorbis": "vorbis",
    "flac": "flac",
    "webm": "webm-opus",
}
#: 16-bit stereo 48 kHz: 192,000 bytes a second, so 150 MB is 13 minutes (under any duration limit).
_DENSE_RATE, _DENSE_CHANNELS, _DENSE_WIDTH = 48000, 2, 2


class FileStream:
    """A file's bytes in chunks, for a streamed request body; it names its file for the evidence."""

    def __init__(self, path: Path, chunk: int = _CHUNK) -> None:
        self.path = path
        self.chunk = chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with self.path.open("rb") as handle:
            while block := handle.read(self.chunk):
                yield block


def stream_file(path: Path, *, chunk: int = _CHUNK) -> FileStream:
    """A file's bytes in chunks, for a streamed request body."""
    return FileStream(path, chunk)


class Media:
    """One run's audio files, made on first use and deleted with the run."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._made: dict[tuple[object, ...], Path] = {}

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="tapecheck-media-"))
        return self._folder

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
            self._made.clear()

    def _path(self, key: tuple[object, ...], suffix: str) -> Path:
        name = "-".join(str(part).replace(".", "_") for part in key)
        return self.folder / f"{name}{suffix}"

    def audio(self, fmt: str, *, duration_s: float = 1.0) -> Path:
        """A short, sound file of ``fmt`` (any probe format)."""
        key = ("audio", fmt, duration_s)
        if key not in self._made:
            path = self._path(key, EXTENSION_BY_FORMAT[fmt])
            if fmt == "wav":
                write_wav(path, duration_s=duration_s)
            else:
                path.write_bytes(encode_audio(_ENCODING[fmt], duration_s=duration_s))
            self._made[key] = path
        return self._made[key]

    def audio_bytes(self, fmt: str, *, duration_s: float = 1.0) -> bytes:
        return self.audio(fmt, duration_s=duration_s).read_bytes()

    def long(self, fmt: str, *, duration_s: float) -> Path:
        """A long ``wav``, ``mp3`` or ``aac`` file, small for its length where the format allows."""
        key = ("long", fmt, duration_s)
        if key not in self._made:
            path = self._path(key, EXTENSION_BY_FORMAT[fmt])
            write_audio(path, fmt=fmt, duration_s=duration_s)
            self._made[key] = path
        return self._made[key]

    def sized(self, fmt: str, *, size_bytes: int) -> Path:
        """A sound ``wav``, ``mp3`` or ``aac`` file of exactly ``size_bytes``."""
        key = ("sized", fmt, size_bytes)
        if key not in self._made:
            path = self._path(key, EXTENSION_BY_FORMAT[fmt])
            write_sized_file(path, fmt=fmt, size_bytes=size_bytes)
            self._made[key] = path
        return self._made[key]

    def dense_wav(self, *, at_most_bytes: int) -> Path:
        """The largest 16-bit stereo 48 kHz WAV of at most ``at_most_bytes`` (short for its size)."""
        key = ("dense", at_most_bytes)
        if key not in self._made:
            frame = _DENSE_CHANNELS * _DENSE_WIDTH
            frames = (at_most_bytes - 44) // frame
            path = self._path(key, ".wav")
            write_wav(
                path,
                duration_s=frames / _DENSE_RATE,
                sample_rate=_DENSE_RATE,
                channels=_DENSE_CHANNELS,
                sample_width=_DENSE_WIDTH,
            )
            self._made[key] = path
        return self._made[key]

    def lying_wav(self) -> Path:
        """A WAV whose data chunk claims ten times the bytes the file holds."""
        key = ("lying-wav",)
        if key not in self._made:
            sound = self.audio("wav", duration_s=1.0).read_bytes()
            data_size = int.from_bytes(sound[40:44], "little")
            path = self._path(key, ".wav")
            path.write_bytes(sound[:40] + (data_size * 10).to_bytes(4, "little") + sound[44:])
            self._made[key] = path
        return self._made[key]

    def garbage(self, *, size: int = 4096) -> bytes:
        """Bytes that are no audio format (deterministic)."""
        pattern = bytes(range(7, 251, 3))
        return (pattern * (size // len(pattern) + 1))[:size]
