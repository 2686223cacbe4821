"""The probe never raises and never trips over its own parsers, whatever the bytes."""

from __future__ import annotations

import io
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tapecheck.strategies import ENCODINGS, encode_audio
from tapecheck.suite.audio import FORMATS, PROBLEM_KINDS, AudioInfo, probe_fileobj

INTERNAL = "the probe could not read this file"
NAMES = sorted(ENCODINGS)


@cache
def small(encoding: str) -> bytes:
    return encode_audio(encoding, duration_s=0.4)


def check(data: bytes) -> AudioInfo:
    info = probe_fileobj(io.BytesIO(data), size=len(data))
    assert info.format in (*FORMATS, "unknown")
    assert info.size == len(data)
    for problem in info.problems:
        assert problem.kind in PROBLEM_KINDS
        assert problem.message
        assert INTERNAL not in problem.message, problem.message
    if info.format == "unknown":
        assert info.problems
    if info.duration_s is not None:
        assert info.duration_s >= 0
    return info


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=8192))
def test_random_bytes(data: bytes) -> None:
    check(data)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(NAMES),
    st.binary(min_size=0, max_size=64),
)
def test_real_header_then_random_bytes(encoding: str, tail: bytes) -> None:
    data = small(encoding)
    check(data[:80] + tail)
    check(data[:4] + tail)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(NAMES),
    st.lists(st.tuples(st.integers(0, 2047), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_mutated_headers(encoding: str, edits: list[tuple[int, int]]) -> None:
    data = bytearray(small(encoding))
    for position, value in edits:
        data[position % len(data)] = value
    check(bytes(data))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(NAMES),
    st.integers(0, 10_000),
    st.binary(min_size=1, max_size=600),
)
def test_inserted_and_deleted_bytes(encoding: str, position: int, chunk: bytes) -> None:
    data = small(encoding)
    at = position % len(data)
    check(data[:at] + chunk + data[at:])
    check(data[:at] + data[at + len(chunk) :])


@pytest.mark.parametrize(
    "encoding", ["wav", "mp3-vbr", "aac-adts", "m4a", "opus", "flac", "webm-opus"]
)
def test_every_cut_point_of_a_small_file(encoding: str) -> None:
    data = small(encoding)
    whole = check(data)
    step = max(1, len(data) // 1500)
    for cut in range(0, len(data), step):
        info = check(data[:cut])
        if encoding == "aac-adts" and not info.problems:
            # ADTS states no length: a cut between two frames looks whole, only shorter.
            assert info.duration_s is not None
            assert whole.duration_s is not None
            assert info.duration_s < whole.duration_s
        elif cut:
            assert info.problems, f"cut at {cut} of {len(data)} looks whole"


@pytest.mark.parametrize(
    "data",
    [
        b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f",  # a tag that claims 256 MB
        b"RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff",
        b"RIFF\x24\x00\x00\x00WAVEfmt \x02\x00\x00\x00\x01\x00",
        b"RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00" + bytes(28) + b"fmt ",
        b"fLaC\x00\x00\x00\x22" + bytes(34),
        b"fLaC\x80\x00\x00\x22" + bytes(10) + b"\xff\xff\xff",
        b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead",
        b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x00",
        b"\x1a\x45\xdf\xa3\x84\x42\x82\x81w",
        b"\x00\x00\x00\x01ftyp" + b"\xff" * 8,
        b"\x00\x00\x00\x00moov",
        b"\x00\x00\x00\x08ftyp\x00\x00\x00\x10moov\x00\x00\x00\x08trak",
        b"\xff\xfb\x90\xc0" * 500,
        b"\xff\xf1\x50\x80\x00\x1f\xfc" * 100,
        b"\xff\xf1\x50\x80\x00\x00\x00" * 100,  # ADTS headers of length 0
    ],
)
def test_hostile_headers(data: bytes) -> None:
    check(data)
