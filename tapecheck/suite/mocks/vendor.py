"""The base of every reference mock: spec, credentials, storage, errors and wiring.

A vendor's mock is a subclass of :class:`VendorMock` whose methods are small
hooks: one endpoint per operationId (:meth:`VendorMock.endpoints`), one
method per decision (who is the caller, what status a success gets, what
limits apply, how an error looks). ``create_app()`` wires the endpoints to
the spec's routes under the vendor's base path. A mutant of a mock (for the
conformance suite's self-test) is a subclass that overrides one hook, e.g.::

    class AcceptsOversized(AcmeMock):
        def audio_limits(self, operation_id):
            return replace(super().audio_limits(operation_id), max_bytes=None)

State is in memory, one :class:`threading.Lock` guarding it. The lock is
never held across an ``await``: every check-then-insert happens in one
synchronous step, so it is safe across event loops (in-process tests) and
threads (a server thread) alike. Uploads live in a :class:`BlobStore`
removed on lifespan shutdown, on :meth:`VendorMock.close` or at exit.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from tapecheck.suite.mocks.auth import Credentials, bearer_token, header_token, query_token
from tapecheck.suite.mocks.bodies import SchemaValidator, read_json, require_media_type
from tapecheck.suite.mocks.errors import ErrorShape, MockError, SchemaErrors, exception_handlers
from tapecheck.suite.mocks.limits import AudioLimits, audio_refusal, probe_stored
from tapecheck.suite.mocks.multipart import Form, read_form
from tapecheck.suite.mocks.server import spec_routes
from tapecheck.suite.mocks.storage import BlobStore, StoredFile, TooLarge
from tapecheck.suite.specs import Operation, Spec, load_spec
from tapecheck.suite.values import raw_body_type

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = ["DEFAULT_TENANT", "DEFAULT_TOKEN", "Endpoint", "TokenTenantMock", "VendorMock"]

DEFAULT_TOKEN = "test-token"
DEFAULT_TENANT = "tenant-a"

Endpoint = Callable[[Request], Any]

_CHUNK = 64 * 1024


class VendorMock:
    """A vendor's reference server: subclass it, set :attr:`vendor` and :attr:`errors`.

    A subclass that sets no :attr:`errors` answers in the shape its spec's
    ``x-tapecheck.error-schema`` gives (:class:`SchemaErrors`).
    """

    vendor: ClassVar[str]
    errors: ClassVar[ErrorShape | None] = None

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        spec: Spec | None = None,
    ) -> None:
        """``token`` opens ``tenant``; ``tenants`` adds others (``tenant -> token``)."""
        self.spec = spec if spec is not None else load_spec(self.vendor)
        self.credentials = Credentials.of(token, tenant, tenants)
        self.tenant = tenant
        self.blobs = BlobStore(prefix=f"tapecheck-{self.vendor}-")
        self.lock = threading.Lock()
        self._validators: dict[tuple[str, str], SchemaValidator] = {}
        self.error_shape: ErrorShape = (
            self.errors if self.errors is not None else SchemaErrors.of(self.spec)
        )

    # -- wiring ----------------------------------------------------------------

    def endpoints(self) -> Mapping[str, Endpoint]:
        """``operationId -> endpoint`` for every operation of the spec."""
        raise NotImplementedError

    def extra_routes(self) -> list[BaseRoute]:
        """Routes outside the spec's operations (a storage host's signed URLs); none by default."""
        return []

    def create_app(self) -> Starlette:
        """The Starlette app: the spec's routes under the base path, errors in the vendor's shape."""
        app = Starlette(
            routes=[*spec_routes(self.spec, self.endpoints()), *self.extra_routes()],
            exception_handlers=exception_handlers(self.error_response),
            lifespan=self._lifespan,
        )
        # A path with or without its trailing slash is another resource, not a 307.
        app.router.redirect_slashes = False
        app.state.mock = self
        return app

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        """Forget every upload and delete its file."""
        with self.lock:
            self.reset()
        self.blobs.close()

    def reset(self) -> None:
        """Drop all in-memory state (called with :attr:`lock` held)."""

    # -- hooks a mutant overrides -----------------------------------------------

    def operation(self, operation_id: str) -> Operation:
        return self.spec.operation(operation_id)

    def success_status(self, operation_id: str) -> int:
        """The documented success status of an operation (``x-tapecheck.success-status``)."""
        value = self.operation(operation_id).ext.get("success-status", 200)
        # A list means the docs do not pin one; the first is the mock's choice.
        return int(value[0] if isinstance(value, list) else value)

    def audio_limits(self, operation_id: str) -> AudioLimits:
        """Size, duration and formats the operation accepts, from its ``x-tapecheck.audio``."""
        return AudioLimits.of(self.operation(operation_id))

    def id_charset(self, operation_id: str) -> Mapping[str, Any] | None:
        """The operation's ``x-tapecheck.id-charset`` (``{pointer, pattern}``), or ``None``."""
        fact = self.operation(operation_id).ext.get("id-charset")
        return fact if isinstance(fact, Mapping) and "pattern" in fact else None

    def unique_keys(self, operation_id: str) -> Mapping[str, Any]:
        """The operation's ``x-tapecheck.unique-keys`` (``{array, keys, ...}``), or ``{}``."""
        fact = self.operation(operation_id).ext.get("unique-keys")
        return fact if isinstance(fact, Mapping) else {}

    def declared_size(self, operation_id: str, declared: int | None) -> int | None:
        """The bytes an upload may carry whose request declared ``declared`` bytes
        (``x-tapecheck.audio.declared-size``): the declared size itself."""
        return declared

    def declared_formats(self, operation_id: str, declared: str) -> frozenset[str] | None:
        """The formats by content a declared type stands for (``x-tapecheck.audio.declared-type``);
        ``None``: the operation declares no type, nothing to compare."""
        fact = (self.operation(operation_id).audio or {}).get("declared-type")
        if not isinstance(fact, Mapping):
            return None
        return frozenset(fact.get("values", {}).get(declared, ()))

    def error_response(self, error: MockError) -> Response:
        """Every error goes out through here, in the vendor's shape."""
        return self.error_shape.response(error)

    def presented_token(self, request: Request, operation_id: str) -> str | None:
        """The credential the request carries, in any of the operation's security schemes."""
        for scheme in self.operation(operation_id).security_schemes.values():
            kind, where, name = scheme.get("type"), scheme.get("in"), scheme.get("name", "")
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                token = bearer_token(request)
            elif kind == "apiKey" and where == "header":
                token = header_token(request, name)
            elif kind == "apiKey" and where == "query":
                token = query_token(request, name)
            else:
                token = None
            if token is not None:
                return token
        return None

    def token_tenant(
        self, request: Request, operation_id: str, *, status: int, missing: str, invalid: str
    ) -> str:
        """The tenant the presented credential opens: ``status`` with ``missing`` or ``invalid`` else."""
        token = self.presented_token(request, operation_id)
        if token is None:
            raise MockError(status, missing)
        tenant = self.credentials.tenant_of(token)
        if tenant is None:
            raise MockError(status, invalid)
        return tenant

    def new_id(self) -> str:
        import uuid

        return str(uuid.uuid4())

    # -- helpers for endpoints ----------------------------------------------------

    def respond(self, operation_id: str, body: Any, status: int | None = None) -> Response:
        """A JSON success response (the operation's documented success status by default)."""
        return JSONResponse(body, status_code=status or self.success_status(operation_id))

    def body_validator(
        self, operation_id: str, media_type: str = "application/json"
    ) -> SchemaValidator:
        key = (operation_id, media_type)
        if key not in self._validators:
            schema = self.operation(operation_id).body_schema(media_type)
            if schema is None:
                raise ValueError(f"{operation_id} has no {media_type} body schema")
            self._validators[key] = SchemaValidator(self.validated_schema(operation_id, schema))
        return self._validators[key]

    def validated_schema(self, operation_id: str, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """What :meth:`body_validator` holds a body to: the spec's schema, unless a hook
        checks a part of it instead."""
        return schema

    async def json_body(self, request: Request, operation_id: str) -> Any:
        """The JSON body, read with a cap and checked against the operation's schema (400)."""
        value = await read_json(request.stream(), request.headers.get("content-type"))
        problems = self.body_validator(operation_id).problems(value)
        if problems:
            listed = "; ".join(f"{where}: {what}" for where, what in problems.items())
            raise MockError(400, f"the body does not match the schema: {listed}", details=problems)
        return value

    async def raw_body(self, request: Request, operation_id: str) -> StoredFile:
        """An ``application/octet-stream`` body streamed to disk with the size limit."""
        limits = self.audio_limits(operation_id)
        # A raw body sent without a Content-Type is octet-stream (RFC 9110 section 8.3).
        content_type = raw_body_type(request.headers.get("content-type"))
        require_media_type(content_type, {"application/octet-stream"})
        declared = request.headers.get("content-length", "")
        if limits.max_bytes is not None and declared.isdigit() and int(declared) > limits.max_bytes:
            raise self.too_large(TooLarge(limits.max_bytes, int(declared)))
        try:
            return await self.blobs.save_stream(request.stream(), max_bytes=limits.max_bytes)
        except TooLarge as exc:
            raise self.too_large(exc) from None

    async def form(self, request: Request, operation_id: str) -> Form:
        """A multipart body: the audio parts stream to disk with the size limit."""
        audio = self.operation(operation_id).audio or {}
        try:
            return await read_form(
                request.stream(),
                request.headers.get("content-type"),
                store=self.blobs,
                file_fields=tuple(audio.get("parts", ())),
                max_file_bytes=self.audio_limits(operation_id).max_bytes,
            )
        except TooLarge as exc:
            raise self.too_large(exc) from None

    def too_large(self, exc: TooLarge) -> MockError:
        """The refusal of an upload over the size limit."""
        return MockError(400, f"the upload is larger than the limit of {exc.limit} bytes")

    async def checked_audio(
        self, stored: StoredFile, operation_id: str, *, allow_silent: bool = False
    ) -> AudioInfo:
        """Probe a stored upload; refuse (400, file deleted) what the limits do not allow."""
        try:
            info = await probe_stored(stored)
        except BaseException:
            BlobStore.discard(stored)
            raise
        reason = audio_refusal(info, self.audio_limits(operation_id), allow_silent=allow_silent)
        if reason is not None:
            BlobStore.discard(stored)
            raise MockError(400, reason)
        return info

    def file_response(self, stored: StoredFile, media_type: str) -> Response:
        """Stream a stored file back; the open handle survives a concurrent delete."""
        handle = stored.path.open("rb")

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk

        response = StreamingResponse(
            chunks(), media_type=media_type, headers={"Content-Length": str(stored.size)}
        )
        # A response never sent (a client gone before the body) still closes the file.
        weakref.finalize(response, handle.close)
        return response


class TokenTenantMock(VendorMock):
    """A mock whose operations each take one credential, which opens one tenant.

    A request without it, or with one the mock does not know, is refused with
    401 and the vendor's sentence for each (``missing_credential``,
    ``unknown_credential``).
    """

    missing_credential = "a credential is required"
    unknown_credential = "the credential is not valid"

    def authenticate(self, request: Request, operation_id: str) -> str:
        """The tenant of the presented credential (401 when missing or unknown)."""
        return self.token_tenant(
            request,
            operation_id,
            status=401,
            missing=self.missing_credential,
            invalid=self.unknown_credential,
        )
