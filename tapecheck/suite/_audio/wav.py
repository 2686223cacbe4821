"""WAV: RIFF, RIFX and RF64/BW64 chunks, the ``fmt`` codec and the ``data`` size.

The duration is the data size over the block size (PCM, float, G.711) or,
for compressed codecs, the ``fact`` sample count or the data size over
``nAvgBytesPerSec`` (a byte rate of 0 is harmless beside a ``fact`` count).
MPEG audio in a WAV without a ``fact`` count has its frames counted as in an
MP3 file. Otherwise the data is never read: chunks are walked with 8-byte
reads and seeks.
"""

from __future__ import annotations

import struct

from tapecheck.suite._audio.source import CORRUPT, EMPTY, TRUNCATED, Found, Source, n

__all__ = ["is_wav", "parse_wav"]

_FORMS = (b"RIFF", b"RIFX", b"RF64", b"BW64")
_PLACEHOLDERS = (0, 0xFFFFFFFF)
_MAX_CHUNKS = 4096

_PCM = 0x0001
_FLOAT = 0x0003
_ALAW = 0x0006
_MULAW = 0x0007
_EXTENSIBLE = 0xFFFE
_CODECS = {
    0x0002: "adpcm_ms",
    _ALAW: "pcm_alaw",
    _MULAW: "pcm_mulaw",
    0x0011: "adpcm_ima_wav",
    0x0031: "gsm_ms",
    0x0050: "mp2",
    0x0055: "mp3",
    0x00FF: "aac",
    0x1610: "aac",
}


def is_wav(head: bytes) -> bool:
    return len(head) >= 12 and head[:4] in _FORMS and head[8:12] == b"WAVE"


def _pcm_codec(tag: int, bits: int, big: bool) -> str:
    end = "be" if big else "le"
    if tag == _FLOAT:
        return f"pcm_f{bits}{end}"
    if bits == 8:
        return "pcm_u8"
    return f"pcm_s{bits}{end}"


_MPEG = (0x0050, 0x0055)  # MPEG audio in WAV: the data chunk holds MP2/MP3 frames


