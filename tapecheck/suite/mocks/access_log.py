"""One line per request a served mock answers: method, path, status and time.

An ASGI middleware, so it wraps any mock (a vendor's or the generic one)
without touching the server: ``tapecheck mock`` adds it unless ``--quiet``.
The query string is never written: a credential can travel in it
(a ``bearer_token`` query parameter).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "access_line"]


def access_line(method: str, path: str, status: int | None, seconds: float) -> str:
    """``POST /v2/interactions/ 201 3.1 ms``; ``-`` when no response was started."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in path)
    return f"{method} {shown} {status if status is not None else '-'} {seconds * 1000:.1f} ms"


class AccessLog:
    """Write :func:`access_line` for every HTTP request once its response has ended."""

    def __init__(self, app: ASGIApp, write: Callable[[str], Any]) -> None:
        self.app = app
        self.write = write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = str(scope.get("method", "-"))
            self.write(
                access_line(
                    method, str(scope.get("path", "")), status, time.perf_counter() - started
                )
            )
