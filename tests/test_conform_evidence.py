"""The evidence of a failure can be replayed: its ``reproduce`` commands, run from the report
folder against the mutant it failed on (served on loopback), get the same status.

The commands need bash and curl, which tapecheck never installs: without them the
replay is skipped with the reason.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tapecheck.reports.html import run_to_html
from tapecheck.reports.model import Exchange, RequirementResult, Run, Verdict
from tapecheck.suite.conform import evidence
from tapecheck.suite.conform.evidence import Body, Record
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec

TOKEN, TENANT = "test-token", "tenant-a"

#: (vendor, mutant, requirement): failures needing set-up calls (Corti's interaction and
#: recording, Siro's signed URL, Bota's recording and its PUT) and one whose body is the
#: point (Crescendo's metadata.id).
CASES = [
    ("corti", "download-drops-last-byte", "CORTI-RECORDING-GET"),
    ("siro", "generic-declared-size-ignored", "SIRO-PUT-LENGTH-RANGE"),
    ("crescendo", "generic-id-charset-not-checked", "CRESCENDO-METADATA-ID-CHARSET"),
    ("bota", "duration-in-seconds", "BOTA-UPLOAD-COMPLETE"),
]


def _report(vendor: str, base_url: str, reports: Path, select: str) -> dict[str, Any]:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "tapecheck", "conform", vendor, "--base-url", base_url),
            *("--token", TOKEN, "--tenant", TENANT, "--quick", "--select", select),
            *("--seed", "5", "--report-dir", str(reports)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1, 2), result.stderr  # 2: only a should was selected
    return dict(json.loads((reports / "report.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize(("vendor", "name", "requirement_id"), CASES)
def test_a_failure_replays_from_the_report_folder_with_the_same_status(
    vendor: str,
    name: str,
    requirement_id: str,
    tmp_path: Path,
    loopback: Callable[[Any], str],
) -> None:
    if shutil.which("bash") is None or shutil.which("curl") is None:
        pytest.skip("the reproduce commands need bash and curl, which are not installed here")
    mutant = next(m for m in mutants(vendor) if m.name == name)
    base_url = loopback(mutant.factory(token=TOKEN, tenant=TENANT)) + base_path(load_spec(vendor))
    reports = tmp_path / "reports"
    report = _report(vendor, base_url, reports, requirement_id)
    (entry,) = [r for r in report["requirements"] if r["id"] == requirement_id]
    assert entry["status"] == "failed"
    failure = entry["failures"][0]
    commands = failure["reproduce"]
    assert TOKEN not in commands
    assert "${TAPECHECK_TOKEN}" in commands
    assert base_url in commands  # the base URL as given
    assert "body" in failure["request"]
    result = subprocess.run(
        ["bash", "-c", commands],
        cwd=reports,
        env={**os.environ, "TAPECHECK_TOKEN": TOKEN},
        capture_output=True,
        timeout=120,
        check=False,
    )
    statuses = re.findall(rb"\nHTTP (\d{3})\n", b"\n" + result.stdout)
    assert statuses, result.stderr
    assert int(statuses[-1]) == failure["response"]["status"]


def test_the_request_body_says_which_metadata_id_was_sent(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    mutant = next(m for m in mutants("crescendo") if m.name == "generic-id-charset-not-checked")
    base_url = loopback(mutant.factory(token=TOKEN, tenant=TENANT))
    base_url += base_path(load_spec("crescendo"))
    report = _report("crescendo", base_url, tmp_path, "CRESCENDO-METADATA-ID-CHARSET")
    failure = report["requirements"][0]["failures"][0]
    body = failure["request"]["body"]
    assert re.search(r'metadata=\{"id": "[^"]*"', body), body
    assert re.search(r"audio: <\d+ bytes, audio/\w+, sha256 [0-9a-f]{64}", body), body
    part = re.search(r"@(reproduce/[^;]+);", failure["reproduce"])
    assert part is not None
    assert (tmp_path / part.group(1)).is_file()
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Reproduce" in html
    assert "sha256" in html


def test_the_html_report_shows_the_request_body_and_the_commands() -> None:
    exchange = Exchange(
        request={"method": "POST", "url": "https://x/y", "headers": {}, "body": "metadata=<b>"},
        response={"status": 202, "headers": {}, "body": "{}"},
    )
    failure = Verdict("status_code_expected", "got 202", exchange, reproduce="curl -X POST 'x'")
    run = Run("crescendo", "https://x", 1, "0", "0" * 64)
    run.requirements.append(RequirementResult("CRESCENDO-A-B", "t", "failed", failures=[failure]))
    page = run_to_html(run)
    assert "metadata=&lt;b&gt;" in page
    assert "curl -X POST &#x27;x&#x27;" in page


def test_the_text_summary_prints_the_commands_of_a_failure_redacted() -> None:
    from tapecheck.reports.text import RunTextWriter

    secret = "s3cr3t-token-in-a-header"
    exchange = Exchange(
        request={
            "method": "POST",
            "url": "https://x/y",
            "headers": {"Authorization": f"Bearer {secret}"},
            "body": "{}",
        },
        response={"status": 202, "headers": {}, "body": "{}"},
    )
    commands = (
        "# Run from the report folder; set TAPECHECK_TOKEN.\n"
        "curl -sS -X POST 'https://x/y' -H 'Authorization: Bearer '\"${TAPECHECK_TOKEN}\"\n"
        f"curl -sS -X GET 'https://x/y?bearer_token={secret}'"
    )
    failure = Verdict("status_code_expected", "got 202", exchange, reproduce=commands)
    run = Run("crescendo", "https://x", 1, "0", "0" * 64)
    run.requirements.append(RequirementResult("CRESCENDO-A-B", "t", "failed", failures=[failure]))
    stream = io.StringIO()
    RunTextWriter().write(run, stream)
    text = stream.getvalue()
    assert "reproduce (from the report folder):" in text
    assert "    curl -sS -X POST 'https://x/y' -H 'Authorization: Bearer '" in text
    assert secret not in text


# -- the values the commands capture: read from the JSON, whoever wrote it ---------------------

#: An answer as another server may write it: the id nested after another "id", slashes
#: escaped, the document spread over lines.
_ANSWER = (
    '{"owner": {"id": "owner-000001"},\n "data": {"id": "rec-000042",\n'
    ' "upload_url": "https:\\/\\/storage.example\\/put\\/rec?sig=abc123"}}'
)


def test_captured_values_are_read_from_the_json_not_cut_out_of_its_text(tmp_path: Path) -> None:
    if shutil.which("bash") is None or shutil.which("python3") is None:
        pytest.skip("the reproduce commands need bash and python3, which are not installed here")
    answered = Record("POST", "https://api.example/v1/recordings", [], Body())
    evidence.remember(answered, httpx.Response(201, content=_ANSWER.encode()))
    upload = answered.answer["data"]["upload_url"]
    sent = json.dumps({"recording": answered.answer["data"]["id"]}).encode()
    target = Record("PUT", upload, [], Body("raw", raw=sent, content_type="application/json"))
    commands, _files = evidence.reproduce(
        [answered, target], 1, base_url="https://api.example/v1", embedded=False, secrets={}
    )
    # curl stands in for the server: the set-up call gets _ANSWER; the last one prints its words.
    fake = (
        "curl() { if [ \"$4\" = 'https://api.example/v1/recordings' ]; then "
        f"printf %s {shlex.quote(_ANSWER)}; else printf '%s\\n' \"$@\"; fi; }}\n"
    )
    result = subprocess.run(
        ["bash", "-c", fake + commands],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    words = result.stdout.splitlines()
    assert words[3:4] == [upload], commands
    assert sent.decode() in words, commands
