"""Signed storage URLs that a mock issues and then serves itself, as a storage host would.

Some vendors do not take the audio on their API: they answer a signed URL on
a storage host (Google Cloud Storage, say) and the client PUTs the bytes
there. A reference mock plays that host too, outside the spec's operations,
under :data:`STORAGE_PREFIX` (``/__storage/<vendor>/<object-id>``), so a flow
works in-process and over loopback alike. URLs are built from a configured
public base URL (a proxy in front of the mock sets one) or else from the
address the server is bound to, never from the request's ``Host`` header: a
client that sends ``Host: evil.example`` must not get a URL at evil.example.

- :class:`UrlSigner` signs what a URL allows (method, object, expiry and the
  headers the PUT must carry) with a per-mock HMAC key. The storage recomputes
  the signature from the request it receives: a changed URL or a header that
  differs from the signed one is ``SignatureDoesNotMatch`` (403), as on GCS.
- :class:`UnclaimedFiles` holds the files PUT to signed URLs that no recording
  has claimed yet: each goes at its URL's expiry, and the oldest go first when
  there are more than a count or a number of bytes, so a client that uploads
  and never completes (or whose uploads are refused) cannot fill the disk.
- Errors on these routes are the storage host's, not the vendor API's: XML
  ``<Error><Code>..</Code><Message>..</Message></Error>`` (``application/xml``),
  the shape GCS and S3 share. :class:`StorageError` carries one;
  :func:`storage_endpoint` turns it (and a :class:`MockError` raised by shared
  helpers) into that body.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit
from xml.sax.saxutils import escape

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.storage import BlobStore, StoredFile

__all__ = [
    "DEFAULT_MAX_UNCLAIMED",
    "DEFAULT_MAX_UNCLAIMED_BYTES",
    "STORAGE_PREFIX",
    "SignedUrl",
    "StorageError",
    "UnclaimedFiles",
    "UrlSigner",
    "isoformat",
    "server_origin",
    "storage_endpoint",
    "storage_error_response",
    "url_key",
]

#: Where a mock's storage host answers: ``/__storage/<vendor>/<object-id>``.
STORAGE_PREFIX = "/__storage"

#: A storage host's status codes for the errors it reports.
_STORAGE_CODES: Mapping[int, str] = {
    400: "InvalidArgument",
    403: "AccessDenied",
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    500: "InternalError",
}


def isoformat(moment: datetime) -> str:
    """An RFC 3339 UTC date-time with ``Z`` (microseconds only when there are any)."""
    text = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


class StorageError(Exception):
    """A storage host's refusal: HTTP status, an S3/GCS error code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def storage_error_response(error: StorageError) -> Response:
    """The XML error body GCS and S3 answer with."""
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
    )
    return Response(body, status_code=error.status, media_type="application/xml")


StorageHandler = Callable[[Request], Awaitable[Response]]


def storage_endpoint(handler: StorageHandler) -> StorageHandler:
    """Wrap a storage route so that every refusal comes out as the storage host's XML."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except StorageError as exc:
            return storage_error_response(exc)
        except MockError as exc:
            code = _STORAGE_CODES.get(exc.status, "InvalidArgument")
            return storage_error_response(StorageError(exc.status, exc.code or code, exc.message))
        except ClientDisconnect:
            return storage_error_response(
                StorageError(
                    400, "IncompleteBody", "the client closed the connection before the body ended"
                )
            )

    return endpoint


@dataclass(frozen=True)
class SignedUrl:
    """A URL the mock signed: where it points, until when, and the headers it binds."""

    url: str
    expires: int
    headers: Mapping[str, str]

    @property
    def expires_at(self) -> str:
        return isoformat(datetime.fromtimestamp(self.expires, UTC))


def url_key(url: str) -> str:
    """What identifies a URL the mock issued: its path and query (the host may be an alias)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def server_origin(request: Request) -> str:
    """``scheme://host:port`` of the address the server is bound to (the ASGI ``server``).

    Never the ``Host`` header, which the client writes. In-process (httpx's
    ASGI transport) the ``server`` is the URL the caller used; without one
    (a Unix socket), ``http://localhost``.
    """
    scheme = request.url.scheme if request.url.scheme in ("http", "https") else "http"
    server = request.scope.get("server")
    if not server:
        return f"{scheme}://localhost"
    host, port = server[0], server[1]
    shown = f"[{host}]" if ":" in str(host) else str(host)
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


