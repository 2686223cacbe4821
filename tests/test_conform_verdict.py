"""Verdicts a reviewer can sign: never a false ``conforms``, levels decided from the docs.

Through the real CLI (a subprocess, real HTTP on loopback): an unreachable
target, a refused token and a target that answers 500 to everything are
``incomplete`` (exit 2), ``incomplete`` (exit 2) and ``does-not-conform`` (exit
1), and no output, report or JUnit file says ``conforms``.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conform_helpers import factory_of
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tapecheck.reports import RUN_WRITERS
from tapecheck.reports.model import RequirementResult, Run
from tapecheck.suite.conform.requirements import LEVELS, REQUIREMENTS, catalogue, requirement
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec, vendors
from tapecheck.suite.vendors.corti.mock import CortiMock

#: What a public citation never holds: a path of this repository.
_REPOSITORY_PATHS = re.compile(r"VENDORS|CONTRACT|\.md\b|specs/|\.ya?ml\b|Seed |x-tapecheck")


@pytest.mark.parametrize("vendor", vendors())
def test_every_requirement_has_a_level_and_a_public_citation(vendor: str) -> None:
    for found in catalogue(vendor):
        assert found.level in LEVELS, found.id
        assert found.source, found.id
        assert not _REPOSITORY_PATHS.search(found.source), (found.id, found.source)
        if found.level == "should":
            assert "reasonable expectation" in found.source.lower(), found.id
        for url in re.findall(r"https?://\S+", found.source):
            # A URL only where the vendor's document gives one: never an invented page.
            assert url.startswith(("https://api.", "https://app.")), (found.id, url)


def test_a_requirement_without_a_level_is_refused() -> None:
    with pytest.raises(TypeError):
        requirement("corti", "CORTI-NO-LEVEL", title="t", source="s")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="level"):
        requirement("corti", "CORTI-BAD-LEVEL", title="t", level="may", source="s")  # type: ignore[arg-type]


def _run(*results: tuple[str, str], strict: bool = False, incomplete: str = "") -> Run:
    """A run of requirements given as (level, status)."""
    run = Run("corti", "embedded", 0, "0", "0" * 64, strict=strict, incomplete=incomplete)
    for index, (level, status) in enumerate(results):
        run.requirements.append(
            RequirementResult(f"CORTI-R{index}", "t", status, level=level)  # type: ignore[arg-type]
        )
    return run


@pytest.mark.parametrize(
    ("results", "strict", "verdict"),
    [
        ((("must", "passed"), ("should", "failed")), False, "conforms"),
        ((("must", "passed"), ("should", "failed")), True, "does-not-conform"),
        ((("must", "passed"), ("must", "skipped")), False, "conforms"),
        ((("must", "failed"), ("must", "error")), False, "does-not-conform"),
        ((("must", "passed"), ("must", "error")), False, "incomplete"),
        ((("must", "passed"), ("should", "error")), False, "conforms"),
        ((("must", "passed"), ("should", "error")), True, "incomplete"),
        ((("must", "skipped"), ("should", "passed")), False, "incomplete"),
        ((), False, "incomplete"),
    ],
)
def test_the_verdict_counts_must_only_unless_strict(
    results: tuple[tuple[str, str], ...], strict: bool, verdict: str
) -> None:
    run = _run(*results, strict=strict)
    assert run.verdict == verdict
    assert run.passed is (verdict == "conforms")
    assert run.exit_code == {"conforms": 0, "does-not-conform": 1, "incomplete": 2}[verdict]


def test_a_run_that_could_not_be_made_is_incomplete_even_if_what_ran_passed() -> None:
    run = _run(("must", "passed"), incomplete="the target is unreachable")
    assert run.verdict == "incomplete"
    assert run.advisories == []


def test_advisories_are_the_failed_should_ids() -> None:
    run = _run(("must", "passed"), ("should", "failed"), ("should", "passed"))
    assert run.advisories == ["CORTI-R1"]


# -- through the real CLI ---------------------------------------------------------------


def _conform(vendor: str, tmp_path: Path, *args: str) -> tuple[int, str, str, Path]:
    reports = tmp_path / "reports"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "tapecheck", "conform", vendor, *args),
            *("--seed", "3", "--examples", "2", "--report-dir", str(reports)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr, reports


def _never_conforms(stdout: str, stderr: str, reports: Path, verdict: str) -> dict[str, Any]:
    assert "conforms" not in stdout.lower()
    assert "conforms" not in stderr.lower()
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == verdict
    assert report["conforms"] is False
    junit = ET.parse(reports / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["verdict"] == verdict
    assert "conforms" not in (reports / "junit.xml").read_text(encoding="utf-8").lower()
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "CONFORMS<" not in html.replace("DOES NOT CONFORM", "")
    assert "conforms" not in html.lower()
    return dict(report)


def test_an_unreachable_target_is_incomplete(tmp_path: Path) -> None:
    code, out, err, reports = _conform("crescendo", tmp_path, "--base-url", "http://127.0.0.1:1")
    assert code == 2, err
    report = _never_conforms(out, err, reports, "incomplete")
    assert "unreachable" in report["incomplete"]
    assert "INCOMPLETE" in out


def test_a_refused_token_is_incomplete_with_a_hint_in_the_full_run(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    from tapecheck.suite.vendors.alpharun.mock import create_app

    base_url = loopback(create_app(token="the-right-token", tenant="tenant-a"))
    base_url += base_path(load_spec("alpharun"))
    code, out, err, reports = _conform(
        "alpharun", tmp_path, "--base-url", base_url, "--token", "a-wrong-token"
    )
    assert code == 2, err
    report = _never_conforms(out, err, reports, "incomplete")
    assert "--token" in report["incomplete"]
    assert "--token" in err
    statuses = {r["id"]: r["status"] for r in report["requirements"]}
    # The property layer met only refusals: it could not be decided, never "passed".
    assert statuses["ALPHARUN-SCHEMA-PROPERTIES"] == "error"
    assert statuses["ALPHARUN-UPLOAD-201"] == "error"
    assert "a-wrong-token" not in out + err


def _everything_500() -> Starlette:
    async def fail(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"message": "Internal Server Error"}, status_code=500)

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    return Starlette(routes=[Route("/{path:path}", fail, methods=methods)])


def test_a_target_answering_500_to_everything_does_not_conform(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    base_url = loopback(_everything_500()) + base_path(load_spec("crescendo"))
    code, out, err, reports = _conform("crescendo", tmp_path, "--base-url", base_url, "--quick")
    assert code == 1, err
    report = _never_conforms(out, err, reports, "does-not-conform")
    assert report["summary"]["must_failed"] > 0
    assert "DOES NOT CONFORM" in out


def test_json_on_stdout_is_report_json(tmp_path: Path) -> None:
    code, out, err, _ = _conform(
        "crescendo", tmp_path, "--base-url", "http://127.0.0.1:1", "--format", "json"
    )
    assert code == 2, err
    assert json.loads(out)["verdict"] == "incomplete"
    assert json.loads(out)["conforms"] is False


# -- in-process: flakes, undecided requirements, the plugin's hint ------------------------


def render_run(name: str, run: Run) -> str:
    stream = io.StringIO()
    RUN_WRITERS[name]().write(run, stream)
    return stream.getvalue()


class _FlakyUpload(CortiMock):
    """Answers the first upload 200 (not the documented 201), every later one 201."""

    uploads = 0

    def success_status(self, operation_id: str) -> int:
        if operation_id == "upload":
            type(self).uploads += 1
            if type(self).uploads == 1:
                return 200
        return super().success_status(operation_id)


def test_a_requirement_that_fails_then_passes_is_passed_and_flaky() -> None:
    _FlakyUpload.uploads = 0
    run, aborted = run_to_completion(
        ConformOptions(
            vendor="corti",
            quick=True,
            select=("CORTI-UPLOAD-201",),
            factory=factory_of(_FlakyUpload),
        )
    )
    assert aborted is None
    (result,) = run.requirements
    assert (result.status, result.flaky) == ("passed", True)
    assert result.failures  # the first attempt's failure is kept as evidence
    assert run.flaky == ["CORTI-UPLOAD-201"]
    assert run.verdict == "conforms"
    assert "FLAKY CORTI-UPLOAD-201" in render_run("text", run)
    assert json.loads(render_run("json", run))["flaky"] == ["CORTI-UPLOAD-201"]
    assert "flaky" in render_run("html", run)
    assert "FLAKY" in render_run("junit", run)


def test_an_undecided_requirement_is_error_and_the_run_incomplete() -> None:
    from tapecheck.suite.conform.requirements import RequirementUndecided

    async def undecided(session: Any) -> None:
        raise RequirementUndecided("no answer within the time limit")

    requirement(
        "corti",
        "CORTI-TEST-UNDECIDED",
        title="an undecidable requirement (test only)",
        level="must",
        source="test",
    )(undecided)
    try:
        run, aborted = run_to_completion(
            ConformOptions(vendor="corti", quick=True, select=("CORTI-TEST-UNDECIDED",))
        )
    finally:
        del REQUIREMENTS["corti"]["CORTI-TEST-UNDECIDED"]
    assert aborted is None
    assert [(r.status, r.reason) for r in run.requirements] == [
        ("error", "no answer within the time limit")
    ]
    assert run.verdict == "incomplete"
    assert run.exit_code == 2


def test_the_plugin_hint_names_its_own_options() -> None:
    from tapecheck.suite.vendors.crescendo.mock import create_app

    def elsewhere(**kw: Any) -> Any:
        return create_app(token="another-token", tenant=kw["tenant"])

    run, aborted = run_to_completion(
        ConformOptions(
            vendor="crescendo", quick=True, factory=elsewhere, option_prefix="--tapecheck-"
        )
    )
    assert aborted is not None
    assert "--tapecheck-token" in aborted
    assert run.verdict == "incomplete"
    assert "error" in {r.status for r in run.requirements}
