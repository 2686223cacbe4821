"""pytest-benchmark timings of the probe (run once by default; ``--benchmark-enable`` to time).

The targets themselves (against pydub, on hour-long files) are checked by
``benchmarks/probe_bench.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from tapecheck.strategies import ENCODINGS, encode_audio, write_audio
from tapecheck.suite.audio import probe


@pytest.mark.parametrize(
    "encoding", ["wav", "mp3-vbr", "mp3-vbr-noxing", "aac-adts", "m4a", "opus", "flac", "webm-opus"]
)
def test_probe_a_short_file(encoding: str, tmp_path: Path, benchmark: BenchmarkFixture) -> None:
    path = tmp_path / f"x{ENCODINGS[encoding].extension}"
    path.write_bytes(encode_audio(encoding, duration_s=10.0))
    info = benchmark(probe, path)
    assert info.problems == ()


@pytest.mark.parametrize("fmt", ["mp3", "aac"])
def test_scan_an_hour(fmt: str, tmp_path: Path, benchmark: BenchmarkFixture) -> None:
    sample = write_audio(tmp_path / f"hour.{fmt}", fmt=fmt, duration_s=3600)
    info = benchmark(probe, sample.path)
    assert info.duration_s == pytest.approx(sample.duration_s)
