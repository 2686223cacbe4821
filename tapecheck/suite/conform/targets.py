"""What the suite talks to: the embedded reference mock (in-process ASGI) or a base URL.

Both are an ``httpx.AsyncClient`` to the caller: the embedded mock through
``httpx.ASGITransport`` (request bodies stream to the app chunk by chunk), a
real target over HTTP. The spec's paths are appended to the base URL, which
carries the vendor's version prefix (``/v2``, say).

A target may be hostile: :func:`read_response` reads one answer within a size
bound (:data:`MAX_RESPONSE_BYTES`, counted after decompression, so a gzip bomb
is stopped at the bound, not inflated) and a deadline on the whole exchange
(not only the gap between two bytes). Past either, it raises
:class:`Undecidable`: the requirement could not be decided, which is not a
failure of the target's conformance.
"""

from __future__ import annotations

import asyncio
import inspect
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tapecheck.suite.conform.requirements import RequirementUndecided
from tapecheck.suite.specs import load_spec

__all__ = [
    "EMBEDDED",
    "MAX_RESPONSE_BYTES",
    "MIN_SEND_RATE",
    "AppFactory",
    "Target",
    "Undecidable",
    "embedded",
    "read_response",
    "remote",
]

#: The most bytes of one response body the suite reads, after decompression: far
#: more than any check needs (a report keeps 4 KB; an error body is a few hundred bytes).
MAX_RESPONSE_BYTES = 8_000_000

EMBEDDED = "embedded"
#: The origin an embedded mock answers on; never resolved, never contacted.
_EMBEDDED_ORIGIN = "http://embedded.tapecheck.invalid"

AppFactory = Callable[..., Any]


@dataclass(frozen=True)
class Target:
    """Where requests go, and how the report names it."""

    label: str
    base_url: str
    app: Any = None  # the ASGI app for an embedded target

    @property
    def embedded(self) -> bool:
        return self.app is not None

    def client(self, *, timeout: float) -> httpx.AsyncClient:
        transport: httpx.AsyncBaseTransport | None = None
        if self.app is not None:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(
            base_url=self.base_url.rstrip("/") + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )


def embedded(
    vendor: str,
    *,
    token: str,
    tenant: str,
    factory: AppFactory | None = None,
    tenants: Mapping[str, str] | None = None,
) -> Target:
    """The vendor's reference mock (or ``factory``'s app: a mutant), in-process.

    ``tenants`` (``tenant -> token``) are more users the mock knows, passed to a
    factory that takes them (every ``create_app`` does; a mutant's factory may not).
    """
    if factory is None:
        from tapecheck.suite.vendors import mock_factory

        factory = mock_factory(vendor)
    extra = {"tenants": dict(tenants)} if tenants and _takes(factory, "tenants") else {}
    app = factory(token=token, tenant=tenant, **extra)
    prefix = urlsplit(load_spec(vendor).base_url).path.rstrip("/")
    return Target(label=EMBEDDED, base_url=_EMBEDDED_ORIGIN + prefix, app=app)


def _takes(factory: AppFactory, name: str) -> bool:
    """Whether ``factory`` accepts the keyword argument ``name``."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def remote(base_url: str) -> Target:
    """A real target: the vendor's documented base URL, version prefix included."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"--base-url {base_url!r} must be an http(s) URL such as https://api.example.com/v1"
        )
    return Target(label=base_url, base_url=base_url)


class Undecidable(RequirementUndecided):
    """The target's answer passed a bound (size or time): the requirement cannot be decided.

    ``response`` is the answer as far as it was read (status and headers, the
    body empty), for the report; ``None`` when no answer came at all.
    """

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


#: The content codings read here, with the zlib window that decodes each.
_ZLIB_CODINGS: Mapping[str, int] = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}


class _PastBound(Exception):
    """A decoded body went past the bound."""


