"""Events the conformance engine yields; the CLI and the pytest plugin subscribe.

The engine never formats output: it yields these dataclasses, and a handler
(``start``/``handle_event``/``shutdown``, as in schemathesis) turns them into a
progress display, a summary or pytest outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tapecheck.reports.model import RequirementResult, Run
from tapecheck.suite.conform.requirements import Requirement

__all__ = [
    "Event",
    "EventHandler",
    "RequirementFinished",
    "RequirementStarted",
    "RunAborted",
    "RunFinished",
    "RunInterrupted",
    "RunStarted",
]


@dataclass(frozen=True)
class RunStarted:
    vendor: str
    target: str
    seed: int
    total: int


@dataclass(frozen=True)
class RequirementStarted:
    requirement: Requirement
    index: int


@dataclass(frozen=True)
class RequirementFinished:
    requirement: Requirement
    result: RequirementResult
    index: int


@dataclass(frozen=True)
class RunFinished:
    run: Run


@dataclass(frozen=True)
class RunAborted:
    """The run could not be made: target unreachable, or every credential refused."""

    reason: str
    run: Run
    #: ``unreachable`` or ``credentials``: a subscriber may phrase its own hint
    kind: str = "unreachable"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a run: a KeyboardInterrupt that carries the run so far.

    Raised by the engine once it has cleaned up (what the run created is swept
    and listed); ``run.incomplete`` says it was interrupted, so its verdict is
    ``incomplete``. A caller that only wants to stop sees a KeyboardInterrupt; the
    CLI writes the reports of the run so far.
    """

    def __init__(self, run: Run) -> None:
        super().__init__(run.incomplete)
        self.run = run


Event = RunStarted | RequirementStarted | RequirementFinished | RunFinished | RunAborted


class EventHandler(Protocol):
    def start(self) -> None: ...

    def handle_event(self, event: Event) -> None: ...

    def shutdown(self) -> None: ...