class _Fmt:
    __slots__ = (
        "avg_bytes",
        "bits",
        "block_align",
        "channels",
        "codec",
        "fixed_block",
        "rate",
        "tag",
    )

    def __init__(self, body: bytes, big: bool) -> None:
        order = ">" if big else "<"
        tag, channels, rate, avg, align, bits = struct.unpack_from(order + "HHIIHH", body)
        if tag == _EXTENSIBLE and len(body) >= 26:
            tag = struct.unpack_from(order + "H", body, 24)[0]
        self.tag: int = tag
        self.channels: int = channels
        self.rate: int = rate
        self.avg_bytes: int = avg
        self.block_align: int = align
        self.bits: int = bits
        self.fixed_block = tag in (_PCM, _FLOAT, _ALAW, _MULAW)
        if tag in (_PCM, _FLOAT):
            self.codec = _pcm_codec(tag, bits, big)
        else:
            self.codec = _CODECS.get(tag, f"wav_0x{tag:04x}")

    def invalid(self, samples: int | None) -> str | None:
        """A field that leaves the duration unknowable; a byte rate of 0 is harmless when the
        file records its sample count (``fact``) or holds MPEG frames that can be counted."""
        if self.channels == 0:
            return "WAV fmt chunk says 0 channels"
        if self.rate == 0:
            return "WAV fmt chunk says a sample rate of 0 Hz"
        if self.fixed_block and self.block_align == 0:
            return "WAV fmt chunk says a block size of 0 bytes"
        if (
            not self.fixed_block
            and self.avg_bytes == 0
            and samples is None
            and self.tag not in _MPEG
        ):
            return "WAV fmt chunk says 0 bytes per second"
        return None

    def duration(self, data_bytes: int, samples: int | None) -> float | None:
        if self.fixed_block:
            return (data_bytes // self.block_align) / self.rate
        if samples is not None:
            return samples / self.rate
        return data_bytes / self.avg_bytes if self.avg_bytes else None


def _mpeg_duration(src: Source, start: int, end: int) -> float | None:
    """Seconds of the MPEG audio frames in ``[start, end)``, counted as in an MP3 file."""
    from tapecheck.suite._audio.mpeg import is_header, parse_mpeg

    if not is_header(src.read(start, 4)):
        return None
    inner = Found()
    parse_mpeg(src, inner, start, end)
    return inner.duration_s


def parse_wav(src: Source, found: Found) -> None:
    found.format = "wav"
    head = src.head
    form = head[:4]
    big = form == b"RIFX"
    order = ">" if big else "<"
    riff_size: int = struct.unpack_from(order + "I", head, 4)[0]
    ds64_riff: int | None = None
    ds64_data: int | None = None
    ds64_samples: int | None = None
    fmt: _Fmt | None = None
    fact: int | None = None
    data_at: int | None = None
    data_size = 0
    offset = 12
    size = src.size
    for _ in range(_MAX_CHUNKS):
        if offset + 8 > size:
            break
        header = src.read(offset, 8)
        chunk_id = header[:4]
        chunk_size: int = struct.unpack_from(order + "I", header, 4)[0]
        body_at = offset + 8
        if chunk_id == b"data":
            data_at, data_size = body_at, chunk_size
            if ds64_data is not None and chunk_size == 0xFFFFFFFF:
                data_size = ds64_data
            if fmt is not None:
                break
        elif chunk_id in (b"fmt ", b"ds64", b"fact"):
            body = src.read(body_at, min(chunk_size, 1024))
            if len(body) < min(chunk_size, 1024):
                found.problem(
                    TRUNCATED,
                    f"WAV {chunk_id.decode()!r} chunk claims {n(chunk_size)} bytes "
                    f"but only {n(len(body))} remain in the file",
                )
                return
            if chunk_id == b"fmt ":
                if chunk_size < 16:
                    found.problem(CORRUPT, f"WAV fmt chunk is {n(chunk_size)} bytes, less than 16")
                    return
                fmt = _Fmt(body, big)
            elif chunk_id == b"ds64" and chunk_size >= 24:
                ds64_riff, ds64_data, ds64_samples = struct.unpack_from("<QQQ", body)
            elif chunk_id == b"fact" and chunk_size >= 4:
                fact = struct.unpack_from(order + "I", body)[0]
            if data_at is not None:
                break
        elif body_at + chunk_size > size and data_at is None:
            found.problem(
                TRUNCATED,
                f"WAV {chunk_id.decode('latin-1')!r} chunk claims {n(chunk_size)} bytes "
                f"but only {n(size - body_at)} remain in the file",
            )
            return
        offset = body_at + chunk_size + (chunk_size & 1)

    if fmt is None:
        if data_at is None and offset >= size:
            found.problem(TRUNCATED, "WAV file ends before its fmt and data chunks")
        else:
            found.problem(CORRUPT, "WAV file has no fmt chunk")
        return
    found.codec = fmt.codec
    found.sample_rate = fmt.rate
    found.channels = fmt.channels
    samples = fact if fact is not None else ds64_samples
    invalid = fmt.invalid(samples)
    if invalid is not None:
        found.problem(CORRUPT, invalid)
        return
    if data_at is None:
        if offset >= size:
            found.problem(TRUNCATED, "WAV file ends before its data chunk")
        else:
            found.problem(CORRUPT, "WAV file has no data chunk")
        return

    remaining = size - data_at
    if fmt.tag in _MPEG and samples is None:
        counted = _mpeg_duration(src, data_at, data_at + min(data_size, remaining))
        if counted is not None:
            samples = round(counted * fmt.rate)
    rf64 = form in (b"RF64", b"BW64")
    if rf64 and ds64_data is None:
        found.problem(CORRUPT, f"{form.decode()} file has no ds64 chunk with its 64-bit sizes")
    riff_placeholder = not rf64 and riff_size in _PLACEHOLDERS
    if data_size in _PLACEHOLDERS and not (rf64 and data_size == ds64_data):
        if remaining == 0:
            found.duration_s = 0.0
            found.problem(EMPTY, "WAV data chunk holds no audio (0 bytes)")
            return
        also = " (and so is the RIFF size)" if riff_placeholder else ""
        found.problem(
            CORRUPT,
            f"WAV data chunk size is the placeholder 0x{data_size:08X}{also} but "
            f"{n(remaining)} bytes of audio follow: the writer never filled in the header",
        )
        found.duration_s = fmt.duration(remaining, None)
        return
    if riff_placeholder and remaining > 0:
        found.problem(
            CORRUPT,
            f"WAV RIFF size is the placeholder 0x{riff_size:08X}: "
            "the writer never filled in the header",
        )
    if data_size > remaining:
        found.problem(
            TRUNCATED,
            f"WAV data chunk claims {n(data_size)} bytes but only {n(remaining)} "
            "remain in the file",
        )
        found.duration_s = fmt.duration(remaining, None)
        return
    declared_total = ds64_riff if rf64 and ds64_riff is not None else riff_size
    # Some writers count the 8-byte RIFF header in its size: tolerate that, not more.
    if declared_total not in _PLACEHOLDERS and declared_total > size:
        found.problem(
            TRUNCATED,
            f"WAV header claims {n(declared_total + 8)} bytes but the file has {n(size)}",
        )
    found.duration_s = fmt.duration(data_size, samples)
    if found.duration_s == 0:
        found.problem(EMPTY, "WAV data chunk holds no audio (0 bytes)")
