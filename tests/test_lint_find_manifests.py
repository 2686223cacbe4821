"""``tapecheck lint --find-manifests``: an audio PATH linted through the manifests naming it.

What the pre-commit hooks pass: a commit that changes only ``calls/call.wav``
is linted through every manifest under the project root that names it. An
audio file no manifest names is skipped with a note (or, with ``--vendor``,
checked alone). Without the option an audio PATH is CONTRACT.md's: checked
alone against ``--vendor``, a usage error without one. The last test commits
in a fresh git repository through pre-commit itself.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from tapecheck.suite.cli import main
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.engine import LintRequest, lint_paths

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))

CRESCENDO = (
    "vendor: crescendo\npath: {tenantId: tenant-a}\n"
    'headers: {Authorization: "Bearer ${CRESCENDO_API_KEY}"}\n'
    "body: {metadata: {id: call-1}}\nfiles: {audio: %s}\n"
)
CORTI = (
    "vendor: corti\npath: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}\n"
    'headers: {Authorization: "Bearer ${CORTI_TOKEN}", Tenant-Name: "${CORTI_TENANT}"}\n'
    "content: %s\n"
)


def wav(seconds: float = 0.25, rate: int = 8000) -> bytes:
    data = b"\x00\x00" * round(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


JUNK = b"\x13\x37" * 300


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project: two manifests name calls/call.wav, one names another file."""
    (tmp_path / "pyproject.toml").write_text("[tool.tapecheck]\n", encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "call.wav").write_bytes(wav())
    (calls / "other.wav").write_bytes(wav())
    (calls / "c1.request.yaml").write_text(CRESCENDO % "call.wav", encoding="utf-8")
    (tmp_path / "visits").mkdir()
    (tmp_path / "visits" / "v1.request.yaml").write_text(
        CORTI % "../calls/call.wav", encoding="utf-8"
    )
    (calls / "c2.request.yaml").write_text(CRESCENDO % "other.wav", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str) -> Result:
    result = CliRunner().invoke(main, ["lint", "--format", "json", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def diagnostics(result: Result) -> set[tuple[str, str, str]]:
    report: dict[str, Any] = json.loads(result.stdout)
    return {(d["path"], d["code"], d["pointer"]) for d in report["diagnostics"]}


def test_an_audio_file_is_linted_through_every_manifest_naming_it(project: Path) -> None:
    (project / "calls" / "call.wav").write_bytes(JUNK)
    result = lint("--find-manifests", "calls/call.wav")
    assert result.exit_code == 1, result.output
    assert diagnostics(result) == {
        ("calls/c1.request.yaml", "AUD005", "/files/audio"),
        ("visits/v1.request.yaml", "AUD005", "/content"),
        ("visits/v1.request.yaml", "MAN004", "/content"),  # the warning on `../`
    }
    assert json.loads(result.stdout)["summary"]["files"] == 2


def test_a_sound_audio_file_passes_through_its_manifests(project: Path) -> None:
    result = lint("--find-manifests", "calls/call.wav")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["files"] == 2


def test_a_manifest_given_too_is_linted_once(project: Path) -> None:
    (project / "calls" / "call.wav").write_bytes(JUNK)
    result = lint("--find-manifests", "calls/call.wav", "calls/c1.request.yaml", "calls/call.wav")
    report = json.loads(result.stdout)
    assert report["summary"]["files"] == 2
    assert len(report["diagnostics"]) == 3  # AUD005 twice, MAN004 once


def test_an_audio_file_no_manifest_names_is_skipped_with_a_note(project: Path) -> None:
    (project / "calls" / "lonely.wav").write_bytes(JUNK)
    result = lint("--find-manifests", "calls/lonely.wav")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["files"] == 0
    assert "calls/lonely.wav: no manifest under" in result.stderr
    assert "--vendor" in result.stderr


def test_with_a_vendor_an_unnamed_audio_file_is_checked_alone(project: Path) -> None:
    (project / "calls" / "lonely.wav").write_bytes(JUNK)
    result = lint("--find-manifests", "--vendor", "crescendo", "calls/lonely.wav")
    assert result.exit_code == 1
    assert diagnostics(result) == {("calls/lonely.wav", "AUD005", "")}


def test_without_the_option_an_audio_path_is_the_contracts(project: Path) -> None:
    (project / "calls" / "call.wav").write_bytes(JUNK)
    assert lint("calls/call.wav").exit_code == 2  # no --vendor: a usage error
    alone = lint("--vendor", "crescendo", "calls/call.wav")
    assert diagnostics(alone) == {("calls/call.wav", "AUD005", "")}


def test_the_configuration_exclude_is_honoured(project: Path) -> None:
    (project / "calls" / "call.wav").write_bytes(JUNK)
    config = LintConfig(root=project)
    setattr(config, "exclude", ["visits"])  # noqa: B010 - the key another change adds
    result = lint_paths(LintRequest(paths=["calls/call.wav"], config=config, find_manifests=True))
    assert {f.path for f in result.findings} == {"calls/c1.request.yaml"}


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        # Without a "/", a pattern names one file or folder, never a path across folders.
        ("calls*.yaml", {"calls/c1.request.yaml", "visits/v1.request.yaml"}),
        ("visits", {"calls/c1.request.yaml"}),
        ("c1.*", {"visits/v1.request.yaml"}),
        # With one, it is matched from the project's folder.
        ("calls/c*.request.yaml", {"visits/v1.request.yaml"}),
        ("./visits/", {"calls/c1.request.yaml"}),
    ],
)
def test_the_walk_excludes_as_the_folder_walk_does(
    project: Path, pattern: str, kept: set[str]
) -> None:
    """One exclusion rule: a manifest the lint of ``.`` skips is never found, and the reverse."""
    (project / "calls" / "call.wav").write_bytes(JUNK)
    config = LintConfig(root=project, exclude=(pattern,))
    found = lint_paths(LintRequest(paths=["calls/call.wav"], config=config, find_manifests=True))
    assert {f.path for f in found.findings} == kept
    walked = lint_paths(LintRequest(paths=["."], config=config))
    assert {f.path for f in walked.findings if f.code == "AUD005"} == kept


