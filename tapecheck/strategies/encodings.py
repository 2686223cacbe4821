"""How each kind of test audio is made: container, codec and ffmpeg options, and the cache.

Every format the probe knows is here, with the variants that matter to it:
WAV as PCM, float, extensible 24-bit, G.711 and RF64; MP3 CBR and VBR, with
and without a Xing/Info header, MPEG-1, 2 and 2.5, and Layer II; AAC in ADTS
and in MP4 (``moov`` at the end, at the front, fragmented); Ogg Opus and
Vorbis; FLAC; WebM with Opus and Vorbis, and live WebM as browsers record it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from tapecheck.strategies.ffmpeg import encode, signal

__all__ = ["AUDIO_FORMATS", "ENCODINGS", "Encoding", "encode_audio"]

AUDIO_FORMATS: tuple[str, ...] = ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm")
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
                "mp3-cbr-noxing",
                "mp3",
                "mp3",
                "libmp3lame",
                "-b:a",
                "128k",
                *_NO_XING,
                slack=_MP3_SLACK,
            ),
            _enc(
                "mp3-vbr-noxing",
                "mp3",
                "mp3",
                "libmp3lame",
                "-q:a",
                "4",
                *_NO_XING,
                *_NO_ID3,
                channels=2,
                slack=_MP3_SLACK,
            ),
            _enc("mp3-mpeg2", "mp3", "mp3", "libmp3lame", "-b:a", "64k", rate=22050),
            _enc(
                "mp3-mpeg25-noxing",
                "mp3",
                "mp3",
                "libmp3lame",
                "-b:a",
                "16k",
                *_NO_XING,
                "-write_id3v1",
                "1",
                rate=8000,
                slack=3 * 576 / 8000,
            ),
            _enc("mp2", "mp3", "mp2", "mp2", "-b:a", "128k", rate=48000, slack=3 * 1152 / 48000),
            _enc("aac-adts", "aac", "adts", "aac", "-b:a", "96k", slack=_AAC_SLACK),
            _enc("m4a", "mp4", "ipod", "aac", "-b:a", "96k"),
            _enc("m4a-faststart", "mp4", "ipod", "aac", "-movflags", "+faststart", channels=2),
            _enc(
                "mp4-fragmented",
                "mp4",
                "mp4",
                "aac",
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
                "-frag_duration",
                "1000000",
                slack=_AAC_SLACK,
            ),
            _enc("opus", "opus", "opus", "libopus", "-b:a", "48k", rate=48000),
            _enc("vorbis", "vorbis", "ogg", "libvorbis", "-q:a", "3"),
            _enc("flac", "flac", "flac", "flac"),
            _enc("webm-opus", "webm", "webm", "libopus", rate=48000, channels=2),
            _enc("webm-vorbis", "webm", "webm", "libvorbis", slack=0.03),
            # As browsers' MediaRecorder writes it: no Duration, Segment and Clusters of unknown size.
            _enc("webm-live", "webm", "webm", "libopus", "-live", "1", rate=48000, slack=0.025),
        )
    }
)


@lru_cache(maxsize=64)
def encode_audio(encoding: str, *, duration_s: float) -> bytes:
    """The bytes of ``duration_s`` of test signal in ``encoding`` (an ENCODINGS key); cached."""
    spec = ENCODINGS[encoding]
    samples = round(duration_s * spec.sample_rate)
    segment = signal(samples=samples, sample_rate=spec.sample_rate, channels=spec.channels)
    return encode(segment, muxer=spec.muxer, codec=spec.codec, parameters=spec.parameters)
