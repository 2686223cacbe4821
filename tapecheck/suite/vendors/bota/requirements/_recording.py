"""What a Bota requirement works with: its recordings, the calls it makes, what it expects.

A recording is made through the client's flow (create, upload-url, the PUT to
the storage host, upload-complete); each step takes from the answer what the
next one needs and no more, so one deviation does not fail every requirement on
its way. Every refusal is held to the status, ``{error: {code, message}}`` and
the code the docs give the status (:func:`expect_error`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx

from tapecheck.suite.conform.common import DOCUMENTED_ERROR_CHECKS
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.values import parse_datetime, to_instant

__all__ = [
    "AFTER_UPLOAD",
    "CREATE",
    "DEFAULT_WINDOW",
    "ERROR_CHECKS",
    "FAMILY_FIXTURES",
    "FLOW_CHECKS",
    "FLOW_OK",
    "GET",
    "INVALID",
    "KEY_REUSED",
    "LIST",
    "NOT_FOUND",
    "PAGE_COUNT",
    "SUCCESS_CHECKS",
    "UNAUTHORIZED",
    "UNKNOWN",
    "UPLOAD_COMPLETE",
    "UPLOAD_URL",
    "UPLOAD_URL_OK",
    "V",
    "any_upload_request",
    "complete",
    "create",
    "created",
    "device_token",
    "expect_error",
    "expect_ok",
    "get",
    "idempotency_key",
    "ids",
    "instant",
    "listing",
    "put_file",
    "refused_on_recording",
    "step",
    "upload_url",
    "uploaded",
    "wav_request",
    "with_audio",
]

V = "bota"
CREATE, LIST, GET = "create", "list", "get"
UPLOAD_URL, UPLOAD_COMPLETE = "upload-url", "upload-complete"

SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")
#: What the flow asks of a step on its way (the requirements decide the rest).
FLOW_CHECKS = ("status_code_expected", "json_content_type")
FLOW_OK = range(200, 300)
ERROR_CHECKS = DOCUMENTED_ERROR_CHECKS
INVALID = frozenset({400})
UNAUTHORIZED = frozenset({401})
NOT_FOUND = frozenset({404})
#: upload-url's success: the docs do not pin 200 or 201 (CONTRACT.md).
UPLOAD_URL_OK = frozenset({200, 201})
#: Reusing an Idempotency-Key with another body: the mocks' 409 resource_already_exists, or
#: 400 invalid_request (the docs list the code and the header, not their link).
KEY_REUSED = frozenset({400, 409})
#: A recording id nobody made.
UNKNOWN = "rec_tapecheck0does0not0exist"
#: How far an omitted start may be from the creation time, and the end from the start.
DEFAULT_WINDOW = timedelta(seconds=60)
#: A recording's statuses once its upload is complete (pending -> uploaded -> processing -> ...).
AFTER_UPLOAD = frozenset({"uploaded", "processing", "completed"})
PAGE_COUNT = 11


def ids(s: Session) -> dict[str, str]:
    """The device and end user a secret key names (``--param device_id=``/``end_user_id=``)."""
    return {
        "device_id": s.param("device_id") or "dev_tapecheck",
        "end_user_id": s.param("end_user_id") or "eu_tapecheck",
    }


def device_token(s: Session) -> str:
    token = s.credentials.device_token
    if token is None:
        raise RequirementSkipped("needs a device token: --device-token or TAPECHECK_DEVICE_TOKEN")
    return token


def instant(value: Any) -> datetime | None:
    moment = parse_datetime(value)
    return to_instant(moment) if moment is not None else None


def expect_error(
    s: Session, response: httpx.Response, operation_id: str, statuses: Collection[int]
) -> None:
    """One of ``statuses``, ``{error: {code, message}}``, and the code the docs give the status.

    A status the docs give no code (403, which the contract allows for another's recording)
    is held to the shape alone.
    """
    s.expect(response, "status_code_expected", operation=operation_id, status=statuses)
    members = s.spec.ext.get("error-members") or {}
    if str(response.status_code) in members.get("codes", {}):
        s.expect(response, *ERROR_CHECKS, operation=operation_id, status=statuses)
    else:
        s.expect(response, "json_content_type", "bota_error_shape")


def expect_ok(
    s: Session,
    response: httpx.Response,
    operation_id: str,
    expected: int | Collection[int] = 200,
    /,
    **fields: Any,
) -> dict[str, Any]:
    """The ``expected`` success status, the documented schema, and ``fields``; the body."""
    checks = (*SUCCESS_CHECKS, "bota_recording_fields") if fields else SUCCESS_CHECKS
    s.expect(response, *checks, operation=operation_id, status=expected, fields=fields)
    body: dict[str, Any] = response.json()
    return body


async def create(
    s: Session,
    body: Mapping[str, Any],
    *,
    auth: Auth = "valid",
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    return await s.call(CREATE, json=dict(body), auth=auth, headers=headers)


def step(s: Session, response: httpx.Response, operation_id: str, *keys: str) -> dict[str, Any]:
    """A step of the flow: a success with a JSON object holding ``keys`` as strings; the body.

    The flow takes what it needs and no more; the status and schema of each answer are the
    requirements' to decide, so one deviation does not fail every requirement on its way.
    """
    s.expect(response, *FLOW_CHECKS, operation=operation_id, status=FLOW_OK)
    body = response.json()
    missing = [k for k in keys if not isinstance(body, dict) or not isinstance(body.get(k), str)]
    if missing:
        s.fail("response_schema_conformance", f"No `{missing[0]}`", repr(body)[:200], response)
    answer: dict[str, Any] = body
    return answer


async def created(
    s: Session, body: Mapping[str, Any] | None = None, *, auth: Auth = "valid"
) -> dict[str, Any]:
    """A new recording; a secret key names the run's device and end user."""
    sent = {**ids(s), **(body or {})} if auth == "valid" else dict(body or {})
    response = await create(s, sent, auth=auth)
    return step(s, response, CREATE, "id", "device_id", "created_at")


async def get(s: Session, recording_id: str, *, auth: Auth = "valid") -> httpx.Response:
    return await s.call(GET, path={"id": recording_id}, auth=auth)


async def upload_url(
    s: Session, recording_id: str, body: Mapping[str, Any], *, auth: Auth = "valid"
) -> httpx.Response:
    return await s.call(UPLOAD_URL, path={"id": recording_id}, json=dict(body), auth=auth)


async def complete(s: Session, recording_id: str, *, auth: Auth = "valid") -> httpx.Response:
    return await s.call(UPLOAD_COMPLETE, path={"id": recording_id}, auth=auth)


async def listing(
    s: Session, query: Mapping[str, Any] | None = None, *, auth: Auth = "valid"
) -> httpx.Response:
    return await s.call(LIST, query=dict(query or {}), auth=auth)


def wav_request(content: bytes) -> dict[str, Any]:
    return {
        "type": "audio",
        "content_type": "audio/wav",
        "file_size_bytes": len(content),
        "captured_at": "2024-01-15T14:30:00Z",
    }


async def put_file(s: Session, answer: Mapping[str, Any], content: bytes) -> httpx.Response:
    """PUT ``content`` to the absolute ``upload_url`` with the answered ``headers``."""
    headers = answer.get("headers") if isinstance(answer.get("headers"), dict) else {}
    request = s.client.build_request(
        "PUT", str(answer["upload_url"]), headers=dict(headers or {}), content=content
    )
    return await s.send(request)


async def with_audio(s: Session, recording_id: str) -> dict[str, Any]:
    """Ask for an upload URL for one second of wav and PUT it there; the upload-url answer."""
    content = s.media.audio_bytes("wav")
    answer = step(
        s, await upload_url(s, recording_id, wav_request(content)), UPLOAD_URL, "upload_url"
    )
    s.expect(await put_file(s, answer, content), "status_code_expected", status=FLOW_OK)
    return answer


async def uploaded(s: Session, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A recording whose audio is PUT and its upload completed (200)."""
    recording = await created(s, body)
    await with_audio(s, recording["id"])
    return step(s, await complete(s, recording["id"]), UPLOAD_COMPLETE, "id")


def any_upload_request() -> dict[str, Any]:
    """An upload-url body for 100 bytes of wav: for calls refused before the file matters."""
    return wav_request(b"\0" * 100)


def idempotency_key() -> dict[str, str]:
    """A fresh ``Idempotency-Key`` header."""
    return {"Idempotency-Key": f"tapecheck-{uuid.uuid4()}"}


async def refused_on_recording(
    s: Session, recording_id: str, statuses: Collection[int], *, auth: Auth = "valid"
) -> None:
    """Get, upload-url and upload-complete on ``recording_id`` are refused with ``statuses``."""
    expect_error(s, await get(s, recording_id, auth=auth), GET, statuses)
    response = await upload_url(s, recording_id, any_upload_request(), auth=auth)
    expect_error(s, response, UPLOAD_URL, statuses)
    expect_error(s, await complete(s, recording_id, auth=auth), UPLOAD_COMPLETE, statuses)


@asynccontextmanager
async def _upload_url_body(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A new recording, and an upload-url body for it."""
    recording = await created(s)
    yield {"path": {"id": recording["id"]}, "json": any_upload_request()}


#: What a generic family's call of each operation needs besides its path (``FAMILY_FIXTURES``).
FAMILY_FIXTURES = {UPLOAD_URL: _upload_url_body}
