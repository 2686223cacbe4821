"""The probe reads headers, not files: bounded reads on huge files, flat memory on long scans."""

from __future__ import annotations

import io
import struct
import tracemalloc
from collections.abc import Sequence

import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite.audio import AudioInfo, probe_fileobj

KB = 1024
GB = 1024**3


class Repeat:
    """``length`` bytes of ``pattern`` repeated, never held whole."""

    def __init__(self, pattern: bytes, length: int) -> None:
        self.pattern = pattern
        self.length = length

    def read(self, offset: int, size: int) -> bytes:
        start = offset % len(self.pattern)
        count = -(-(start + size) // len(self.pattern))
        return (self.pattern * count)[start : start + size]


class VirtualFile(io.RawIOBase):
    """A read-only file made of byte strings and :class:`Repeat` runs; counts what is read."""

    def __init__(self, parts: Sequence[bytes | Repeat]) -> None:
        self.parts = list(parts)
        self.size = sum(len(p) if isinstance(p, bytes) else p.length for p in parts)
        self.position = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), max(0, self.size - self.position))
        out = bytearray()
        start = 0
        for part in self.parts:
            length = len(part) if isinstance(part, bytes) else part.length
            end = start + length
            if self.position + len(out) < end and len(out) < wanted:
                at = self.position + len(out) - start
                take = min(wanted - len(out), length - at)
                out += part[at : at + take] if isinstance(part, bytes) else part.read(at, take)
            start = end
        buffer[: len(out)] = out
        self.position += len(out)
        self.bytes_read += len(out)
        return len(out)


def probe_virtual(parts: Sequence[bytes | Repeat]) -> tuple[AudioInfo, int]:
    virtual = VirtualFile(parts)
    info = probe_fileobj(virtual, size=virtual.size)  # type: ignore[arg-type]
    return info, virtual.bytes_read


def test_a_4_gb_wav_is_read_in_its_header() -> None:
    data_size = 4 * GB - 100
    header = (
        b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 192000, 4, 16)
        + b"data" + struct.pack("<I", data_size)
    )  # fmt: skip
    info, read = probe_virtual([header, Repeat(b"\x00", data_size)])
    assert info.problems == ()
    assert info.duration_s == pytest.approx(data_size // 4 / 48000)
    assert read <= 128 * KB


def test_a_9_gb_rf64_reads_its_ds64() -> None:
    data_size = 9 * GB
    header = (
        b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
        + b"ds64" + struct.pack("<IQQQI", 28, data_size + 36 + 36, data_size, data_size // 2, 0)
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16)
        + b"data" + struct.pack("<I", 0xFFFFFFFF)
    )  # fmt: skip
    info, read = probe_virtual([header, Repeat(b"\x00", data_size)])
    assert info.problems == ()
    assert info.duration_s == pytest.approx(data_size / 2 / 44100)
    assert read <= 128 * KB


def test_an_mp4_with_a_5_gb_mdat_and_moov_at_the_end() -> None:
    m4a = encode_audio("m4a", duration_s=3.0)
    ftyp_size = struct.unpack(">I", m4a[:4])[0]
    moov_at = m4a.rindex(b"moov") - 4
    mdat_body = 5 * GB
    mdat_header = struct.pack(">I4sQ", 1, b"mdat", 16 + mdat_body)  # a 64-bit box size
    parts: list[bytes | Repeat] = [
        m4a[:ftyp_size],
        mdat_header,
        Repeat(b"\x00", mdat_body),
        m4a[moov_at:],
    ]
    info, read = probe_virtual(parts)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(3.0)
    assert read <= 256 * KB


def test_an_mp4_whose_mdat_runs_past_the_end() -> None:
    m4a = encode_audio("m4a", duration_s=1.0)
    ftyp_size = struct.unpack(">I", m4a[:4])[0]
    mdat_header = struct.pack(">I4sQ", 1, b"mdat", 16 + 5 * GB)
    info, read = probe_virtual([m4a[:ftyp_size], mdat_header, Repeat(b"\x00", GB)])
    assert [p.kind for p in info.problems] == ["truncated"]
    assert "'mdat' claims 5,368,709,136 bytes" in info.problems[0].message
    assert read <= 128 * KB


@pytest.mark.parametrize("encoding", ["opus", "vorbis", "flac", "mp3-vbr", "webm-opus"])
def test_a_header_format_with_a_gigabyte_in_the_middle_is_read_at_both_ends(encoding: str) -> None:
    data = encode_audio(encoding, duration_s=3.0)
    whole, _ = probe_virtual([data])
    middle = len(data) // 2
    parts: list[bytes | Repeat] = [data[:middle], Repeat(b"\x00", GB), data[middle:]]
    info, read = probe_virtual(parts)
    assert info.duration_s == whole.duration_s
    assert read <= 256 * KB


def test_an_hour_of_cbr_mp3_is_scanned_in_flat_memory() -> None:
    frame = bytes([0xFF, 0xFB, 0x94, 0xC4]) + bytes(380)  # 128 kbps, 48 kHz: 384-byte frames
    frames = 3600 * 48000 // 1152
    tracemalloc.start()
    try:
        info, read = probe_virtual([Repeat(frame, frames * len(frame))])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.problems == ()
    assert info.duration_s == pytest.approx(3600.0)
    assert read <= frames * len(frame) + 128 * KB  # the scan reads the file once
    assert peak < 8 * 1024 * KB  # the 1 MB read buffers, not the 55 MB file
