"""Deep mode decodes with PyAV: sound files stay clean, damaged audio data is caught."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from tapecheck.strategies import ENCODINGS, encode_audio
from tapecheck.suite.audio import probe, probe_fileobj

pytest.importorskip("av")


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_sound_files_decode_cleanly(encoding: str, tmp_path: Path) -> None:
    path = tmp_path / f"x{ENCODINGS[encoding].extension}"
    path.write_bytes(encode_audio(encoding, duration_s=1.2))
    info = probe(path, deep=True)
    assert info.problems == ()


@pytest.mark.parametrize(
    "encoding", ["flac", "opus", "vorbis", "m4a", "mp3-cbr-noxing", "aac-adts"]
)
def test_damaged_audio_data_is_corrupt(encoding: str, tmp_path: Path) -> None:
    data = bytearray(encode_audio(encoding, duration_s=3.0))
    middle = len(data) // 2
    data[middle : middle + 800] = random.Random(encoding).randbytes(800)
    path = tmp_path / "damaged"
    path.write_bytes(bytes(data))
    shallow = probe(path)
    deep = probe(path, deep=True)
    assert "corrupt" in {p.kind for p in deep.problems}, deep.problems
    assert len(deep.problems) > len(shallow.problems)


def test_deep_mode_on_a_file_object() -> None:
    data = encode_audio("opus", duration_s=1.0)
    info = probe_fileobj(io.BytesIO(data), size=len(data), deep=True)
    assert info.problems == ()


def test_deep_mode_skips_what_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    path.write_bytes(random.Random(2).randbytes(5000))
    info = probe(path, deep=True)
    assert [p.kind for p in info.problems] == ["unknown"]
