"""The README a new user follows word for word: its commands agree with the repository.

The install runs in an activated virtual environment made by the two lines
given; the pre-commit snippet names the repository of ``[project.urls]`` and
the tag of this version; caches a test run leaves behind are ignored by git.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tapecheck import __version__

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start() -> str:
    return README.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_the_quick_start_makes_and_activates_a_virtual_environment_first() -> None:
    commands = [line.strip() for line in _quick_start().splitlines() if line.startswith("    ")]
    assert commands[:3] == [
        "python3 -m venv .venv",
        ". .venv/bin/activate",
        "python3 -m pip install -e '.[test]'",
    ]
    assert "python3 -m pytest" in commands


def test_the_quick_start_says_how_long_the_tests_take_and_what_needs_chromium() -> None:
    text = " ".join(_quick_start().split())
    assert "about three minutes" in text
    assert "Two tests render the HTML report in headless Chromium" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install" in ci
    assert "chromium" in ci


def test_pre_commit_names_this_repository_and_this_versions_tag() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    match = re.search(r"- repo: (\S+)\n\s+rev: (\S+)", README)
    assert match is not None
    assert match.group(1) == project["urls"]["Repository"]
    assert match.group(2) == f"v{__version__}"


def test_the_schemathesis_cache_is_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".schemathesis/" in ignored
