"""Error bodies in each vendor's documented shape, and the handlers that send them.

A mock raises :class:`MockError` (a status, a message, optionally the vendor's
own code and per-field details); an :class:`ErrorShape` turns it into the
vendor's JSON body. :func:`exception_handlers` wires a renderer into Starlette so
that nothing a client sends (an unknown route, a wrong method, a client that
goes away) is ever answered by the framework's ``text/plain`` pages.

The shapes, from VENDORS.md:

- Corti: ``ErrorResponse`` ``{requestid, status, type, detail, validationErrors?}``;
  ``type`` is a plain string.
- Crescendo: ``{code, message}``; a 500 carries only ``{message}``.
- Alpharun: ``{error: {code, message}}`` (the docs document none; the mocks agree on this).
- Siro: ``{statusCode, message, error}``.
- Bota: ``{error: {code, message, details?}}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "SHAPES",
    "AlpharunErrors",
    "BotaErrors",
    "CortiErrors",
    "CrescendoErrors",
    "ErrorRenderer",
    "ErrorShape",
    "MockError",
    "SiroErrors",
    "exception_handlers",
]


class MockError(Exception):
    """A refusal a mock answers with: the status, a message a user can act on, and extras.

    ``code`` overrides the shape's default code for the status (Bota's
    ``resource_already_exists``); ``details`` are per-field problems
    (``{field: message}``), sent where the vendor's shape has room for them.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.details = dict(details or {})
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ErrorShape:
    """How one vendor writes an error body; subclasses fill :meth:`body`."""

    codes: Mapping[int, str] = field(default_factory=dict)
    media_type: ClassVar[str] = "application/json"

    def code_for(self, error: MockError) -> str:
        if error.code:
            return error.code
        if error.status in self.codes:
            return self.codes[error.status]
        return _slug(error.status)

    def body(self, error: MockError) -> dict[str, Any]:
        raise NotImplementedError

    def response(self, error: MockError) -> Response:
        return JSONResponse(
            self.body(error),
            status_code=error.status,
            headers=error.headers or None,
            media_type=self.media_type,
        )


@dataclass(frozen=True)
class CortiErrors(ErrorShape):
    """Corti's ``ErrorResponse``: ``requestid``, ``status``, ``type``, ``detail``."""

    def body(self, error: MockError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "requestid": str(uuid.uuid4()),
            "status": error.status,
            "type": self.code_for(error),
            "detail": error.message,
        }
        if error.details:
            body["validationErrors"] = [{name: text} for name, text in error.details.items()]
        return body


@dataclass(frozen=True)
class CrescendoErrors(ErrorShape):
    """Crescendo's ``{code, message}``; a 500 is ``{message}`` alone."""

    codes: Mapping[int, str] = field(
        default_factory=lambda: {
            400: "BadRequest",
            401: "Unauthenticated",
            403: "PermissionDenied",
            404: "NotFound",
            405: "MethodNotAllowed",
        }
    )

    def body(self, error: MockError) -> dict[str, Any]:
        if error.status >= 500:
            return {"message": error.message}
        return {"code": self.code_for(error), "message": error.message}


@dataclass(frozen=True)
class _NestedErrors(ErrorShape):
    """``{error: {code, message, details?}}`` (Alpharun, Bota)."""

    def body(self, error: MockError) -> dict[str, Any]:
        inner: dict[str, Any] = {"code": self.code_for(error), "message": error.message}
        if error.details:
            inner["details"] = dict(error.details)
        return {"error": inner}


_SNAKE_CODES: Mapping[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "resource_already_exists",
    429: "rate_limit_exceeded",
    500: "internal_error",
}


@dataclass(frozen=True)
class AlpharunErrors(_NestedErrors):
    """Alpharun: ``{error: {code, message}}`` (the mocks' choice; the docs show none)."""

    codes: Mapping[int, str] = field(default_factory=lambda: dict(_SNAKE_CODES))

    def body(self, error: MockError) -> dict[str, Any]:
        return {"error": {"code": self.code_for(error), "message": error.message}}


@dataclass(frozen=True)
class BotaErrors(_NestedErrors):
    """Bota: ``{error: {code, message, details?}}`` with snake_case codes."""

    codes: Mapping[int, str] = field(default_factory=lambda: dict(_SNAKE_CODES))


@dataclass(frozen=True)
class SiroErrors(ErrorShape):
    """Siro: ``{statusCode, message, error}`` (``error`` is the reason phrase)."""

    def body(self, error: MockError) -> dict[str, Any]:
        return {
            "statusCode": error.status,
            "message": error.message,
            "error": error.code or _phrase(error.status),
        }


#: The shape of each vendor's errors, by vendor name.
SHAPES: Mapping[str, ErrorShape] = {
    "alpharun": AlpharunErrors(),
    "bota": BotaErrors(),
    "corti": CortiErrors(),
    "crescendo": CrescendoErrors(),
    "siro": SiroErrors(),
}

ErrorRenderer = Callable[[MockError], Response]
_Handler = Callable[[Request, Exception], Awaitable[Response]]


def exception_handlers(render: ErrorRenderer) -> dict[Any, _Handler]:
    """Starlette exception handlers that answer everything through ``render``.

    Unknown routes (404) and wrong methods (405, with its ``Allow`` header) come
    from the router as :class:`HTTPException`; a client that disconnects mid-body
    gets a 400 that nobody reads; anything unexpected is a 500 in the vendor's
    shape, never a ``text/plain`` page.
    """

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, MockError):
            return render(exc)
        if isinstance(exc, HTTPException):
            message = _http_message(request, exc)
            return render(MockError(exc.status_code, message, headers=exc.headers))
        return render(MockError(500, "Internal Server Error"))

    async def on_disconnect(request: Request, exc: Exception) -> Response:
        return render(MockError(400, "the client closed the connection before the body ended"))

    return {
        MockError: on_error,
        HTTPException: on_error,
        ClientDisconnect: on_disconnect,
        Exception: on_error,
    }


def _http_message(request: Request, exc: HTTPException) -> str:
    if exc.status_code == 404:
        return f"no such resource: {request.method} {request.url.path}"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    return str(exc.detail)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(status: int) -> str:
    return _phrase(status).lower().replace(" ", "-").replace("'", "")
