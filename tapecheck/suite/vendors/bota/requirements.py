"""Bota's requirements: recordings, their upload flow, listing, credentials and the API's manners.

From the seed (``bota-create-recording.md``), the spec (``specs/bota.yaml``) and
VENDORS.md. Every requirement makes fixed requests at the edges, so a deviation
is caught on every seed.

The flow is the client's: ``POST /recordings`` (a secret key names
``device_id`` and ``end_user_id``; a device token implies them), ``POST
/recordings/{id}/upload-url``, a PUT of the file to the answered
``upload_url`` with the answered ``headers`` (a storage host: the PUT goes to
the absolute URL without Bota's credential), then ``POST
/recordings/{id}/upload-complete``.

Credentials (CONTRACT.md section 3): ``--token`` is a secret key and
``--device-token`` a device token (``dtok_...``); the requirements that need a
device token are skipped when a ``--base-url`` run has none (the embedded mock
takes any ``dtok_``). A real sandbox names its own device and end user with
``--param device_id=`` and ``--param end_user_id=`` (default ``dev_tapecheck``
and ``eu_tapecheck``, which the mock accepts), and another project's secret
key with ``--param other_token=`` for the isolation between projects.

Statuses and bodies: the docs pin a code per status (``invalid_request`` 400,
``unauthorized`` 401, ``not_found`` 404, ``resource_already_exists`` 409,
``rate_limit_exceeded`` 429) and the error body ``{error: {code, message,
details?}}``, so every error is held to both. Where the docs are silent and
VENDORS.md records the reference mocks' reading (the defaults of an omitted
``name``/``started_at``/``ended_at``, the link between ``Idempotency-Key`` and
409, the bounds of ``limit``), the requirement says so in its ``source`` and
accepts what every reasonable reading shares.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

import tapecheck.suite.vendors.bota.checks  # noqa: F401  (registers Bota's checks)
from tapecheck.suite.conform.common import OTHER_TENANT
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.values import parse_datetime, to_instant
from tapecheck.suite.vendors.bota.checks import ERROR_CODES, rate_limit

V = "bota"
CREATE, LIST, GET = "create", "list", "get"
UPLOAD_URL, UPLOAD_COMPLETE = "upload-url", "upload-complete"
SEED = "Seed bota-create-recording.md"
DOCS = "VENDORS.md, Bota"
MOCKS = "VENDORS.md, where the docs are silent (the reference mocks' reading)"
CODES = (
    "VENDORS.md: errors {error: {code, message, details?}}; codes invalid_request (400), "
    "unauthorized (401), not_found (404), resource_already_exists (409)"
)

SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")
#: What the flow asks of a step on its way (the requirements decide the rest).
FLOW_CHECKS = ("status_code_expected", "json_content_type")
FLOW_OK = range(200, 300)
ERROR_CHECKS = ("status_code_expected", "error_body_shape", "bota_error_code_matches")
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


# -- helpers ---------------------------------------------------------------------------------


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
    if response.status_code in ERROR_CODES:
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


def expect_instant(s: Session, response: httpx.Response, name: str, expected: str) -> None:
    found = instant(response.json().get(name))
    if found != instant(expected):
        s.fail(
            "bota_recording_fields",
            f"Wrong `{name}`",
            f"sent {expected!r}, got {response.json().get(name)!r}",
            response,
        )


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


async def every(
    s: Session, query: Mapping[str, Any], *, auth: Auth = "valid"
) -> list[dict[str, Any]]:
    """All recordings matching ``query``, one page of 100 (the requirements stay under it)."""
    body = expect_ok(s, await listing(s, {**query, "limit": 100}, auth=auth), LIST)
    return list(body["data"])


def later(recording: Mapping[str, Any], than: Mapping[str, Any]) -> bool:
    """Whether ``recording`` was created strictly after ``than``, by the target's own stamps."""
    made, other = instant(recording.get("created_at")), instant(than.get("created_at"))
    return made is not None and other is not None and made > other


