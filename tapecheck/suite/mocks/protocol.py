"""uvicorn's HTTP/1.1 protocol with the timeouts a server facing hostile clients needs.

uvicorn (h11) closes an idle keep-alive connection (``timeout_keep_alive``),
but it arms that timer only after a response, and any byte cancels it: a
client that connects and sends nothing, or sends a header byte a second
(slow loris), or promises a ``Content-Length`` it never sends, holds a
connection and a request task for ever. :func:`guarded_protocol` makes a
protocol class that adds two timers:

- a header timeout: from the connection's first moment (or a new request's
  first byte) to the end of the request's headers, whatever trickles in
  meanwhile; past it the connection is closed;
- a body read timeout: the longest pause between two pieces of a request body
  that is still owed; past it the connection is closed, and the app reading
  the body sees the client go (Starlette's ``ClientDisconnect``), so a mock
  drops the partial upload. A pause while the app itself is not reading
  (flow control) does not count.

Every accepted connection also gets ``TCP_NODELAY`` (see
:func:`tapecheck.suite.mocks.server.bind`), so a small response is sent at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_BODY_TIMEOUT", "DEFAULT_HEADER_TIMEOUT", "guarded_protocol", "set_nodelay"]

#: Seconds a client has to send a request's headers, however slowly they trickle.
DEFAULT_HEADER_TIMEOUT = 10.0
#: Seconds a request body may pause between two pieces before the connection is closed.
DEFAULT_BODY_TIMEOUT = 30.0


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send small writes at once on a TCP transport (no Nagle wait for the peer's ACK)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        # A socket the peer already closed: nothing to speed up.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _GuardedH11Protocol(H11Protocol):
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._header_timer is None:
            self._arm_header_timer()  # the first byte of a new request on a kept-alive connection
        super().data_received(data)
        self._update_timers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._update_timers()

    # -- the timers ---------------------------------------------------------------------

    def _update_timers(self) -> None:
        state = self.conn.their_state
        if state is not h11.IDLE and self._header_timer is not None:
            self._header_timer.cancel()  # the headers are in
            self._header_timer = None
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        if state is h11.SEND_BODY and not self.transport.is_closing():
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _cancel_timers(self) -> None:
        for timer in (self._header_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._header_timer = self._body_timer = None

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow.read_paused:  # the app is not reading: the client is not the slow one
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timed_out)
            return
        self.transport.close()


def guarded_protocol(
    *,
    header_timeout: float = DEFAULT_HEADER_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> type[H11Protocol]:
    """An h11 protocol class for ``uvicorn.Config(http=...)`` with these timeouts (seconds)."""
    if header_timeout <= 0 or body_timeout <= 0:
        raise ValueError("the header and body timeouts must be positive")
    return type(
        "GuardedH11Protocol",
        (_GuardedH11Protocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )
