"""Bota's mutants: the reference mock with one realistic deviation each.

Each is a small subclass of :class:`BotaMock` overriding the hook where the
deviation lives; ``expect`` names the requirements that must catch it.
``tapecheck selftest bota`` runs the suite against the mock and each of these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.mutant import app_factory as _factory
from tapecheck.suite.vendors.bota.mock import BotaMock
from tapecheck.suite.vendors.bota.model import BotaRecording, Caller, Saved
from tapecheck.suite.vendors.bota.ratelimit import Budget, RateLimitHeaders

__all__ = ["GENERIC_NOT_APPLICABLE", "MUTANTS"]


class DeviceTokenTakesIds(BotaMock):
    """A device token may send device_id and end_user_id: they are ignored, the token's are used."""

    def credential_rules(self, kind: str, operation_id: str) -> Mapping[str, Any]:
        rules = super().credential_rules(kind, operation_id)
        return {k: v for k, v in rules.items() if k != "forbidden"}


class SecretKeyIdsOptional(BotaMock):
    """A secret key without ids creates a recording for a default device and end user."""

    def credential_rules(self, kind: str, operation_id: str) -> Mapping[str, Any]:
        rules = super().credential_rules(kind, operation_id)
        return {k: v for k, v in rules.items() if k != "required"}

    def new_recording(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> BotaRecording:
        if caller.is_device:
            return super().new_recording(caller, body, operation_id)
        filled = {"device_id": "dev_default", "end_user_id": "eu_default", **body}
        return super().new_recording(caller, filled, operation_id)


class IdempotencyIgnored(BotaMock):
    """Idempotency-Key is read but never remembered: a retry creates another recording."""

    def save(
        self, caller: Caller, key: str | None, fingerprint: str, status: int, body: Any
    ) -> None:
        return None


class IdempotencyConflictUndetected(BotaMock):
    """A reused Idempotency-Key replays the first answer whatever the body."""

    def replay(self, caller: Caller, key: str | None, fingerprint: str) -> Saved | None:
        saved = self.saved.get((caller.scope, key)) if key is not None else None
        return saved


class CompleteFromAnyStatus(BotaMock):
    """upload-complete does not check the status: completing twice answers 200 again."""

    def completable(self, recording: BotaRecording) -> None:
        if not any(m.type == "audio" and m.file is not None for m in recording.media):
            super().completable(recording)


class StatusStaysPending(BotaMock):
    """upload-complete marks the media uploaded but leaves the recording pending."""

    def complete(self, recording: BotaRecording) -> None:
        super().complete(recording)
        recording.status = "pending"


class DurationInSeconds(BotaMock):
    """duration_ms holds seconds, not milliseconds."""

    def complete(self, recording: BotaRecording) -> None:
        super().complete(recording)
        if recording.duration_ms is not None:
            recording.duration_ms = round(recording.duration_ms / 1000)


class LimitUnbounded(BotaMock):
    """GET /recordings takes any integer limit and offset: no bounds are checked."""

    def query_schemas(self, operation_id: str) -> dict[str, Mapping[str, Any]]:
        schemas = super().query_schemas(operation_id)
        for name in ("limit", "offset"):
            if name in schemas:
                schemas[name] = {
                    k: v for k, v in schemas[name].items() if k not in ("minimum", "maximum")
                }
        return schemas


class DefaultLimit20(BotaMock):
    """GET /recordings without limit answers up to 20 recordings instead of 10."""

    def query_schemas(self, operation_id: str) -> dict[str, Mapping[str, Any]]:
        schemas = super().query_schemas(operation_id)
        if "limit" in schemas:
            schemas["limit"] = {**schemas["limit"], "default": 20}
        return schemas


class _HeadersOnSuccessOnly(RateLimitHeaders):
    """The rate-limit layer adds its headers to successes only."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def strip_on_error(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                names = {
                    n.lower().encode()
                    for n in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
                }
                message["headers"] = [
                    (k, v) for k, v in message["headers"] if k.lower() not in names
                ]
            await send(message)

        await super().__call__(scope, receive, strip_on_error)


class RateLimitHeadersOnSuccessOnly(BotaMock):
    """X-RateLimit-* headers are sent on successes but not on errors."""

    def create_app(self) -> Starlette:
        app = super().create_app()
        if isinstance(app.middleware_stack, RateLimitHeaders):
            layer = app.middleware_stack
            app.middleware_stack = _HeadersOnSuccessOnly(
                layer.app,
                budget_of=layer.budget_of,
                headers_of=layer.headers_of,
                refuse=layer.refuse,
            )
        return app


class RemainingNeverDecreases(BotaMock):
    """X-RateLimit-Remaining always says the full limit."""

    def rate_limit_headers(self, budget: Budget) -> dict[str, str]:
        return super().rate_limit_headers(replace(budget, remaining=budget.limit))


class MessageOnlyErrors(BotaMock):
    """Errors are {message} instead of {error: {code, message}}."""

    def error_response(self, error: MockError) -> Response:
        return JSONResponse(
            {"message": error.message}, status_code=error.status, headers=error.headers or None
        )


class NotFoundCode(BotaMock):
    """A 404 carries code resource_not_found instead of the documented not_found."""

    def error_response(self, error: MockError) -> Response:
        if error.status == 404 and error.code is None:
            error.code = "resource_not_found"
        return super().error_response(error)


class LongRecordingPrefix(BotaMock):
    """Recording ids are recording_* instead of rec_*."""

    def new_id(self, prefix: str = "rec_") -> str:
        return super().new_id("recording_" if prefix == "rec_" else prefix)

    def recording_id(self, request: Request) -> str:
        return str(request.path_params["id"])


class AuthIgnored(BotaMock):
    """The credential is never checked: every request is the project's secret key."""

    def authenticate(self, request: Request, operation_id: str) -> Caller:
        try:
            return super().authenticate(request, operation_id)
        except MockError:
            return Caller("secret-key", self.tenant, f"key:{self.tenant}")


class DeviceIsolationBroken(BotaMock):
    """A device token sees every recording of its project, not only its own device's."""

    def visible(self, caller: Caller, recording: BotaRecording) -> bool:
        return recording.tenant == caller.tenant


class ProjectIsolationBroken(BotaMock):
    """Recordings are found by id alone: another project's key reaches them."""

    def visible(self, caller: Caller, recording: BotaRecording) -> bool:
        return not caller.is_device or recording.device_id == caller.device_id


class EndedBeforeStartedAccepted(BotaMock):
    """ended_at before started_at is accepted as sent."""

    def times(self, body: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
        started = self.instant(body["started_at"], "started_at") if "started_at" in body else now
        ended = self.instant(body["ended_at"], "ended_at") if "ended_at" in body else started
        return started, ended


class TimesComparedAsText(BotaMock):
    """ended_at and started_at are compared as text, not as instants."""

    def times(self, body: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
        started, ended = super().times({k: v for k, v in body.items() if k != "ended_at"}, now)
        if "ended_at" in body:
            ended = self.instant(body["ended_at"], "ended_at")
            if "started_at" in body and str(body["ended_at"]) < str(body["started_at"]):
                raise MockError(400, "`ended_at` is before `started_at`")
        return started, ended


class Create200(BotaMock):
    """A new recording answers 200 instead of the documented 201."""

    def success_status(self, operation_id: str) -> int:
        return 200 if operation_id == "create" else super().success_status(operation_id)


class NoPendingMedia(BotaMock):
    """GET /recordings/{id} shows only uploaded media: an entry awaiting its PUT is hidden."""

    async def get(self, request: Request) -> Response:
        response = await super().get(request)
        body = json.loads(bytes(response.body))
        body["media"] = [m for m in body["media"] if m.get("status") != "pending"]
        return self.respond("get", body)


MUTANTS: list[Mutant] = [
    Mutant(
        "device-token-takes-ids",
        "a device token may send device_id and end_user_id",
        _factory(DeviceTokenTakesIds),
        expect=("BOTA-DEVICE-TOKEN-IDS-FORBIDDEN",),
    ),
    Mutant(
        "secret-key-ids-optional",
        "a secret key without ids creates a recording for a default device",
        _factory(SecretKeyIdsOptional),
        expect=("BOTA-SECRET-KEY-IDS-REQUIRED",),
    ),
    Mutant(
        "idempotency-ignored",
        "a retry with the same Idempotency-Key creates another recording",
        _factory(IdempotencyIgnored),
        expect=("BOTA-IDEMPOTENCY-REPLAY",),
    ),
    Mutant(
        "idempotency-conflict-undetected",
        "an Idempotency-Key reused with another body replays the first answer",
        _factory(IdempotencyConflictUndetected),
        expect=("BOTA-IDEMPOTENCY-CONFLICT",),
    ),
    Mutant(
        "complete-from-any-status",
        "upload-complete on a recording already uploaded answers 200",
        _factory(CompleteFromAnyStatus),
        expect=("BOTA-UPLOAD-COMPLETE-NOT-PENDING",),
    ),
    Mutant(
        "status-stays-pending",
        "upload-complete leaves the recording pending",
        _factory(StatusStaysPending),
        expect=("BOTA-UPLOAD-COMPLETE",),
    ),
    Mutant(
        "duration-in-seconds",
        "duration_ms holds seconds",
        _factory(DurationInSeconds),
        expect=("BOTA-UPLOAD-COMPLETE",),
    ),
    Mutant(
        "limit-unbounded",
        "GET /recordings takes limit 0, 101 and negative values",
        _factory(LimitUnbounded),
        expect=("BOTA-LIST-LIMIT-BOUNDS",),
    ),
    Mutant(
        "default-limit-20",
        "GET /recordings answers 20 recordings by default instead of 10",
        _factory(DefaultLimit20),
        expect=("BOTA-LIST-PAGING",),
    ),
    Mutant(
        "rate-limit-headers-on-success-only",
        "X-RateLimit-* headers are missing on errors",
        _factory(RateLimitHeadersOnSuccessOnly),
        expect=("BOTA-RATE-LIMIT-HEADERS",),
    ),
    Mutant(
        "remaining-never-decreases",
        "X-RateLimit-Remaining always says the full limit",
        _factory(RemainingNeverDecreases),
        expect=("BOTA-RATE-LIMIT-HEADERS",),
    ),
    Mutant(
        "message-only-errors",
        "errors are {message} instead of {error: {code, message}}",
        _factory(MessageOnlyErrors),
        expect=("BOTA-ERROR-BODY",),
    ),
    Mutant(
        "not-found-code",
        "a 404 carries code resource_not_found instead of not_found",
        _factory(NotFoundCode),
        expect=("BOTA-NOT-FOUND", "BOTA-ERROR-BODY"),
    ),
    Mutant(
        "recording-prefix",
        "recording ids are recording_* instead of rec_*",
        _factory(LongRecordingPrefix),
        expect=("BOTA-CREATE-SECRET-KEY",),
    ),
    Mutant(
        "auth-ignored",
        "never checks the credential",
        _factory(AuthIgnored),
        expect=("BOTA-AUTH-MISSING", "BOTA-AUTH-WRONG"),
    ),
    Mutant(
        "device-isolation-broken",
        "a device token sees and changes every recording of its project",
        _factory(DeviceIsolationBroken),
        expect=("BOTA-DEVICE-ISOLATION",),
    ),
    Mutant(
        "project-isolation-broken",
        "another project's secret key reaches this project's recordings",
        _factory(ProjectIsolationBroken),
        expect=("BOTA-PROJECT-ISOLATION",),
    ),
    Mutant(
        "ended-before-started-accepted",
        "ended_at before started_at is accepted",
        _factory(EndedBeforeStartedAccepted),
        expect=("BOTA-ENDED-BEFORE-STARTED",),
    ),
    Mutant(
        "times-compared-as-text",
        "ended_at and started_at are compared as text, not as instants",
        _factory(TimesComparedAsText),
        expect=("BOTA-ENDED-BEFORE-STARTED",),
    ),
    Mutant(
        "create-200",
        "a new recording answers 200 instead of 201",
        _factory(Create200),
        expect=("BOTA-CREATE-SECRET-KEY",),
    ),
    Mutant(
        "no-pending-media",
        "upload-url adds no pending media entry to the recording",
        _factory(NoPendingMedia),
        expect=("BOTA-UPLOAD-URL",),
    ),
]


#: Generic mutant families that mean nothing for this vendor (family -> why).
GENERIC_NOT_APPLICABLE: dict[str, str] = {
    "credentials": (
        "the mock checks its credential kinds in its own flow, not through token_tenant; the own mutant auth-ignored covers it"
    ),
}
