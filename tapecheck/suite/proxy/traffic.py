"""What the proxy saw: exchanges and their findings, kept for the reports.

A :class:`Traffic` is the proxy's memory: the exchanges (request and response
as a report shows them, bodies summarised, never a whole upload) and every
finding with the exchange it came from. It is shared by the ASGI app (which
adds to it), ``GET /_tapecheck/findings`` and the report writers.

Exchanges are numbered as their requests arrive (:meth:`Traffic.reserve_index`),
not as their responses end. A proxy left running all day stays bounded: it
keeps the last :data:`MAX_KEPT_EXCHANGES` exchanges and counts the ones it let
go, and the totals (exchanges, errors, warnings, upstream deviations) count
every exchange it saw.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tapecheck import __version__
from tapecheck.reports.model import Finding
from tapecheck.reports.traffic import TrafficExchange, TrafficLog, about_upstream

__all__ = ["MAX_KEPT_EXCHANGES", "MAX_KEPT_TEXT_BYTES", "FindingListener", "Traffic"]

#: Body texts kept for the reports, all kept exchanges together; past it, bodies are
#: elided (size and hash kept).
MAX_KEPT_TEXT_BYTES = 64 * 1024 * 1024
#: Exchanges kept for the reports: past it, the oldest are let go (and counted).
MAX_KEPT_EXCHANGES = 5_000

FindingListener = Callable[[TrafficExchange, Finding], None]


def _text_bytes(exchange: TrafficExchange) -> int:
    return sum(len(body.text or "") for body in (exchange.request_body, exchange.response_body))


@dataclass
class Traffic:
    """The exchanges and findings of one proxy run (thread-safe)."""

    vendor: str
    target: str
    listeners: list[FindingListener] = field(default_factory=list)
    max_exchanges: int = field(default_factory=lambda: MAX_KEPT_EXCHANGES)
    _exchanges: deque[TrafficExchange] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kept: int = 0  # body text bytes held by the kept exchanges
    _next: int = 0  # the index the next request gets
    _dropped: int = 0
    _tallies: Counter[str] = field(default_factory=Counter)

    def reserve_index(self) -> int:
        """The index of a request that just arrived: exchanges are numbered in arrival order."""
        with self._lock:
            index = self._next
            self._next += 1
            return index

    def add(self, exchange: TrafficExchange) -> None:
        """Record an exchange whose index :meth:`reserve_index` gave."""
        with self._lock:
            size = _text_bytes(exchange)
            if self._kept + size > MAX_KEPT_TEXT_BYTES:
                exchange.request_body.text = exchange.response_body.text = None
                exchange.document = None
            else:
                self._kept += size
            for finding in exchange.findings:
                self._tallies[finding.severity] += 1
                self._tallies["upstream"] += about_upstream(finding)
            self._exchanges.append(exchange)
            while len(self._exchanges) > max(self.max_exchanges, 0):
                self._kept -= _text_bytes(self._exchanges.popleft())
                self._dropped += 1
        for finding in exchange.findings:
            for listener in self.listeners:
                listener(exchange, finding)

    def log(self) -> TrafficLog:
        """The kept exchanges in request order, with the totals over every exchange seen."""
        with self._lock:
            exchanges = sorted(self._exchanges, key=lambda e: e.index)
            dropped, tallies = self._dropped, dict(self._tallies)
        return TrafficLog(
            vendor=self.vendor,
            target=self.target,
            tool_version=__version__,
            exchanges=exchanges,
            dropped=dropped,
            tallies=tallies,
        )

    @property
    def errors(self) -> int:
        return self.log().errors
