"""The nightly script: every vendor whose sandbox is named in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import create_app

SCRIPT = Path(__file__).parent.parent / "scripts" / "nightly.py"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TAPECHECK_")}


def test_no_sandbox_configured_is_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=_clean_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "TAPECHECK_<VENDOR>_BASE_URL" in result.stderr


def test_a_configured_sandbox_is_certified_with_reports(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    base_url = loopback(create_app(token="nightly-token", tenant="tenant-n")) + base_path(
        load_spec("crescendo")
    )
    env = _clean_env() | {
        "TAPECHECK_CRESCENDO_BASE_URL": base_url,
        "TAPECHECK_CRESCENDO_TOKEN": "nightly-token",
        "TAPECHECK_CRESCENDO_TENANT": "tenant-n",
        "TAPECHECK_REPORT_DIR": str(tmp_path / "out"),
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "corti: skipped" in result.stdout
    assert (tmp_path / "out" / "crescendo" / "report.html").is_file()
    assert "nightly-token" not in result.stdout + result.stderr