class _Inflater:
    """One content coding undone with a cap on its output, so a bomb never inflates whole."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._wbits = _ZLIB_CODINGS[coding]
        self._inflater = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, cap: int) -> bytes:
        """Up to ``cap`` bytes of output; more input left over means more than ``cap``."""
        try:
            out = self._inflater.decompress(data, cap)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise httpx.DecodingError(f"the {self.coding} body does not decode") from None
            # "deflate" is sometimes sent raw, without its zlib header (httpx accepts both).
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflater.decompress(data, cap)
        self._started = True
        if self._inflater.unconsumed_tail:
            raise _PastBound  # the cap was reached with input to spare
        return out

    def flush(self) -> bytes:
        return self._inflater.flush()


async def _chunks(response: httpx.Response, cap: int) -> AsyncIterator[bytes]:
    """The decoded body, chunk by chunk; no chunk is more than ``cap + 1`` bytes."""
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if any(c not in _ZLIB_CODINGS for c in codings):
        # A coding we do not undo ourselves (br, zstd): httpx decodes it, chunk by chunk.
        async for chunk in response.aiter_bytes():
            yield chunk
        return
    # Codings are listed in the order they were applied; undo them last first.
    inflaters = [_Inflater(c) for c in reversed(codings)]
    async for raw in response.aiter_raw():
        data = raw
        for inflater in inflaters:
            data = inflater.feed(data, cap + 1)
        yield data
    tail = b""
    for inflater in inflaters:
        tail = (inflater.feed(tail, cap + 1) if tail else b"") + inflater.flush()
    if tail:
        yield tail


#: The slowest upload rate the deadline allows for a request body (2 Mbit/s): a 150 MB
#: upload to a real sandbox may take ten minutes before the answer's deadline starts.
MIN_SEND_RATE = 250_000


def _send_budget(request: httpx.Request, deadline_s: float) -> float:
    """Seconds for sending ``request`` and reading its answer, before the body is known sent."""
    declared = request.headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else 0
    return deadline_s + size / MIN_SEND_RATE


async def read_response(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_bytes: int = MAX_RESPONSE_BYTES,
    deadline_s: float | None = None,
) -> httpx.Response:
    """Send ``request`` and read its answer whole, within ``max_bytes`` and ``deadline_s``.

    The response comes back read (``.content``, ``.json()`` work). Raises
    :class:`Undecidable` when the decoded body passes ``max_bytes`` (reading
    stops there: memory stays flat) or the answer takes longer than
    ``deadline_s`` seconds from the end of the request body to its last byte,
    however steadily the bytes trickle in. Sending the body may take as long as
    :data:`MIN_SEND_RATE` allows for its declared length, on top.
    """
    target = f"{request.method} {request.url.path}"
    response: httpx.Response | None = None
    loop = asyncio.get_running_loop()
    when = None if deadline_s is None else loop.time() + _send_budget(request, deadline_s)
    try:
        async with asyncio.timeout_at(when) as deadline:
            if deadline_s is not None:
                # Once the request body is sent, the answer has deadline_s in all (over HTTP;
                # in-process there is no trace and the budget above holds).
                async def trace(name: str, info: Mapping[str, Any]) -> None:
                    if name.endswith("send_request_body.complete"):
                        deadline.reschedule(loop.time() + deadline_s)

                request.extensions = {**request.extensions, "trace": trace}
            response = await client.send(request, stream=True)
            try:
                body = bytearray()
                async for chunk in _chunks(response, max_bytes):
                    body += chunk
                    if len(body) > max_bytes:
                        raise _PastBound
            except _PastBound:
                raise Undecidable(
                    f"the answer to {target} passed the {max_bytes:,}-byte bound on a "
                    "response body (decompressed) that the suite reads; it was not "
                    "read further, so the requirement could not be decided",
                    response,
                ) from None
            finally:
                await response.aclose()
    except TimeoutError:
        raise Undecidable(
            f"no complete answer to {target} within {deadline_s:g} s (the per-request "
            "deadline, --timeout); the requirement could not be decided",
            response,
        ) from None
    except httpx.TimeoutException as exc:
        raise Undecidable(
            f"no answer to {target} in time ({type(exc).__name__}); "
            "the requirement could not be decided",
            response,
        ) from None
    # What ``aread`` would have stored: the response now reads like any other.
    response._content = bytes(body)
    return response
