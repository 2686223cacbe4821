"""A serving tapecheck command (``mock``, ``proxy``) run as a subprocess by the tests.

The process's output goes to files, never to a pipe nobody reads (a mock logs one
line per request: a full pipe would stall it mid-run); the base URL is read from
them with a deadline, and the process is always stopped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["serving"]

_BASE_URL = re.compile(r"base URL (http://127\.0\.0\.1:\d+\S*)")


@contextmanager
def serving(
    command: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    start_timeout: float = 60.0,
) -> Iterator[str]:
    """``tapecheck COMMAND ARGS`` in a subprocess; yields the base URL it prints; always stopped."""
    environment = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="tapecheck-served-") as folder:
        out, err = Path(folder) / "stdout.txt", Path(folder) / "stderr.txt"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            server = subprocess.Popen(
                [sys.executable, "-m", "tapecheck", command, *args],
                env=environment,
                cwd=cwd,
                stdout=stdout,
                stderr=stderr,
            )
        try:
            yield _base_url(server, out, err, start_timeout)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def _base_url(server: subprocess.Popen[bytes], out: Path, err: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        match = _BASE_URL.search(out.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1)
        if server.poll() is not None or time.monotonic() > deadline:
            printed = out.read_text(encoding="utf-8", errors="replace")
            problems = err.read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"no base URL printed:\n{printed}\n{problems}")
        time.sleep(0.05)
