"""Bota's rate limit: a budget per credential and window, and the headers on every answer.

:class:`RateLimiter` keeps a fixed window per key (a credential's scope):
``limit`` requests per ``window_s`` seconds, counted from the key's first
request. :class:`RateLimitHeaders` is the outermost ASGI layer of the mock, so
every answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (an epoch second), errors and framework pages included;
a request over the budget is answered 429 by the mock's ``refuse`` without
reaching the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Budget", "RateLimitHeaders", "RateLimiter"]


@dataclass(frozen=True)
class Budget:
    """Where one key stands after a request: the window's limit, what is left, when it resets."""

    limit: int
    remaining: int
    reset: int
    exceeded: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


@dataclass
class _Window:
    ends: float
    used: int = 0


class RateLimiter:
    """``limit`` requests per ``window_s`` seconds and key; thread-safe."""

    def __init__(
        self, limit: int, window_s: int = 60, *, clock: Callable[[], float] = time.time
    ) -> None:
        if limit < 1 or window_s < 1:
            raise ValueError("a rate limit needs at least 1 request per at least 1 second")
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def spend(self, key: str) -> Budget:
        """Count one request of ``key``; ``exceeded`` when the window's budget was already spent."""
        now = self.clock()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.ends <= now:
                window = self._windows[key] = _Window(ends=now + self.window_s)
            exceeded = window.used >= self.limit
            if not exceeded:
                window.used += 1
            remaining = self.limit - window.used
        return Budget(self.limit, remaining, int(window.ends), exceeded)


class RateLimitHeaders:
    """ASGI middleware: spend a budget per request, add its headers, answer 429 past it.

    ``budget_of(request)`` spends and returns the budget, or ``None`` for a
    request outside the limit (the storage host's routes); ``headers_of``
    turns a budget into headers; ``refuse(budget)`` is the 429 answer.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        budget_of: Callable[[Request], Budget | None],
        headers_of: Callable[[Budget], dict[str, str]],
        refuse: Callable[[Budget], Response],
    ) -> None:
        self.app = app
        self.budget_of = budget_of
        self.headers_of = headers_of
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        budget = self.budget_of(Request(scope))
        if budget is None:
            await self.app(scope, receive, send)
            return
        extra = self.headers_of(budget)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        if budget.exceeded:
            await self.refuse(budget)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
