"""The validation proxy as an ASGI app: forward, stream both ways, check, remember.

Every request is forwarded unchanged (method, path, query, headers, the body
streamed chunk by chunk) to the upstream: the vendor's sandbox, or the
embedded reference mock through ``httpx.ASGITransport``. While the body
streams past, a :class:`~tapecheck.suite.proxy.capture.BodyCapture` keeps a
bounded copy (JSON and form fields in memory, files on disk); once the
response is in, the request is linted as its manifest, the response checked
against the spec, and the vendor's flow checks run. The response goes back
unchanged, streamed, except that signed storage URLs (the response fields the
spec's ``x-tapecheck.signed-urls`` names) are rewritten to
``/_tapecheck/storage/<key>`` on the proxy, which forwards those PUTs byte for
byte to the original URL and keeps the audio for the checks.

``GET /_tapecheck/findings`` answers ``findings.json`` so far.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
from starlette.types import Message, Receive, Scope, Send

from tapecheck.reports.har import HAR_BODY_LIMIT
from tapecheck.reports.traffic import BodySummary, TrafficExchange, findings_document
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.proxy.capture import (
    MAX_SPOOL_BYTES,
    MAX_TEXT_BYTES,
    BodyCapture,
    media_type_of,
)
from tapecheck.suite.proxy.document import Matched, match_operation
from tapecheck.suite.proxy.flows import StoredUpload
from tapecheck.suite.proxy.inspector import STORAGE_PREFIX, Inspector
from tapecheck.suite.proxy.responses import decoded
from tapecheck.suite.proxy.traffic import Traffic
from tapecheck.suite.specs import Spec

__all__ = ["HOP_BY_HOP", "STORAGE_PREFIX", "ProxyApp", "ProxyOptions"]

#: Headers that belong to one connection, not to the message (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_FINDINGS_PATH = "/_tapecheck/findings"
#: After an early answer, the proxy reads the rest of a request body while it keeps coming.
_IDLE_READ_S = 5.0
#: Response bodies up to this size are kept for the checks (and rewritten when signed URLs).
_KEEP_RESPONSE_BYTES = MAX_TEXT_BYTES


@dataclass
class ProxyOptions:
    """How the proxy runs."""

    spec: Spec
    upstream: str  # origin + base path of the upstream (no trailing slash)
    #: Builds the embedded mock's transport from the proxy's own origin; None: --upstream.
    embedded: Callable[[str], httpx.AsyncBaseTransport] | None = None
    storage_rewrite: bool = True
    forward_host: bool = False  # True for the embedded mock: its URLs then name the proxy
    config: LintConfig = field(default_factory=LintConfig)
    timeout: float = 300.0


class _Disconnected(Exception):
    """The client went away while sending its body."""


class ProxyApp:
    """The ASGI app of ``tapecheck proxy``."""

    def __init__(self, options: ProxyOptions, traffic: Traffic) -> None:
        self.options = options
        self.spec = options.spec
        self.traffic = traffic
        upstream = urlsplit(options.upstream)
        self.upstream_origin = f"{upstream.scheme}://{upstream.netloc}"
        self.prefix = upstream.path.rstrip("/")
        self.inspector = Inspector(
            self.spec,
            self.prefix,
            config=options.config,
            storage_rewrite=options.storage_rewrite,
            embedded=options.forward_host,
        )
        self._client: httpx.AsyncClient | None = None
        self._storage_client: httpx.AsyncClient | None = None

    # -- clients ------------------------------------------------------------------

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            transport = None
            if self.options.embedded is not None:
                transport = self.options.embedded(self.inspector.public_origin)
            self._client = httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(self.options.timeout, connect=10.0),
                follow_redirects=False,
            )
        return self._client

    def storage_client(self, url: str) -> httpx.AsyncClient:
        """The embedded mock is its own storage host; a real vendor's is another host."""
        if self.options.embedded is not None:
            return self.client()
        if self._storage_client is None:
            self._storage_client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.options.timeout, connect=10.0), follow_redirects=False
            )
        return self._storage_client

    def set_public_origin(self, origin: str) -> None:
        """The proxy's own ``http://host:port``: rewritten storage URLs point there."""
        self.inspector.set_public_origin(origin)

    async def aclose(self) -> None:
        self.inspector.close()
        for client in (self._client, self._storage_client):
            if client is not None:
                await client.aclose()
        self._client = self._storage_client = None

    # -- ASGI ------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == _FINDINGS_PATH and scope["method"] in ("GET", "HEAD"):
            body = json.dumps(findings_document(self.traffic.log()), indent=2).encode()
            await _answer(send, 200, body, "application/json")
            return
        if path.startswith(STORAGE_PREFIX):
            await self._storage(scope, receive, send, path[len(STORAGE_PREFIX) :])
            return
        try:
            await self._forward(scope, receive, send)
        except Exception as exc:  # a proxy bug must answer, not hang the client
            message = f"tapecheck proxy: internal error: {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                await _answer(
                    send, 502, json.dumps({"error": message}).encode(), "application/json"
                )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- forwarding --------------------------------------------------------------------

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        raw_path = scope.get("raw_path") or path.encode()
        query: bytes = scope.get("query_string", b"")
        target = self.upstream_origin + raw_path.decode("latin-1")
        if query:
            target += "?" + query.decode("latin-1")
        matched = match_operation(self.spec, self.prefix, method, path)
        storage = None if matched is not None else self.inspector.signed_at(path)
        await self._relay(
            scope, receive, send, target=target, matched=matched, storage=storage, path=path
        )

    async def _storage(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        upload = self.inspector.upload(key)
        if upload is None:
            body = json.dumps({"error": "tapecheck proxy: no signed URL with this key"}).encode()
            await _drain(receive)
            await _answer(send, 404, body, "application/json")
            return
        await self._relay(
            scope,
            receive,
            send,
            target=upload.original,
            matched=None,
            storage=upload,
            path=scope["path"],
        )

    async def _relay(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        target: str,
        matched: Matched | None,
        storage: StoredUpload | None,
        path: str,
    ) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        content_type = _header(headers, "content-type")
        capture = BodyCapture(
            content_type,
            keep_raw_file=storage is not None or matched is not None,
            raw=storage is not None or _audio_is_body(matched),
        )
        hasher = hashlib.sha256()
        has_body = _header(headers, "content-length") not in (None, "0") or (
            _header(headers, "transfer-encoding") is not None
        )

        ended = False
        whole = not has_body  # the request body arrived to its end

        async def next_chunk() -> bytes | None:
            nonlocal ended, whole
            if ended:
                return None
            message = await receive()
            if message["type"] == "http.disconnect":
                ended = True
                raise _Disconnected
            chunk: bytes = message.get("body", b"")
            if chunk:
                capture.feed(chunk)
                hasher.update(chunk)
            if not message.get("more_body", False):
                ended = whole = True
            return chunk

        async def body() -> AsyncIterator[bytes]:
            while (chunk := await next_chunk()) is not None:
                if chunk:
                    yield chunk

        async def finish_reading() -> None:
            """Read what the upstream left unread (it answered early): the checks see it all.

            A client that waits for `100 Continue` sends nothing after an early answer,
            and one may stall: the proxy reads on only while bytes keep coming.
            """
            if stream is None or ended:
                return
            if _header(headers, "expect") is not None and capture.size == 0:
                return
            with contextlib.suppress(_Disconnected):
                while capture.size <= MAX_SPOOL_BYTES:
                    with anyio.move_on_after(_IDLE_READ_S):
                        if await next_chunk() is None:
                            return
                        continue
                    return  # idle: the client sends no more

        async def conclude(response_body: bytes | None) -> None:
            """Check the request (now read whole) and record the exchange, before the client
            sees the response: `GET /_tapecheck/findings` right after it holds it."""
            await finish_reading()
            capture.finish()
            exchange.request_body = _summary(capture, hasher)
            findings = await self.inspector.request_findings(
                exchange,
                matched,
                headers,
                scope,
                capture,
                storage,
                response_body,
                created,
                body_whole=whole,
            )
            exchange.findings = findings + exchange.findings
            exchange.duration_ms = (time.perf_counter() - started) * 1000
            self.traffic.add(exchange)
            # Removed before the client has its answer, so none outlives the exchange it saw.
            if storage is None or not storage.uploaded:
                capture.cleanup()

        sent_headers = [
            (k, v)
            for k, v in headers
            if k.lower() not in HOP_BY_HOP
            and k.lower() != "expect"  # the proxy's server answered the 100-continue itself
            and (k.lower() != "host" or (self.options.forward_host and storage is None))
        ]
        client = self.client() if storage is None else self.storage_client(target)
        exchange = TrafficExchange(
            index=self.traffic.reserve_index(),  # numbered as the requests arrive
            method=method,
            url=_shown_url(scope),
            path=path,
            operation=matched.operation.operation_id if matched else None,
            request_headers=headers,
            started=datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
        )
        stream = body() if has_body else None
        created: list[StoredUpload] = []
        try:
            request = client.build_request(method, target, headers=sent_headers, content=stream)
            if not has_body:
                await _drain(receive)
            try:
                response = await client.send(request, stream=True)
            except _Disconnected:
                capture.cleanup()
                return
            except httpx.HTTPError as exc:
                await conclude(None)
                message = f"tapecheck proxy: the upstream did not answer: {type(exc).__name__}"
                await _answer(
                    send, 502, json.dumps({"error": message}).encode(), "application/json"
                )
                return
            try:
                await self._respond(
                    send,
                    response,
                    exchange,
                    matched,
                    storage,
                    before_start=conclude,
                    created=created,
                )
            finally:
                await response.aclose()
        finally:
            if storage is None or not storage.uploaded:
                capture.cleanup()

    async def _respond(
        self,
        send: Send,
        response: httpx.Response,
        exchange: TrafficExchange,
        matched: Matched | None,
        storage: StoredUpload | None,
        *,
        before_start: Callable[[bytes | None], Awaitable[None]],
        created: list[StoredUpload],
    ) -> None:
        """Send the response back, streamed; check it against the spec on the way.

        ``before_start`` (given the body as received, when it was kept) runs
        before the client sees the answer: a client stops sending its body once
        it has one, and the checks want all of it even when the upstream
        answered early. The exchange is recorded then, so `GET
        /_tapecheck/findings` right after the response holds it.
        """
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        exchange.status = response.status_code
        exchange.response_headers = headers
        media = media_type_of(response.headers.get("content-type"))
        hasher = hashlib.sha256()
        kept = bytearray()
        whole = True
        chunks = response.aiter_raw()
        if media == "application/json" or media.endswith("+json") or media.startswith("text/"):
            async for chunk in chunks:
                kept += chunk
                if len(kept) > _KEEP_RESPONSE_BYTES:
                    whole = False
                    break
        else:
            whole = False
        body = bytes(kept) if whole else None
        # What the checks read: the body as the client's HTTP library decodes it (gzip...).
        original = decoded(body, response.headers.get("content-encoding"))
        if original is not None and matched is not None and response.is_success:
            rewritten = self.inspector.rewrite(matched, original, created)
            if rewritten is not None:
                body = rewritten  # sent as identity: the length and the encoding change
                dropped = ("content-length", "content-encoding")
                headers = [(k, v) for k, v in headers if k.lower() not in dropped]
                headers.append(("content-length", str(len(body))))
        if storage is not None:
            if exchange.method in ("PUT", "POST"):
                storage.uploaded = response.is_success
        elif matched is not None:
            exchange.findings = self.inspector.response_findings(
                matched, response.status_code, headers, original, exchange
            )
        if body is not None:
            hasher.update(body)
            shown = _text(original if original is not None else body)
            exchange.response_body = BodySummary(len(body), hasher.hexdigest(), media, shown)
        # Before the client sees an answer: it may stop sending its body once it has one.
        await before_start(original)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        if body is not None:
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        size = len(kept)
        hasher.update(kept)
        if kept:
            await send({"type": "http.response.body", "body": bytes(kept), "more_body": True})
        async for chunk in chunks:
            hasher.update(chunk)
            size += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        exchange.response_body = BodySummary(size, hasher.hexdigest(), media, None)


def _audio_is_body(matched: Matched | None) -> bool:
    """The operation's audio is the raw body: captured as ``content`` whatever its type."""
    audio = (matched.operation.audio if matched else None) or {}
    return audio.get("location") == "content"


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _shown_url(scope: Scope) -> str:
    path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    url = path.decode("latin-1")
    return url + ("?" + query.decode("latin-1") if query else "")


def _text(body: bytes) -> str | None:
    if len(body) > HAR_BODY_LIMIT:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _summary(capture: BodyCapture, hasher: Any) -> BodySummary:
    text: str | None = None
    if capture.size <= HAR_BODY_LIMIT and not capture.files and capture.raw is None:
        text = _text(bytes(capture.text))
    return BodySummary(
        size=capture.size,
        sha256=hasher.hexdigest(),
        media_type=capture.media_type,
        text=text,
    )


async def _drain(receive: Receive) -> None:
    """Read what is left of a request body (nothing, for a GET)."""
    while True:
        message: Message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _answer(send: Send, status: int, body: bytes, media: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