def matches(item: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether a listed recording fits the query's filters (created_after read as inclusive)."""
    for name in ("device_id", "end_user_id", "status"):
        if name in query and item.get(name) != query[name]:
            return False
    made, after = instant(item.get("created_at")), instant(query.get("created_after"))
    return made is None or after is None or made >= after


# -- create --------------------------------------------------------------------------------


@requirement(
    V,
    "BOTA-CREATE-SECRET-KEY",
    title="A secret key creates a recording for the device and end user it names: 201, pending",
    source=f"{SEED}: with a secret key, device_id and end_user_id in the body; the recording "
    "object (id rec_*, status pending, media empty until uploaded, duration_ms null until audio "
    f"is uploaded, transcription_id null). {DOCS}: answers 201.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def create_secret_key(s: Session) -> None:
    started, ended = "2024-01-15T16:30:00+02:00", "2024-01-15T14:35:30Z"
    body = {
        **ids(s),
        "name": "tapecheck: secret key",
        "started_at": started,
        "ended_at": ended,
        "metadata": {"source": "tapecheck", "call_id": "call-7"},
    }
    response = await create(s, body)
    first = expect_ok(
        s,
        response,
        CREATE,
        201,
        status="pending",
        media=[],
        duration_ms=None,
        transcription_id=None,
        name=body["name"],
        metadata=body["metadata"],
        **ids(s),
    )
    expect_instant(s, response, "started_at", started)
    expect_instant(s, response, "ended_at", ended)
    second = await created(s, {"name": "tapecheck: secret key, again"})
    if first["id"] == second["id"]:
        s.fail("response_schema_conformance", "Two recordings, one id", first["id"], response)


@requirement(
    V,
    "BOTA-CREATE-DEFAULTS",
    title="Omitted name, started_at and ended_at get defaults: a name, the creation time, the start",
    source=f'{MOCKS}: omitted name is "", started_at the creation time, ended_at equals '
    f"started_at. {SEED}: name, started_at and ended_at are strings. What every reasonable "
    "reading shares is required: a string name, a start at the creation time and an end at the "
    f"start (within {DEFAULT_WINDOW.seconds} s), metadata an object.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def create_defaults(s: Session) -> None:
    response = await create(s, ids(s))
    body = expect_ok(s, response, CREATE, 201, status="pending")
    made, started, ended = (instant(body.get(k)) for k in ("created_at", "started_at", "ended_at"))
    if made is None or started is None or ended is None:
        return  # response_schema_conformance has reported a value that is no date-time
    if abs(started - made) > DEFAULT_WINDOW:
        s.fail(
            "bota_recording_fields",
            "Omitted started_at is not the creation time",
            f"started_at {body['started_at']}, created_at {body['created_at']}",
            response,
        )
    if ended < started or ended - started > DEFAULT_WINDOW:
        s.fail(
            "bota_recording_fields",
            "Omitted ended_at is not the start",
            f"started_at {body['started_at']}, ended_at {body['ended_at']}",
            response,
        )


@requirement(
    V,
    "BOTA-CREATE-DEVICE-TOKEN",
    title="A device token creates a recording without ids: 201, for the token's device and end user",
    source=f"{SEED}: with a device token (dtok_*), device_id and end_user_id are automatically "
    "populated from the token. Needs a device token (--device-token) against a real target.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def create_device_token(s: Session) -> None:
    token = device_token(s)
    first = await created(s, {"name": "tapecheck: device token"}, auth=token)
    again = await create(s, {"name": "tapecheck: device token, again"}, auth=token)
    same = {"device_id": first["device_id"], "end_user_id": first["end_user_id"]}
    expect_ok(s, again, CREATE, 201, status="pending", **same)
    expect_ok(s, await get(s, first["id"], auth=token), GET, 200, id=first["id"], **same)


@requirement(
    V,
    "BOTA-DEVICE-TOKEN-IDS-FORBIDDEN",
    title="A device token with device_id or end_user_id in the body is refused: 400 invalid_request",
    source=f'{SEED}: with a device token the ids come from the token and "should NOT be included '
    f'in the request"; {CODES}. Needs a device token (--device-token) against a real target.',
    checks=ERROR_CHECKS,
)
async def device_token_ids_forbidden(s: Session) -> None:
    token = device_token(s)
    named = {"device_id": "dev_tapecheck_other", "end_user_id": "eu_tapecheck_other"}
    for body in ({"device_id": named["device_id"]}, {"end_user_id": named["end_user_id"]}, named):
        expect_error(s, await create(s, body, auth=token), CREATE, INVALID)


@requirement(
    V,
    "BOTA-SECRET-KEY-IDS-REQUIRED",
    title="A secret key without device_id or end_user_id is refused: 400 invalid_request",
    source=f"{SEED}: with a secret key, device_id and end_user_id are required in the request "
    f"body; {CODES}.",
    checks=ERROR_CHECKS,
)
async def secret_key_ids_required(s: Session) -> None:
    both = ids(s)
    for body in (
        {"device_id": both["device_id"]},
        {"end_user_id": both["end_user_id"]},
        {"name": "tapecheck: no ids"},
    ):
        expect_error(s, await create(s, body), CREATE, INVALID)


@requirement(
    V,
    "BOTA-ID-PREFIXES",
    title="A device_id not dev_* or an end_user_id not eu_* is refused: 400 invalid_request",
    source=f"{DOCS}: ID prefixes dev_* device, eu_* end user; {CODES}.",
    checks=ERROR_CHECKS,
)
async def id_prefixes(s: Session) -> None:
    both = ids(s)
    for body in (
        {**both, "device_id": "device_tapecheck"},
        {**both, "end_user_id": "user_tapecheck"},
        {"device_id": both["end_user_id"], "end_user_id": both["device_id"]},
    ):
        expect_error(s, await create(s, body), CREATE, INVALID)


@requirement(
    V,
    "BOTA-ENDED-BEFORE-STARTED",
    title="ended_at before started_at is refused (400); equal or later instants are accepted",
    source=f"{SEED}: started_at and ended_at are ISO 8601 timestamps of the recording's start and "
    f"end; BOT003 compares instants. {CODES}.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def ended_before_started(s: Session) -> None:
    base = ids(s)
    for started, ended in (
        ("2024-01-15T14:30:00Z", "2024-01-15T14:29:59Z"),
        ("2024-01-15T14:30:00Z", "2024-01-15T15:00:00+02:00"),
    ):
        body = {**base, "started_at": started, "ended_at": ended}
        expect_error(s, await create(s, body), CREATE, INVALID)
    for started, ended in (
        ("2024-01-15T14:30:00Z", "2024-01-15T14:30:00Z"),
        ("2024-01-15T14:30:00+02:00", "2024-01-15T13:00:00Z"),
    ):
        await created(s, {"started_at": started, "ended_at": ended})


@requirement(
    V,
    "BOTA-CREATE-INVALID-FIELDS",
    title="A started_at or ended_at that is no date-time, a non-string name or non-object metadata is refused",
    source=f"{SEED}: name string, started_at/ended_at ISO 8601 timestamps, metadata an object of "
    f"key-value pairs; {CODES}.",
    checks=ERROR_CHECKS,
)
async def create_invalid_fields(s: Session) -> None:
    for field, value in (
        ("started_at", "yesterday"),
        ("ended_at", "2024-13-01T00:00:00Z"),
        ("name", 42),
        ("metadata", "source=tapecheck"),
        ("metadata", ["source", "tapecheck"]),
    ):
        expect_error(s, await create(s, {**ids(s), field: value}), CREATE, INVALID)


# -- idempotency -------------------------------------------------------------------------------


@requirement(
    V,
    "BOTA-IDEMPOTENCY-REPLAY",
    title="A create retried with the same Idempotency-Key and body answers the same recording",
    source=f"{DOCS}: optional header Idempotency-Key (a retry is safe: it makes nothing new).",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def idempotency_replay(s: Session) -> None:
    key = {"Idempotency-Key": f"tapecheck-{uuid.uuid4()}"}
    body = {**ids(s), "name": "tapecheck: idempotent"}
    first = expect_ok(s, await create(s, body, headers=key), CREATE, 201)
    for _ in range(2):
        replay = await create(s, body, headers=key)
        expect_ok(s, replay, CREATE, {200, 201}, id=first["id"])


@requirement(
    V,
    "BOTA-IDEMPOTENCY-CONFLICT",
    title="An Idempotency-Key reused with another body is refused (409 resource_already_exists)",
    source=f"{MOCKS}: reusing an Idempotency-Key with another body gets 409 "
    "resource_already_exists. 400 invalid_request is the other reasonable reading; neither "
    f"may answer the first recording or make a new one. {CODES}.",
    checks=ERROR_CHECKS,
)
async def idempotency_conflict(s: Session) -> None:
    key = {"Idempotency-Key": f"tapecheck-{uuid.uuid4()}"}
    expect_ok(s, await create(s, {**ids(s), "name": "first"}, headers=key), CREATE, 201)
    other = await create(s, {**ids(s), "name": "second"}, headers=key)
    expect_error(s, other, CREATE, KEY_REUSED)


# -- the upload flow ---------------------------------------------------------------------------


@requirement(
    V,
    "BOTA-UPLOAD-URL",
    title="upload-url answers {media_id, upload_url, expires_at, headers} and adds a pending media",
    source=f"{DOCS}: POST /recordings/{{id}}/upload-url with {{type, content_type, "
    "file_size_bytes, captured_at}} answers {media_id, upload_url, expires_at, headers}; "
    f"{SEED}: media[] entries (med_*, status pending|uploaded). CONTRACT.md: 200 or 201.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def upload_url_answer(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-url"})
    content = s.media.audio_bytes("wav")
    answer = expect_ok(
        s, await upload_url(s, recording["id"], wav_request(content)), UPLOAD_URL, UPLOAD_URL_OK
    )
    response = await get(s, recording["id"])
    body = expect_ok(s, response, GET, 200, status="pending")
    media = [m for m in body["media"] if m.get("id") == answer["media_id"]]
    expected = {"type": "audio", "mime_type": "audio/wav", "status": "pending"}
    if len(media) != 1 or any(media[0].get(k) != v for k, v in expected.items()):
        s.fail(
            "bota_recording_fields",
            "No pending media for the upload URL",
            f"expected one media {answer['media_id']} with {expected}; media: {body['media']}",
            response,
        )
    default = await upload_url(s, recording["id"], {})
    expect_ok(s, default, UPLOAD_URL, UPLOAD_URL_OK)


@requirement(
    V,
    "BOTA-UPLOAD-URL-INVALID",
    title="upload-url refuses a content_type or type outside the documented ones: 400",
    source=f"{DOCS}: type audio|image|video; audio types audio/opus, audio/wav, audio/mpeg, "
    f"audio/mp4, audio/webm, audio/ogg, audio/flac; images image/jpeg, image/png; video "
    f"video/mp4. {CODES}.",
    checks=ERROR_CHECKS,
)
async def upload_url_invalid(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-url invalid"})
    for body in (
        {"type": "audio", "content_type": "text/plain"},
        {"type": "audio", "content_type": "application/pdf"},
        {"type": "document", "content_type": "audio/wav"},
        {"type": "audio", "content_type": "audio/wav", "file_size_bytes": "large"},
    ):
        response = await upload_url(s, recording["id"], body)
        expect_error(s, response, UPLOAD_URL, INVALID)


@requirement(
    V,
    "BOTA-UPLOAD-COMPLETE",
    title="After the PUT, upload-complete answers 200 with the recording and its media uploaded",
    source=f"{DOCS}: POST /recordings/{{id}}/upload-complete moves pending to uploaded; status "
    f"pending -> uploaded -> processing -> completed|failed. {SEED}: duration_ms in "
    "milliseconds, null until audio is uploaded.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def upload_complete(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-complete"})
    answer = await with_audio(s, recording["id"])
    response = await complete(s, recording["id"])
    body = expect_ok(s, response, UPLOAD_COMPLETE, 200, id=recording["id"], status="uploaded")
    media = {m.get("id"): m for m in body["media"]}
    if media.get(answer["media_id"], {}).get("status") != "uploaded":
        s.fail(
            "bota_recording_fields",
            "Media not uploaded",
            f"media {answer['media_id']} after upload-complete: {media.get(answer['media_id'])}",
            response,
        )
    duration = body.get("duration_ms")
    if duration is not None and not 900 <= duration <= 1100:
        s.fail(
            "bota_recording_fields",
            "Wrong duration_ms",
            f"one second of audio, duration_ms {duration!r}",
            response,
        )
    later = await get(s, recording["id"])
    status = expect_ok(s, later, GET, 200).get("status")
    if status not in AFTER_UPLOAD:
        s.fail(
            "bota_recording_fields",
            "Status went back",
            f"after upload-complete the recording is {status!r}, not one of {sorted(AFTER_UPLOAD)}",
            later,
        )


@requirement(
    V,
    "BOTA-UPLOAD-COMPLETE-NOT-PENDING",
    title="upload-complete on a recording that is no longer pending is refused: 400 invalid_request",
    source=f"{DOCS}: upload-complete answers 400 when the recording is not pending; {CODES}.",
    checks=ERROR_CHECKS,
)
async def upload_complete_not_pending(s: Session) -> None:
    done = await uploaded(s, {"name": "tapecheck: completed twice"})
    expect_error(s, await complete(s, done["id"]), UPLOAD_COMPLETE, INVALID)


# -- reading ---------------------------------------------------------------------------------


@requirement(
    V,
    "BOTA-GET",
    title="GET /recordings/{id} answers the recording as created",
    source=f"{DOCS}: GET /recordings/{{id}}; {SEED}: the recording object.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def get_recording(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: get", "metadata": {"k": "v"}})
    same = {k: recording[k] for k in ("id", "device_id", "end_user_id", "name", "metadata")}
    expect_ok(s, await get(s, recording["id"]), GET, 200, status="pending", **same)


@requirement(
    V,
    "BOTA-NOT-FOUND",
    title="An unknown recording id is 404 not_found on get, upload-url and upload-complete",
    source=f"{DOCS}: GET /recordings/{{id}}, upload-url, upload-complete; {CODES}.",
    checks=ERROR_CHECKS,
)
async def not_found(s: Session) -> None:
    expect_error(s, await get(s, UNKNOWN), GET, NOT_FOUND)
    response = await upload_url(s, UNKNOWN, wav_request(b"\0" * 100))
    expect_error(s, response, UPLOAD_URL, NOT_FOUND)
    expect_error(s, await complete(s, UNKNOWN), UPLOAD_COMPLETE, NOT_FOUND)


@requirement(
    V,
    "BOTA-LIST",
    title="GET /recordings answers {data, has_more} and honours device_id, status and created_after",
    source=f"{DOCS}: GET /recordings with filters device_id, end_user_id, status, created_after, "
    "created_before, limit, offset, answering {data, has_more}.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def list_filters(s: Session) -> None:
    marker = await created(s, {"name": "tapecheck: list marker"})
    pending = await created(s, {"name": "tapecheck: list pending"})
    done = await uploaded(s, {"name": "tapecheck: list uploaded"})
    since = {"device_id": ids(s)["device_id"], "created_after": marker["created_at"]}
    # A target that keeps whole seconds may stamp two recordings alike; only what is strictly
    # after (or before) in its own created_at is held to the filter.
    ours = {r["id"] for r in (pending, done) if later(r, marker)}
    before_done = {pending["id"]} if later(done, pending) else set()
    expectations: list[tuple[dict[str, Any], set[str], set[str]]] = [
        (since, ours, set()),
        ({**since, "status": "pending"}, ours - {done["id"]}, {done["id"]}),
        ({**since, "status": "uploaded"}, ours - {pending["id"]}, {pending["id"]}),
        ({**since, "end_user_id": ids(s)["end_user_id"]}, ours, set()),
        ({**since, "created_after": done["created_at"]}, set(), before_done),
    ]
    for query, wanted, unwanted in expectations:
        response = await listing(s, {**query, "limit": 100})
        items = expect_ok(s, response, LIST)["data"]
        found = {item.get("id") for item in items}
        wrong = {item.get("id") for item in items if not matches(item, query)}
        if wanted - found or unwanted & found or wrong:
            s.fail(
                "bota_recording_fields",
                "The filters are not honoured",
                f"{query}: missing {sorted(wanted - found)}, unexpected "
                f"{sorted((unwanted & found) | wrong)}",
                response,
            )


@requirement(
    V,
    "BOTA-LIST-PAGING",
    title="limit (default 10) and offset page the list; has_more says whether more follow",
    source=f"{DOCS}: GET /recordings with limit and offset answers {{data, has_more}}; "
    f"{MOCKS}: limit 1 to 100, default 10, offset from 0 (specs/bota.yaml: limit default 10).",
    checks=SUCCESS_CHECKS,
)
async def list_paging(s: Session) -> None:
    marker = await created(s, {"name": "tapecheck: paging marker"})
    for index in range(PAGE_COUNT):
        await created(s, {"name": f"tapecheck: page item {index}"})
    query = {"device_id": ids(s)["device_id"], "created_after": marker["created_at"]}
    # Our 11 recordings follow the marker (fewer where the target stamps whole seconds).
    everything = [item["id"] for item in await every(s, query)]
    response = await listing(s, query)
    body = expect_ok(s, response, LIST)
    default = min(10, len(everything))
    if len(body["data"]) != default or body["has_more"] is not (len(everything) > 10):
        s.fail(
            "bota_recording_fields",
            "The default page is not 10",
            f"{len(everything)} match; without limit: {len(body['data'])} items, "
            f"has_more {body['has_more']!r}",
            response,
        )
    seen: list[str] = []
    for offset in range(0, len(everything), 5):
        response = await listing(s, {**query, "limit": 5, "offset": offset})
        page = expect_ok(s, response, LIST)
        more = offset + 5 < len(everything)
        if len(page["data"]) != min(5, len(everything) - offset) or page["has_more"] is not more:
            s.fail(
                "bota_recording_fields",
                "Wrong page",
                f"{len(everything)} match; limit 5 offset {offset}: {len(page['data'])} items, "
                f"has_more {page['has_more']!r}",
                response,
            )
        seen += [item["id"] for item in page["data"]]
    if sorted(seen) != sorted(everything):
        s.fail(
            "bota_recording_fields",
            "Pages overlap or miss recordings",
            f"pages of 5 gave {len(seen)} ids ({len(set(seen))} distinct) for {len(everything)}",
        )


@requirement(
    V,
    "BOTA-LIST-LIMIT-BOUNDS",
    title="limit outside 1..100 or not an integer, or a negative offset, is refused: 400 invalid_request",
    source=f"{MOCKS}: GET /recordings limit 1 to 100, offset from 0, anything else 400 "
    f"invalid_request (specs/bota.yaml: limit minimum 1, maximum 100; offset minimum 0). {CODES}.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def list_limit_bounds(s: Session) -> None:
    for query in (
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "1.5"},
        {"offset": -1},
        {"offset": "abc"},
    ):
        expect_error(s, await listing(s, query), LIST, INVALID)
    for limit in (1, 100):
        expect_ok(s, await listing(s, {"limit": limit}), LIST)


# -- credentials and isolation -----------------------------------------------------------------


@requirement(
    V,
    "BOTA-AUTH-MISSING",
    title="Every operation without a credential is refused: 401 unauthorized",
    source=f"{DOCS}: every credential travels as Authorization: Bearer; {CODES}.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused_everywhere(s, "none")


@requirement(
    V,
    "BOTA-AUTH-WRONG",
    title="Every operation with a wrong key, or the key in another scheme, is refused: 401",
    source=f"{DOCS}: secret keys sk_live_*/sk_test_*, restricted keys rk_*, device tokens dtok_*, "
    f"all as Authorization: Bearer; {CODES}.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused_everywhere(s, "wrong")
    await refused_everywhere(s, "sk_test_tapecheck0wrong0key")
    basic = {"Authorization": f"Basic {s.credentials.token}"}
    response = await s.call(LIST, auth="none", headers=basic)
    expect_error(s, response, LIST, UNAUTHORIZED)


async def refused_everywhere(s: Session, auth: Auth) -> None:
    recording = await created(s, {"name": "tapecheck: refused"})
    expect_error(s, await create(s, ids(s), auth=auth), CREATE, UNAUTHORIZED)
    expect_error(s, await listing(s, auth=auth), LIST, UNAUTHORIZED)
    expect_error(s, await get(s, recording["id"], auth=auth), GET, UNAUTHORIZED)
    response = await upload_url(s, recording["id"], wav_request(b"\0" * 100), auth=auth)
    expect_error(s, response, UPLOAD_URL, UNAUTHORIZED)
    expect_error(s, await complete(s, recording["id"], auth=auth), UPLOAD_COMPLETE, UNAUTHORIZED)


async def out_of_reach(s: Session, recording: Mapping[str, Any], auth: Auth) -> None:
    """``auth`` cannot read, extend, complete or list ``recording`` (403 or 404)."""
    rid = recording["id"]
    expect_error(s, await get(s, rid, auth=auth), GET, OTHER_TENANT)
    response = await upload_url(s, rid, wav_request(b"\0" * 100), auth=auth)
    expect_error(s, response, UPLOAD_URL, OTHER_TENANT)
    expect_error(s, await complete(s, rid, auth=auth), UPLOAD_COMPLETE, OTHER_TENANT)
    response = await listing(s, {"limit": 100}, auth=auth)
    found = {item.get("id") for item in expect_ok(s, response, LIST)["data"]}
    if rid in found:
        s.fail("status_code_expected", "Listed to another credential", f"{rid} is listed", response)


@requirement(
    V,
    "BOTA-DEVICE-ISOLATION",
    title="A device token cannot see or change another device's recording (404), nor list it",
    source=f"{SEED}: a device token is bound to its device and end user. CONTRACT.md: 403 or 404 "
    f"for another's resource; {CODES}. Needs a device token (--device-token) whose device is not "
    "--param device_id.",
    checks=(*ERROR_CHECKS, "bota_error_shape", "response_schema_conformance"),
)
async def device_isolation(s: Session) -> None:
    token = device_token(s)
    mine = await created(s, {"name": "tapecheck: this device"}, auth=token)
    theirs = await created(s, {"name": "tapecheck: another device"})
    if theirs["device_id"] == mine["device_id"]:
        raise RequirementSkipped(
            "--param device_id is the device token's own device; name another device to decide this"
        )
    await out_of_reach(s, theirs, token)
    response = await listing(s, {"limit": 100}, auth=token)
    others = [
        i.get("id")
        for i in expect_ok(s, response, LIST)["data"]
        if i.get("device_id") != mine["device_id"]
    ]
    if others:
        s.fail("status_code_expected", "Another device's recordings listed", str(others), response)


@requirement(
    V,
    "BOTA-PROJECT-ISOLATION",
    title="Another project's secret key cannot see or change this project's recording",
    source="VENDORS.md: secret keys belong to a project (sk_live_*/sk_test_*). CONTRACT.md: 403 "
    "or 404 for another tenant's resource. Needs another project's key: --param other_token= "
    "against a real target.",
    checks=(*ERROR_CHECKS, "bota_error_shape", "response_schema_conformance"),
)
async def project_isolation(s: Session) -> None:
    other = s.credentials.other_token
    if other is None:
        raise RequirementSkipped("needs another project's secret key: --param other_token=...")
    ours = await created(s, {"name": "tapecheck: this project"})
    await out_of_reach(s, ours, other)


# -- the API's manners ---------------------------------------------------------------------------


@requirement(
    V,
    "BOTA-RATE-LIMIT-HEADERS",
    title="Answers carry X-RateLimit-Limit/-Remaining/-Reset, errors included; Remaining decreases",
    source=f"{DOCS}: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset; {MOCKS}: the "
    "headers on every response. Required on every answer to a valid credential (successes, 400, "
    "404, 409); an unauthenticated request has no budget of its own, so a 401 may go without.",
    checks=("bota_rate_limit_headers",),
)
async def rate_limit_headers(s: Session) -> None:
    key = {"Idempotency-Key": f"tapecheck-{uuid.uuid4()}"}
    recording = await created(s, {"name": "tapecheck: rate limit"})
    answers = [
        await create(s, {**ids(s), "name": "a"}, headers=key),
        await get(s, recording["id"]),
        await listing(s),
        await upload_url(s, recording["id"], wav_request(b"\0" * 100)),
        await create(s, {"name": "tapecheck: no ids"}),
        await get(s, UNKNOWN),
        await create(s, {**ids(s), "name": "b"}, headers=key),
    ]
    for response in answers:
        s.expect(response, "bota_rate_limit_headers")
    budgets = [await listing(s) for _ in range(3)]
    for before, after in itertools.pairwise(budgets):
        s.expect(after, "bota_rate_limit_headers")
        a, b = rate_limit(before), rate_limit(after)
        if a is None or b is None:
            continue
        renewed = b["X-RateLimit-Reset"] > a["X-RateLimit-Reset"]
        if b["X-RateLimit-Remaining"] >= a["X-RateLimit-Remaining"] and not renewed:
            s.fail(
                "bota_rate_limit_headers",
                "X-RateLimit-Remaining does not decrease",
                f"{a['X-RateLimit-Remaining']} then {b['X-RateLimit-Remaining']} in the same "
                f"window (X-RateLimit-Reset {a['X-RateLimit-Reset']})",
                after,
            )


@requirement(
    V,
    "BOTA-ERROR-BODY",
    title="Errors are JSON {error: {code, message}} with the code the docs give the status",
    source=f"{CODES}.",
    checks=("json_content_type", *ERROR_CHECKS),
)
async def error_body(s: Session) -> None:
    key = {"Idempotency-Key": f"tapecheck-{uuid.uuid4()}"}
    await created(s, {"name": "tapecheck: error body"})
    expect_ok(s, await create(s, {**ids(s), "name": "first"}, headers=key), CREATE, 201)
    for response, operation_id, statuses in (
        (await create(s, {"name": "no ids"}), CREATE, INVALID),
        (await listing(s, auth="none"), LIST, UNAUTHORIZED),
        (await get(s, UNKNOWN), GET, NOT_FOUND),
        (await create(s, {**ids(s), "name": "second"}, headers=key), CREATE, KEY_REUSED),
    ):
        s.expect(response, "json_content_type")
        expect_error(s, response, operation_id, statuses)
        message = response.json().get("error", {}).get("message")
        if not isinstance(message, str) or not message.strip():
            s.fail("error_body_shape", "Empty error message", repr(response.json()), response)