def test_the_walk_skips_tool_folders(project: Path) -> None:
    (project / "calls" / "call.wav").write_bytes(JUNK)
    hidden = project / ".venv" / "lib"
    hidden.mkdir(parents=True)
    (hidden / "x.request.yaml").write_text(CRESCENDO % "../../calls/call.wav", encoding="utf-8")
    result = lint("--find-manifests", "calls/call.wav")
    assert ".venv/lib/x.request.yaml" not in {path for path, _, _ in diagnostics(result)}


# -- through pre-commit, in a fresh repository ----------------------------------------


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=check
    )


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_commit_changing_only_an_audio_file_is_blocked(tmp_path: Path) -> None:
    """The generated hook, as `repo: local` running this tapecheck: no network, no env build."""
    pytest.importorskip("pre_commit")
    tapecheck = shutil.which("tapecheck", path=str(Path(sys.executable).parent))
    if tapecheck is None:
        pytest.skip("the tapecheck script is not installed beside this interpreter")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "calls").mkdir()
    (repo / "calls" / "call.wav").write_bytes(wav())
    (repo / "calls" / "c1.request.yaml").write_text(CRESCENDO % "call.wav", encoding="utf-8")
    hook = dict(next(h for h in HOOKS if h["id"] == "tapecheck-lint"))
    hook.update(language="system", entry=f"{tapecheck} lint")
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    _git(repo, "add", "-A")
    first = _git(repo, "commit", "-q", "-m", "a sound recording", check=False)
    assert first.returncode == 0, first.stdout + first.stderr

    (repo / "calls" / "call.wav").write_bytes(JUNK)  # the only change: the audio
    _git(repo, "add", "calls/call.wav")
    blocked = _git(repo, "commit", "-q", "-m", "a corrupted recording", check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "calls/c1.request.yaml" in output
    assert "AUD005" in output
    assert _git(repo, "log", "--oneline").stdout.count("\n") == 1  # nothing was committed


def test_the_walk_resolves_no_path_when_no_pattern_names_an_entry(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolving is the costly part of a walk: entries no exclude names are judged by name."""
    from tapecheck.suite.lint.discovery import walk_manifests

    config = LintConfig(root=project)  # the default excludes: names without a "/"
    resolved: list[Path] = []
    original = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        resolved.append(self)
        return original(self, strict=strict)

    monkeypatch.setattr(Path, "resolve", counting)
    found = walk_manifests(project, config)
    assert {p.relative_to(project).as_posix() for p in found} == {
        "calls/c1.request.yaml",
        "calls/c2.request.yaml",
        "visits/v1.request.yaml",
    }
    assert resolved == []