@dataclass(frozen=True, eq=False)
class UrlSigner:
    """HMAC-SHA256 signatures over a request's method, object, expiry and signed headers.

    ``public_base_url`` (``https://host[:port][/prefix]``) is where the storage
    host is reached from outside, when that is not the server's own address
    (a proxy in front of the mock).
    """

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    clock: Callable[[], float] = time.time
    public_base_url: str | None = None

    def base_url(self, request: Request) -> str:
        """Where signed URLs point: the public base URL, else the server's bound address."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return server_origin(request) + str(request.scope.get("root_path", "")).rstrip("/")

    def signature(
        self, method: str, object_path: str, expires: int, headers: Mapping[str, str]
    ) -> str:
        lines = [method.upper(), object_path, str(expires)]
        lines += [
            f"{name.lower()}:{value.strip()}"
            for name, value in sorted(headers.items(), key=lambda i: i[0].lower())
        ]
        return hmac.new(
            self.key, "\n".join(lines).encode("utf-8", "surrogateescape"), hashlib.sha256
        ).hexdigest()

    def sign(
        self,
        request: Request,
        method: str,
        object_path: str,
        *,
        ttl_s: int,
        headers: Mapping[str, str] | None = None,
    ) -> SignedUrl:
        """An absolute URL on this mock's storage host, valid for ``ttl_s`` seconds."""
        signed = dict(headers or {})
        expires = int(self.clock()) + ttl_s
        query = {
            "expires": str(expires),
            "signed-headers": ";".join(sorted(name.lower() for name in signed)),
            "signature": self.signature(method, object_path, expires, signed),
        }
        return SignedUrl(
            f"{self.base_url(request)}{object_path}?{urlencode(query)}", expires, signed
        )

    def verify(self, request: Request, object_path: str, *, method: str | None = None) -> None:
        """Refuse a request to ``object_path`` whose URL or signed headers differ from what was signed.

        ``method`` is the signed method when it is not the request's (a HEAD on a GET URL).

        403 ``SignatureDoesNotMatch`` for a missing or wrong signature (a changed
        URL, or a signed header sent with another value or not at all); 400
        ``ExpiredToken`` once the URL has expired (GCS's answer).
        """
        query = request.query_params
        given = query.get("signature")
        expires_text = query.get("expires", "")
        names = [n for n in query.get("signed-headers", "").split(";") if n]
        if not given or not expires_text.isdigit():
            raise StorageError(403, "SignatureDoesNotMatch", "the URL carries no valid signature")
        headers = {name: request.headers.get(name, "") for name in names}
        expected = self.signature(method or request.method, object_path, int(expires_text), headers)
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode()):
            signed = ", ".join(names) or "no headers"
            raise StorageError(
                403,
                "SignatureDoesNotMatch",
                "the request signature we calculated does not match the signature you provided; "
                f"send exactly the signed headers ({signed}) with the values you were given",
            )
        if int(expires_text) < self.clock():
            raise StorageError(400, "ExpiredToken", "the signed URL has expired; ask for a new one")


#: How many unclaimed files, and how many bytes of them, a mock keeps at most by default.
DEFAULT_MAX_UNCLAIMED = 256
DEFAULT_MAX_UNCLAIMED_BYTES = 1_000_000_000


@dataclass
class _Unclaimed:
    stored: StoredFile
    expires: float
    forget: Callable[[StoredFile], bool] | None


class UnclaimedFiles:
    """Files PUT to signed URLs and not (yet) claimed by a recording, bounded in time and size.

    :meth:`add` registers a file under its object's key with its URL's expiry;
    :meth:`claim` takes it out of reach of expiry (a recording refers to it
    now). Every :meth:`add` and :meth:`sweep` deletes the expired files and then
    the oldest while there are more than ``max_files`` or ``max_bytes``. Call
    :meth:`add`, :meth:`sweep` and :meth:`claim` without holding the mock's
    lock: ``forget`` takes it.
    """

    def __init__(
        self,
        *,
        max_files: int = DEFAULT_MAX_UNCLAIMED,
        max_bytes: int = DEFAULT_MAX_UNCLAIMED_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.clock = clock
        self._files: OrderedDict[str, _Unclaimed] = OrderedDict()
        self._bytes = 0
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._files)

    def add(
        self,
        key: str,
        stored: StoredFile,
        *,
        expires: float,
        forget: Callable[[StoredFile], bool] | None = None,
    ) -> None:
        """Hold ``stored`` for object ``key`` until ``expires`` (a new file replaces the old entry).

        ``forget(stored)`` is called before the file is deleted: the mock drops
        its reference and answers True, or answers False when the file is in use
        after all (a recording being made from it), and the file stays.
        """
        with self._guard:
            previous = self._files.pop(key, None)
            if previous is not None:
                self._bytes -= previous.stored.size
            self._files[key] = _Unclaimed(stored, expires, forget)
            self._bytes += stored.size
        self.sweep()

    def claim(self, key: str, stored: StoredFile | None = None) -> None:
        """A recording holds the file of ``key`` (``stored``, if given) now: it stays."""
        with self._guard:
            entry = self._files.get(key)
            if entry is not None and (stored is None or entry.stored == stored):
                del self._files[key]
                self._bytes -= entry.stored.size

    def sweep(self) -> int:
        """Delete the expired files, then the oldest past the bounds; how many went."""
        now = self.clock()
        gone: list[_Unclaimed] = []
        with self._guard:
            for key in [k for k, e in self._files.items() if e.expires < now]:
                gone.append(self._files.pop(key))
            while self._files and (
                len(self._files) > self.max_files or self._bytes > self.max_bytes
            ):
                gone.append(self._files.popitem(last=False)[1])
            self._bytes -= sum(e.stored.size for e in gone)
        removed = 0
        for entry in gone:
            if entry.forget is None or entry.forget(entry.stored):
                BlobStore.discard(entry.stored)
                removed += 1
        return removed
