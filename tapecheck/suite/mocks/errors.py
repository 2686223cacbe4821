"""Error bodies in a vendor's documented shape, and the handlers that send them.

A mock raises :class:`MockError` (a status, a message, optionally the vendor's
own code and per-field details); an :class:`ErrorShape` turns it into the
vendor's JSON body. :func:`exception_handlers` wires a renderer into Starlette so
that nothing a client sends (an unknown route, a wrong method, a client that
goes away) is ever answered by the framework's ``text/plain`` pages.

A vendor's own shape lives in its folder (``suite/vendors/<v>/``); here are the
shapes several vendors share (:class:`NestedErrors`) and the one any spec
gives by its ``x-tapecheck.error-schema`` (:class:`SchemaErrors`).
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

from tapecheck.suite.specs import Spec

__all__ = [
    "SNAKE_CODES",
    "ErrorRenderer",
    "ErrorShape",
    "MockError",
    "NestedErrors",
    "SchemaErrors",
    "exception_handlers",
    "reason_phrase",
]


class MockError(Exception):
    """A refusal a mock answers with: the status, a message a user can act on, and extras.

    ``code`` overrides the shape's default code for the status
    (``resource_already_exists``); ``details`` are per-field problems
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
class NestedErrors(ErrorShape):
    """``{error: {code, message, details?}}`` with snake_case codes.

    ``details`` carries per-field problems unless ``with_details`` is off (a
    vendor whose documented shape has no room for them).
    """

    codes: Mapping[int, str] = field(default_factory=lambda: dict(SNAKE_CODES))
    with_details: bool = True

    def body(self, error: MockError) -> dict[str, Any]:
        inner: dict[str, Any] = {"code": self.code_for(error), "message": error.message}
        if error.details and self.with_details:
            inner["details"] = dict(error.details)
        return {"error": inner}


#: snake_case error codes by status, for shapes that name errors that way.
SNAKE_CODES: Mapping[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "resource_already_exists",
    429: "rate_limit_exceeded",
    500: "internal_error",
}

#: Property names by the role their value plays in an error body.
_STATUS_NAMES = frozenset({"status", "statuscode", "status_code", "code"})
_MESSAGE_NAMES = frozenset({"message", "detail", "details", "description", "msg", "title"})
_CODE_NAMES = frozenset({"code", "type", "error", "reason", "error_code", "errorcode"})


@dataclass(frozen=True)
class SchemaErrors(ErrorShape):
    """An error body built from the spec's ``x-tapecheck.error-schema`` alone.

    For a vendor whose folder declares no shape of its own: each property the
    schema requires (and each optional one whose name says its role) is filled
    by its name and type: a status (``status``, ``statusCode``), a message
    (``message``, ``detail``), a code (``code``, ``type``, ``error``), an id
    (a name ending in ``id``), a nested object the same way.
    """

    schema: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Spec) -> SchemaErrors:
        """The shape of ``spec``'s error schema (an empty schema: ``{code, message}``)."""
        ref = spec.ext.get("error-schema")
        schema: Any = {}
        if isinstance(ref, str):
            try:
                schema = _inline(spec, {"$ref": ref}, depth=0)
            except (KeyError, IndexError, ValueError, TypeError):
                schema = {}
        return cls(schema=schema if isinstance(schema, Mapping) else {})

    def body(self, error: MockError) -> dict[str, Any]:
        if not self.schema.get("properties"):
            return {"code": self.code_for(error), "message": error.message}
        return self._fill(self.schema, error, depth=0)

    def _fill(self, schema: Mapping[str, Any], error: MockError, *, depth: int) -> dict[str, Any]:
        required = set(schema.get("required", ()))
        body: dict[str, Any] = {}
        for name, sub in (schema.get("properties") or {}).items():
            value = self._value(str(name), sub if isinstance(sub, Mapping) else {}, error, depth)
            if value is not None and (name in required or _known(str(name))):
                body[str(name)] = value
        return body

    def _value(self, name: str, schema: Mapping[str, Any], error: MockError, depth: int) -> Any:
        kinds = _types(schema)
        lowered = name.lower()
        if "object" in kinds and schema.get("properties") and depth < 3:
            return self._fill(schema, error, depth=depth + 1)
        if "integer" in kinds or "number" in kinds:
            return error.status if lowered in _STATUS_NAMES else None
        if "string" in kinds or not kinds:
            if lowered in _MESSAGE_NAMES:
                return error.message
            if lowered in _CODE_NAMES:
                code = self.code_for(error)
                allowed = schema.get("enum")
                # A closed list of codes: the documented one, else the first listed.
                return code if not allowed or code in allowed else allowed[0]
            if lowered.endswith("id"):
                return str(uuid.uuid4())
            return error.message
        return None


def _inline(spec: Spec, node: Any, *, depth: int) -> Any:
    """``node`` with its local ``$ref`` resolved, a few levels deep (errors are shallow)."""
    node = spec.resolve(node)
    if depth > 4:
        return node
    if isinstance(node, Mapping):
        return {key: _inline(spec, value, depth=depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(spec, value, depth=depth + 1) for value in node]
    return node


def _known(name: str) -> bool:
    lowered = name.lower()
    return lowered in _STATUS_NAMES | _MESSAGE_NAMES | _CODE_NAMES


def _types(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a schema allows, looking into ``oneOf``/``anyOf`` branches."""
    kind = schema.get("type")
    found = {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key, ()):
            if isinstance(branch, Mapping):
                found |= _types(branch)
    return found


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


def reason_phrase(status: int) -> str:
    """The status's HTTP reason phrase (``Bad Request``), or ``Error``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(status: int) -> str:
    return reason_phrase(status).lower().replace(" ", "-").replace("'", "")
