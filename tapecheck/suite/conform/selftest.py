"""The suite tests itself: every reference mock must conform, every mutant must be caught.

A mutant of a documented behaviour is *killed*: a ``must`` requirement fails (the run
does not conform). A mutant of a behaviour the docs leave open is caught as an
*advisory*: only ``should`` requirements fail, so a target like it still conforms,
with the advisory printed. The matrix says which, for each mutant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tapecheck.reports.model import Run
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.vendors import optional_vendor_module

__all__ = ["MutantOutcome", "SelftestOutcome", "mutants", "selftest"]


@dataclass(frozen=True)
class MutantOutcome:
    mutant: Mutant
    failed: tuple[str, ...]
    aborted: str | None = None
    #: the failed requirements of level ``should`` (the others are ``must``)
    advisories: tuple[str, ...] = ()

    @property
    def must_failed(self) -> tuple[str, ...]:
        return tuple(f for f in self.failed if f not in self.advisories)

    @property
    def killed(self) -> bool:
        """Caught by ``must`` requirements alone (or the run could not be made)."""
        return bool(self.must_failed) or self.aborted is not None

    @property
    def advisory(self) -> bool:
        """Caught only as an advisory: only ``should`` requirements failed."""
        return not self.killed and bool(self.advisories)

    @property
    def caught(self) -> bool:
        return self.killed or self.advisory

    @property
    def expected_hit(self) -> bool:
        """The requirements the mutant names caught it (or it names none)."""
        if not self.mutant.expect:
            return self.killed
        return any(f == e or f.startswith(e) for f in self.failed for e in self.mutant.expect)


@dataclass
class SelftestOutcome:
    vendor: str
    mock_run: Run
    mock_aborted: str | None
    outcomes: list[MutantOutcome] = field(default_factory=list)
    #: requirement id -> level, of the catalogue that ran
    levels: dict[str, str] = field(default_factory=dict)

    def of_a_must(self, outcome: MutantOutcome) -> bool:
        """The mutant deviates from a documented behaviour: it names a ``must`` requirement."""
        return any(
            level == "must" and (rid == e or rid.startswith(e))
            for rid, level in self.levels.items()
            for e in outcome.mutant.expect
        )

    @property
    def not_killed_by_must(self) -> list[str]:
        """Mutants of a documented behaviour that no ``must`` requirement caught."""
        return [o.mutant.name for o in self.outcomes if self.of_a_must(o) and not o.killed]

    @property
    def mock_failed(self) -> list[str]:
        """What the reference mock fails (or cannot decide): it must conform without advisories."""
        return [r.id for r in self.mock_run.requirements if r.status in ("failed", "error")]

    @property
    def ok(self) -> bool:
        return (
            not self.mock_failed
            and self.mock_aborted is None
            and all(o.caught for o in self.outcomes)
            and not self.not_killed_by_must
        )

    def matrix(self) -> str:
        lines = [
            f"{self.vendor}: {len(self.mock_run.requirements)} requirements, {len(self.outcomes)} mutants"
        ]
        mock = "PASS" if not self.mock_failed and self.mock_aborted is None else "FAIL"
        detail = self.mock_aborted or ", ".join(self.mock_failed) or "all requirements passed"
        lines.append(f"  {'reference mock':<34} {mock:<8} {detail}")
        for outcome in self.outcomes:
            verdict = "killed" if outcome.killed else "advisory" if outcome.advisory else "SURVIVED"
            if self.of_a_must(outcome) and not outcome.killed:
                verdict = "MISSED"  # a documented behaviour caught only as an advisory
            caught = outcome.aborted or ", ".join(outcome.must_failed) or ""
            if outcome.advisories:
                should = ", ".join(outcome.advisories)
                caught = f"{caught}; should: {should}" if caught else f"should: {should}"
            lines.append(
                f"  {outcome.mutant.name:<34} {verdict:<8} {caught or 'no requirement failed'}"
            )
        killed = sum(o.killed for o in self.outcomes)
        advisory = sum(o.advisory for o in self.outcomes)
        lines.append(
            f"  => {killed}/{len(self.outcomes)} mutants killed by must requirements, "
            f"{advisory} caught as advisories; mock {mock.lower()}"
        )
        return "\n".join(lines)


def mutants(vendor: str) -> list[Mutant]:
    """The vendor's own mutants, then the generic ones of the families generated for it."""
    from tapecheck.suite.conform.families.mutants import generic_mutants

    module = optional_vendor_module(vendor, "mutants")
    found: list[Mutant] = list(module.MUTANTS) if module is not None else []
    return found + generic_mutants(vendor)


def selftest(
    vendor: str, *, quick: bool = True, seed: int = 0, examples: int | None = None
) -> SelftestOutcome:
    """Run the suite against ``vendor``'s mock and each of its mutants."""

    def options(factory: object = None) -> ConformOptions:
        opts = ConformOptions(vendor=vendor, quick=quick, seed=seed, factory=factory)  # type: ignore[arg-type]
        if examples is not None:
            opts.examples = examples
        return opts

    mock_run, mock_aborted = run_to_completion(options())
    outcome = SelftestOutcome(vendor, mock_run, mock_aborted)
    outcome.levels = {r.id: r.level for r in mock_run.requirements}
    for mutant in mutants(vendor):
        run, aborted = run_to_completion(options(mutant.factory))
        failed = tuple(r.id for r in run.requirements if r.status == "failed")
        should = tuple(
            r.id for r in run.requirements if r.status == "failed" and r.level == "should"
        )
        outcome.outcomes.append(MutantOutcome(mutant, failed, aborted, should))
    return outcome
