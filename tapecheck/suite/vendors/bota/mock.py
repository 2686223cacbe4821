"""Bota's reference mock: recordings, their upload URLs and media, under ``/v1``.

What it does, from ``specs/bota.yaml`` and VENDORS.md (the files' side, from
upload-url to upload-complete and the storage host's PUT, is
:class:`~tapecheck.suite.vendors.bota.uploads.BotaUploads`):

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
- ``POST /recordings/{id}/upload-url`` answers 200 ``{media_id, upload_url,
  expires_at, headers}``; ``POST /recordings/{id}/upload-complete`` answers 200
  with the recording, now ``uploaded`` (400 when it is not ``pending`` or has
  no audio PUT).
- ``GET /recordings/{id}``; ``GET /recordings`` filtered by ``device_id``,
  ``end_user_id``, ``status``, ``created_after``, ``created_before`` (strict),
  newest first, paged by ``limit`` and ``offset``: every query value is checked
  against its parameter's schema in the spec (``limit`` 1..100, default 10;
  ``offset`` from 0), anything else is 400. Answers ``{data, has_more}``.
- ``Idempotency-Key`` (create, upload-url, upload-complete): per credential, the
  same key and the same request replays the first success (status and body,
  with ``Idempotent-Replayed: true``); the same key with another request is 409
  ``resource_already_exists``. A ``Bota-Version`` that is not a date is 400.
- Rate limit: ``rate_limit`` requests per ``rate_window_s`` seconds and
  credential (unknown credentials share one budget); every answer of the API
  carries ``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (epoch seconds), and a
  request past the budget is 429 ``rate_limit_exceeded`` with ``Retry-After``.
  The storage host's answers carry none.
- Errors: ``{error: {code, message, details?}}`` (``application/json``).

The order of checks is rate limit (429), credential (401), ``Bota-Version``
and ``Idempotency-Key`` (400), path id (400), body or query (400), existence
(404), the idempotent replay or conflict (409), then the recording's state (400).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.auth import bearer_token
from tapecheck.suite.mocks.bodies import SchemaValidator
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.signed import STORAGE_PREFIX
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, Endpoint
from tapecheck.suite.pointers import follow, split_pointer
from tapecheck.suite.specs import Spec
from tapecheck.suite.values import is_date
from tapecheck.suite.vendors.bota.model import BotaRecording, Caller, ListQuery, Saved
from tapecheck.suite.vendors.bota.ratelimit import Budget, RateLimiter, RateLimitHeaders
from tapecheck.suite.vendors.bota.uploads import BotaUploads

__all__ = ["DEFAULT_RATE_LIMIT", "MOCK_CLASS", "BotaMock", "create_app"]

#: Requests per window and credential: far above any test's load.
DEFAULT_RATE_LIMIT = 100_000
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_IDEMPOTENCY_KEY = 255
_KIND_NAMES = {
    "secret-key": "a secret key",
    "restricted-key": "a restricted key",
    "device-token": "a device token",
}


class BotaMock(BotaUploads):
    """Bota's recordings API and storage host; each method is a hook a mutant may override."""

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
        public_base_url: str | None = None,
    ) -> None:
        """``tenants`` adds projects (``tenant -> secret key``); ``rate_limit`` is per window and credential."""
        super().__init__(
            token=token,
            tenant=tenant,
            tenants=tenants,
            upload_ttl_s=upload_ttl_s,
            spec=spec,
            public_base_url=public_base_url,
        )
        self.limiter = RateLimiter(rate_limit, rate_window_s)
        self.saved: dict[tuple[str, str], Saved] = {}
        self._query_validators: dict[str, SchemaValidator] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {
            "create": self.create,
            "list": self.list_recordings,
            "get": self.get,
            "upload-url": self.upload_url,
            "upload-complete": self.upload_complete,
        }

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
        super().reset()
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
        if not is_date(value):
            raise MockError(400, f"`Bota-Version` must be a date such as 2024-01-15, got {value!r}")

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

    # -- hooks: create and list --------------------------------------------------------

    def credential_rules(self, kind: str, operation_id: str) -> Mapping[str, Any]:
        """``{forbidden: [pointer...], required: [pointer...]}`` for a credential kind (the spec's)."""
        rules = self.operation(operation_id).ext.get("credential-fields", {})
        found = rules.get(kind, {})
        return found if isinstance(found, Mapping) else {}

    def defaults(self) -> dict[str, Any]:
        """What an omitted ``name`` and ``metadata`` become (VENDORS.md)."""
        return {"name": "", "metadata": {}}

    def credential_problems(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> dict[str, str]:
        """What the body must and must not carry for this credential (``x-tapecheck.credential-fields``)."""
        rules = self.credential_rules(caller.kind, operation_id)
        kind = _KIND_NAMES.get(caller.kind, caller.kind)
        problems: dict[str, str] = {}
        for pointer in rules.get("forbidden", ()):
            if follow(body, split_pointer(pointer))[0]:
                problems[pointer] = (
                    f"`{pointer[1:]}` must not be sent with {kind}: the token implies it"
                )
        for pointer in rules.get("required", ()):
            if not follow(body, split_pointer(pointer))[0]:
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
        defaults = self.defaults()
        device_id = caller.device_id or body.get("device_id")
        end_user_id = caller.end_user_id or body.get("end_user_id")
        if device_id is None or end_user_id is None:
            raise MockError(400, "`device_id` and `end_user_id` are required")
        return BotaRecording(
            id=self.new_id("rec_"),
            tenant=caller.tenant,
            device_id=str(device_id),
            end_user_id=str(end_user_id),
            name=str(body.get("name", defaults["name"])),
            started_at=started,
            ended_at=ended,
            metadata=dict(body.get("metadata", defaults["metadata"])),
            created_at=now,
        )

    def query_schemas(self, operation_id: str) -> dict[str, Mapping[str, Any]]:
        """Each query parameter's schema, by name (the spec's: bounds, defaults, patterns, enums)."""
        return {
            str(param["name"]): self.spec.resolve(param.get("schema", {}))
            for param in self.operation(operation_id).parameters_in("query")
        }

    def query_validator(self, schema: Mapping[str, Any]) -> SchemaValidator:
        """A validator for one parameter's schema, made once."""
        key = json.dumps(schema, sort_keys=True, default=str)
        found = self._query_validators.get(key)
        if found is None:
            found = self._query_validators[key] = SchemaValidator(self.spec.json_schema(schema))
        return found

    def list_query(self, request: Request) -> ListQuery:
        """The filters and page of the query, each checked against its schema (400 otherwise)."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, schema in self.query_schemas("list").items():
            raw = request.query_params.get(name)
            if raw is None:
                if "default" in schema:
                    values[name] = schema["default"]
                continue
            value: Any = raw
            if schema.get("type") == "integer":
                value = int(raw) if _INTEGER.fullmatch(raw) else None
            found = (
                self.query_validator(schema).problems(value)
                if value is not None
                else {"/": "is not an integer"}
            )
            if found:
                problems[name] = f"`{name}`: {next(iter(found.values()))} (got {raw!r})"
                continue
            if schema.get("format") == "date-time":
                try:
                    value = self.instant(raw, name)
                except MockError as exc:
                    problems[name] = exc.message
                    continue
            values[name] = value
        if problems:
            raise MockError(400, "; ".join(problems.values()), details=problems)
        fields = {name: values[name] for name in ListQuery.__dataclass_fields__ if name in values}
        return ListQuery(**fields)

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


#: ``tapecheck mock bota`` serves this: the mock as an ASGI app, built with its constructor's options.
create_app = app_factory(BotaMock)

#: The class the generic mutant families subclass (tapecheck.suite.conform.families.mutants).
MOCK_CLASS = BotaMock
