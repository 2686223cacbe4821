"""The manifests in ``examples/<vendor>/`` and the pre-commit hooks that lint such files.

An example lints as it says: one with no ``# expect:`` line lints clean; a
broken one gives exactly the findings its ``# expect: CODE /pointer`` lines
name (the convention of ``tests/cases``, see ``test_cases.py``).
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from test_cases import manifests_under, read_expected, require_engine

from tapecheck.suite.catalogue import forget_registered, register_spec_text
from tapecheck.suite.lint.engine import LintRequest, lint_paths
from tapecheck.suite.manifest import Manifest, is_env_reference, load_manifest
from tapecheck.suite.specs import vendors

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
GENERATOR = ROOT / "scripts" / "generate-hooks.py"

AUDIO_SUFFIXES = (".wav", ".mp3")
MAX_AUDIO_BYTES = 50_000
#: Headers that carry a credential in the five vendors' requests.
CREDENTIAL_HEADERS = ("authorization", "x-siro-auth-token")

#: A spec of an API that is not bundled, and its manifests (README "Describe your own upload API").
CUSTOM = EXAMPLES / "custom"
CUSTOM_SPECS = sorted(p for p in CUSTOM.glob("*.yaml") if not p.name.endswith(".request.yaml"))

EXAMPLE_MANIFESTS = manifests_under(EXAMPLES)
CLEAN = [p for p in EXAMPLE_MANIFESTS if not read_expected(p)]
BROKEN = [p for p in EXAMPLE_MANIFESTS if read_expected(p)]


def _id(path: Path) -> str:
    return path.relative_to(EXAMPLES).as_posix()


@contextmanager
def _specs_of(path: Path) -> Iterator[None]:
    """The custom examples' vendor, registered as ``--spec`` would, for the test's duration."""
    if CUSTOM not in path.parents:
        yield
        return
    for spec in CUSTOM_SPECS:
        register_spec_text(spec.read_text(encoding="utf-8"), source=str(spec))
    try:
        yield
    finally:
        forget_registered()


# -- the examples ----------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_MANIFESTS, ids=_id)
def test_example_lints_as_it_says(path: Path) -> None:
    require_engine()
    with _specs_of(path):
        result = lint_paths(LintRequest(paths=[str(path)]))
    got = sorted((f.code, f.pointer) for f in result.findings)
    assert got == sorted(read_expected(path).elements()), "\n".join(
        f"{f.code} {f.pointer}: {f.message}" for f in result.findings
    )


def test_every_vendor_has_clean_and_broken_examples() -> None:
    for vendor in vendors():
        folder = EXAMPLES / vendor
        assert any(p.parent == folder for p in CLEAN), f"{vendor}: no example that lints clean"
        assert any(p.parent == folder for p in BROKEN), f"{vendor}: no broken example"


def test_examples_folder_holds_manifests_audio_and_the_readme() -> None:
    for path in EXAMPLES.rglob("*"):
        if path.is_file() and path not in CUSTOM_SPECS and path.parent != EXAMPLES / "ci":
            assert path.name == "README.md" or path.name.endswith(
                (*AUDIO_SUFFIXES, ".request.yaml", ".request.json")
            ), path


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.rglob("*.wav")) + sorted(EXAMPLES.rglob("*.mp3")), ids=_id
)
def test_example_audio_is_small(path: Path) -> None:
    assert 0 < path.stat().st_size <= MAX_AUDIO_BYTES


@pytest.mark.parametrize("path", CLEAN, ids=_id)
def test_clean_examples_hold_secrets_as_environment_references(path: Path) -> None:
    loaded = load_manifest(path)
    assert isinstance(loaded, Manifest), loaded
    headers: dict[str, Any] = loaded.data.get("headers") or {}
    credentials = [v for k, v in headers.items() if k.lower() in CREDENTIAL_HEADERS]
    assert credentials, f"{_id(path)}: a clean example shows how its credential is sent"
    assert all(is_env_reference(value) for value in credentials)


def test_readme_names_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    missing = [_id(p) for p in EXAMPLE_MANIFESTS if p.name not in readme]
    assert missing == []


# -- the pre-commit hooks --------------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_hooks", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return hooks


def test_hooks_file_is_up_to_date() -> None:
    expected = _generator().render()
    assert HOOKS_FILE.read_text(encoding="utf-8") == expected, (
        "run python scripts/generate-hooks.py"
    )


def test_generator_check_mode_agrees() -> None:
    assert _generator().main(["--check"]) == 0


def test_hooks_cover_every_vendor() -> None:
    hooks = {hook["id"]: hook for hook in _hooks()}
    assert set(hooks) == {"tapecheck-lint"} | {f"tapecheck-lint-{v}" for v in vendors()}
    assert hooks["tapecheck-lint"]["args"] == ["--find-manifests"]
    for vendor in vendors():
        assert hooks[f"tapecheck-lint-{vendor}"]["args"] == ["--find-manifests", "--vendor", vendor]


def test_hooks_take_manifests_and_audio_files() -> None:
    """A commit that changes only an audio file still runs the hook (--find-manifests)."""
    for hook in _hooks():
        files = re.compile(hook["files"])
        for name in ("calls/c1.request.yaml", "c.request.json", "call.mp3", "x/CALL.WAV", "a.m4a"):
            assert files.search(name), (hook["id"], name)
        for name in ("notes.json", "README.md", "call.mp3.txt"):
            assert not files.search(name), (hook["id"], name)


def test_hooks_run_the_linter_as_a_python_package() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    for hook in _hooks():
        command, *words = hook["entry"].split()
        assert hook["language"] == "python"
        assert command in scripts
        assert words == ["lint", "--force-exclude"]  # pre-commit names files: honour exclude


def test_hook_files_pattern_matches_manifests_and_audio_only() -> None:
    for hook in _hooks():
        pattern = re.compile(hook["files"])
        for path in EXAMPLE_MANIFESTS:
            assert pattern.search(path.as_posix()), path
        for path in EXAMPLES.rglob("*"):
            if path.suffix in AUDIO_SUFFIXES:
                assert pattern.search(path.as_posix()), path
            if path.suffix == ".md":
                assert not pattern.search(path.as_posix()), path
        for name in ("a.request.yml", "calls/b.request.json"):
            assert pattern.search(name)
        for name in ("a.yaml", "request.yaml", "a.request.yaml.bak", "pyproject.toml"):
            assert not pattern.search(name)


@pytest.mark.parametrize("vendor", vendors())
def test_vendor_hook_passes_on_the_clean_examples(vendor: str) -> None:
    """What pre-commit runs: the hook's entry and args, then the staged file names."""
    require_engine()
    from tapecheck.suite.cli import main

    hook = next(h for h in _hooks() if h["id"] == f"tapecheck-lint-{vendor}")
    files = [str(p) for p in CLEAN if p.parent.name == vendor]
    result = CliRunner().invoke(main, [*hook["entry"].split()[1:], *hook["args"], *files])
    assert result.exit_code == 0, result.output
