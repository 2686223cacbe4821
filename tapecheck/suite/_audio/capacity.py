"""The last check of every probe: can the file hold the audio its header claims?

A byte flip in a header field (a frame count, a timescale, a granule
position) gives a duration that no file of this size could hold. Every
format has a lowest bit rate below which no encoder can go: a duration that
would need more bytes than the whole file has, at that rate, is a lie, so the
file is flagged and its duration is unknown (``None``) rather than a number
that would make the linter call it too long.

The floors are chosen low, so that no real file, however quiet or tightly
packed, falls under them; each is explained beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tapecheck.suite._audio.source import CORRUPT, Found, n

__all__ = ["FLOOR_BITS_PER_S", "check_capacity"]

FLOOR_BITS_PER_S: Mapping[str, float] = MappingProxyType(
    {
        # MPEG audio: the lowest bitrate index of any version and layer is 8 kbit/s
        # (MPEG-2 and 2.5 Layer II/III); free format has no duration to check. A
        # Xing/Info frame count is checked against the stream's own floor in mpeg.py.
        "mp3": 8000.0,
        # ADTS: every frame has a 7-byte header and holds 1024 samples; at the
        # lowest ADTS rate (7,350 Hz) that is 7 * 8 * 7350 / 1024 = 402 bit/s.
        "aac": 400.0,
        # Ogg Opus: a packet is at least 1 byte (RFC 6716, R1) for at most 120 ms,
        # plus its lacing byte: 2 bytes / 120 ms = 133 bit/s, with DTX silence at
        # its sparsest. 64 bit/s leaves a factor of two.
        "opus": 64.0,
        # Vorbis: a packet of at least 1 byte (+ its lacing byte) for at most 4,096
        # new samples (half the largest block); at 8 kHz that is 31 bit/s. The
        # sample rate may be lower still, so the floor is 4 bit/s.
        "vorbis": 4.0,
        # FLAC: a frame is at least ~10 bytes (header, one constant subframe a
        # channel, CRC-16) for at most 65,535 samples: 10 bit/s at 8 kHz; 2 bit/s.
        "flac": 2.0,
        # MP4 and WebM carry any codec, including Opus with DTX and AMR's 1-byte
        # NO_DATA frames every 20 ms; every sample or block also costs index bytes.
        # 16 bit/s is below all of them.
        "mp4": 16.0,
        "webm": 16.0,
        # WAV: PCM's length is its data size (a lie there is a truncation, caught in
        # wav.py); compressed codecs with a `fact` count go as low as ~1.2 kbit/s
        # (codec2, LPC-10 2.4 kbit/s). 16 bit/s is far below them.
        "wav": 16.0,
    }
)


def check_capacity(found: Found, size: int) -> None:
    """Flag ``found`` and unset its duration when ``size`` bytes cannot hold it."""
    floor = FLOOR_BITS_PER_S.get(found.format)
    duration = found.duration_s
    if floor is None or duration is None or duration <= 0:
        return
    needed = duration * floor / 8
    if needed <= size:
        return
    found.duration_s = None
    found.problem(
        CORRUPT,
        f"the header claims {duration:,.0f} s of audio, more than the file can hold: "
        f"{n(size)} bytes are {size * 8 / floor:,.0f} s at most at the lowest "
        f"{found.format.upper()} bit rate ({floor:g} bit/s)",
    )
