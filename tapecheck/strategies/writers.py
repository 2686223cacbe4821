"""Long and exact-size audio files, written to disk in 1 MB chunks, never held in memory.

For the edges of upload limits (25 MB, 150 MB, 60 minutes): a WAV header
followed by silence, or the whole frames of a short MP3 (CBR, no bit
reservoir) or ADTS head repeated, with an ID3v2 tag whose padding makes a size
exact. Only the short head is ever encoded.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from tapecheck.strategies import _containers as box
from tapecheck.strategies.ffmpeg import encode, signal
from tapecheck.strategies.samples import AudioSample

__all__ = ["write_audio", "write_sized_file", "write_wav"]

_CHUNK = 1024 * 1024
_NO_XING = ("-write_xing", "0")
_NO_ID3 = ("-id3v2_version", "0")

_LONG_SOURCE = {
    # format: (encoding parameters) for a head whose whole frames repeat cleanly
    "mp3": (
        "mp3",
        "libmp3lame",
        ("-b:a", "128k", "-ar", "48000", "-reservoir", "0", *_NO_XING, *_NO_ID3),
    ),
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
        raise ValueError(
            "need duration_s >= 0, sample_rate > 0, channels > 0, sample_width in 1..4"
        )
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
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * align, align, width * 8)
        + b"data"
        + struct.pack("<I", data_size)
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
