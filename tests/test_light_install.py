"""The light install: `lint`, `rule`, `probe` and `specs` without the `conform` extra.

The distribution's required dependencies are what the linter needs (what the
pre-commit hook installs); `conform`, `mock`, `selftest` and `proxy` need
``tapecheck[conform]``. A command whose extra is missing says which to install
and exits 2, never a traceback. Here the extra's modules are hidden from a real
``tapecheck`` process (an import hook refuses them, as a light environment
would); the slow test installs the light distribution into a fresh virtual
environment and looks at what is there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tapecheck.suite.cli import CONFORM_EXTRA_MODULES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The heavy distributions the hook's environment must not hold.
HEAVY = ("schemathesis", "hypothesis", "starlette", "uvicorn", "imageio-ffmpeg", "imageio_ffmpeg")

#: Runs the command line with the `conform` extra's modules refused at import.
_WITHOUT_EXTRA = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Refuse())
from tapecheck.suite.cli import main
try:
    main(sys.argv[1:], prog_name="tapecheck")
finally:
    print("LOADED", sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED), file=sys.stderr)
"""


def run_without_extra(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    code = _WITHOUT_EXTRA.format(blocked=sorted(CONFORM_EXTRA_MODULES))
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "statuses"),
    [
        pytest.param(["lint", str(EXAMPLES)], (1,), id="lint"),
        pytest.param(["lint", "--format", "sarif", str(EXAMPLES / "crescendo")], (1,), id="sarif"),
        pytest.param(["rule", "CRS003"], (0,), id="rule"),
        pytest.param(["rule", "--all"], (0,), id="rule-all"),
        pytest.param(["probe", str(EXAMPLES / "crescendo" / "call.mp3")], (0,), id="probe"),
        pytest.param(["specs"], (0,), id="specs"),
        pytest.param(["specs", "check"], (0,), id="specs-check"),
    ],
)
def test_the_light_commands_need_no_extra(args: list[str], statuses: tuple[int, ...]) -> None:
    done = run_without_extra(*args)
    assert done.returncode in statuses, done.stderr
    assert "Traceback" not in done.stderr
    assert "LOADED []" in done.stderr


@pytest.mark.e2e
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["conform", "corti", "--quick"], id="conform"),
        pytest.param(["selftest", "corti"], id="selftest"),
        pytest.param(["mock", "corti", "--port", "0"], id="mock"),
    ],
)
def test_a_command_without_its_extra_says_which_to_install(args: list[str]) -> None:
    done = run_without_extra(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"`tapecheck {args[0]}` needs the `conform` extra" in done.stderr
    assert "pip install 'tapecheck[conform]'" in done.stderr
    assert done.stdout == ""


@pytest.mark.e2e
def test_conform_quick_loads_no_hypothesis() -> None:
    """`--quick` writes its audio with the writers; Hypothesis is for generated data only."""
    code = (
        "import sys\nfrom tapecheck.suite.cli import main\n"
        "try:\n    main(['conform', 'crescendo', '--quick'], prog_name='tapecheck')\n"
        "except SystemExit as exit:\n"
        "    print('EXIT', exit.code, sorted(m for m in ('hypothesis', 'schemathesis')"
        " if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert "EXIT 0 []" in done.stderr, done.stderr[-2000:]


# -- the light distribution in a fresh environment ------------------------------------


def _site_size(venv: Path) -> int:
    return sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.slow
def test_the_light_distribution_installs_without_the_heavy_packages(tmp_path: Path) -> None:
    """What the pre-commit hook installs: `pip install <repo>` into a fresh environment."""
    venv = tmp_path / "hook-env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    empty = _site_size(venv)
    start = time.perf_counter()
    source = tmp_path / "src"  # a copy: the build must not write into the work tree
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".venv", ".git", ".tox", "__pycache__", ".*_cache"),
        symlinks=True,
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(source)],
        check=True,
        timeout=900,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    seconds = time.perf_counter() - start
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert "phonenumbers" not in names  # the lite build only
    added = (_site_size(venv) - empty) / 1e6
    print(f"\nlight install: {added:.1f} MB over an empty venv, {seconds:.1f} s")
    tapecheck = venv / "bin" / "tapecheck"
    linted = subprocess.run(
        [str(tapecheck), "lint", str(EXAMPLES)], capture_output=True, text=True, check=False
    )
    assert linted.returncode == 1, linted.stderr
    refused = subprocess.run(
        [str(tapecheck), "conform", "corti", "--quick"], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert "pip install 'tapecheck[conform]'" in refused.stderr
    assert "Traceback" not in refused.stderr
