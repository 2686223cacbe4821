"""`tapecheck probe`: the text and JSON of CONTRACT.md section 5, exit codes, --deep."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from tapecheck.strategies import encode_audio
from tapecheck.suite.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("probe")
    made = {
        "mp3": ("call.mp3", encode_audio("mp3-cbr", duration_s=1.0)),
        "opus-as-wav": ("call.wav", encode_audio("opus", duration_s=1.5)),
        "vorbis": ("call.ogg", encode_audio("vorbis", duration_s=0.5)),
        "truncated": ("cut.wav", encode_audio("wav", duration_s=2.0)[:20_000]),
        "random": ("noise.mp3", random.Random(3).randbytes(3000)),
        "empty": ("empty.m4a", b""),
    }
    paths = {}
    for key, (name, data) in made.items():
        paths[key] = folder / name
        paths[key].write_bytes(data)
    return paths


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["probe", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def test_json_shape_for_sound_files(files: dict[str, Path]) -> None:
    code, out = run(
        "--format", "json", str(files["mp3"]), str(files["opus-as-wav"]), str(files["vorbis"])
    )
    assert code == 0
    records = json.loads(out)["files"]
    assert [set(r) for r in records] == [
        {"path", "format", "mime", "size", "duration_s", "problems"}
    ] * 3
    assert [(r["format"], r["mime"], r["problems"]) for r in records] == [
        ("mp3", "audio/mpeg", []),
        ("opus", "audio/opus", []),
        ("vorbis", "audio/ogg", []),
    ]
    assert records[0]["path"] == str(files["mp3"])
    assert records[0]["size"] == files["mp3"].stat().st_size
    assert [r["duration_s"] for r in records] == pytest.approx([1.0, 1.5, 0.5])


def test_problems_exit_1_and_are_sentences(files: dict[str, Path], tmp_path: Path) -> None:
    missing = tmp_path / "gone.wav"
    paths = [files["truncated"], files["random"], files["empty"], missing]
    code, out = run("--format", "json", *map(str, paths))
    assert code == 1
    records = json.loads(out)["files"]
    assert [r["format"] for r in records] == ["wav", "unknown", "unknown", "unknown"]
    assert [len(r["problems"]) for r in records] == [1, 1, 1, 1]
    assert "claims 64,000 bytes but only 19,956 remain" in records[0]["problems"][0]
    assert records[0]["duration_s"] == pytest.approx(19_956 // 2 / 16_000)
    assert records[1]["mime"] is None
    assert records[1]["duration_s"] is None
    assert records[2]["size"] == 0
    assert records[3] == {
        "path": str(missing),
        "format": "unknown",
        "mime": None,
        "size": 0,
        "duration_s": None,
        "problems": ["the file does not exist"],
    }


def test_text_is_one_line_per_file(files: dict[str, Path]) -> None:
    code, out = run(str(files["opus-as-wav"]), str(files["truncated"]))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{files['opus-as-wav']}: opus (audio/opus), ")
    assert lines[0].endswith(": ok")
    assert "1.500 s" in lines[0]
    assert "truncated: WAV data chunk claims" in lines[1]
    assert lines[2] == "2 files probed, 1 with problems"


def test_clean_run_exits_0(files: dict[str, Path]) -> None:
    code, out = run(str(files["mp3"]))
    assert code == 0
    assert out.splitlines()[-1] == "1 file probed, 0 with problems"


def test_a_folder_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    code, out = run(str(tmp_path))
    assert code == 1
    assert "missing" in out


def test_usage_errors_exit_2() -> None:
    result = CliRunner().invoke(main, ["probe"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["probe", "--format", "sarif", "x.wav"])
    assert result.exit_code == 2


def test_deep_mode(files: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(encode_audio("flac", duration_s=3.0))
    middle = len(data) // 2
    data[middle : middle + 500] = random.Random(1).randbytes(500)
    damaged = tmp_path / "damaged.flac"
    damaged.write_bytes(bytes(data))
    code, out = run("--deep", "--format", "json", str(files["mp3"]), str(damaged))
    assert code == 1
    sound, bad = json.loads(out)["files"]
    assert sound["problems"] == []
    assert any("decoder" in message for message in bad["problems"])
