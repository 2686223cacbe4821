"""Real audio files for property tests: every format at chosen durations, and broken ones.

    @given(audio_files(formats=["mp3"], max_duration_s=10))
    def test_duration(sample: AudioSample) -> None:
        assert probe(sample.path).duration_s == pytest.approx(sample.duration_s, rel=5e-3)

Files are written to ``directory`` (default: one temporary folder per process,
removed at exit). Encoding calls the bundled ffmpeg (see
:mod:`tapecheck.strategies.encodings`), 20-70 ms a file, so encodings are
cached per duration and tests should keep ``max_examples`` modest; long and
exact-size files come from :mod:`tapecheck.strategies.writers`. This module
takes limits as arguments and imports nothing from ``tapecheck.suite``.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import struct
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from tapecheck.strategies import _containers as box
from tapecheck.strategies.encodings import AUDIO_FORMATS, ENCODINGS, encode_audio
from tapecheck.strategies.samples import AudioSample

__all__ = [
    "DEFECTS",
    "AudioSample",
    "BrokenAudioSample",
    "audio_files",
    "broken_audio_files",
]


DEFECTS: tuple[str, ...] = (
    "empty",
    "wav-no-audio",
    "random-bytes",
    "text",
    "truncated",
    "wav-lying-size",
    "wav-placeholder-zero",
    "wav-placeholder-ffffffff",
    "ogg-no-end-page",
    "mp4-no-moov",
    "mislabelled",
)
_DEFECT_PROBLEM: Mapping[str, str | None] = MappingProxyType(
    {
        "empty": "empty",
        "wav-no-audio": "empty",
        "random-bytes": "unknown",
        "text": "unknown",
        "truncated": "truncated",
        "wav-lying-size": "truncated",
        "wav-placeholder-zero": "corrupt",
        "wav-placeholder-ffffffff": "corrupt",
        "ogg-no-end-page": "truncated",
        "mp4-no-moov": "corrupt",
        "mislabelled": None,
    }
)


@dataclass(frozen=True)
class BrokenAudioSample:
    """A defective (or mislabelled) audio file on disk and the problem a probe must report."""

    path: Path
    defect: str  # one of DEFECTS
    format: str  # the content's format, or "unknown"
    problem: str | None  # the expected AudioProblem.kind; None for a sound file (mislabelled)
    duration_s: float | None  # what the file really holds, when the strategy knows it
    size: int
    source: str = ""  # the ENCODINGS key the file was made from, if any


# -- files on disk -------------------------------------------------------------

_counter = itertools.count()
_default_directory: list[Path] = []


def _directory(directory: str | os.PathLike[str] | None) -> Path:
    if directory is not None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        return path
    if not _default_directory:
        made = Path(tempfile.mkdtemp(prefix="tapecheck-audio-"))
        atexit.register(shutil.rmtree, made, ignore_errors=True)
        _default_directory.append(made)
    return _default_directory[0]


def _write(directory: Path, stem: str, extension: str, data: bytes) -> Path:
    path = directory / f"{stem}-{os.getpid()}-{next(_counter)}{extension}"
    path.write_bytes(data)
    return path


def _sample(encoding: str, milliseconds: int, directory: Path) -> AudioSample:
    spec = ENCODINGS[encoding]
    duration_s = round(milliseconds / 1000 * spec.sample_rate) / spec.sample_rate
    data = encode_audio(encoding, duration_s=duration_s)
    path = _write(directory, encoding, spec.extension, data)
    return AudioSample(path, spec.format, encoding, duration_s, len(data), spec.slack_s)


def _encodings(formats: Collection[str] | None, encodings: Collection[str] | None) -> list[str]:
    if formats is not None:
        unknown = sorted(set(formats) - set(AUDIO_FORMATS))
        if unknown or not formats:
            raise InvalidArgument(
                f"formats must be a non-empty subset of {AUDIO_FORMATS}, got {unknown or formats!r}"
            )
    if encodings is not None:
        unknown = sorted(set(encodings) - set(ENCODINGS))
        if unknown or not encodings:
            raise InvalidArgument(f"encodings must be ENCODINGS keys, got {unknown or encodings!r}")
    chosen = [
        name
        for name, spec in ENCODINGS.items()
        if (formats is None or spec.format in formats) and (encodings is None or name in encodings)
    ]
    if not chosen:
        raise InvalidArgument(f"no encoding of formats={formats!r} among encodings={encodings!r}")
    return chosen


def audio_files(
    *,
    formats: Collection[str] | None = None,
    encodings: Collection[str] | None = None,
    min_duration_s: float = 0.5,
    max_duration_s: float = 5.0,
    directory: str | os.PathLike[str] | None = None,
) -> st.SearchStrategy[AudioSample]:
    """Sound audio files of the given formats (or ENCODINGS keys) and durations, on disk."""
    names = _encodings(formats, encodings)
    if not 0 < min_duration_s <= max_duration_s <= 3600:
        raise InvalidArgument(
            f"need 0 < min_duration_s <= max_duration_s <= 3600, got {min_duration_s}, {max_duration_s}"
        )
    folder = _directory(directory)
    milliseconds = st.integers(round(min_duration_s * 1000), round(max_duration_s * 1000))
    return st.builds(_sample, st.sampled_from(names), milliseconds, st.just(folder))


# -- broken files -------------------------------------------------------------


def _wav(milliseconds: int) -> tuple[bytes, float]:
    return encode_audio("wav", duration_s=milliseconds / 1000), milliseconds / 1000


def _truncated(encoding: str, milliseconds: int, fraction: float) -> tuple[bytes, float | None]:
    """A file of ``encoding`` cut inside a frame, page or box; and what it still holds if known."""
    spec = ENCODINGS[encoding]
    data = encode_audio(encoding, duration_s=milliseconds / 1000)
    if spec.format == "wav":
        header, align = box.wav_data_offset(data)
        start = header + 8
        cut = start + max(1, int((len(data) - start) * fraction))
        cut -= 1 if cut == len(data) else 0
        return data[:cut], (cut - start) // align / spec.sample_rate
    if spec.format in ("mp3", "aac"):
        spans = box.mpeg_frames(data) if spec.format == "mp3" else box.adts_frames(data)
        offset, length = spans[min(len(spans) - 1, max(1, int(len(spans) * fraction)))]
        return data[: offset + max(1, length // 2)], None
    if spec.format == "mp4":
        offset, length = box.mp4_boxes(data)[b"mdat"]
        return data[: offset + 8 + max(1, int((length - 8) * fraction))], None
    if spec.format == "flac":
        # Cut inside the first half so the file ends before its last frame.
        return data[: 64 + int((len(data) - 64) * min(fraction, 0.5))], None
    # Ogg and WebM: anywhere after the headers.
    if spec.format == "webm":
        head = data.find(b"\x1f\x43\xb6\x75")
    else:
        head = sum(length for _, length in box.ogg_pages(data)[:2])
    return data[: head + int((len(data) - head) * fraction)], None


def _broken(
    defect: str, source: str, milliseconds: int, fraction: float, noise: bytes, directory: Path
) -> BrokenAudioSample:
    spec = ENCODINGS[source]
    extension = spec.extension
    content_format = spec.format
    held: float | None = None
    if defect == "empty":
        data, content_format, held = b"", "unknown", None
    elif defect == "wav-no-audio":
        data, content_format, held = encode_audio("wav", duration_s=0.0), "wav", 0.0
    elif defect == "random-bytes":
        data, content_format = noise, "unknown"
    elif defect == "text":
        data, content_format = b"<html><body>404 Not Found</body></html>\n", "unknown"
    elif defect == "truncated":
        data, held = _truncated(source, milliseconds, fraction)
    elif defect.startswith("wav-"):
        data, _ = _wav(milliseconds)
        header, _align = box.wav_data_offset(data)
        claimed = {
            "wav-lying-size": (len(data) - header - 8) * 4 + 1000,
            "wav-placeholder-zero": 0,
            "wav-placeholder-ffffffff": 0xFFFFFFFF,
        }[defect]
        data = data[: header + 4] + struct.pack("<I", claimed) + data[header + 8 :]
        held = milliseconds / 1000
    elif defect == "ogg-no-end-page":
        data = encode_audio(source, duration_s=milliseconds / 1000)
        last = box.ogg_pages(data)[-1]
        data = data[: last[0]]
    elif defect == "mp4-no-moov":
        data = encode_audio(source, duration_s=milliseconds / 1000)
        offset, length = box.mp4_boxes(data)[b"moov"]
        data = data[:offset] + data[offset + length :]
    else:  # mislabelled: sound content under another format's extension
        data = encode_audio(source, duration_s=milliseconds / 1000)
        extension = ".wav" if spec.format != "wav" else ".mp3"
        held = None
    path = _write(directory, f"{defect}-{source}", extension, data)
    return BrokenAudioSample(
        path, defect, content_format, _DEFECT_PROBLEM[defect], held, len(data), source
    )


_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "truncated": (
            "wav",
            "wav-float",
            "mp3-cbr",
            "mp3-vbr",
            "mp3-cbr-noxing",
            "mp3-vbr-noxing",
            "aac-adts",
            "m4a",
            "m4a-faststart",
            "opus",
            "vorbis",
            "flac",
            "webm-opus",
        ),
        "ogg-no-end-page": ("opus", "vorbis"),
        "mp4-no-moov": ("m4a",),
        "mislabelled": ("mp3-cbr", "aac-adts", "opus", "flac", "m4a", "wav"),
    }
)
_MAGIC = (
    b"RIFF",
    b"RIFX",
    b"RF64",
    b"BW64",
    b"fLaC",
    b"OggS",
    b"\x1a\x45\xdf\xa3",
    b"ID3",
    b"\xff",
)


def _noise() -> st.SearchStrategy[bytes]:
    return st.binary(min_size=1, max_size=4096).filter(
        lambda data: not data.startswith(_MAGIC) and data[4:8] not in (b"ftyp", b"moov", b"mdat")
    )


def broken_audio_files(
    *,
    defects: Collection[str] | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> st.SearchStrategy[BrokenAudioSample]:
    """Defective audio files on disk: empty, truncated, lying headers, unknown, mislabelled."""
    chosen = list(DEFECTS) if defects is None else list(defects)
    unknown = sorted(set(chosen) - set(DEFECTS))
    if unknown or not chosen:
        raise InvalidArgument(
            f"defects must be a non-empty subset of {DEFECTS}, got {unknown or chosen!r}"
        )
    folder = _directory(directory)
    strategies = [
        st.builds(
            _broken,
            st.just(defect),
            st.sampled_from(_SOURCES.get(defect, ("wav",))),
            st.integers(300, 3000),
            st.floats(0.2, 0.9),
            _noise() if defect == "random-bytes" else st.just(b""),
            st.just(folder),
        )
        for defect in chosen
    ]
    return st.one_of(strategies)
