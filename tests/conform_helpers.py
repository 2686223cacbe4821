"""Shared scaffolding of the conformance tests (``test_conform_*.py``).

Runs are ``--quick`` (the deterministic requirements): the property-based
layer is tested with its own engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.mocks.vendor import VendorMock
from tapecheck.suite.specs import load_spec

__all__ = [
    "SEEDS",
    "TENANT",
    "TOKEN",
    "factory_of",
    "failures",
    "family_outcome",
    "generic_mutant",
    "quick_ids",
    "run",
    "served",
    "verdicts",
]

#: The seeds every catalogue runs on (the mock passes on each, with the same verdicts).
SEEDS = (1, 20_240_115, 987_654_321)
#: The credentials the loopback mocks are served with (Bota's are its own: sk_..., project-...).
TOKEN, TENANT = "test-token", "tenant-a"


def verdicts(run: Run) -> dict[str, str]:
    return {r.id: r.status for r in run.requirements}


def failures(run: Run) -> dict[str, list[str]]:
    return {r.id: [f.message for f in r.failures] for r in run.requirements if r.failures}


def quick_ids(vendor: str) -> tuple[str, ...]:
    return tuple(r.id for r in catalogue(vendor) if r.depth == "quick")


def run(vendor: str, **options: Any) -> Run:
    """A ``--quick`` run of ``vendor``'s catalogue that must not abort."""
    outcome, aborted = run_to_completion(ConformOptions(vendor=vendor, quick=True, **options))
    assert aborted is None, aborted
    return outcome


@contextmanager
def served(vendor: str, app: Any) -> Iterator[str]:
    """Serve ``app`` on loopback; yields the base URL of ``vendor``'s API on it."""
    with running(app) as origin:
        yield origin + base_path(load_spec(vendor))


def factory_of(cls: type[VendorMock]) -> Callable[..., Any]:
    """An app factory (``ConformOptions.factory``) building a subclass of a vendor's mock."""
    return app_factory(cls)


def family_outcome(vendor: str, family: str, factory: Callable[..., Any] | None = None) -> str:
    """``passed``, ``failed: ...`` or ``skipped: ...``: one generic family's behaviour against
    ``factory``'s app (the vendor's mock by default), with the run's credentials."""
    import asyncio

    from tapecheck.suite.conform.checks import ConformanceFailure
    from tapecheck.suite.conform.families import FAMILIES
    from tapecheck.suite.conform.families.scope import EVERYTHING
    from tapecheck.suite.conform.media import Media
    from tapecheck.suite.conform.requirements import RequirementSkipped
    from tapecheck.suite.conform.runner import ConformOptions
    from tapecheck.suite.conform.session import Session

    behaviour = next(f for f in FAMILIES if f.name == family)
    options = ConformOptions(vendor=vendor, quick=True, factory=factory)
    target = options.target()

    async def go() -> str:
        media = Media()
        try:
            async with target.client(timeout=60) as client:
                session = Session(
                    spec=load_spec(vendor),
                    client=client,
                    credentials=options.credentials(),
                    embedded=True,
                    media=media,
                )
                try:
                    await behaviour.run(session, EVERYTHING)
                except ConformanceFailure as exc:
                    return f"failed: {exc.title}: {exc.message}"
                except RequirementSkipped as exc:
                    return f"skipped: {exc}"
                return "passed"
        finally:
            media.close()

    return asyncio.run(go())


def generic_mutant(vendor: str, name: str) -> Callable[..., Any]:
    """The factory of ``vendor``'s generic mutant ``generic-<name>``."""
    from tapecheck.suite.conform.families.mutants import generic_mutants

    return next(m.factory for m in generic_mutants(vendor) if m.name == f"generic-{name}")
