"""The audio strategies and file writers: exact sizes and durations, validated arguments."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import InvalidArgument

import tapecheck.strategies as strategies
from tapecheck.strategies import (
    AUDIO_FORMATS,
    ENCODINGS,
    AudioSample,
    audio_files,
    broken_audio_files,
    write_audio,
    write_sized_file,
    write_wav,
)
from tapecheck.suite.audio import FORMATS, probe

MB = 1_000_000


def test_exports_are_sorted_and_real() -> None:
    names = strategies.__all__
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))
    for name in names:
        assert hasattr(strategies, name)


def test_strategies_import_nothing_of_the_suite() -> None:
    code = (
        "import sys, tapecheck.strategies; "
        "bad = [m for m in sys.modules if m.startswith(('tapecheck.suite', 'tapecheck.reports'))]; "
        "print(','.join(bad))"
    )
    import subprocess

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_audio_formats_are_the_probes() -> None:
    assert AUDIO_FORMATS == FORMATS
    assert {spec.format for spec in ENCODINGS.values()} == set(FORMATS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"formats": ["aiff"]},
        {"formats": []},
        {"encodings": ["mp3-320"]},
        {"formats": ["wav"], "encodings": ["opus"]},
        {"min_duration_s": 0},
        {"min_duration_s": 5, "max_duration_s": 1},
        {"max_duration_s": 7200},
    ],
)
def test_audio_files_validates_its_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        audio_files(**kwargs)  # type: ignore[arg-type]


def test_broken_audio_files_validates_its_arguments() -> None:
    with pytest.raises(InvalidArgument):
        broken_audio_files(defects=["scratched"])
    with pytest.raises(InvalidArgument):
        broken_audio_files(defects=[])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(audio_files(formats=["wav", "flac"], max_duration_s=2.0))
def test_samples_describe_their_files(sample: AudioSample) -> None:
    assert sample.path.is_file()
    assert sample.path.stat().st_size == sample.size == sample.bytes
    assert sample.path.suffix == ENCODINGS[sample.encoding].extension


def test_write_wav_is_exact(tmp_path: Path) -> None:
    sample = write_wav(tmp_path / "a.wav", duration_s=12.5, sample_rate=8000, channels=2)
    assert sample.size == sample.path.stat().st_size == 44 + 12.5 * 8000 * 4
    info = probe(sample.path)
    assert info.problems == ()
    assert info.duration_s == sample.duration_s == 12.5


@pytest.mark.parametrize("fmt", ["wav", "mp3", "aac"])
@pytest.mark.parametrize("size", [5_000, 1_000_003])
def test_write_sized_file_is_exact_and_sound(fmt: str, size: int, tmp_path: Path) -> None:
    sample = write_sized_file(tmp_path / f"x.{fmt}", fmt=fmt, size_bytes=size)
    assert sample.path.stat().st_size == size == sample.size
    info = probe(sample.path)
    assert info.problems == ()
    assert info.format == fmt
    assert info.duration_s == pytest.approx(sample.duration_s, abs=1e-9)


@pytest.mark.parametrize("fmt", ["wav", "mp3", "aac"])
def test_write_audio_makes_long_files_without_encoding_them(fmt: str, tmp_path: Path) -> None:
    sample = write_audio(tmp_path / f"long.{fmt}", fmt=fmt, duration_s=600)
    info = probe(sample.path)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(sample.duration_s, abs=1e-9)
    assert sample.duration_s == pytest.approx(600, abs=0.03)


def test_writers_refuse_what_they_cannot_make(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wav, mp3 or aac"):
        write_sized_file(tmp_path / "x.opus", fmt="opus", size_bytes=10_000)
    with pytest.raises(ValueError, match="44 bytes"):
        write_sized_file(tmp_path / "x.wav", fmt="wav", size_bytes=10)
    with pytest.raises(ValueError, match="one frame"):
        write_sized_file(tmp_path / "x.mp3", fmt="mp3", size_bytes=100)
    with pytest.raises(ValueError, match="wav, mp3 or aac"):
        write_audio(tmp_path / "x.flac", fmt="flac", duration_s=1)
    with pytest.raises(ValueError, match="duration_s >= 0"):
        write_wav(tmp_path / "x.wav", duration_s=-1)


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "limit"), [("wav", 25 * MB), ("mp3", 25 * MB), ("mp3", 150 * MB)])
def test_files_just_under_and_over_a_limit(fmt: str, limit: int, tmp_path: Path) -> None:
    for size in (limit - 1, limit, limit + 1):
        sample = write_sized_file(tmp_path / f"edge.{fmt}", fmt=fmt, size_bytes=size)
        assert sample.path.stat().st_size == size
        info = probe(sample.path)
        assert info.problems == ()
        assert info.size == size
