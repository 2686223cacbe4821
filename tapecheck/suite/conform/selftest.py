"""The suite tests itself: every reference mock must pass, every mutant must be caught."""

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

    @property
    def killed(self) -> bool:
        return bool(self.failed) or self.aborted is not None

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

    @property
    def mock_failed(self) -> list[str]:
        return [r.id for r in self.mock_run.requirements if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return (
            not self.mock_failed
            and self.mock_aborted is None
            and all(o.killed for o in self.outcomes)
        )

    def matrix(self) -> str:
        lines = [
            f"{self.vendor}: {len(self.mock_run.requirements)} requirements, {len(self.outcomes)} mutants"
        ]
        mock = "PASS" if not self.mock_failed and self.mock_aborted is None else "FAIL"
        detail = self.mock_aborted or ", ".join(self.mock_failed) or "all requirements passed"
        lines.append(f"  {'reference mock':<34} {mock:<8} {detail}")
        for outcome in self.outcomes:
            verdict = "killed" if outcome.killed else "SURVIVED"
            caught = outcome.aborted or ", ".join(outcome.failed) or "no requirement failed"
            lines.append(f"  {outcome.mutant.name:<34} {verdict:<8} {caught}")
        killed = sum(o.killed for o in self.outcomes)
        lines.append(f"  => {killed}/{len(self.outcomes)} mutants killed; mock {mock.lower()}")
        return "\n".join(lines)


def mutants(vendor: str) -> list[Mutant]:
    module = optional_vendor_module(vendor, "mutants")
    found: list[Mutant] = list(module.MUTANTS) if module is not None else []
    return found


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
    for mutant in mutants(vendor):
        run, aborted = run_to_completion(options(mutant.factory))
        failed = tuple(r.id for r in run.requirements if r.status == "failed")
        outcome.outcomes.append(MutantOutcome(mutant, failed, aborted))
    return outcome
