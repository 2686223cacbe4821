"""Bota's ``Idempotency-Key``: a retry answers the same recording; another body is refused."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    CREATE,
    ERROR_CHECKS,
    KEY_REUSED,
    SUCCESS_CHECKS,
    V,
    create,
    expect_error,
    expect_ok,
    idempotency_key,
    ids,
)

__all__ = ["idempotency_conflict", "idempotency_replay"]


@requirement(
    V,
    "BOTA-IDEMPOTENCY-REPLAY",
    title="A create retried with the same Idempotency-Key and body answers the same recording",
    level="must",
    source="Bota's API reference: the optional Idempotency-Key header makes a retried create safe: "
    "the same key and body answer the same recording.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def idempotency_replay(s: Session) -> None:
    key = idempotency_key()
    body = {**ids(s), "name": "tapecheck: idempotent"}
    first = expect_ok(s, await create(s, body, headers=key), CREATE, 201)
    for _ in range(2):
        replay = await create(s, body, headers=key)
        expect_ok(s, replay, CREATE, {200, 201}, id=first["id"])


@requirement(
    V,
    "BOTA-IDEMPOTENCY-CONFLICT",
    title="An Idempotency-Key reused with another body is refused (409 resource_already_exists)",
    level="should",
    source="Bota's docs do not say what a reused Idempotency-Key with another body gets; a "
    "reasonable expectation: 409 resource_already_exists or 400 invalid_request, never the "
    "first recording or a new one.",
    checks=ERROR_CHECKS,
)
async def idempotency_conflict(s: Session) -> None:
    key = idempotency_key()
    expect_ok(s, await create(s, {**ids(s), "name": "first"}, headers=key), CREATE, 201)
    other = await create(s, {**ids(s), "name": "second"}, headers=key)
    expect_error(s, other, CREATE, KEY_REUSED)
