"""schemathesis against a reference mock, in-process: does the mock keep its own spec?

:func:`fuzz_app` loads a vendor's spec into schemathesis, points it at an ASGI
app (the mock, or a mutant) and runs every phase (examples, coverage,
fuzzing, and stateful on the links schemathesis infers), in positive and
negative modes, with the response checks the mocks promise: no 5xx, only
documented statuses, content types and headers, and bodies that match the
documented schemas. It returns what was sent and what failed as data; the
tests decide what to assert.

What schemathesis cannot know may be supplied without weakening the mock, as
``tests/test_mock_schemathesis.py`` does: fixed ``parameters`` (an id that
exists), per-operation ``operations`` entries of schemathesis's config, and
``real_cases``, per operationId a function that makes a *positive* case real
(a URL the mock issued, audio that is audio); negative cases always go out
exactly as generated. Health checks are off, there is no example database,
and responses are reused as data unless ``reuse_responses`` is off.

schemathesis is imported on first use only.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tapecheck.suite.mocks.server import base_path
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

#: Makes one positive case real: takes schemathesis's case, returns the case to send.
CaseHook = Callable[[Any], Any]


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
    #: requests per (phase, operation label)
    by_phase: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: check results per check name
    checks: Counter[str] = field(default_factory=Counter)
    #: responses per (operation label, status code)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[FuzzFailure] = field(default_factory=list)
    #: errors of the engine itself (a schema it cannot use, a transport error)
    errors: list[str] = field(default_factory=list)
    #: phases that did not run, with schemathesis's reason
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def phase_requests(self, phase: str) -> dict[str, int]:
        """Requests per operation in one phase."""
        return {label: n for (name, label), n in self.by_phase.items() if name == phase}

    def succeeded(self) -> set[str]:
        """The operations that answered a 2xx at least once."""
        return {label for (label, status) in self.statuses if 200 <= status < 300}

    def summary(self) -> str:
        phases: Counter[str] = Counter()
        for (phase, _), count in self.by_phase.items():
            phases[phase] += count
        lines = [
            f"{sum(self.requests.values())} requests; by phase {dict(phases)}; checks {dict(self.checks)}",
            *(
                f"  {label}: {count} requests, statuses "
                f"{dict(sorted((s, n) for (lb, s), n in self.statuses.items() if lb == label))}"
                for label, count in sorted(self.requests.items())
            ),
        ]
        if self.skipped:
            lines.append(f"  skipped phases: {self.skipped}")
        lines += [str(f) for f in self.failures[:20]]
        lines += self.errors[:20]
        return "\n".join(lines)


def _config(
    spec: Spec,
    *,
    headers: Mapping[str, str],
    max_examples: int,
    seed: int,
    checks: Sequence[str],
    phases: Sequence[str],
    parameters: Mapping[str, str],
    operations: Sequence[Mapping[str, Any]],
    reuse_responses: bool,
) -> Any:
    import schemathesis

    return schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": "http://testserver" + base_path(spec),
            "headers": dict(headers),
            "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
            "generation": {"mode": "all", "max-examples": max_examples, "database": "none"},
            "phases": {
                "examples": {"enabled": "examples" in phases, "fill-missing": True},
                "coverage": {"enabled": "coverage" in phases},
                "fuzzing": {
                    "enabled": "fuzzing" in phases,
                    "extra-data-sources": {"responses": reuse_responses},
                },
                "stateful": {"enabled": "stateful" in phases},
            },
            "parameters": dict(parameters),
            "operations": [dict(entry) for entry in operations],
            "suppress-health-check": ["all"],
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
    parameters: Mapping[str, str] | None = None,
    operations: Sequence[Mapping[str, Any]] = (),
    real_cases: Mapping[str, CaseHook] | None = None,
    reuse_responses: bool = True,
) -> FuzzReport:
    """Run schemathesis on ``spec`` against the ASGI ``app``; ``headers`` go on every request.

    The app's lifespan, which schemathesis starts, is stopped before returning.
    """
    import schemathesis
    from schemathesis.engine import events, from_schema
    from schemathesis.python import asgi

    config = _config(
        spec,
        headers=headers,
        max_examples=max_examples,
        seed=seed,
        checks=checks,
        phases=phases,
        parameters=parameters or {},
        operations=operations,
        reuse_responses=reuse_responses,
    )
    schema = schemathesis.openapi.from_dict(copy.deepcopy(dict(spec.raw)), config=config)
    schema.app = app
    if real_cases:
        schema.hook("map_case")(_positive_only(real_cases))
    report = FuzzReport()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _record(report, str(event.phase.value), event.recorder)
            elif isinstance(event, events.PhaseFinished) and event.status.value == "skip":
                reason = event.phase.skip_reason
                name = str(event.phase.name.value)
                report.skipped[name] = str(reason.value) if reason else "nothing to run"
            elif isinstance(event, events.NonFatalError):
                report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                report.errors.append(f"schemathesis failed: {event.exception!r}")
    finally:
        asgi.shutdown_lifespans()
    return report


def _positive_only(real_cases: Mapping[str, CaseHook]) -> Callable[[Any, Any], Any]:
    """schemathesis's ``map_case`` hook: ``real_cases`` applied to positive cases only."""
    from schemathesis import GenerationMode

    def map_case(context: Any, case: Any) -> Any:
        meta = case.meta
        if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
            return case
        make_real = real_cases.get(str(case.operation.definition.raw.get("operationId")))
        return case if make_real is None else make_real(case)

    return map_case


def _label(recorder: Any, case_id: str) -> str:
    node = recorder.cases.get(case_id)
    return str(node.value.operation.label) if node is not None else str(recorder.label)


def _record(report: FuzzReport, phase: str, recorder: Any) -> None:
    for case_id, interaction in recorder.interactions.items():
        label = _label(recorder, case_id)
        report.requests[label] += 1
        report.by_phase[(phase, label)] += 1
        if interaction.response is not None:
            report.statuses[(label, interaction.response.status_code)] += 1
    for case_id, results in recorder.checks.items():
        for result in results:
            report.checks[result.name] += 1
            if result.failure_info is None:
                continue
            failure = result.failure_info.failure
            report.failures.append(
                FuzzFailure(
                    operation=_label(recorder, case_id),
                    phase=phase,
                    check=result.name,
                    message=f"{getattr(failure, 'title', '')}: {getattr(failure, 'message', failure)}",
                    curl=str(result.failure_info.code_sample),
                )
            )
