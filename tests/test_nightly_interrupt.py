"""Ctrl-C (SIGINT) during ``tapecheck conform`` or ``tapecheck nightly``: the reports still come.

The run so far is written (``report.json`` with the verdict ``incomplete`` and
the requirements decided before the interruption) and the exit status is 2,
the status of an ``incomplete`` verdict (CONTRACT.md section 3). The target is
a reference mock slowed down on loopback, so the signal lands mid-run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors import vendor_module

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process: POSIX")

TOKEN, TENANT = "interrupt-token", "tenant-i"
#: Requests the mock answers before the signal: a few requirements are decided by then.
BEFORE_SIGNAL = 40


class _Slow:
    """A mock that answers each request a little late, and counts them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests += 1
            await asyncio.sleep(0.1)
        await self.app(scope, receive, send)


def _slow_corti(loopback: Callable[[Any], str]) -> tuple[_Slow, str]:
    slow = _Slow(vendor_module("corti", "mock").create_app(token=TOKEN, tenant=TENANT))
    return slow, loopback(slow) + base_path(load_spec("corti"))


def _interrupt_when_busy(process: subprocess.Popen[bytes], slow: _Slow) -> int:
    """SIGINT once the mock has answered enough requests; the exit status (bounded waits)."""
    deadline = time.monotonic() + 120
    while slow.requests < BEFORE_SIGNAL:
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "the run made too few requests in 120 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAPECHECK_", "GITHUB_"))}


def _assert_interrupted_report(report: dict[str, Any]) -> None:
    assert report["verdict"] == "incomplete"
    assert report["conforms"] is False
    assert "interrupted" in report["incomplete"]
    decided = report["requirements"]
    assert decided, "the requirements decided before the signal are in the report"
    assert all(r["status"] in ("passed", "failed", "skipped", "error") for r in decided)


def test_ctrl_c_during_conform_writes_the_run_so_far(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    slow, base_url = _slow_corti(loopback)
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "tapecheck", "conform", "corti", "--base-url", base_url]
    command += ["--token", TOKEN, "--tenant", TENANT, "--quick", "--report-dir", str(reports)]
    with (tmp_path / "out.txt").open("wb") as out, (tmp_path / "err.txt").open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=_clean_env())
    status = _interrupt_when_busy(process, slow)
    stderr = (tmp_path / "err.txt").read_text("utf-8")
    assert status == 2, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    _assert_interrupted_report(json.loads((reports / "report.json").read_text("utf-8")))
    for name in ("junit.xml", "report.html"):
        assert (reports / name).is_file(), name
    assert "INCOMPLETE" in (tmp_path / "out.txt").read_text("utf-8")


def test_ctrl_c_during_nightly_writes_each_report_and_the_index(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    slow, base_url = _slow_corti(loopback)
    out = tmp_path / "out"
    env = _clean_env() | {
        "TAPECHECK_CORTI_BASE_URL": base_url,
        "TAPECHECK_CORTI_TOKEN": TOKEN,
        "TAPECHECK_CORTI_TENANT": TENANT,
    }
    command = [sys.executable, "-m", "tapecheck", "nightly", "--vendors", "corti", "--quick"]
    command += ["--report-dir", str(out)]
    with (tmp_path / "out.txt").open("wb") as stdout, (tmp_path / "err.txt").open("wb") as stderr:
        # The signal goes to the nightly process alone (a CI cancelling the job): it passes
        # it on to the vendors' runs.
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)
    status = _interrupt_when_busy(process, slow)
    printed = (tmp_path / "out.txt").read_text("utf-8")
    problems = (tmp_path / "err.txt").read_text("utf-8")
    assert status == 2, printed + problems
    assert "Traceback" not in problems
    assert "corti: incomplete" in printed
    _assert_interrupted_report(json.loads((out / "corti" / "report.json").read_text("utf-8")))
    for name in ("index.html", "summary.md", "history.json"):
        assert (out / name).is_file(), name
    history = json.loads((out / "history.json").read_text("utf-8"))
    assert history["runs"][-1]["vendors"]["corti"]["verdict"] == "incomplete"
