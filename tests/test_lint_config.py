"""``[tool.tapecheck]`` as ruff users expect it, through the real command line.

An unknown key is an error that names the nearest valid one; ``exclude`` and
``extend-exclude`` prune the folder walk, ``--force-exclude`` applies them to
paths given by name (as pre-commit passes them); ``-`` reads a manifest from
stdin, placed by ``--stdin-filename``; ``--statistics`` counts per rule;
``--output-format`` is ``--format``; the JSON summary counts info findings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.suite.cli import main
from tapecheck.suite.lint.config import DEFAULT_EXCLUDE, KNOWN_KEYS, LintConfig, nearest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "corti" / "upload.request.yaml"
BROKEN = ROOT / "examples" / "corti" / "interaction-id-not-uuid.request.yaml"


def lint(*args: str | Path, stdin: bytes | None = None) -> Result:
    """``tapecheck lint ARGS`` in-process; a traceback fails the test."""
    result = CliRunner().invoke(main, ["lint", *(str(a) for a in args)], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a clean Corti manifest (and its audio) in ``calls/``."""
    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(EXAMPLE, calls / "upload.request.yaml")
    shutil.copy(EXAMPLE.parent / "visit.wav", calls / "visit.wav")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _config(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.tapecheck]\n{body}\n", encoding="utf-8")


def _broken_copy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "bad.request.yaml"
    shutil.copy(BROKEN, target)
    shutil.copy(EXAMPLE.parent / "visit.wav", folder / "visit.wav")
    return target


def test_an_unknown_key_is_a_usage_error_naming_the_nearest(project: Path) -> None:
    _config(project, 'ignroe = ["ALR004"]')
    result = lint(".")
    assert result.exit_code == 2
    assert "unknown key 'ignroe' (did you mean 'ignore'?)" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_limits_key_names_the_nearest(project: Path) -> None:
    _config(project, "[tool.tapecheck.limits.corti]\nmax-byte = 10")
    result = lint(".")
    assert result.exit_code == 2
    assert "'max-byte' (did you mean 'max-bytes'?)" in result.output


def test_nearest_names_nothing_when_nothing_is_close() -> None:
    assert nearest("zzzzzz", KNOWN_KEYS) == ""
    assert nearest("extend-exclud", KNOWN_KEYS) == " (did you mean 'extend-exclude'?)"


def test_the_walk_skips_default_and_extended_excludes(project: Path) -> None:
    _broken_copy(project / ".venv" / "lib")
    _broken_copy(project / "node_modules" / "pkg")
    _broken_copy(project / "tests" / "cases")
    assert lint(".").exit_code == 1  # tests/cases is not excluded yet
    _config(project, 'extend-exclude = ["tests/cases"]')
    result = lint("--format", "json", ".")
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert report["summary"]["files"] == 1
    assert {d["path"] for d in report["diagnostics"]} == set()


def test_exclude_replaces_the_defaults(project: Path) -> None:
    _broken_copy(project / "node_modules")
    _config(project, 'exclude = ["*.draft.request.yaml"]')
    shutil.copy(BROKEN, project / "calls" / "x.draft.request.yaml")
    report = json.loads(lint("--format", "json", ".").stdout)
    assert {d["path"] for d in report["diagnostics"]} == {"node_modules/bad.request.yaml"}


def test_a_path_given_by_name_is_linted_unless_force_exclude(project: Path) -> None:
    bad = _broken_copy(project / "tests" / "cases")
    _config(project, 'extend-exclude = ["tests/cases"]')
    given = bad.relative_to(project)
    assert lint(given).exit_code == 1
    forced = lint("--force-exclude", given, "calls/upload.request.yaml")
    assert forced.exit_code == 0, forced.output
    assert "1 file" in forced.output
    # A folder given by name is walked even when it is excluded (ruff does the same).
    assert lint("tests/cases").exit_code == 1
    _config(project, 'extend-exclude = ["tests/cases"]\nforce-exclude = true')
    assert lint(given).exit_code == 0


