"""Bota's ``Idempotency-Key``: a retry answers the same recording; another body is refused."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    CODES,
    CREATE,
    DOCS,
    ERROR_CHECKS,
    KEY_REUSED,
    MOCKS,
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
    source=f"{DOCS}: optional header Idempotency-Key (a retry is safe: it makes nothing new).",
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
    source=f"{MOCKS}: reusing an Idempotency-Key with another body gets 409 "
    "resource_already_exists. 400 invalid_request is the other reasonable reading; neither "
    f"may answer the first recording or make a new one. {CODES}.",
    checks=ERROR_CHECKS,
)
async def idempotency_conflict(s: Session) -> None:
    key = idempotency_key()
    expect_ok(s, await create(s, {**ids(s), "name": "first"}, headers=key), CREATE, 201)
    other = await create(s, {**ids(s), "name": "second"}, headers=key)
    expect_error(s, other, CREATE, KEY_REUSED)
