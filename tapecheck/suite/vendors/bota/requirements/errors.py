"""Bota's error body: ``{error: {code, message}}`` with the code the docs give the status."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    CREATE,
    ERROR_CHECKS,
    GET,
    INVALID,
    KEY_REUSED,
    LIST,
    NOT_FOUND,
    UNAUTHORIZED,
    UNKNOWN,
    V,
    create,
    created,
    expect_error,
    expect_ok,
    get,
    idempotency_key,
    ids,
    listing,
)

__all__ = ["error_body"]


@requirement(
    V,
    "BOTA-ERROR-BODY",
    title="Errors are JSON {error: {code, message}} with the code the docs give the status",
    level="must",
    source="Bota's API reference: errors are {error: {code, message, details?}} with the codes "
    "invalid_request (400), unauthorized (401), not_found (404), resource_already_exists "
    "(409).",
    checks=("json_content_type", *ERROR_CHECKS),
)
async def error_body(s: Session) -> None:
    key = idempotency_key()
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
