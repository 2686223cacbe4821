"""schemathesis against a reference mock, in-process: does the mock keep its own spec?

:func:`fuzz_app` loads a vendor's spec into schemathesis, points it at an ASGI
app (the mock, or a mutant) and runs every phase (examples, coverage,
fuzzing, stateful where the spec has links) with the response checks the
mocks promise: no 5xx, only documented statuses, content types and headers,
and bodies that match the documented schemas. It returns what was sent and
what failed as data; the tests decide what to assert.

schemathesis is imported on first use only.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tapecheck.suite.specs import Spec

__all__ = ["MOCK_CHECKS", "PHASES", "FuzzFailure", "FuzzReport", "fuzz_app"]

#: The checks every reference mock passes against its own spec.
MOCK_CHECKS: tuple[str, ...] = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)

#: schemathesis's test phases, in the order it runs them.
PHASES: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")


@dataclass(frozen=True)
class FuzzFailure:
    """One failed check: where, in which phase, which check, why, and the request as curl."""

    operation: str
    phase: str
    check: str
    message: str
    curl: str

    def __str__(self) -> str:
        return f"[{self.phase}] {self.operation}: {self.check}: {self.message}\n    {self.curl}"


@dataclass
class FuzzReport:
    """What one run sent and found."""

    #: requests per operation label (``POST /recordings``), all phases together
    requests: Counter[str] = field(default_factory=Counter)
    #: requests per phase
    phases: Counter[str] = field(default_factory=Counter)
    #: check results per check name
    checks: Counter[str] = field(default_factory=Counter)
    #: responses per status code
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[FuzzFailure] = field(default_factory=list)
    #: errors of the engine itself (a schema it cannot use, a transport error)
    errors: list[str] = field(default_factory=list)
    #: phases that did not run, with schemathesis's reason
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def summary(self) -> str:
        lines = [
            f"{sum(self.requests.values())} requests; by phase {dict(self.phases)}; "
            f"by status {dict(sorted(self.statuses.items()))}; checks run {dict(self.checks)}",
            *(f"  {label}: {count}" for label, count in sorted(self.requests.items())),
        ]
        if self.skipped:
            lines.append(f"  skipped phases: {self.skipped}")
        lines += [str(f) for f in self.failures[:20]]
        lines += self.errors[:20]
        return "\n".join(lines)


def _config(
    *,
    headers: Mapping[str, str],
    max_examples: int,
    seed: int,
    checks: Sequence[str],
    phases: Sequence[str],
) -> Any:
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": dict(headers),
            "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": "examples" in phases, "fill-missing": True},
                "coverage": {"enabled": "coverage" in phases},
                "fuzzing": {"enabled": "fuzzing" in phases},
                "stateful": {"enabled": "stateful" in phases},
            },
        }
    )


def fuzz_app(
    app: Any,
    spec: Spec,
    *,
    headers: Mapping[str, str],
    max_examples: int = 25,
    seed: int = 0,
    checks: Sequence[str] = MOCK_CHECKS,
    phases: Sequence[str] = PHASES,
) -> FuzzReport:
    """Run schemathesis on ``spec`` against the ASGI ``app``; ``headers`` go on every request."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    config = _config(
        headers=headers, max_examples=max_examples, seed=seed, checks=checks, phases=phases
    )
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(spec.raw)), config=config)
    schema.app = app
    report = FuzzReport()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, str(event.phase.value), event.recorder)
        elif isinstance(event, events.PhaseFinished) and event.status.value == "skip":
            reason = event.phase.skip_reason
            report.skipped[str(event.phase.name.value)] = (
                str(reason.value) if reason else "nothing to run"
            )
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"schemathesis failed: {event.exception!r}")
    return report


def _record(report: FuzzReport, phase: str, recorder: Any) -> None:
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        report.requests[label] += 1
        report.phases[phase] += 1
        if interaction.response is not None:
            report.statuses[interaction.response.status_code] += 1
    for case_id, results in recorder.checks.items():
        for result in results:
            report.checks[result.name] += 1
            if result.failure_info is None:
                continue
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node is not None else recorder.label
            failure = result.failure_info.failure
            report.failures.append(
                FuzzFailure(
                    operation=label,
                    phase=phase,
                    check=result.name,
                    message=f"{getattr(failure, 'title', '')}: {getattr(failure, 'message', failure)}",
                    curl=str(result.failure_info.code_sample),
                )
            )
