"""Corti's error body: ``ErrorResponse`` JSON whose ``status`` is the HTTP status."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED, INVALID, NOT_FOUND
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    ERROR_CHECKS,
    GET,
    GONE,
    LIST,
    V,
    call_refused,
    create_refused,
    encounter,
    interaction,
    random_id,
)

__all__ = ["error_body"]


@requirement(
    V,
    "CORTI-ERROR-BODY",
    title="Errors are ErrorResponse JSON (requestid, status, type, detail) with status = the HTTP status",
    level="must",
    source='Corti API reference, "Upload Recording": responses 400, 403, 500 and 504 are '
    "application/json ErrorResponse (required: requestid, status, type, detail), described "
    'as "RFC9457", whose status member is the HTTP status.',
    checks=("json_content_type", *ERROR_CHECKS),
)
async def error_body(s: Session) -> None:
    await create_refused(s, INVALID, json={})
    await create_refused(s, AUTH_REFUSED, json=encounter(), auth="wrong")
    unknown = await call_refused(s, LIST, GONE, path={"id": random_id()})
    async with interaction(s) as handle:
        path = {"id": handle.id, "recordingId": random_id()}
        missing = await call_refused(s, GET, NOT_FOUND, path=path)
        for response in (missing, unknown):
            s.expect(response, "json_content_type")
            body = response.json()
            if (
                not str(body.get("requestid", "")).strip()
                or not str(body.get("detail", "")).strip()
            ):
                s.fail(
                    "error_body_shape",
                    "Empty error members",
                    f"requestid and detail must say something: {body!r}",
                    response,
                )