def test_stdin_resolves_files_from_the_stdin_filename(project: Path) -> None:
    text = (project / "calls" / "upload.request.yaml").read_bytes()
    placed = lint("-", "--stdin-filename", "calls/upload.request.yaml", stdin=text)
    assert placed.exit_code == 0, placed.output
    unplaced = lint("--format", "json", "-", stdin=text)
    report = json.loads(unplaced.stdout)
    assert [(d["path"], d["code"]) for d in report["diagnostics"]] == [("-", "MAN003")]
    bad = lint("--format", "json", "-", "--stdin-filename", "calls/x.request.yaml", stdin=b"[1")
    assert [d["code"] for d in json.loads(bad.stdout)["diagnostics"]] == ["MAN001"]


def test_stdin_filename_without_dash_is_a_usage_error(project: Path) -> None:
    assert lint("--stdin-filename", "calls/x.request.yaml", "calls").exit_code == 2


def test_force_exclude_applies_to_the_stdin_filename(project: Path) -> None:
    _config(project, 'extend-exclude = ["calls"]')
    result = lint("--force-exclude", "-", "--stdin-filename", "calls/x.request.yaml", stdin=b"[1")
    assert result.exit_code == 0, result.output


def test_statistics_count_per_rule(project: Path) -> None:
    shutil.copytree(ROOT / "examples" / "crescendo", project / "crescendo")
    full = json.loads(lint("--format", "json", "crescendo").stdout)
    expected: dict[str, int] = {}
    for diagnostic in full["diagnostics"]:
        expected[diagnostic["code"]] = expected.get(diagnostic["code"], 0) + 1
    as_json = lint("--statistics", "--output-format", "json", "crescendo")
    assert as_json.exit_code == 1
    entries = json.loads(as_json.stdout)
    assert {e["code"]: e["count"] for e in entries} == expected
    counts = [e["count"] for e in entries]
    assert counts == sorted(counts, reverse=True)
    text = lint("--statistics", "crescendo").stdout.splitlines()
    assert [line.split("\t")[1] for line in text] == [e["code"] for e in entries]
    assert text[0].split("\t")[2] == entries[0]["name"]
    assert lint("--statistics", "--format", "sarif", "crescendo").exit_code == 2


def test_output_format_is_an_alias_of_format(project: Path) -> None:
    one = lint("--format", "json", "calls").stdout
    other = lint("--output-format", "json", "calls").stdout
    assert json.loads(one) == json.loads(other)


def test_the_json_summary_counts_info(project: Path) -> None:
    shutil.copytree(ROOT / "examples" / "siro", project / "siro")
    report = json.loads(lint("--format", "json", "siro").stdout)
    infos = sum(1 for d in report["diagnostics"] if d["severity"] == "info")
    assert infos > 0
    assert report["summary"]["info"] == infos
    assert set(report["summary"]) == {"files", "errors", "warnings", "info"}


def test_this_repository_lints_only_its_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = json.loads(lint("--format", "json", "--jobs", "1", ".").stdout)
    paths = {d["path"] for d in report["diagnostics"]}
    assert paths
    assert all(path.startswith("examples/") for path in paths), sorted(paths)[:5]


_NAME = st.text(alphabet="abcdefgh_-.", min_size=1, max_size=8).filter(
    lambda s: s not in (".", "..")
)


@given(
    excluded=st.sampled_from(DEFAULT_EXCLUDE),
    above=st.lists(_NAME, max_size=3),
    below=st.lists(_NAME, min_size=1, max_size=3),
)
def test_anything_under_an_excluded_folder_is_excluded(
    excluded: str, above: list[str], below: list[str]
) -> None:
    config = LintConfig(root=Path("/nonexistent-project"))
    inside = Path("/nonexistent-project", *above, excluded, *below)
    assert config.is_excluded(inside)
    # Walking into the folder, each entry is judged alone: only the folder itself is excluded.
    assert config.is_excluded(Path("/nonexistent-project", *above, excluded), ancestors=False)
    assert not config.is_excluded(inside, ancestors=False) or below[-1] in DEFAULT_EXCLUDE


