"""What an audio file really is: its format by content, its duration and its integrity.

The probe reads headers, never the whole file: a few hundred KB at most for
formats that state their length (WAV, MP3 with a Xing/Info/VBRI header, MP4,
Ogg, FLAC, WebM), and a streamed scan of 4- or 7-byte frame headers for the
two that do not (MP3 without a VBR header, AAC in ADTS). The file's name plays
no part. Nothing it reads makes it raise: what is wrong with a file comes back
as :class:`AudioProblem` values, which the linter turns into AUD005/AUD006 and
the mocks into refusals. A header that claims more audio than the file could
hold at its format's lowest bit rate is such a problem, and its duration is
then unknown (:mod:`~tapecheck.suite._audio.capacity`).

    >>> info = probe("call.mp3")
    >>> info.format, info.mime, info.duration_s, [p.kind for p in info.problems]
    ('mp3', 'audio/mpeg', 61.23, [])

``deep=True`` also decodes the stream with PyAV to catch corrupt audio data.
Only the standard library is imported here; PyAV is imported in deep mode.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import BinaryIO

from tapecheck.suite._audio import detect
from tapecheck.suite._audio.source import (
    CORRUPT,
    EMPTY,
    MISSING,
    TRUNCATED,
    UNKNOWN,
    Found,
    Source,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "EXTENSION_BY_FORMAT",
    "FORMATS",
    "MIME_BY_FORMAT",
    "PROBLEM_KINDS",
    "AudioInfo",
    "AudioProblem",
    "formats_for_extension",
    "formats_for_mime",
    "probe",
    "probe_fileobj",
]

FORMATS: tuple[str, ...] = ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm")

MIME_BY_FORMAT: Mapping[str, str] = MappingProxyType(
    {
        "wav": "audio/wav",
        "mp3": "audio/mpeg",
        "aac": "audio/aac",
        "mp4": "audio/mp4",
        "opus": "audio/opus",
        "vorbis": "audio/ogg",
        "flac": "audio/flac",
        "webm": "audio/webm",
    }
)

#: The file extension a file of each format is usually given.
EXTENSION_BY_FORMAT: Mapping[str, str] = MappingProxyType(
    {
        "wav": ".wav",
        "mp3": ".mp3",
        "aac": ".aac",
        "mp4": ".m4a",
        "opus": ".opus",
        "vorbis": ".ogg",
        "flac": ".flac",
        "webm": ".webm",
    }
)

PROBLEM_KINDS: tuple[str, ...] = (MISSING, EMPTY, UNKNOWN, TRUNCATED, CORRUPT)
"""Every ``AudioProblem.kind``, in the order the linter ranks them."""

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
_OGG = frozenset(("opus", "vorbis"))
_FORMATS_BY_MIME: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "audio/mpeg": frozenset(("mp3",)),
        "audio/mp3": frozenset(("mp3",)),
        "audio/wav": frozenset(("wav",)),
        "audio/wave": frozenset(("wav",)),
        "audio/x-wav": frozenset(("wav",)),
        "audio/vnd.wave": frozenset(("wav",)),
        "audio/mp4": frozenset(("mp4",)),
        "audio/m4a": frozenset(("mp4",)),
        "audio/x-m4a": frozenset(("mp4",)),
        "audio/aac": frozenset(("aac",)),
        "audio/x-aac": frozenset(("aac",)),
        "audio/aacp": frozenset(("aac",)),
        "audio/opus": frozenset(("opus",)),
        "audio/ogg": _OGG,
        "audio/flac": frozenset(("flac",)),
        "audio/x-flac": frozenset(("flac",)),
        "audio/webm": frozenset(("webm",)),
    }
)
_FORMATS_BY_EXTENSION: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        ".wav": frozenset(("wav",)),
        ".wave": frozenset(("wav",)),
        ".mp3": frozenset(("mp3",)),
        ".aac": frozenset(("aac",)),
        ".m4a": frozenset(("mp4",)),
        ".mp4": frozenset(("mp4",)),
        ".opus": frozenset(("opus",)),
        ".ogg": _OGG,
        ".oga": _OGG,
        ".flac": frozenset(("flac",)),
        ".webm": frozenset(("webm",)),
        ".weba": frozenset(("webm",)),
    }
)
#: Every file extension read as a declared audio type (the pre-commit hooks' audio files).
AUDIO_EXTENSIONS: tuple[str, ...] = tuple(sorted(_FORMATS_BY_EXTENSION))


def formats_for_mime(mime: str) -> frozenset[str]:
    """The formats a declared MIME type stands for, by meaning (``audio/mp3`` = ``audio/mpeg``).

    Case and parameters (``;codecs=opus``) are ignored; an unknown type gives
    an empty set.
    """
    return _FORMATS_BY_MIME.get(mime.split(";", 1)[0].strip().lower(), frozenset())


def formats_for_extension(name: str) -> frozenset[str] | None:
    """The formats a file name's suffix declares, or None when it has no audio suffix."""
    suffix = os.path.splitext(name.rstrip("/\\"))[1].lower()
    return _FORMATS_BY_EXTENSION.get(suffix)


