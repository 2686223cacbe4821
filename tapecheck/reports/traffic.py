"""Live traffic seen by ``tapecheck proxy``: the model and its findings documents.

A :class:`TrafficExchange` is one request and its response as the reports show
them (headers, a body summary, never a whole upload) with the findings the
proxy made on it. :func:`findings_document` is ``findings.json`` (the lint JSON
document, each diagnostic with its ``exchange``), :func:`traffic_to_lint`
the same findings as a :class:`~tapecheck.reports.model.LintResult` for the
lint writers (SARIF), and :func:`traffic_to_junit` JUnit with one test case
per exchange. Nothing here imports the suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from tapecheck.reports.json import finding_to_dict
from tapecheck.reports.junit import xml_safe
from tapecheck.reports.model import Finding, LintResult, RuleDoc
from tapecheck.reports.redact import is_sensitive_header, is_sensitive_param, redact_url, scrub_text

__all__ = [
    "BodySummary",
    "TrafficExchange",
    "TrafficLog",
    "about_upstream",
    "exchange_secrets",
    "findings_document",
    "log_secrets",
    "traffic_to_junit",
    "traffic_to_lint",
]


@dataclass
class BodySummary:
    """A body as a report keeps it: its size and hash, and its text when small enough."""

    size: int = 0
    sha256: str = ""
    media_type: str = ""
    text: str | None = None  # None: elided (binary or larger than the report's limit)


@dataclass
class TrafficExchange:
    """One request through the proxy, its response, and what the checks found."""

    method: str
    url: str  # the URL the client called on the proxy (query included)
    path: str  # the URL path: findings name the exchange "METHOD PATH"
    operation: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: BodySummary = field(default_factory=BodySummary)
    status: int | None = None  # None: no response (upstream unreachable)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: BodySummary = field(default_factory=BodySummary)
    started: str = ""  # ISO 8601
    duration_ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    index: int = 0
    #: The request as its manifest (credentials included): for the checks and tests, never written.
    document: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def reference(self) -> dict[str, Any]:
        return {"index": self.index, "method": self.method, "url": redact_url(self.url)}


def about_upstream(finding: Finding) -> bool:
    """A finding on the response: the upstream (the vendor) deviated, not the client."""
    return finding.pointer == "/response" or finding.pointer.startswith("/response/")


@dataclass
class TrafficLog:
    """The exchanges of one proxy run (the last ones kept, in request order) and its totals."""

    vendor: str
    target: str
    tool_version: str
    exchanges: list[TrafficExchange]
    rules: Sequence[RuleDoc] = ()
    #: Exchanges seen and no longer kept (a long run keeps its last ones).
    dropped: int = 0
    #: Findings over every exchange seen, dropped ones included: by severity, and
    #: ``upstream`` (the upstream's deviations). None: count the kept exchanges.
    tallies: Mapping[str, int] | None = None

    @property
    def findings(self) -> list[tuple[TrafficExchange, Finding]]:
        return [(e, f) for e in self.exchanges for f in e.findings]

    @property
    def client_findings(self) -> list[tuple[TrafficExchange, Finding]]:
        """The findings on what the client sent and how it went about it."""
        return [(e, f) for e, f in self.findings if not about_upstream(f)]

    @property
    def upstream_findings(self) -> list[tuple[TrafficExchange, Finding]]:
        """The upstream's deviations from the spec: the vendor's, never the client's."""
        return [(e, f) for e, f in self.findings if about_upstream(f)]

    @property
    def total(self) -> int:
        """Every exchange seen, dropped ones included."""
        return len(self.exchanges) + self.dropped

    def _tally(self, key: str) -> int:
        if self.tallies is not None:
            return self.tallies.get(key, 0)
        if key == "upstream":
            return len(self.upstream_findings)
        return sum(1 for _e, f in self.findings if f.severity == key)

    @property
    def errors(self) -> int:
        return self._tally("error")

    @property
    def warnings(self) -> int:
        return self._tally("warning")

    @property
    def upstream_deviations(self) -> int:
        return self._tally("upstream")