def test_a_link_is_judged_by_its_own_name(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "node_modules").symlink_to(tmp_path / "real")
    (tmp_path / "up").symlink_to(tmp_path)
    config = LintConfig(root=tmp_path)
    assert config.is_excluded(tmp_path / "node_modules", ancestors=False)
    assert not config.is_excluded(tmp_path / "real", ancestors=False)
    assert not config.is_excluded(tmp_path / "up", ancestors=False)
    assert not config.is_excluded(tmp_path)


# -- the exclude patterns, matched all at once ----------------------------------------------

_PATTERN_PIECES = st.sampled_from(["a", "b", ".", "-", "*", "?", "[ab]", "[!a]", "/", "**", "x"])
_NAME_PIECES = st.sampled_from(["a", "b", ".", "-", "x", "ab", "[", "]", "*"])


def _fnmatch_one_by_one(config: LintConfig, path: Path, ancestors: bool) -> bool:
    """is_excluded as it read before its patterns were combined: fnmatchcase, one by one."""
    import fnmatch

    patterns = config._patterns()
    if not patterns:
        return False
    names = config._parts_from_root(path)
    relative = names is not None
    if names is None:
        names = (path.name,) if path.is_absolute() else path.parts
    if not names:
        return False
    depths = range(len(names)) if ancestors else range(len(names) - 1, len(names))
    for depth in depths:
        prefix = "/".join(names[: depth + 1])
        for pattern in patterns:
            if "/" not in pattern:
                if fnmatch.fnmatchcase(names[depth], pattern):
                    return True
            elif relative and fnmatch.fnmatchcase(prefix, pattern):
                return True
    return False


@given(
    patterns=st.lists(st.lists(_PATTERN_PIECES, min_size=1, max_size=4).map("".join), max_size=4),
    parts=st.lists(
        st.lists(_NAME_PIECES, min_size=1, max_size=3).map("".join), min_size=1, max_size=4
    ),
    ancestors=st.booleans(),
    inside=st.booleans(),
)
def test_combined_patterns_match_as_fnmatch_one_by_one(
    patterns: list[str], parts: list[str], ancestors: bool, inside: bool
) -> None:
    root = Path("/nonexistent-project")
    config = LintConfig(root=root, exclude=(), extend_exclude=tuple(patterns))
    path = (root if inside else Path("/elsewhere")).joinpath(*parts)
    expected = _fnmatch_one_by_one(config, path, ancestors)
    assert config.is_excluded(path, ancestors=ancestors) is expected
    assert config.is_excluded(str(path), ancestors=ancestors) is expected


def test_a_walk_entry_is_placed_from_its_folder_as_a_path_given_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk works out each folder's place under the project once: for every entry the
    answer is the one the path alone gets (inside, outside, the folder above the root,
    through a link)."""
    project = tmp_path / "project"
    (project / "calls" / "deep").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(project / "calls", target_is_directory=True)
    monkeypatch.chdir(project / "calls")
    config = LintConfig(root=project, extend_exclude=("calls/deep",))
    folders = [
        project,
        project / "calls",
        project / "calls" / "deep",
        tmp_path,
        tmp_path / "elsewhere",
        tmp_path / "link",
        Path("."),
        Path("deep"),
        Path(".."),
    ]
    for folder in folders:
        for name in ("project", "calls", "deep", "a.request.yaml", "elsewhere"):
            path = folder / name
            assert config._entry_parts(path) == config._parts_from_root(path), path
    excluded = [project / "calls" / "deep", tmp_path / "link" / "deep", Path("deep")]
    for path in excluded:
        assert config.is_excluded(path, ancestors=False), path
    assert not config.is_excluded(tmp_path / "elsewhere" / "deep", ancestors=False)
