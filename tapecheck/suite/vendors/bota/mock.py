"""Bota's reference mock: recordings, their upload URLs and media, under ``/v1``.

What it does, from ``specs/bota.yaml`` and VENDORS.md:

- Auth: ``Authorization: Bearer <T>``. ``token`` (and each token of
  ``tenants``) is a secret key of its project (a restricted key when its
  prefix is the spec's ``rk_``), with which any ``dev_*`` device and ``eu_*``
  end user may be named. Any ``dtok_<x>`` is the device token of one device
  and end user of the mock's own project, derived from the token (the same
  ones for the same token). None, another scheme, or anything else (``up_*``
  upload tokens included): 401 ``unauthorized``. A key sees its project's
  recordings; a device token only its own device's. Another's recording is 404.
- ``POST /recordings``: the spec's ``credential-fields`` say which ids the
  body must and must not carry for the credential's kind (400
  ``invalid_request``). Omitted ``name`` is ``""``, ``started_at`` the
  creation time, ``ended_at`` the ``started_at``; ``ended_at`` before
  ``started_at`` is 400. Answers 201 with the recording: ``rec_*``,
  ``pending``, ``media: []``, ``duration_ms`` and ``transcription_id`` null.
- ``POST /recordings/{id}/upload-url`` (the recording must be ``pending``, else
  400) answers 200 ``{media_id, upload_url, expires_at, headers}`` and adds a
  ``pending`` media entry. ``headers`` is the ``Content-Type`` the PUT must carry.
- The storage host is this mock too (``PUT /__storage/bota/<media>?...``, see
  :mod:`tapecheck.suite.mocks.signed`; its errors are XML): another
  Content-Type or a changed URL is 403 ``SignatureDoesNotMatch``; the body
  streams to disk and must be exactly ``file_size_bytes`` when that was given
  (more: 400 ``EntityTooLarge`` as soon as it passes; fewer: 400
  ``IncompleteBody``); audio must be readable and, by content, of the declared
  ``content_type`` (the spec's ``declared-type``), else 400 ``InvalidArgument``
  and nothing is kept. Images and video are taken as sent. A PUT after the
  recording left ``pending`` is 403 ``AccessDenied``.
- ``POST /recordings/{id}/upload-complete``: 400 when the recording is not
  ``pending`` or when no audio file was PUT yet; else every media whose bytes
  arrived becomes ``uploaded`` (one never PUT stays ``pending``), the recording
  ``uploaded``, and ``duration_ms`` the probed duration of its audio. 200.
- ``GET /recordings/{id}``; ``GET /recordings`` filtered by ``device_id``,
  ``end_user_id``, ``status``, ``created_after``, ``created_before`` (strict),
  newest first, paged by ``limit`` (1..100, default 10) and ``offset`` (from 0):
  anything else is 400. Answers ``{data, has_more}``.
- ``Idempotency-Key`` (create, upload-url, upload-complete): per credential, the
  same key and the same request replays the first success (status and body,
  with ``Idempotent-Replayed: true``); the same key with another request is 409
  ``resource_already_exists``. A ``Bota-Version`` that is not a date is 400.
- Rate limit: ``rate_limit`` requests per ``rate_window_s`` seconds and
  credential (unknown credentials share one budget); every answer of the API
  carries ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (epoch seconds), and a
  request past the budget is 429 ``rate_limit_exceeded`` with ``Retry-After``.
- Errors: ``{error: {code, message, details?}}`` (``application/json``).

The order of checks is rate limit (429), credential (401), ``Bota-Version``
and ``Idempotency-Key`` (400), path id (400), body or query (400), existence
(404), the idempotent replay or conflict (409), then the recording's state (400).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from tapecheck.suite.mocks.auth import bearer_token
from tapecheck.suite.mocks.errors import BotaErrors, MockError
from tapecheck.suite.mocks.signed import STORAGE_PREFIX, StorageError, UrlSigner, storage_endpoint
from tapecheck.suite.mocks.storage import BlobStore, StoredFile, TooLarge
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, Endpoint, VendorMock
from tapecheck.suite.specs import Spec
from tapecheck.suite.values import parse_datetime, to_instant
from tapecheck.suite.vendors.bota.model import (
    BotaRecording,
    Caller,
    ListQuery,
    Media,
    Saved,
    pointer_get,
)
from tapecheck.suite.vendors.bota.ratelimit import Budget, RateLimiter, RateLimitHeaders

__all__ = ["DEFAULT_RATE_LIMIT", "BotaMock", "create_app"]

#: Requests per window and credential: far above any test's load.
DEFAULT_RATE_LIMIT = 100_000
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")
_INTEGER = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_IDEMPOTENCY_KEY = 255
_KIND_NAMES = {
    "secret-key": "a secret key",
    "restricted-key": "a restricted key",
    "device-token": "a device token",
}


class BotaMock(VendorMock):
    """Bota's recordings API and storage host; each method is a hook a mutant may override."""

    vendor = "bota"
    errors = BotaErrors()

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_window_s: int = 60,
        upload_ttl_s: int = 3600,
        spec: Spec | None = None,
    ) -> None:
        """``tenants`` adds projects (``tenant -> secret key``); ``rate_limit`` is per window and credential."""
        super().__init__(token=token, tenant=tenant, tenants=tenants, spec=spec)
        self.limiter = RateLimiter(rate_limit, rate_window_s)
        self.upload_ttl_s = upload_ttl_s
        self.signer = UrlSigner()
        self.recordings: dict[str, BotaRecording] = {}
        self.media_of: dict[str, tuple[str, Media]] = {}  # media id -> (recording id, media)
        self.saved: dict[tuple[str, str], Saved] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {
            "create": self.create,
            "list": self.list_recordings,
            "get": self.get,
            "upload-url": self.upload_url,
            "upload-complete": self.upload_complete,
        }

    def extra_routes(self) -> list[BaseRoute]:
        return [
            Route(
                self.object_path("{media_id}"),
                storage_endpoint(self.storage),
                methods=["PUT", "GET", "POST", "DELETE", "PATCH"],
                name="bota-storage",
            )
        ]

    def create_app(self) -> Starlette:
        """The app, with the rate limit outermost so that every answer carries its headers."""
        app = super().create_app()
        app.middleware_stack = RateLimitHeaders(
            app.build_middleware_stack(),
            budget_of=self.rate_budget,
            headers_of=self.rate_limit_headers,
            refuse=self.rate_refusal,
        )
        return app

    def reset(self) -> None:
        self.recordings.clear()
        self.media_of.clear()
        self.saved.clear()

    # -- hooks: credentials --------------------------------------------------------

    def prefixes(self, kind: str) -> tuple[str, ...]:
        """The token prefixes of a credential kind (the spec's ``x-tapecheck.credentials``)."""
        for credential in self.spec.credentials:
            if credential.get("kind") == kind:
                return tuple(str(p) for p in credential.get("prefixes", ()))
        return ()

    def key_kind(self, token: str) -> str:
        """The kind of a known key: a restricted key by its prefix, else a secret key."""
        return (
            "restricted-key" if token.startswith(self.prefixes("restricted-key")) else "secret-key"
        )

    def device_identity(self, token: str) -> tuple[str, str]:
        """The device and end user a device token stands for: derived from it, stable."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
        return f"dev_{digest[:16]}", f"eu_{digest[16:32]}"

    def caller_of(self, token: str) -> Caller | None:
        """Who a bearer token is, or ``None`` for a token the mock does not accept."""
        tenant = self.credentials.tenant_of(token)
        if tenant is not None:
            return Caller(self.key_kind(token), tenant, f"key:{tenant}")
        for prefix in self.prefixes("device-token"):
            rest = token[len(prefix) :]
            if token.startswith(prefix) and _DEVICE_TOKEN.fullmatch(rest):
                device_id, end_user_id = self.device_identity(token)
                return Caller(
                    "device-token", self.tenant, f"device:{device_id}", device_id, end_user_id
                )
        return None

    def authenticate(self, request: Request, operation_id: str) -> Caller:
        """The caller (401 ``unauthorized`` for a missing, unknown or unaccepted credential)."""
        token = self.presented_token(request, operation_id)
        if token is None:
            raise MockError(
                401, "an `Authorization: Bearer <secret key or device token>` header is required"
            )
        caller = self.caller_of(token)
        accepted = self.operation(operation_id).ext.get("credentials", ())
        if caller is None or caller.kind not in accepted:
            raise MockError(401, "the credential is not valid")
        return caller

    def visible(self, caller: Caller, recording: BotaRecording) -> bool:
        """A key sees its project's recordings; a device token its own device's."""
        if recording.tenant != caller.tenant:
            return False
        return not caller.is_device or recording.device_id == caller.device_id

    # -- hooks: the rate limit -----------------------------------------------------

    def rate_key(self, request: Request) -> str:
        """Whose budget a request spends: its credential's scope; unknown ones share one."""
        token = bearer_token(request)
        caller = self.caller_of(token) if token is not None else None
        return caller.scope if caller is not None else "anonymous"

    def rate_budget(self, request: Request) -> Budget | None:
        """Spend one request of the caller's budget; the storage host is not rate limited."""
        if request.url.path.startswith(STORAGE_PREFIX + "/"):
            return None
        return self.limiter.spend(self.rate_key(request))

    def rate_limit_headers(self, budget: Budget) -> dict[str, str]:
        return budget.headers()

    def rate_refusal(self, budget: Budget) -> Response:
        wait = max(1, budget.reset - int(self.limiter.clock()))
        return self.error_response(
            MockError(
                429,
                f"rate limit of {budget.limit} requests exceeded; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        )

    # -- hooks: requests -----------------------------------------------------------

    def check_version(self, request: Request) -> None:
        """``Bota-Version``, when sent, is a date (400)."""
        value = request.headers.get("bota-version")
        if value is None:
            return
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            raise MockError(
                400, f"`Bota-Version` must be a date such as 2024-01-15, got {value!r}"
            ) from None

    def idempotency_key(self, request: Request) -> str | None:
        """The ``Idempotency-Key``, if sent (empty or longer than 255 characters: 400)."""
        value = request.headers.get("idempotency-key")
        if value is None:
            return None
        if not value.strip() or len(value) > _MAX_IDEMPOTENCY_KEY:
            raise MockError(
                400, f"`Idempotency-Key` must be 1 to {_MAX_IDEMPOTENCY_KEY} characters"
            )
        return value

    def fingerprint(self, operation_id: str, request: Request, body: Any) -> str:
        """What makes two requests with one ``Idempotency-Key`` the same request."""
        text = json.dumps(
            [operation_id, request.url.path, body], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def replay(self, caller: Caller, key: str | None, fingerprint: str) -> Saved | None:
        """The saved answer to this key (409 when it answered another request). Lock held."""
        if key is None:
            return None
        saved = self.saved.get((caller.scope, key))
        if saved is not None and saved.fingerprint != fingerprint:
            raise MockError(
                409,
                "this Idempotency-Key was already used with another request; use a new key",
                code="resource_already_exists",
            )
        return saved

    def save(
        self, caller: Caller, key: str | None, fingerprint: str, status: int, body: Any
    ) -> None:
        """Remember a success for its ``Idempotency-Key``. Lock held."""
        if key is not None:
            self.saved[(caller.scope, key)] = Saved(fingerprint, status, body)

    def replayed(self, saved: Saved) -> Response:
        return JSONResponse(
            saved.body, status_code=saved.status, headers={"Idempotent-Replayed": "true"}
        )

    def recording_id(self, request: Request) -> str:
        """The path's ``{id}``: a ``rec_`` id (400 otherwise)."""
        value = str(request.path_params["id"])
        if not value.startswith("rec_"):
            raise MockError(400, f"`id` must be a recording id (rec_...), got {value!r}")
        return value

    def find(self, caller: Caller, recording_id: str) -> BotaRecording:
        """The caller's recording (404 ``not_found`` for an unknown one or another's). Lock held."""
        recording = self.recordings.get(recording_id)
        if recording is None or not self.visible(caller, recording):
            raise MockError(404, f"no recording {recording_id}")
        return recording

    def instant(self, value: Any, name: str) -> datetime:
        """A date-time of the body or query as a UTC instant (400 when it is none)."""
        moment = parse_datetime(value)
        try:
            if moment is None:
                raise ValueError(value)
            return to_instant(moment)
        except (ValueError, OverflowError):
            raise MockError(400, f"`{name}` must be an RFC 3339 date-time, got {value!r}") from None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def new_id(self, prefix: str = "rec_") -> str:
        return prefix + uuid.uuid4().hex

    # -- hooks: create -------------------------------------------------------------

    def credential_problems(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> dict[str, str]:
        """What the body must and must not carry for this credential (``x-tapecheck.credential-fields``)."""
        rules = self.operation(operation_id).ext.get("credential-fields", {}).get(caller.kind, {})
        kind = _KIND_NAMES.get(caller.kind, caller.kind)
        problems: dict[str, str] = {}
        for pointer in rules.get("forbidden", ()):
            if pointer_get(body, pointer)[0]:
                problems[pointer] = (
                    f"`{pointer[1:]}` must not be sent with {kind}: the token implies it"
                )
        for pointer in rules.get("required", ()):
            if not pointer_get(body, pointer)[0]:
                problems[pointer] = f"`{pointer[1:]}` is required with {kind}"
        return problems

    def times(self, body: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
        """``started_at`` (default: now) and ``ended_at`` (default: ``started_at``), in order (400)."""
        started = self.instant(body["started_at"], "started_at") if "started_at" in body else now
        ended = self.instant(body["ended_at"], "ended_at") if "ended_at" in body else started
        if ended < started:
            raise MockError(400, "`ended_at` is before `started_at`")
        return started, ended

    def new_recording(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> BotaRecording:
        """The recording a valid create makes (400 for the credential's ids or the times)."""
        problems = self.credential_problems(caller, body, operation_id)
        if problems:
            raise MockError(400, "; ".join(problems.values()), details=problems)
        now = self.now()
        started, ended = self.times(body, now)
        device_id = caller.device_id or body.get("device_id")
        end_user_id = caller.end_user_id or body.get("end_user_id")
        if device_id is None or end_user_id is None:
            raise MockError(400, "`device_id` and `end_user_id` are required")
        return BotaRecording(
            id=self.new_id("rec_"),
            tenant=caller.tenant,
            device_id=str(device_id),
            end_user_id=str(end_user_id),
            name=str(body.get("name", "")),
            started_at=started,
            ended_at=ended,
            metadata=dict(body.get("metadata", {})),
            created_at=now,
        )

    # -- hooks: upload-url, the PUT and upload-complete -----------------------------

    def object_path(self, media_id: str) -> str:
        return f"{STORAGE_PREFIX}/{self.vendor}/{media_id}"

    def new_media(self, request: Request, body: Mapping[str, Any]) -> Media:
        """A ``pending`` media entry and its signed upload URL."""
        kind = str(body.get("type", "audio"))
        content_type = str(body.get("content_type", "audio/opus"))
        size = body.get("file_size_bytes")
        captured = (
            self.instant(body["captured_at"], "captured_at") if "captured_at" in body else None
        )
        media_id = self.new_id("med_")
        upload = self.signer.sign(
            request,
            "PUT",
            self.object_path(media_id),
            ttl_s=self.upload_ttl_s,
            headers=self.upload_headers(content_type),
        )
        return Media(
            id=media_id,
            type=kind,
            mime_type=content_type,
            declared_size=int(size) if size is not None else None,
            captured_at=captured,
            created_at=self.now(),
            upload=upload,
        )

    def upload_headers(self, content_type: str) -> dict[str, str]:
        """The headers the PUT must carry."""
        return {"Content-Type": content_type}

    def addable(self, recording: BotaRecording) -> None:
        """Files may be added to a ``pending`` recording only (400)."""
        if recording.status != "pending":
            raise MockError(
                400,
                f"recording {recording.id} is {recording.status}; files can be added while it is pending",
            )

    def completable(self, recording: BotaRecording) -> None:
        """upload-complete needs a ``pending`` recording with its audio PUT (400)."""
        if recording.status != "pending":
            raise MockError(400, f"recording {recording.id} is {recording.status}, not pending")
        if not any(m.type == "audio" and m.file is not None for m in recording.media):
            raise MockError(
                400,
                f"recording {recording.id} has no uploaded audio: ask for an upload URL and PUT the file first",
            )

    def complete(self, recording: BotaRecording) -> None:
        """Mark what arrived ``uploaded``, the recording ``uploaded``, and its duration."""
        durations: list[float | None] = []
        for media in recording.media:
            if media.file is not None:
                media.status = "uploaded"
                if media.type == "audio":
                    durations.append(media.duration_s)
        recording.status = "uploaded"
        known = [d for d in durations if d is not None]
        recording.duration_ms = (
            round(sum(known) * 1000) if known and len(known) == len(durations) else None
        )

    def declared_formats(
        self, media: Media, operation_id: str = "upload-url"
    ) -> frozenset[str] | None:
        """The formats by content a media's ``content_type`` stands for; ``None``: not checked."""
        declared = (self.operation(operation_id).audio or {}).get("declared-type", {})
        when = declared.get("when", {})
        if when and media.type not in [v if v is not None else "audio" for v in when.get("in", ())]:
            return None
        return frozenset(declared.get("values", {}).get(media.mime_type, ()))

    async def checked_media(self, media: Media, stored: StoredFile) -> float | None:
        """Audio must be readable and of its declared type (400, file dropped); its duration."""
        if stored.size == 0:
            BlobStore.discard(stored)
            raise StorageError(400, "InvalidArgument", "the upload is empty")
        accepted = self.declared_formats(media)
        if accepted is None:
            return None
        info = await self.checked_audio(stored, "upload-url")
        if info.format not in accepted:
            BlobStore.discard(stored)
            raise StorageError(
                400,
                "InvalidArgument",
                f"the file is {info.format} by its content, not {media.mime_type} as declared",
            )
        return info.duration_s

    async def receive_media(self, request: Request, media: Media) -> StoredFile:
        """Stream the PUT body to disk; exactly ``file_size_bytes`` when that was declared (400)."""
        limit = media.declared_size
        declared = request.headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            raise self.over_size(limit, int(declared))
        try:
            stored = await self.blobs.save_stream(
                request.stream(), max_bytes=limit, content_type=media.mime_type
            )
        except TooLarge as exc:
            raise self.over_size(exc.limit, exc.received) from None
        if limit is not None and stored.size != limit:
            BlobStore.discard(stored)
            raise StorageError(
                400,
                "IncompleteBody",
                f"the upload has {stored.size} bytes; file_size_bytes said {limit}",
            )
        return stored

    def verify_signature(self, request: Request, object_path: str) -> None:
        """The storage host's signature check (403 ``SignatureDoesNotMatch``, 400 expired)."""
        self.signer.verify(request, object_path)

    def over_size(self, limit: int, received: int) -> StorageError:
        return StorageError(
            400,
            "EntityTooLarge",
            f"the upload is {received} bytes or more; file_size_bytes said {limit}",
        )

    def storage_media(self, request: Request) -> tuple[BotaRecording, Media]:
        """The media a PUT names, once its signature is checked (403), while it may change (403)."""
        media_id = str(request.path_params["media_id"])
        self.verify_signature(request, self.object_path(media_id))
        with self.lock:
            found = self.media_of.get(media_id)
            recording = self.recordings.get(found[0]) if found is not None else None
        if found is None or recording is None:
            raise StorageError(404, "NoSuchKey", "the object does not exist")
        if recording.status != "pending":
            raise StorageError(
                403,
                "AccessDenied",
                f"recording {recording.id} is {recording.status}; the upload is closed",
            )
        return recording, found[1]

    # -- endpoints -------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        caller = self.authenticate(request, "create")
        self.check_version(request)
        key = self.idempotency_key(request)
        body = await self.json_body(request, "create")
        fingerprint = self.fingerprint("create", request, body)
        recording = self.new_recording(caller, body, "create")
        status = self.success_status("create")
        with self.lock:
            saved = self.replay(caller, key, fingerprint)
            if saved is not None:
                return self.replayed(saved)
            self.recordings[recording.id] = recording
            answer = recording.body()
            self.save(caller, key, fingerprint, status, answer)
        return self.respond("create", answer, status)

    async def list_recordings(self, request: Request) -> Response:
        caller = self.authenticate(request, "list")
        self.check_version(request)
        query = self.list_query(request)
        with self.lock:
            found = [
                r for r in self.recordings.values() if self.visible(caller, r) and query.matches(r)
            ]
            found.reverse()  # newest first: recordings are kept in creation order
            page = found[query.offset : query.offset + query.limit]
            answer = {
                "data": [r.body() for r in page],
                "has_more": query.offset + len(page) < len(found),
            }
        return self.respond("list", answer)

    async def get(self, request: Request) -> Response:
        caller = self.authenticate(request, "get")
        self.check_version(request)
        recording_id = self.recording_id(request)
        with self.lock:
            answer = self.find(caller, recording_id).body()
        return self.respond("get", answer)

    async def upload_url(self, request: Request) -> Response:
        caller = self.authenticate(request, "upload-url")
        self.check_version(request)
        key = self.idempotency_key(request)
        recording_id = self.recording_id(request)
        body = await self.json_body(request, "upload-url")
        fingerprint = self.fingerprint("upload-url", request, body)
        media = self.new_media(request, body)
        status = self.success_status("upload-url")
        with self.lock:
            recording = self.find(caller, recording_id)
            saved = self.replay(caller, key, fingerprint)
            if saved is not None:
                return self.replayed(saved)
            self.addable(recording)
            recording.media.append(media)
            self.media_of[media.id] = (recording.id, media)
            answer = {
                "media_id": media.id,
                "upload_url": media.upload.url,
                "expires_at": media.upload.expires_at,
                "headers": dict(media.upload.headers),
            }
            self.save(caller, key, fingerprint, status, answer)
        return self.respond("upload-url", answer, status)

    async def upload_complete(self, request: Request) -> Response:
        caller = self.authenticate(request, "upload-complete")
        self.check_version(request)
        key = self.idempotency_key(request)
        recording_id = self.recording_id(request)
        fingerprint = self.fingerprint("upload-complete", request, None)
        status = self.success_status("upload-complete")
        with self.lock:
            recording = self.find(caller, recording_id)
            saved = self.replay(caller, key, fingerprint)
            if saved is not None:
                return self.replayed(saved)
            self.completable(recording)
            self.complete(recording)
            answer = recording.body()
            self.save(caller, key, fingerprint, status, answer)
        return self.respond("upload-complete", answer, status)

    async def storage(self, request: Request) -> Response:
        if request.method != "PUT":
            raise StorageError(
                405, "MethodNotAllowed", f"{request.method} is not allowed on an upload URL"
            )
        recording, media = self.storage_media(request)
        stored = await self.receive_media(request, media)
        duration = await self.checked_media(media, stored)
        with self.lock:
            previous = media.file
            accepted = recording.status == "pending"
            if accepted:
                media.file, media.duration_s = stored, duration
        BlobStore.discard(previous if accepted else stored)
        if not accepted:
            raise StorageError(
                403,
                "AccessDenied",
                f"recording {recording.id} is {recording.status}; the upload is closed",
            )
        return Response(status_code=200, headers={"ETag": f'"{stored.sha256[:32]}"'})

    # -- hooks: list ---------------------------------------------------------------------

    def list_query(self, request: Request) -> ListQuery:
        """The filters and page of the query (400 ``invalid_request`` for any invalid value)."""
        params = request.query_params
        problems: dict[str, str] = {}

        def text(name: str, prefix: str | None = None, choices: tuple[str, ...] = ()) -> str | None:
            value = params.get(name)
            if value is None:
                return None
            if (prefix is not None and not value.startswith(prefix)) or (
                choices and value not in choices
            ):
                expected = (
                    f"an id starting with {prefix}" if prefix else "one of " + ", ".join(choices)
                )
                problems[name] = f"`{name}` must be {expected}, got {value!r}"
            return value

        def integer(name: str, default: int, low: int, high: int | None) -> int:
            value = params.get(name)
            if value is None:
                return default
            number = int(value) if _INTEGER.fullmatch(value) else None
            if number is None or number < low or (high is not None and number > high):
                bounds = f"from {low} to {high}" if high is not None else f"from {low}"
                problems[name] = f"`{name}` must be an integer {bounds}, got {value!r}"
                return default
            return number

        def moment(name: str) -> datetime | None:
            value = params.get(name)
            if value is None:
                return None
            try:
                return self.instant(value, name)
            except MockError as exc:
                problems[name] = exc.message
                return None

        statuses = tuple(
            self.spec.resolve({"$ref": "#/components/schemas/RecordingStatus"})["enum"]
        )
        query = ListQuery(
            device_id=text("device_id", "dev_"),
            end_user_id=text("end_user_id", "eu_"),
            status=text("status", choices=statuses),
            created_after=moment("created_after"),
            created_before=moment("created_before"),
            limit=integer("limit", 10, 1, 100),
            offset=integer("offset", 0, 0, None),
        )
        if problems:
            raise MockError(400, "; ".join(problems.values()), details=problems)
        return query


def create_app(
    *,
    token: str = DEFAULT_TOKEN,
    tenant: str = DEFAULT_TENANT,
    tenants: Mapping[str, str] | None = None,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    rate_window_s: int = 60,
) -> ASGIApp:
    """Bota's mock as an ASGI app (``tapecheck mock bota`` serves this)."""
    return BotaMock(
        token=token,
        tenant=tenant,
        tenants=tenants,
        rate_limit=rate_limit,
        rate_window_s=rate_window_s,
    ).create_app()