#: Shorter values are not scrubbed from text: too likely to hit ordinary words.
_MIN_SECRET = 4


def log_secrets(log: TrafficLog) -> set[str]:
    """Every credential value the exchanges carried in a header or a query parameter."""
    found: set[str] = set()
    for exchange in log.exchanges:
        found |= exchange_secrets(exchange)
    return found


def exchange_secrets(exchange: TrafficExchange) -> set[str]:
    """The credential values one exchange carried in a header or a query parameter."""
    found: set[str] = set()
    for name, value in exchange.request_headers:
        if is_sensitive_header(name) and value:
            found.add(value.strip())
            _scheme, _, rest = value.strip().partition(" ")
            if rest.strip():
                found.add(rest.strip())
    for name, value in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True):
        if is_sensitive_param(name) and value:
            found.add(value)
    return {s for s in found if len(s) >= _MIN_SECRET}


def findings_document(log: TrafficLog) -> dict[str, Any]:
    """``findings.json``: the lint JSON document; each diagnostic adds its ``exchange``."""
    diagnostics = []
    secrets = log_secrets(log)
    for exchange, finding in log.findings:
        entry = finding_to_dict(finding)
        entry["message"] = scrub_text(finding.message, secrets)
        entry["exchange"] = exchange.reference()
        entry["about"] = "upstream" if about_upstream(finding) else "client"
        diagnostics.append(entry)
    return {
        "tool": "tapecheck",
        "version": log.tool_version,
        "vendor": log.vendor,
        "target": log.target,
        "diagnostics": diagnostics,
        "summary": {
            "files": log.total,
            "exchanges": log.total,
            "errors": log.errors,
            "warnings": log.warnings,
            "upstream_deviations": log.upstream_deviations,
            "dropped_exchanges": log.dropped,
        },
    }


def traffic_to_lint(log: TrafficLog) -> LintResult:
    """The findings as a lint result (each exchange a "file"), for the lint writers."""
    secrets = log_secrets(log)
    return LintResult(
        findings=[replace(f, message=scrub_text(f.message, secrets)) for _e, f in log.findings],
        files=len(log.exchanges),
        rules=log.rules,
        tool_version=log.tool_version,
        paths=[e.name for e in log.exchanges],
    )


def traffic_to_junit(log: TrafficLog, stream: TextIO) -> None:
    """JUnit XML: one test case per exchange, failed by its error-level findings."""
    # Imported here: `tapecheck lint` imports the reports package and never needs it.
    from xml.etree.ElementTree import Element, SubElement, indent, tostring

    failures = sum(1 for e in log.exchanges if any(f.severity == "error" for f in e.findings))
    secrets = log_secrets(log)
    root = Element("testsuites", name="tapecheck proxy")
    suite = SubElement(
        root,
        "testsuite",
        name=f"tapecheck proxy {log.vendor}",
        tests=str(len(log.exchanges)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for exchange in log.exchanges:
        case = SubElement(
            suite,
            "testcase",
            classname=f"proxy.{log.vendor}",
            name=xml_safe(f"#{exchange.index} {exchange.name}"),
            time=f"{exchange.duration_ms / 1000:.3f}",
        )
        errors = [f for f in exchange.findings if f.severity == "error"]
        others = [f for f in exchange.findings if f.severity != "error"]
        if errors:
            failure = SubElement(
                case,
                "failure",
                message=xml_safe(
                    scrub_text(
                        f"{len(errors)} error(s): {errors[0].code} {errors[0].message}", secrets
                    )
                ),
            )
            failure.text = xml_safe(scrub_text("\n".join(_line(f) for f in errors), secrets))
        if others:
            out = SubElement(case, "system-out")
            out.text = xml_safe(scrub_text("\n".join(_line(f) for f in others), secrets))
    indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(tostring(root, encoding="unicode"))
    stream.write("\n")


def _line(finding: Finding) -> str:
    where = f" at {finding.pointer}" if finding.pointer else ""
    whose = "upstream deviation, " if about_upstream(finding) else ""
    return f"{finding.code} ({whose}{finding.severity}){where}: {finding.message}"
