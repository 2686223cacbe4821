"""Real audio from pydub, encoded by the ffmpeg binary that the imageio-ffmpeg wheel ships.

No system ffmpeg or ffprobe is needed: pydub's generators make the samples,
and :func:`encode` hands them to ``imageio_ffmpeg.get_ffmpeg_exe()`` through
``AudioSegment.export``, which never calls ffprobe. pydub and imageio-ffmpeg
are imported on first use.
"""

from __future__ import annotations

import array
import io
import random
import warnings
from collections.abc import Sequence
from functools import cache
from typing import Any

__all__ = ["encode", "ffmpeg_exe", "signal", "use_bundled_ffmpeg"]


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped in the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _pydub() -> Any:
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we point it at ours.
        warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)
        warnings.filterwarnings("ignore", "Couldn't find ffprobe", RuntimeWarning)
        warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
        import pydub
        import pydub.generators

    return pydub


def use_bundled_ffmpeg() -> None:
    """Point pydub's ``AudioSegment.converter`` at the bundled ffmpeg."""
    _pydub().AudioSegment.converter = ffmpeg_exe()


def _noise(sample_rate: int) -> Any:
    """1 s of quiet white noise from a seeded generator (pydub's uses the global ``random``)."""
    rng = random.Random(sample_rate)
    samples = array.array("h", (int(rng.uniform(-3000, 3000)) for _ in range(sample_rate)))
    return _pydub().AudioSegment(
        data=samples.tobytes(), sample_width=2, frame_rate=sample_rate, channels=1
    )


@cache
def _pattern(sample_rate: int, channels: int) -> Any:
    """2.5 s of test signal: a tone, quiet noise and silence, so VBR encoders vary their rate."""
    pydub = _pydub()
    tone = pydub.generators.Sine(440, sample_rate=sample_rate).to_audio_segment(1000, volume=-6.0)
    noise = _noise(sample_rate)
    quiet = pydub.AudioSegment.silent(500, frame_rate=sample_rate)
    pattern = tone + noise + quiet
    return pattern.set_channels(channels) if channels != 1 else pattern


def signal(*, samples: int, sample_rate: int, channels: int) -> Any:
    """A pydub ``AudioSegment`` of exactly ``samples`` frames of the test signal."""
    pattern = _pattern(sample_rate, channels)
    count = int(pattern.frame_count())
    repeats = -(-samples // count) if samples else 1
    whole = pattern * repeats if repeats > 1 else pattern
    return whole.get_sample_slice(0, samples)


def encode(segment: Any, *, muxer: str, codec: str | None, parameters: Sequence[str]) -> bytes:
    """``segment`` encoded by the bundled ffmpeg (``-f muxer -c:a codec parameters...``).

    ``muxer="wav"`` without codec or parameters is written by pydub itself.
    """
    use_bundled_ffmpeg()
    out = io.BytesIO()
    segment.export(
        out,
        format=muxer,
        codec=codec,
        parameters=list(parameters) if parameters else None,
    )
    return out.getvalue()
