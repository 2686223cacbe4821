"""Bota's credentials: missing or wrong keys, and what one device or project cannot reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tapecheck.suite.conform.common import OTHER_TENANT
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    CREATE,
    ERROR_CHECKS,
    LIST,
    UNAUTHORIZED,
    V,
    create,
    created,
    device_token,
    expect_error,
    expect_ok,
    ids,
    listing,
    refused_on_recording,
)

__all__ = [
    "auth_missing",
    "auth_wrong",
    "device_isolation",
    "out_of_reach",
    "project_isolation",
    "refused_everywhere",
]


@requirement(
    V,
    "BOTA-AUTH-MISSING",
    title="Every operation without a credential is refused: 401 unauthorized",
    level="must",
    source="Bota's API reference: every credential travels as Authorization: Bearer; Bota's API "
    "reference: errors are {error: {code, message, details?}} with the codes "
    "invalid_request (400), unauthorized (401), not_found (404), resource_already_exists "
    "(409).",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused_everywhere(s, "none")


@requirement(
    V,
    "BOTA-AUTH-WRONG",
    title="Every operation with a wrong key, or the key in another scheme, is refused: 401",
    level="must",
    source="Bota's API reference: secret keys sk_live_*/sk_test_*, restricted keys rk_*, device "
    "tokens dtok_*, all as Authorization: Bearer; Bota's API reference: errors are {error: "
    "{code, message, details?}} with the codes invalid_request (400), unauthorized (401), "
    "not_found (404), resource_already_exists (409).",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused_everywhere(s, "wrong")
    await refused_everywhere(s, "sk_test_tapecheck0wrong0key")
    basic = {"Authorization": f"Basic {s.credentials.token}"}
    response = await s.call(LIST, auth="none", headers=basic)
    expect_error(s, response, LIST, UNAUTHORIZED)


async def refused_everywhere(s: Session, auth: Auth) -> None:
    """``auth`` is refused (401) on every operation: create, list, and a recording's own."""
    recording = await created(s, {"name": "tapecheck: refused"})
    expect_error(s, await create(s, ids(s), auth=auth), CREATE, UNAUTHORIZED)
    expect_error(s, await listing(s, auth=auth), LIST, UNAUTHORIZED)
    await refused_on_recording(s, recording["id"], UNAUTHORIZED, auth=auth)


async def out_of_reach(s: Session, recording: Mapping[str, Any], auth: Auth) -> None:
    """``auth`` cannot read, extend, complete or list ``recording`` (403 or 404)."""
    rid = recording["id"]
    await refused_on_recording(s, rid, OTHER_TENANT, auth=auth)
    response = await listing(s, {"limit": 100}, auth=auth)
    found = {item.get("id") for item in expect_ok(s, response, LIST)["data"]}
    if rid in found:
        s.fail("status_code_expected", "Listed to another credential", f"{rid} is listed", response)


@requirement(
    V,
    "BOTA-DEVICE-ISOLATION",
    title="A device token cannot see or change another device's recording (404), nor list it",
    level="should",
    source="Bota's docs bind a device token to its device and end user but do not say what "
    "another's recording gets; a reasonable expectation: 403 or 404. Needs a device token "
    "(--device-token) whose device is not --param device_id.",
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
    level="should",
    source="Bota's docs do not say what another project's key gets for a recording; a reasonable "
    "expectation: 403 or 404. Needs another project's key: --param other_token= against a "
    "real target.",
    checks=(*ERROR_CHECKS, "bota_error_shape", "response_schema_conformance"),
)
async def project_isolation(s: Session) -> None:
    other = s.credentials.other_token
    if other is None:
        raise RequirementSkipped("needs another project's secret key: --param other_token=...")
    ours = await created(s, {"name": "tapecheck: this project"})
    await out_of_reach(s, ours, other)
