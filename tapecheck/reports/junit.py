"""JUnit XML, for the test tabs of CI systems (GitLab, Jenkins, Azure, GitHub actions).

``tapecheck lint --format junit``: one testsuite "tapecheck lint" with one
testcase per linted file; each error finding is a ``<failure>``, warnings and
notes go to the testcase's ``<system-out>``. ``junit.xml`` of a conformance run:
one testcase per requirement; a failed one has one ``<failure>`` listing every
failed check, a skipped one a ``<skipped>`` with the reason.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from tapecheck.reports.base import LintWriter, RunWriter, register_lint, register_run
from tapecheck.reports.drift import DRIFT_KEYS, drift_ids, drift_summary
from tapecheck.reports.json import cut_body
from tapecheck.reports.model import Finding, LintResult, RequirementResult, Run, Verdict
from tapecheck.reports.redact import redact_run
from tapecheck.reports.sections import created_lines, drift_lines

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["LintJunitWriter", "RunJunitWriter", "xml_safe"]

# XML 1.0 allows tab, newline, carriage return and these ranges; nothing else.
_NOT_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold written as ``\\xNN``."""
    return re.sub(_NOT_XML, lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _element(
    tag: str, parent: Element | None = None, text: str | None = None, /, **attrs: str
) -> Element:
    from xml.etree.ElementTree import Element, SubElement

    clean = {key.rstrip("_"): xml_safe(value) for key, value in attrs.items()}
    node = Element(tag, clean) if parent is None else SubElement(parent, tag, clean)
    if text is not None:
        node.text = xml_safe(text)
    return node


def _write_tree(root: Element, stream: TextIO) -> None:
    from xml.etree.ElementTree import indent, tostring

    indent(root, space="  ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(tostring(root, encoding="unicode"))
    stream.write("\n")


def _counts(tests: int, failures: int, skipped: int = 0, errors: int = 0) -> dict[str, str]:
    return {
        "tests": str(tests),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
    }


# -- lint ------------------------------------------------------------------------


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line or 1}:{finding.column or 1}"


def _failure_text(finding: Finding) -> str:
    lines = [f"{_where(finding)}: {finding.code} {finding.message}"]
    if finding.pointer:
        lines.append(f"pointer: {finding.pointer}")
    if finding.fix:
        lines.append(f"help: {finding.fix}")
    return "\n".join(lines)


def _lint_paths(result: LintResult) -> list[str]:
    paths = list(dict.fromkeys(result.paths))
    known = set(paths)
    for finding in result.findings:
        if finding.path not in known:
            known.add(finding.path)
            paths.append(finding.path)
    return paths


@register_lint
class LintJunitWriter(LintWriter):
    name = "junit"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        by_path: dict[str, list[Finding]] = {path: [] for path in _lint_paths(result)}
        for finding in result.findings:
            by_path[finding.path].append(finding)
        failed = sum(1 for fs in by_path.values() if any(f.severity == "error" for f in fs))
        counts = _counts(len(by_path), failed)
        root = _element("testsuites", name="tapecheck", **counts)
        suite = _element("testsuite", root, name="tapecheck lint", **counts)
        properties = _element("properties", suite)
        _element("property", properties, name="tool", value="tapecheck")
        _element("property", properties, name="version", value=result.tool_version)
        for path, findings in by_path.items():
            case = _element("testcase", suite, classname="tapecheck.lint", name=path, file=path)
            for finding in findings:
                if finding.severity == "error":
                    _element(
                        "failure",
                        case,
                        _failure_text(finding),
                        message=f"{finding.code}: {finding.message}",
                        type=finding.code,
                    )
            notes = [
                f"{_where(f)}: {f.code} [{f.severity}] {f.message}"
                + (f" ({f.pointer})" if f.pointer else "")
                for f in findings
                if f.severity != "error"
            ]
            if notes:
                _element("system-out", case, "\n".join(notes))
        _write_tree(root, stream)


# -- conformance runs ------------------------------------------------------------


def _verdict_text(verdict: Verdict) -> str:
    lines = [f"[{verdict.check}] {verdict.message}"]
    exchange = verdict.exchange
    if exchange is not None:
        request = exchange.request
        line = f"  {request.get('method') or ''} {request.get('url') or ''}".rstrip()
        sent = cut_body(request.get("body"))
        if sent:
            lines.append("  request body:")
            lines.extend(f"    {row}" for row in sent.splitlines())
        if exchange.response is None:
            lines.append(f"{line} -> no response")
        else:
            lines.append(f"{line} -> {exchange.response.get('status')}")
            body = cut_body(exchange.response.get("body"))
            if body:
                lines.append("  response body:")
                lines.extend(f"    {row}" for row in body.splitlines())
    if verdict.reproduce:
        lines.append("  reproduce (from the report folder):")
        lines.extend(f"    {row}" for row in verdict.reproduce.splitlines())
    return "\n".join(lines)


def _add_requirement(suite: Element, run: Run, requirement: RequirementResult) -> None:
    case = _element(
        "testcase",
        suite,
        classname=f"tapecheck.conform.{run.vendor}",
        name=requirement.id,  # the stable id: CI keeps a test's history by its name
        time=f"{requirement.duration_s:.3f}",
    )
    case_properties = _element("properties", case)
    _element("property", case_properties, name="title", value=requirement.title)
    _element("property", case_properties, name="level", value=requirement.level)
    counted = run.counts(requirement)
    first = requirement.failures[0] if requirement.failures else None
    details = "\n".join(_verdict_text(v) for v in requirement.failures)
    if requirement.status == "failed" and counted:
        _element(
            "failure",
            case,
            details,
            message=f"{first.check}: {first.message}" if first else "failed",
            type=first.check if first else "failed",
        )
    elif requirement.status == "error" and counted:
        reason = requirement.reason or "could not be decided"
        # Could not be decided: JUnit's <error>, not a failure.
        _element("error", case, reason, message=reason, type="undecided")
    elif requirement.status == "skipped":
        _element("skipped", case, message=requirement.reason or "skipped")
    notes = [f"level: {requirement.level}"]
    if requirement.source:
        notes.append(f"source: {requirement.source}")
    if not counted and requirement.status in ("failed", "error"):
        # An advisory: reported, never a failure of the test run (unless --strict).
        notes.append(f"ADVISORY ({requirement.status}): {requirement.reason or details}")
    if requirement.flaky:
        notes.append("FLAKY: failed, then passed when run again\n" + details)
    _element("system-out", case, "\n".join(notes))


@register_run
class RunJunitWriter(RunWriter):
    name = "junit"

    def write(self, run: Run, stream: TextIO, *, color: bool = False) -> None:
        run = redact_run(run)
        counted = [r for r in run.requirements if run.counts(r)]
        counts = _counts(
            len(run.requirements),
            sum(1 for r in counted if r.status == "failed"),
            run.count("skipped"),
            sum(1 for r in counted if r.status == "error"),
        )
        time = f"{run.duration_s:.3f}"
        root = _element("testsuites", name="tapecheck", time=time, **counts)
        attrs = {"name": f"tapecheck conform {run.vendor}", "time": time, **counts}
        if run.started_at:
            attrs["timestamp"] = run.started_at
        suite = _element("testsuite", root, **attrs)
        properties = _element("properties", suite)
        for name, value in _drift_properties(run):
            _element("property", properties, name=name, value=value)
        for name, value in (
            ("vendor", run.vendor),
            ("target", run.target),
            ("seed", str(run.seed)),
            ("tool_version", run.tool_version),
            ("spec_sha256", run.spec_sha256),
            ("verdict", run.verdict),
            ("advisories", ", ".join(run.advisories)),
            ("flaky", ", ".join(run.flaky)),
        ):
            _element("property", properties, name=name, value=value)
        if run.incomplete:
            _element("property", properties, name="incomplete", value=run.incomplete)
        for requirement in run.requirements:
            _add_requirement(suite, run, requirement)
        notes = [*(drift_lines(run.drift) if run.drift is not None else [])]
        notes += created_lines(run.created, kept=run.kept)
        if notes:
            _element("system-out", suite, "\n".join(notes))
        _write_tree(root, stream)


def _drift_properties(run: Run) -> list[tuple[str, str]]:
    """The drift first among the suite's properties: each list's ids, comma-separated."""
    if run.drift is None:
        return []
    pairs = [("drift", drift_summary(run.drift))]
    pairs += [(f"drift.{key}", ",".join(drift_ids(run.drift, key))) for key in DRIFT_KEYS]
    return pairs
