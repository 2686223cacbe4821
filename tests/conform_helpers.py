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
