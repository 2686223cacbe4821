"""The result model: what tapecheck found, independent of how it is written.

The suite produces these objects; the writers in this package serialize them.
Nothing here imports the suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CreatedResource",
    "Exchange",
    "Finding",
    "LintResult",
    "RequirementResult",
    "RequirementStatus",
    "RuleDoc",
    "Run",
    "RunVerdict",
    "Severity",
    "Verdict",
    "severity_rank",
]

Severity = Literal["error", "warning", "info"]
#: ``error``: the requirement could not be decided (no answer, a time-out, the target's
#: answer passed a size or time bound, the run reached its deadline, every credential
#: refused); it is neither a pass nor a failure.
RequirementStatus = Literal["passed", "failed", "skipped", "error"]
#: conforms (exit 0), does-not-conform (exit 1), incomplete (exit 2).
RunVerdict = Literal["conforms", "does-not-conform", "incomplete"]

_SEVERITY_RANK: Mapping[str, int] = {"info": 0, "warning": 1, "error": 2}


def severity_rank(severity: str) -> int:
    """Order severities: info < warning < error."""
    return _SEVERITY_RANK.get(severity, 0)


@dataclass(frozen=True)
class RuleDoc:
    """What a writer needs to know about a rule: its identity and its documentation."""

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    fix_title: str | None = None
    vendor: str | None = None
    #: 0.0-10.0 (CVSS-like) for rules that flag a security problem; GitHub ranks alerts by it.
    security_severity: float | None = None


@dataclass(frozen=True)
class Finding:
    """One lint finding: one offending value in one file."""

    path: str
    code: str
    severity: Severity
    message: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    fix: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.code, self.pointer)


@dataclass
class LintResult:
    """Everything one ``tapecheck lint`` run found."""

    findings: list[Finding]
    files: int
    rules: Sequence[RuleDoc] = ()
    tool_version: str = ""
    #: Every file linted, as displayed, in order; files without findings included.
    #: Writers that list files (JUnit) fall back on the paths of the findings.
    paths: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity == "info")


# -- conformance runs -----------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as a report shows them (secrets redacted, bodies cut)."""

    request: Mapping[str, Any]
    response: Mapping[str, Any] | None


@dataclass(frozen=True)
class Verdict:
    """One failed check of a requirement."""

    check: str
    message: str
    exchange: Exchange | None = None
    severity: Severity = "error"
    #: shell commands (bash + curl) that replay the failing request, set-up calls first
    reproduce: str = ""
    #: files the commands read (``reproduce/<name>``): name -> content; never serialized
    attachments: Mapping[str, bytes | Path] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class RequirementResult:
    """The verdict on one requirement of the catalogue."""

    id: str
    title: str
    status: RequirementStatus
    source: str = ""
    failures: list[Verdict] = field(default_factory=list)
    checks: Sequence[str] = ()
    reason: str = ""
    duration_s: float = 0.0
    #: ``must``: the vendor's docs state it, the verdict counts it; ``should``: an advisory
    level: str = "must"
    #: it failed, was run once more and passed
    flaky: bool = False


@dataclass(frozen=True)
class CreatedResource:
    """Something a run created on the target, and whether the run deleted it again.

    A team cleans its sandbox by hand from the ones left (``deleted`` false).
    """

    kind: str
    id: str
    created_at: str
    requirement: str = ""
    deleted: bool = False


@dataclass
class Run:
    """One ``tapecheck conform`` run against one target."""

    vendor: str
    target: str
    seed: int
    tool_version: str
    spec_sha256: str
    requirements: list[RequirementResult] = field(default_factory=list)
    started_at: str = ""
    duration_s: float = 0.0
    examples: int = 0
    mode: str = "full"
    #: the comparison with ``--baseline`` (reports/drift.py), when one was given
    drift: Mapping[str, Any] | None = None
    #: what the run created on a real target (``--base-url``), deleted or left
    created: list[CreatedResource] = field(default_factory=list)
    #: ``--keep``: nothing was deleted, on purpose
    kept: bool = False
    #: ``--strict``: a failed ``should`` counts as a failed ``must``
    strict: bool = False
    #: why the run could not be made (target unreachable, every credential refused); "" if it was
    incomplete: str = ""

    def counts(self, requirement: RequirementResult) -> bool:
        """Whether ``requirement`` decides the verdict: every ``must``; every one with --strict."""
        return self.strict or requirement.level != "should"

    @property
    def verdict(self) -> RunVerdict:
        """conforms, does-not-conform or incomplete (CONTRACT section 3)."""
        counted = [r for r in self.requirements if self.counts(r)]
        if any(r.status == "failed" for r in counted):
            return "does-not-conform"
        if self.incomplete or any(r.status == "error" for r in counted):
            return "incomplete"
        # A run in which no requirement that counts ran is never ``conforms``.
        if not any(r.status == "passed" for r in counted):
            return "incomplete"
        return "conforms"

    @property
    def passed(self) -> bool:
        """True only for the verdict ``conforms``."""
        return self.verdict == "conforms"

    @property
    def advisories(self) -> list[str]:
        """The ids of the failed ``should`` requirements."""
        return [r.id for r in self.requirements if r.level == "should" and r.status == "failed"]

    @property
    def flaky(self) -> list[str]:
        """The ids of the requirements that failed once and passed when run again."""
        return [r.id for r in self.requirements if r.flaky]

    @property
    def exit_code(self) -> int:
        return {"conforms": 0, "does-not-conform": 1, "incomplete": 2}[self.verdict]

    def count(self, status: RequirementStatus) -> int:
        return sum(1 for r in self.requirements if r.status == status)
