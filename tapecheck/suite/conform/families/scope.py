"""The part of a family one generated requirement checks: some of its cases, some operations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tapecheck.suite.specs import Operation

__all__ = ["EVERYTHING", "Scope"]


@dataclass(frozen=True)
class Scope:
    """``None`` selects all: every case of the family, every operation it applies to."""

    cases: frozenset[str] | None = None
    operations: frozenset[str] | None = None

    def case(self, name: str) -> bool:
        """Whether the case ``name`` is checked."""
        return self.cases is None or name in self.cases

    def ops(self, operations: Iterable[Operation]) -> list[Operation]:
        """The operations in scope, in the order given."""
        return [
            op for op in operations if self.operations is None or op.operation_id in self.operations
        ]

    def label(self) -> str:
        """A name for the scope, to name the function that runs it."""
        parts = sorted(self.cases or ()) + sorted(self.operations or ())
        return "_".join(p.replace("-", "_") for p in parts) or "all"


EVERYTHING = Scope()
