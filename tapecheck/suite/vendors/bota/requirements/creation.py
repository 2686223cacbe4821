"""Bota's recordings as created: by a secret key or a device token, their ids, times and fields."""

from __future__ import annotations

import httpx

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    CREATE,
    DEFAULT_WINDOW,
    ERROR_CHECKS,
    GET,
    INVALID,
    SUCCESS_CHECKS,
    V,
    create,
    created,
    device_token,
    expect_error,
    expect_ok,
    get,
    ids,
    instant,
)

__all__ = [
    "create_defaults",
    "create_device_token",
    "create_invalid_fields",
    "create_secret_key",
    "device_token_ids_forbidden",
    "ended_before_started",
    "expect_instant",
    "id_prefixes",
    "secret_key_ids_required",
]


def expect_instant(s: Session, response: httpx.Response, name: str, expected: str) -> None:
    found = instant(response.json().get(name))
    if found != instant(expected):
        s.fail(
            "bota_recording_fields",
            f"Wrong `{name}`",
            f"sent {expected!r}, got {response.json().get(name)!r}",
            response,
        )


@requirement(
    V,
    "BOTA-CREATE-SECRET-KEY",
    title="A secret key creates a recording for the device and end user it names: 201, pending",
    level="must",
    source='Bota API reference, "Create a new recording": with a secret key, device_id and '
    "end_user_id in the request body; the recording's id is rec_*, status pending "
    '("Recording created, awaiting audio upload"), media "Empty until uploaded", '
    'duration_ms "null until audio is uploaded", transcription_id null. Bota\'s API '
    "reference: answers 201.",
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
    level="should",
    source="Bota's docs do not say what an omitted name, started_at or ended_at becomes; a "
    "reasonable expectation: a string name, a start at the creation time, an end at the "
    "start (within 60 s), metadata an object.",
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
    level="must",
    source='Bota API reference, "Create a new recording": with a device token (dtok_*) device_id '
    'and end_user_id are "automatically populated from the token". Needs a device token '
    "(--device-token) against a real target.",
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
    level="should",
    source='Bota API reference, "Create a new recording": with a device token the ids are taken '
    'from the token and "should NOT be included in the request"; the docs do not say the '
    "server refuses them. A reasonable expectation: 400 invalid_request. Needs "
    "--device-token against a real target.",
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
    level="must",
    source='Bota API reference, "Create a new recording": with a secret key, device_id and '
    "end_user_id go in the request body; Bota's API reference: errors are {error: {code, "
    "message, details?}} with the codes invalid_request (400), unauthorized (401), "
    "not_found (404), resource_already_exists (409).",
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
    level="should",
    source="Bota's API reference gives the id prefixes dev_* (device) and eu_* (end user) but not "
    "what a wrong prefix gets; a reasonable expectation: 400 invalid_request.",
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
    level="should",
    source="Bota's docs give started_at and ended_at as the recording's start and end but do not "
    "say that an end before the start is refused; a reasonable expectation: 400, while "
    "equal or later instants are accepted.",
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
    level="must",
    source='Bota API reference, "Create a new recording": name string, started_at and ended_at ISO '
    '8601 timestamps, metadata "Arbitrary key-value metadata" (object); Bota\'s API '
    "reference: errors are {error: {code, message, details?}} with the codes "
    "invalid_request (400), unauthorized (401), not_found (404), resource_already_exists "
    "(409).",
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
