"""Real audio files for property tests: every format at chosen durations, and broken ones.

    @given(audio_files(formats=["mp3"], max_duration_s=10))
    def test_duration(sample: AudioSample) -> None:
        assert probe(sample.path).duration_s == pytest.approx(sample.duration_s, rel=5e-3)

Files are written to ``directory`` (default: one temporary folder per process,
removed at exit). Encoding calls the bundled ffmpeg (see
:mod:`tapecheck.strategies.ffmpeg`), 20-70 ms a file, so encodings are
cached per duration and tests should keep ``max_examples`` modest.
:func:`write_wav`, :func:`write_audio` and :func:`write_sized_file` write
files of any length or exact size in 1 MB chunks, never holding them in memory.
This module takes limits as arguments and imports nothing from
``tapecheck.suite``.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import struct
import tempfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from tapecheck.strategies import _containers as box
from tapecheck.strategies.ffmpeg import encode, signal

__all__ = [
    "AUDIO_FORMATS",
    "DEFECTS",
    "ENCODINGS",
    "AudioSample",
    "BrokenAudioSample",
    "Encoding",
    "audio_files",
    "broken_audio_files",
    "encode_audio",
    "write_audio",
    "write_sized_file",
    "write_wav",
]

AUDIO_FORMATS: tuple[str, ...] = ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm")
_CHUNK = 1024 * 1024
_EXTENSIONS = {
    "wav": ".wav",
    "mp3": ".mp3",
    "aac": ".aac",
    "mp4": ".m4a",
    "opus": ".opus",
    "vorbis": ".ogg",
    "flac": ".flac",
    "webm": ".webm",
}


@dataclass(frozen=True)
class Encoding:
    """How one kind of file is made: container, codec and ffmpeg options."""

    name: str
    format: str  # the probe's format for this content
    muxer: str  # ffmpeg -f (or pydub's own "wav")
    codec: str | None
    parameters: tuple[str, ...] = ()
    sample_rate: int = 44100
    channels: int = 1
    slack_s: float = 0.0  # how much longer than the input a correct probe may say (encoder priming)

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


def _enc(name: str, fmt: str, muxer: str, codec: str | None, *params: str, **kw: float) -> Encoding:
    rate = int(kw.get("rate", 44100))
    channels = int(kw.get("channels", 1))
    return Encoding(name, fmt, muxer, codec, params, rate, channels, kw.get("slack", 0.0))


_NO_XING = ("-write_xing", "0")
_NO_ID3 = ("-id3v2_version", "0")
# Frame scans count the encoder's priming and padding frames: up to 3 frames more.
_MP3_SLACK = 3 * 1152 / 44100
_AAC_SLACK = 3 * 1024 / 44100

ENCODINGS: Mapping[str, Encoding] = MappingProxyType(
    {
        e.name: e
        for e in (
            _enc("wav", "wav", "wav", None, rate=16000),
            _enc("wav-stereo", "wav", "wav", None, channels=2),
            _enc("wav-float", "wav", "wav", "pcm_f32le"),
            _enc("wav-24bit", "wav", "wav", "pcm_s24le", rate=48000, channels=2),
            _enc("wav-mulaw", "wav", "wav", "pcm_mulaw", rate=8000),
            _enc("wav-rf64", "wav", "wav", "pcm_s16le", "-rf64", "always"),
            _enc("mp3-cbr", "mp3", "mp3", "libmp3lame", "-b:a", "128k"),
            _enc("mp3-vbr", "mp3", "mp3", "libmp3lame", "-q:a", "4", channels=2),
            _enc(
                "mp3-cbr-noxing", "mp3", "mp3", "libmp3lame", "-b:a", "128k", *_NO_XING,
                slack=_MP3_SLACK,
            ),
            _enc(
                "mp3-vbr-noxing", "mp3", "mp3", "libmp3lame", "-q:a", "4", *_NO_XING, *_NO_ID3,
                channels=2, slack=_MP3_SLACK,
            ),
            _enc("mp3-mpeg2", "mp3", "mp3", "libmp3lame", "-b:a", "64k", rate=22050),
            _enc(
                "mp3-mpeg25-noxing", "mp3", "mp3", "libmp3lame", "-b:a", "16k", *_NO_XING,
                "-write_id3v1", "1", rate=8000, slack=3 * 576 / 8000,
            ),
            _enc("mp2", "mp3", "mp2", "mp2", "-b:a", "128k", rate=48000, slack=3 * 1152 / 48000),
            _enc("aac-adts", "aac", "adts", "aac", "-b:a", "96k", slack=_AAC_SLACK),
            _enc("m4a", "mp4", "ipod", "aac", "-b:a", "96k"),
            _enc("m4a-faststart", "mp4", "ipod", "aac", "-movflags", "+faststart", channels=2),
            _enc(
                "mp4-fragmented", "mp4", "mp4", "aac",
                "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "1000000",
                slack=_AAC_SLACK,
            ),
            _enc("opus", "opus", "opus", "libopus", "-b:a", "48k", rate=48000),
            _enc("vorbis", "vorbis", "ogg", "libvorbis", "-q:a", "3"),
            _enc("flac", "flac", "flac", "flac"),
            _enc("webm-opus", "webm", "webm", "libopus", rate=48000, channels=2),
            _enc("webm-vorbis", "webm", "webm", "libvorbis", slack=0.03),
        )
    }
)


@dataclass(frozen=True)
class AudioSample:
    """A sound audio file on disk and what it truly holds."""

    path: Path
    format: str  # the content's format, one of AUDIO_FORMATS
    encoding: str  # an ENCODINGS key, or how a writer made it
    duration_s: float  # the exact length of the input signal
    size: int  # bytes
    slack_s: float = 0.0  # a frame-scanning probe may say up to this much more (encoder priming)

    @property
    def bytes(self) -> int:
        """Alias of :attr:`size`."""
        return self.size


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


# -- encoding ------------------------------------------------------------------


@lru_cache(maxsize=64)
def encode_audio(encoding: str, *, duration_s: float) -> bytes:
    """The bytes of ``duration_s`` of test signal in ``encoding`` (an ENCODINGS key); cached."""
    spec = ENCODINGS[encoding]
    samples = round(duration_s * spec.sample_rate)
    segment = signal(samples=samples, sample_rate=spec.sample_rate, channels=spec.channels)
    return encode(segment, muxer=spec.muxer, codec=spec.codec, parameters=spec.parameters)


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
            raise InvalidArgument(f"formats must be a non-empty subset of {AUDIO_FORMATS}, got {unknown or formats!r}")
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
        frames = (cut - start) // align
        return data[:cut], frames / spec.sample_rate
    if spec.format in ("mp3", "aac"):
        frames = box.mpeg_frames(data) if spec.format == "mp3" else box.adts_frames(data)
        offset, length = frames[min(len(frames) - 1, max(1, int(len(frames) * fraction)))]
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


def _broken(defect: str, source: str, milliseconds: int, fraction: float, noise: bytes, directory: Path) -> BrokenAudioSample:
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
    return BrokenAudioSample(path, defect, content_format, _DEFECT_PROBLEM[defect], held, len(data), source)


_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "truncated": (
            "wav", "wav-float", "mp3-cbr", "mp3-vbr", "mp3-cbr-noxing", "mp3-vbr-noxing", "aac-adts",
            "m4a", "m4a-faststart", "opus", "vorbis", "flac", "webm-opus",
        ),
        "ogg-no-end-page": ("opus", "vorbis"),
        "mp4-no-moov": ("m4a",),
        "mislabelled": ("mp3-cbr", "aac-adts", "opus", "flac", "m4a", "wav"),
    }
)
_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"fLaC", b"OggS", b"\x1a\x45\xdf\xa3", b"ID3", b"\xff")


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
        raise InvalidArgument(f"defects must be a non-empty subset of {DEFECTS}, got {unknown or chosen!r}")
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


# -- long and exact-size files -------------------------------------------------

_LONG_SOURCE = {
    # format: (encoding parameters) for a head whose whole frames repeat cleanly
    "mp3": ("mp3", "libmp3lame", ("-b:a", "128k", "-ar", "48000", "-reservoir", "0", *_NO_XING, *_NO_ID3)),
    "aac": ("adts", "aac", ("-b:a", "64k", "-ar", "48000")),
}
_SAMPLES_PER_FRAME = {"mp3": 1152, "aac": 1024}
_LONG_RATE = 48000


@lru_cache(maxsize=4)
def _frames(fmt: str) -> tuple[bytes, ...]:
    muxer, codec, parameters = _LONG_SOURCE[fmt]
    segment = signal(samples=_LONG_RATE * 5, sample_rate=_LONG_RATE, channels=1)
    data = encode(segment, muxer=muxer, codec=codec, parameters=parameters)
    spans = box.mpeg_frames(data) if fmt == "mp3" else box.adts_frames(data)
    return tuple(data[offset : offset + length] for offset, length in spans[2:-2])


def _cycle(frames: tuple[bytes, ...], count: int) -> Iterator[bytes]:
    """``count`` frames, repeating ``frames``, joined into chunks of about 1 MB."""
    chunk: list[bytes] = []
    size = 0
    for index in range(count):
        frame = frames[index % len(frames)]
        chunk.append(frame)
        size += len(frame)
        if size >= _CHUNK:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


def _check_path(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def write_wav(
    path: str | os.PathLike[str],
    *,
    duration_s: float,
    sample_rate: int = 16000,
    channels: int = 1,
    sample_width: int = 2,
) -> AudioSample:
    """A PCM WAV of exactly ``duration_s`` (rounded to a sample) of silence, written in 1 MB chunks."""
    if duration_s < 0 or sample_rate <= 0 or channels <= 0 or sample_width not in (1, 2, 3, 4):
        raise ValueError("need duration_s >= 0, sample_rate > 0, channels > 0, sample_width in 1..4")
    frames = round(duration_s * sample_rate)
    align = channels * sample_width
    data_size = frames * align
    if data_size + 36 > 0xFFFFFFFF:
        raise ValueError("a RIFF WAV holds at most 4 GB")
    target = _check_path(path)
    silence = b"\x80" if sample_width == 1 else b"\x00"
    with target.open("wb") as out:
        out.write(_wav_header(data_size, sample_rate, channels, sample_width))
        _fill(out, data_size, silence)
    return AudioSample(target, "wav", "write_wav", frames / sample_rate, data_size + 44)


def _wav_header(data_size: int, rate: int, channels: int, width: int) -> bytes:
    align = channels * width
    return (
        b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * align, align, width * 8)
        + b"data" + struct.pack("<I", data_size)
    )


def _fill(out: BinaryIO, size: int, byte: bytes) -> None:
    block = byte * _CHUNK
    while size > 0:
        out.write(block[: min(size, _CHUNK)])
        size -= _CHUNK


def write_audio(path: str | os.PathLike[str], *, fmt: str, duration_s: float) -> AudioSample:
    """A long ``wav``, ``mp3`` (CBR, 48 kHz) or ``aac`` (ADTS) file, written in 1 MB chunks.

    MP3 and AAC repeat the frames of a short encoded head, so an hour costs
    no encoding; their duration is rounded to whole frames.
    """
    if fmt == "wav":
        return write_wav(path, duration_s=duration_s)
    if fmt not in _LONG_SOURCE:
        raise ValueError(f"write_audio makes wav, mp3 or aac, not {fmt!r}")
    if duration_s < 0:
        raise ValueError("duration_s must be >= 0")
    per_frame = _SAMPLES_PER_FRAME[fmt]
    count = round(duration_s * _LONG_RATE / per_frame)
    target = _check_path(path)
    size = 0
    with target.open("wb") as out:
        for chunk in _cycle(_frames(fmt), count):
            out.write(chunk)
            size += len(chunk)
    return AudioSample(target, fmt, "write_audio", count * per_frame / _LONG_RATE, size)


def write_sized_file(path: str | os.PathLike[str], *, fmt: str, size_bytes: int) -> AudioSample:
    """A sound ``wav``, ``mp3`` or ``aac`` file of exactly ``size_bytes``, written in 1 MB chunks.

    WAV is 8-bit mono 16 kHz silence; MP3 and AAC repeat whole frames after an
    ID3v2 tag whose padding makes the size exact.
    """
    target = _check_path(path)
    if fmt == "wav":
        if size_bytes < 44:
            raise ValueError("a WAV file has at least 44 bytes")
        with target.open("wb") as out:
            out.write(_wav_header(size_bytes - 44, 16000, 1, 1))
            _fill(out, size_bytes - 44, b"\x80")
        return AudioSample(target, "wav", "write_sized_file", (size_bytes - 44) / 16000, size_bytes)
    if fmt not in _LONG_SOURCE:
        raise ValueError(f"write_sized_file makes wav, mp3 or aac, not {fmt!r}")
    frames = _frames(fmt)
    budget = size_bytes - 10
    count = total = 0
    while total + len(frames[count % len(frames)]) <= budget:
        total += len(frames[count % len(frames)])
        count += 1
    if count == 0:
        raise ValueError(f"an {fmt} file of {size_bytes} bytes cannot hold one frame")
    with target.open("wb") as out:
        out.write(box.syncsafe_tag(budget - total))
        for chunk in _cycle(frames, count):
            out.write(chunk)
    per_frame = _SAMPLES_PER_FRAME[fmt]
    return AudioSample(target, fmt, "write_sized_file", count * per_frame / _LONG_RATE, size_bytes)
