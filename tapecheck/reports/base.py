"""Writers: one per output format, each only serializing a result.

``LINT_WRITERS`` and ``RUN_WRITERS`` are the registries the commands read their
``--format`` choices from. A writer never computes anything the suite should
have decided; it formats the model of :mod:`tapecheck.reports.model`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, TextIO, TypeVar

from tapecheck.reports.model import LintResult, Run

__all__ = [
    "LINT_WRITERS",
    "RUN_WRITERS",
    "LintWriter",
    "RunWriter",
    "register_lint",
    "register_run",
]


class LintWriter(ABC):
    """Writes the findings of one lint run."""

    name: ClassVar[str]

    @abstractmethod
    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None: ...


class RunWriter(ABC):
    """Writes one conformance run."""

    name: ClassVar[str]

    @abstractmethod
    def write(self, run: Run, stream: TextIO, *, color: bool = False) -> None: ...


LINT_WRITERS: dict[str, type[LintWriter]] = {}
RUN_WRITERS: dict[str, type[RunWriter]] = {}

_Writer = TypeVar("_Writer", bound=type)


def _register(registry: dict[str, _Writer], writer: _Writer, kind: str) -> _Writer:
    """Record ``writer`` under its name; the same writer again replaces itself.

    A module executed a second time (pytest's assertion rewriting, an
    ``importlib.reload``, a package loading its writers on first use) registers
    the same class anew: same module and qualified name, so it takes the place
    of the first. Another class under a name already taken is a bug, refused.
    """
    name: str = writer.name  # type: ignore[attr-defined]
    existing = registry.get(name)
    if existing is not None and _qualified(existing) != _qualified(writer):
        raise RuntimeError(
            f"a {kind} writer named {name!r} is already registered by {_qualified(existing)}"
        )
    registry[name] = writer
    return writer


def _qualified(writer: type) -> str:
    return f"{writer.__module__}.{writer.__qualname__}"


def register_lint(writer: type[LintWriter]) -> type[LintWriter]:
    return _register(LINT_WRITERS, writer, "lint")


def register_run(writer: type[RunWriter]) -> type[RunWriter]:
    return _register(RUN_WRITERS, writer, "run")
