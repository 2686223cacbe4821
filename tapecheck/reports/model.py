"""The result model: what tapecheck found, independent of how it is written.

The suite produces these objects; the writers in this package serialize them.
Nothing here imports the suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    "Severity",
    "Verdict",
    "severity_rank",
]

Severity = Literal["error", "warning", "info"]
#: ``error``: the requirement could not be decided (the target's answer passed a
#: size or time bound, or the run reached its deadline first).
RequirementStatus = Literal["passed", "failed", "skipped", "error"]

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

    @property
    def passed(self) -> bool:
        return all(r.status not in ("failed", "error") for r in self.requirements)

    def count(self, status: RequirementStatus) -> int:
        return sum(1 for r in self.requirements if r.status == status)