@dataclass(frozen=True)
class AudioProblem:
    """One thing wrong with a file: a kind from :data:`PROBLEM_KINDS` and a short sentence."""

    kind: str
    message: str


@dataclass(frozen=True)
class AudioInfo:
    """What the probe found in one file."""

    path: str  # as given
    format: str  # a FORMATS member, or "unknown"
    mime: str | None  # MIME_BY_FORMAT[format]; None when unknown
    size: int  # bytes; 0 when missing
    # Seconds of audio; for a truncated file what it really holds; None when it
    # cannot be known (free-format MP3, a cut MP4, broken before its first frame, a
    # header that claims more audio than the file can hold).
    duration_s: float | None
    problems: tuple[AudioProblem, ...]
    codec: str | None = None  # "pcm_s16le", "mp3", "aac", "opus", "vorbis", "flac", ...
    sample_rate: int | None = None
    channels: int | None = None

    @property
    def readable(self) -> bool:
        """A known format was found and the file is not empty or missing."""
        return self.format in MIME_BY_FORMAT and not any(
            p.kind in (EMPTY, MISSING) for p in self.problems
        )

    @property
    def empty(self) -> bool:
        """The file has 0 bytes or 0 seconds of audio."""
        return self.size == 0 or self.duration_s == 0


def probe(path: str | os.PathLike[str], *, deep: bool = False) -> AudioInfo:
    """Probe the file at ``path``. Never raises for its content, or for a missing file."""
    name = os.fspath(path)
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        return _missing(name, exc)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            kind = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file"
            return _missing(name, OSError(0, f"it is {kind}"))
        size = status.st_size
        found = _parse(Source.from_fd(fd, size))
    except OSError as exc:
        return _missing(name, exc)
    finally:
        os.close(fd)
    if deep and found.format in MIME_BY_FORMAT:
        from tapecheck.suite._audio import deep as deep_mode

        deep_mode.decode(name, found)
    return _info(name, size, found)


def probe_fileobj(fileobj: BinaryIO, *, size: int, name: str = "", deep: bool = False) -> AudioInfo:
    """Probe a seekable binary file object of ``size`` bytes; ``name`` is only reported."""
    try:
        found = _parse(Source.from_fileobj(fileobj, size))
    except (OSError, ValueError) as exc:
        return _missing(name, OSError(0, str(exc)))
    if deep and found.format in MIME_BY_FORMAT:
        from tapecheck.suite._audio import deep as deep_mode

        fileobj.seek(0)
        deep_mode.decode(fileobj, found)
    return _info(name, size, found)


def _parse(src: Source) -> Found:
    found = Found()
    try:
        detect.parse(src, found)
    except (OSError, ValueError):
        raise
    except Exception as exc:  # a parser bug must not take a mock or the linter down
        found.problem(CORRUPT, f"the probe could not read this file ({type(exc).__name__}: {exc})")
    if not found.problems and found.format not in MIME_BY_FORMAT:
        found.problem(UNKNOWN, "no known audio format")
    return found


def _missing(name: str, exc: OSError) -> AudioInfo:
    if isinstance(exc, FileNotFoundError):
        message = "the file does not exist"
    elif isinstance(exc, IsADirectoryError):
        message = "cannot read the file: it is a folder"
    else:
        message = f"cannot read the file: {exc.strerror or exc}"
    problem = AudioProblem(MISSING, message)
    return AudioInfo(name, "unknown", None, 0, None, (problem,))


def _info(name: str, size: int, found: Found) -> AudioInfo:
    duration_s = found.duration_s
    if duration_s == 0 and any(kind in (TRUNCATED, CORRUPT) for kind, _ in found.problems):
        duration_s = None  # broken before its first whole frame: not an empty recording
    return AudioInfo(
        path=name,
        format=found.format,
        mime=MIME_BY_FORMAT.get(found.format),
        size=size,
        duration_s=duration_s,
        problems=tuple(AudioProblem(kind, message) for kind, message in found.problems),
        codec=found.codec,
        sample_rate=found.sample_rate,
        channels=found.channels,
    )
