"""Corti's interactions: created empty, validated, deleted with their recordings, ids as UUIDs."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, expect_success
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    DELETE,
    DELETE_INTERACTION,
    ERROR_CHECKS,
    GET,
    GONE,
    LIST,
    MALFORMED_ID,
    NOT_UUIDS,
    UPLOAD,
    V,
    call_refused,
    create_refused,
    encounter,
    expect_error,
    interaction,
    listed,
    random_id,
    track,
    upload,
    upload_ok,
)

__all__ = [
    "ids_are_uuids",
    "interaction_created",
    "interaction_deleted",
    "interaction_invalid",
    "interaction_not_found",
]


@requirement(
    V,
    "CORTI-INTERACTION-CREATE-201",
    title="Creating an interaction answers 201 with its UUID and websocket URL; it starts empty",
    level="must",
    source="Corti's API reference (Interactions): POST /interactions/ answers 201 with "
    "interactionId (a UUID) and websocketUrl; GET /interactions/{id}/recordings/ answers "
    "200 {recordings: [...]}.",
    checks=("status_code_expected", "json_content_type", "response_schema_conformance"),
)
async def interaction_created(s: Session) -> None:
    async with interaction(s, own=True) as handle:
        ids, listing = await listed(s, handle.id)
        if ids:
            s.fail(
                "response_schema_conformance",
                "A new interaction has recordings",
                f"listed {ids!r}",
                listing,
            )


@requirement(
    V,
    "CORTI-INTERACTION-INVALID",
    title="An interaction without a valid encounter is refused as invalid",
    level="must",
    source="Corti's API reference (Interactions): the body's encounter {identifier, status, type} "
    "is required; status and type are enumerations. The docs name no status for invalid "
    "data: 400 or 422 passes.",
    checks=ERROR_CHECKS,
)
async def interaction_invalid(s: Session) -> None:
    valid = encounter()["encounter"]
    missing_identifier = {k: v for k, v in valid.items() if k != "identifier"}
    for body in (
        {},
        {"encounter": missing_identifier},
        encounter(status="open"),
        encounter(type="checkup"),
        {"encounter": "consultation"},
    ):
        await create_refused(s, INVALID, json=body)
    await create_refused(
        s, INVALID, headers={"Content-Type": "application/json"}, content=b'{"encounter": {'
    )


@requirement(
    V,
    "CORTI-INTERACTION-DELETE",
    title="Deleting an interaction answers 204; then it and its recordings are gone",
    level="must",
    source="Corti's API reference (Interactions): DELETE /interactions/{id} deletes an interaction "
    "and its recordings and answers 204. Afterwards it is unknown: 403 or 404 passes.",
    checks=("status_code_expected", *ERROR_CHECKS[1:]),
)
async def interaction_deleted(s: Session) -> None:
    async with interaction(s, own=True) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        response = await s.call(DELETE_INTERACTION, path={"id": handle.id})
        expect_success(s, response, DELETE_INTERACTION, json=False)
        ids = {"id": handle.id}
        await call_refused(s, LIST, GONE, path=ids)
        await call_refused(s, GET, GONE, path={**ids, "recordingId": recording})
        await call_refused(s, DELETE_INTERACTION, GONE, path=ids)
        late = await upload(s, handle.id, s.media.audio_bytes("wav"))
        track(handle, late)
        expect_error(s, late, UPLOAD, GONE)


@requirement(
    V,
    "CORTI-INTERACTION-NOT-FOUND",
    title="An unknown interaction is answered 403 or 404 by every operation",
    level="should",
    source="Corti's docs list 404 for an unknown recording but do not say what an unknown "
    "interaction gets; a reasonable expectation: 403 or 404, never a success.",
    checks=ERROR_CHECKS,
)
async def interaction_not_found(s: Session) -> None:
    ids = {"id": random_id()}
    await call_refused(s, LIST, GONE, path=ids)
    expect_error(s, await upload(s, ids["id"], s.media.audio_bytes("wav")), UPLOAD, GONE)
    await call_refused(s, GET, GONE, path={**ids, "recordingId": random_id()})
    await call_refused(s, DELETE_INTERACTION, GONE, path=ids)


@requirement(
    V,
    "CORTI-ID-UUID",
    title="A malformed interaction or recording id is refused (400, 404 or 422), never a 2xx or 5xx",
    level="must",
    source='Corti API reference, "Upload Recording", path parameter id: "The unique identifier of '
    'the interaction. Must be a valid UUID." The docs name no status: 400, 404 or 422 '
    "passes, never 2xx or 5xx.",
    checks=ERROR_CHECKS,
)
async def ids_are_uuids(s: Session) -> None:
    for bad in NOT_UUIDS:
        await call_refused(s, LIST, MALFORMED_ID, path={"id": bad})
        expect_error(s, await upload(s, bad, s.media.audio_bytes("wav")), UPLOAD, MALFORMED_ID)
        await call_refused(s, DELETE_INTERACTION, MALFORMED_ID, path={"id": bad})
    async with interaction(s) as handle:
        for bad in NOT_UUIDS:
            path = {"id": handle.id, "recordingId": bad}
            await call_refused(s, GET, MALFORMED_ID, path=path)
            await call_refused(s, DELETE, MALFORMED_ID, path=path)
