"""A canary credential given on the command line appears in no report, log or output.

The target below is hostile: it echoes the Authorization header and the query
string back in every error body and header, as a careless server might.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

CANARY = "canary-SECRET-9f3b2c"


class EchoingCrescendo(CrescendoMock):
    """Answers every error with the caller's credential in the body and a header."""

    def authenticate(self, request: Request, operation_id: str) -> str:
        self.last_seen = f"{request.headers.get('authorization')} {request.url.query}"
        return super().authenticate(request, operation_id)

    def error_response(self, error: MockError) -> Response:
        seen = getattr(self, "last_seen", "")
        return JSONResponse(
            {"code": "BadRequest", "message": f"{error} (you sent {seen})"},
            status_code=error.status,
            headers={"X-Echo": seen.strip()},  # h11 refuses a value ending in a space
        )


def test_the_canary_token_never_leaves_the_process(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    app = EchoingCrescendo(token=CANARY, tenant="tenant-a").create_app()
    base_url = loopback(app) + base_path(load_spec("crescendo"))
    reports = tmp_path / "reports"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapecheck",
            "conform",
            "crescendo",
            "--base-url",
            base_url,
            "--token",
            CANARY,
            "--tenant",
            "tenant-a",
            "--quick",
            "--seed",
            "7",
            "--report-dir",
            str(reports),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["target"] == base_url
    assert {"report.json", "junit.xml", "report.html"} <= {p.name for p in reports.iterdir()}
    # The echoing target fails some requirements, so failing exchanges are in the reports.
    assert any(r["failures"] for r in report["requirements"])
    assert CANARY not in result.stdout
    assert CANARY not in result.stderr
    for path in reports.rglob("*"):  # the reports and the files of the reproduce commands
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path.name
