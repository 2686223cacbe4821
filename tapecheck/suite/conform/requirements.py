"""The requirements catalogue: stable ids, each with its source and the checks that decide it.

A vendor's requirements are async functions in
``suite/vendors/<vendor>/requirements.py`` (or a ``requirements/`` package that
imports its modules in catalogue order) decorated with :func:`requirement`.
Each makes fixed requests at the edges (deterministic: a mutant is caught on
every seed) and raises :class:`~tapecheck.suite.conform.checks.ConformanceFailure`
on a deviation, or :class:`RequirementSkipped` when it cannot run against this
target (no device token given, say).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tapecheck.suite.conform.session import Session

__all__ = [
    "LEVELS",
    "REQUIREMENTS",
    "Level",
    "Requirement",
    "RequirementSkipped",
    "RequirementUndecided",
    "catalogue",
    "import_modules",
    "requirement",
]

#: ``must``: the vendor's public docs state the behaviour (the source quotes them); the
#: verdict counts it. ``should``: the docs are silent and the behaviour is a reasonable
#: expectation; a failure is an advisory that changes the verdict only under ``--strict``.
Level = Literal["must", "should"]
LEVELS: tuple[Level, ...] = ("must", "should")

RequirementFunction = Callable[["Session"], Awaitable[None]]

_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class RequirementSkipped(Exception):
    """The requirement cannot run against this target (no device token given); says why."""


class RequirementUndecided(Exception):
    """The requirement could not be decided: no answer, a time-out, every credential refused.

    Raised anywhere in a requirement (or in :meth:`Session.send`), it makes the
    requirement ``error`` with this message as its reason: neither passed nor failed.
    A ``must`` in error makes the run ``incomplete`` unless another ``must`` failed.
    """


@dataclass(frozen=True)
class Requirement:
    """One documented behaviour a target must show."""

    id: str
    title: str
    source: str
    vendor: str
    checks: tuple[str, ...]
    run: RequirementFunction
    #: ``quick`` requirements are fixed requests; ``deep`` ones generate data (skipped by --quick).
    depth: str = "quick"
    level: Level = "must"


#: vendor -> requirement id -> requirement, in definition order.
REQUIREMENTS: dict[str, dict[str, Requirement]] = {}


def requirement(
    vendor: str,
    id: str,
    *,
    title: str,
    level: Level,
    source: str,
    checks: tuple[str, ...] = (),
    depth: str = "quick",
) -> Callable[[RequirementFunction], RequirementFunction]:
    """Register an async requirement function under a stable id.

    ``level`` has no default, so that no requirement is left undecided: ``must`` only
    where ``source`` quotes the vendor's public docs stating the behaviour.
    """
    if level not in LEVELS:
        raise ValueError(f"requirement {id}: level must be 'must' or 'should', not {level!r}")
    if not _ID.match(id) or not id.startswith(vendor.upper() + "-"):
        raise ValueError(
            f"requirement id {id!r} must be upper-case words starting with {vendor.upper()}-"
        )

    def decorate(func: RequirementFunction) -> RequirementFunction:
        table = REQUIREMENTS.setdefault(vendor, {})
        existing = table.get(id)
        # A module imported again (pytester, importlib.reload) registers its own ids anew.
        if existing is not None and _origin(existing.run) != _origin(func):
            raise RuntimeError(
                f"requirement {id} is already registered by {existing.run.__module__}"
            )
        table[id] = Requirement(id, title, source, vendor, tuple(checks), func, depth, level)
        return func

    return decorate


def _origin(func: RequirementFunction) -> tuple[str, str]:
    return func.__module__, func.__qualname__


def import_modules(package: str, modules: Iterable[str]) -> None:
    """Import a ``requirements/`` package's modules, in catalogue (and report) order."""
    for module in modules:
        importlib.import_module(f"{package}.{module}")


def catalogue(vendor: str) -> list[Requirement]:
    """Every requirement of ``vendor`` (imports its requirements module once, if it has one)."""
    from tapecheck.suite.vendors import optional_vendor_module

    optional_vendor_module(vendor, "requirements")
    # The generic families, where the vendor's folder does not require the behaviour itself.
    from tapecheck.suite.conform.families import register_families

    register_families(vendor)
    # The property-based layer (deep), generic for every vendor, after the vendor's own.
    from tapecheck.suite.conform.properties import register_property_requirements

    register_property_requirements(vendor)
    return list(REQUIREMENTS.get(vendor, {}).values())
