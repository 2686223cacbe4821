"""What the proxy saw: exchanges and their findings, kept for the reports.

A :class:`Traffic` is the proxy's memory: every exchange (request and response
as a report shows them, bodies summarised, never a whole upload) and every
finding with the exchange it came from. It is shared by the ASGI app (which
adds to it), ``GET /_tapecheck/findings`` and the report writers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tapecheck import __version__
from tapecheck.reports.model import Finding
from tapecheck.reports.traffic import TrafficExchange, TrafficLog

__all__ = ["MAX_KEPT_TEXT_BYTES", "FindingListener", "Traffic"]

#: Body texts kept for the reports, all exchanges together; past it, bodies are elided
#: (size and hash kept) so a proxy left running all day stays bounded.
MAX_KEPT_TEXT_BYTES = 64 * 1024 * 1024

FindingListener = Callable[[TrafficExchange, Finding], None]


@dataclass
class Traffic:
    """The exchanges and findings of one proxy run (thread-safe)."""

    vendor: str
    target: str
    listeners: list[FindingListener] = field(default_factory=list)
    _exchanges: list[TrafficExchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kept: int = 0

    def next_index(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def add(self, exchange: TrafficExchange) -> None:
        with self._lock:
            exchange.index = len(self._exchanges)
            self._kept += sum(
                len(body.text or "") for body in (exchange.request_body, exchange.response_body)
            )
            if self._kept > MAX_KEPT_TEXT_BYTES:
                exchange.request_body.text = exchange.response_body.text = None
                exchange.document = None
            self._exchanges.append(exchange)
        for finding in exchange.findings:
            for listener in self.listeners:
                listener(exchange, finding)

    def log(self) -> TrafficLog:
        with self._lock:
            exchanges = list(self._exchanges)
        return TrafficLog(
            vendor=self.vendor, target=self.target, tool_version=__version__, exchanges=exchanges
        )

    @property
    def errors(self) -> int:
        return self.log().errors
