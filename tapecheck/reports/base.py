"""Writers: one per output format, each only serializing a result.

``LINT_WRITERS`` and ``RUN_WRITERS`` are the registries the commands read their
``--format`` choices from. A writer never computes anything the suite should
have decided; it formats the model of :mod:`tapecheck.reports.model`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, TextIO

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


def register_lint(writer: type[LintWriter]) -> type[LintWriter]:
    if writer.name in LINT_WRITERS:
        raise RuntimeError(f"a lint writer named {writer.name!r} is already registered")
    LINT_WRITERS[writer.name] = writer
    return writer


def register_run(writer: type[RunWriter]) -> type[RunWriter]:
    if writer.name in RUN_WRITERS:
        raise RuntimeError(f"a run writer named {writer.name!r} is already registered")
    RUN_WRITERS[writer.name] = writer
    return writer
