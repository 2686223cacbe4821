"""Corti's requirements: interactions, raw-audio recordings, their listing, download and deletion.

From the seed (``corti-upload-recording.md``), the spec (``specs/corti.yaml``)
and VENDORS.md. Every requirement makes fixed requests at the edges, so a
deviation is caught on every seed. A client creates an interaction before it
uploads, and every interaction a requirement creates is deleted when it ends
(pass or fail). ``--param interaction_id=<uuid>`` makes the requirements that
only need *an* interaction use that one instead (a sandbox where creating one
is costly); the recordings they upload to it are deleted again.

Statuses, where the docs leave room (CONTRACT.md section 3):

- A missing or wrong credential: 401 or 403. The seed lists 403 as its only
  refusal, but it does not say which status a missing token gets, and the
  contract's "401 or 403" applies.
- A missing ``Tenant-Name``: 400, 401 or 403. The header is required (a
  missing required header reads as a bad request) and it "ensures correct
  routing and authentication" (a refusal).
- An interaction the caller cannot see (unknown, deleted, another tenant's):
  403 or 404. The pages list 404 for unknown recordings; an unknown
  interaction cannot be told apart from another tenant's, for which the
  contract allows both.
- A malformed id: 400, 404 or 422. The docs say the id "must be a valid UUID"
  without a status; a malformed path parameter reads as invalid data (400,
  422) or as no such resource (404). Never 2xx, never 5xx.
- Every error is ``ErrorResponse`` (``requestid``, ``status``, ``type``,
  ``detail``) whose ``status`` is the HTTP status.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import tapecheck.suite.vendors.corti.checks  # noqa: F401  (registers Corti's checks)
from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.common import (
    AUTH_REFUSED,
    INVALID,
    NOT_FOUND,
    OTHER_TENANT,
    TOO_LARGE,
    WRONG_TYPE,
    expect_success,
)
from tapecheck.suite.conform.media import stream_file
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Auth, Session, TargetUnreachable

V = "corti"
CREATE = "create-interaction"
DELETE_INTERACTION = "delete-interaction"
UPLOAD = "upload"
LIST = "list-recordings"
GET = "get-recording"
DELETE = "delete-recording"
SEED = "Seed corti-upload-recording.md"
SPEC = "specs/corti.yaml"
OCTET_STREAM = "application/octet-stream"
TENANT_HEADER = "Tenant-Name"

#: An interaction the caller cannot see: unknown, deleted or another tenant's (see above).
GONE = OTHER_TENANT
#: A malformed interaction or recording id (see above).
MALFORMED_ID = INVALID | NOT_FOUND
#: A request under a Tenant-Name the token does not belong to.
FOREIGN_TENANT = AUTH_REFUSED | OTHER_TENANT
#: A missing or empty Tenant-Name.
NO_TENANT = AUTH_REFUSED | {400}

ERROR_CHECKS = ("status_code_expected", "error_body_shape", "corti_error_status_matches")
ERRORS = ", ".join(ERROR_CHECKS)
NOT_UUIDS = ("not-a-uuid", "12345", "f47ac10b-58cc-4372-a567-0e02b2c3d47z")


# -- helpers -------------------------------------------------------------------------


def expect_error(
    s: Session, response: httpx.Response, operation: str, statuses: Collection[int]
) -> None:
    """One of ``statuses``, with an ``ErrorResponse`` whose ``status`` is the HTTP status."""
    s.expect(response, *ERROR_CHECKS, operation=operation, status=statuses)


def _encounter(**changes: Any) -> dict[str, Any]:
    encounter: dict[str, Any] = {
        "identifier": f"tapecheck-{uuid.uuid4().hex[:12]}",
        "status": "planned",
        "type": "consultation",
        "title": "tapecheck conformance run",
    }
    encounter.update(changes)
    return {"encounter": encounter}


def _limits(s: Session) -> tuple[int, float]:
    """The upload's size and duration limits, from the spec's ``x-tapecheck.audio``."""
    audio = s.op(UPLOAD).audio or {}
    if "max-bytes" not in audio or "max-duration-s" not in audio:
        raise ValueError(f"{SPEC}: the upload operation has no max-bytes or max-duration-s")
    return int(audio["max-bytes"]), float(audio["max-duration-s"])


def _random_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Interaction:
    """An interaction the requirement works in, and the recordings it put there."""

    id: str
    own: bool
    recordings: list[str] = field(default_factory=list)


async def _cleanup(s: Session, operation: str, path: Mapping[str, str]) -> None:
    """Delete what a requirement made; never masks the requirement's own verdict."""
    with suppress(ConformanceFailure, TargetUnreachable, httpx.HTTPError):
        await s.call(operation, path=path)


async def _create(s: Session) -> str:
    response = await s.call(CREATE, json=_encounter())
    expect_success(s, response, CREATE)
    return str(response.json()["interactionId"])


@asynccontextmanager
async def interaction(s: Session, *, own: bool = False) -> AsyncIterator[Interaction]:
    """An interaction to work in: ``--param interaction_id`` unless ``own``, else a new one.

    A new one is deleted at the end; in a given one, the recordings uploaded
    through :func:`upload_ok` are deleted instead.
    """
    given = None if own else s.param("interaction_id")
    handle = Interaction(given, own=False) if given else Interaction(await _create(s), own=True)
    try:
        yield handle
    finally:
        if handle.own:
            await _cleanup(s, DELETE_INTERACTION, {"id": handle.id})
        else:
            for recording_id in handle.recordings:
                await _cleanup(s, DELETE, {"id": handle.id, "recordingId": recording_id})


async def upload(
    s: Session,
    interaction_id: str,
    content: Any,
    *,
    content_type: str | None = OCTET_STREAM,
    auth: Auth = "valid",
    tenant: str | None = None,
    headers: Mapping[str, str] | None = None,
    files: Any = None,
) -> httpx.Response:
    """POST a recording: raw bytes (or a stream) as ``application/octet-stream`` by default."""
    sent = {"Content-Type": content_type} if content_type is not None else {}
    sent.update(headers or {})
    return await s.call(
        UPLOAD,
        path={"id": interaction_id},
        content=content,
        files=files,
        headers=sent,
        auth=auth,
        tenant=tenant,
    )


def _track(handle: Interaction, response: httpx.Response) -> None:
    """Remember a recording the target created, even where it should have refused."""
    if response.is_success:
        with suppress(ValueError, KeyError, TypeError, AttributeError):
            handle.recordings.append(str(response.json()["recordingId"]))


async def upload_ok(s: Session, handle: Interaction, content: Any, **kw: Any) -> str:
    """Upload that must succeed: 201 ``{recordingId}``; the id, tracked for cleanup."""
    response = await upload(s, handle.id, content, **kw)
    _track(handle, response)
    expect_success(s, response, UPLOAD)
    return str(response.json()["recordingId"])


async def upload_refused(
    s: Session, handle: Interaction, content: Any, statuses: Collection[int], **kw: Any
) -> httpx.Response:
    response = await upload(s, handle.id, content, **kw)
    _track(handle, response)
    expect_error(s, response, UPLOAD, statuses)
    return response


async def _undo_create(s: Session, response: httpx.Response) -> None:
    """Delete an interaction that a request meant to be refused created all the same."""
    if response.is_success:
        with suppress(ValueError, KeyError, TypeError, AttributeError):
            created = str(response.json()["interactionId"])
            await _cleanup(s, DELETE_INTERACTION, {"id": created})


async def create_refused(
    s: Session, statuses: Collection[int], *, json: Any = None, **kw: Any
) -> None:
    """A create that must be refused; one that was not is deleted before the failure."""
    response = await s.call(CREATE, json=json, **kw)
    await _undo_create(s, response)
    expect_error(s, response, CREATE, statuses)


async def listed(s: Session, interaction_id: str) -> tuple[list[str], httpx.Response]:
    """The interaction's recording ids (lower case), and the response that listed them."""
    response = await s.call(LIST, path={"id": interaction_id})
    expect_success(s, response, LIST)
    return [str(r).lower() for r in response.json()["recordings"]], response


def _file_headers(path: Path) -> dict[str, str]:
    return {"Content-Length": str(path.stat().st_size)}


async def _one_byte_more(path: Path) -> AsyncIterator[bytes]:
    """A WAV's bytes with one more byte of audio data: its header still tells the truth."""
    first = True
    async for chunk in stream_file(path):
        if first:
            first = False
            head = bytearray(chunk)
            data = head.find(b"data", 12, 512)
            if head[:4] == b"RIFF" and data > 0:
                for offset in (4, data + 4):
                    (size,) = struct.unpack_from("<I", head, offset)
                    struct.pack_into("<I", head, offset, size + 1)
            chunk = bytes(head)
        yield chunk
    yield b"\x00"


async def _chunked(path: Path) -> AsyncIterator[bytes]:
    """A file's bytes with no Content-Length (chunked transfer encoding)."""
    async for chunk in _one_byte_more(path):
        yield chunk


# -- interactions ------------------------------------------------------------------------


@requirement(
    V,
    "CORTI-INTERACTION-CREATE-201",
    title="Creating an interaction answers 201 with its UUID and websocket URL; it starts empty",
    source=f"VENDORS.md, POST /interactions/: answers 201 {{interactionId: uuid, websocketUrl}}; "
    f"{SPEC}, InteractionsCreateResponse and RecordingsListResponse.",
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
    source=f"VENDORS.md: encounter {{identifier, status, type}} is required, status and type are "
    f"enums; {SPEC}, InteractionsCreateRequest. Invalid data: 400 or 422 (CONTRACT.md).",
    checks=ERROR_CHECKS,
)
async def interaction_invalid(s: Session) -> None:
    encounter = _encounter()["encounter"]
    missing_identifier = {k: v for k, v in encounter.items() if k != "identifier"}
    for body in (
        {},
        {"encounter": missing_identifier},
        _encounter(status="open"),
        _encounter(type="checkup"),
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
    source='VENDORS.md: "DELETE /interactions/{id} deletes an interaction and its recordings: 204". '
    "Afterwards the interaction is unknown: 403 or 404 (see the module notes).",
    checks=("status_code_expected", *ERROR_CHECKS[1:]),
)
async def interaction_deleted(s: Session) -> None:
    async with interaction(s, own=True) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        response = await s.call(DELETE_INTERACTION, path={"id": handle.id})
        expect_success(s, response, DELETE_INTERACTION, json=False)
        ids = {"id": handle.id}
        expect_error(s, await s.call(LIST, path=ids), LIST, GONE)
        got = await s.call(GET, path={**ids, "recordingId": recording})
        expect_error(s, got, GET, GONE)
        again = await s.call(DELETE_INTERACTION, path=ids)
        expect_error(s, again, DELETE_INTERACTION, GONE)
        late = await upload(s, handle.id, s.media.audio_bytes("wav"))
        _track(handle, late)
        expect_error(s, late, UPLOAD, GONE)


@requirement(
    V,
    "CORTI-INTERACTION-NOT-FOUND",
    title="An unknown interaction is answered 403 or 404 by every operation",
    source=f"{SPEC}, responses 404 on every operation naming an interaction (and the module notes).",
    checks=ERROR_CHECKS,
)
async def interaction_not_found(s: Session) -> None:
    ids = {"id": _random_id()}
    expect_error(s, await s.call(LIST, path=ids), LIST, GONE)
    expect_error(s, await upload(s, ids["id"], s.media.audio_bytes("wav")), UPLOAD, GONE)
    got = await s.call(GET, path={**ids, "recordingId": _random_id()})
    expect_error(s, got, GET, GONE)
    expect_error(s, await s.call(DELETE_INTERACTION, path=ids), DELETE_INTERACTION, GONE)


@requirement(
    V,
    "CORTI-ID-UUID",
    title="A malformed interaction or recording id is refused (400, 404 or 422), never a 2xx or 5xx",
    source=f'{SEED}, CommonInteractionId: "Must be a valid UUID"; recording ids are UUIDs too '
    f"({SPEC}, CommonRecordingId). The docs give no status: 400/422 (invalid data) or 404.",
    checks=ERROR_CHECKS,
)
async def ids_are_uuids(s: Session) -> None:
    for bad in NOT_UUIDS:
        expect_error(s, await s.call(LIST, path={"id": bad}), LIST, MALFORMED_ID)
        expect_error(s, await upload(s, bad, s.media.audio_bytes("wav")), UPLOAD, MALFORMED_ID)
        deleted = await s.call(DELETE_INTERACTION, path={"id": bad})
        expect_error(s, deleted, DELETE_INTERACTION, MALFORMED_ID)
    async with interaction(s) as handle:
        for bad in NOT_UUIDS:
            path = {"id": handle.id, "recordingId": bad}
            expect_error(s, await s.call(GET, path=path), GET, MALFORMED_ID)
            expect_error(s, await s.call(DELETE, path=path), DELETE, MALFORMED_ID)


# -- recordings ----------------------------------------------------------------------------


@requirement(
    V,
    "CORTI-UPLOAD-201",
    title="Raw audio sent as application/octet-stream is stored: 201 with a recordingId UUID",
    source=f'{SEED}: requestBody application/octet-stream; "201: Returns the recording ID" '
    "(RecordingsCreateResponse, recordingId: UUID).",
    checks=("status_code_expected", "json_content_type", "response_schema_conformance"),
)
async def upload_created(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_ok(s, handle, s.media.audio_bytes("wav"))
        await upload_ok(
            s,
            handle,
            stream_file(s.media.audio("mp3")),
            headers=_file_headers(s.media.audio("mp3")),
        )


@requirement(
    V,
    "CORTI-UPLOAD-FORMATS",
    title="Any common audio format is accepted (wav, mp3, aac, m4a, opus, ogg, flac, webm)",
    source="CONTRACT.md section 2, limits: Corti accepts any audio format (the seed names none).",
    checks=("status_code_expected", "response_schema_conformance"),
)
async def upload_formats(s: Session) -> None:
    async with interaction(s) as handle:
        for fmt in ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm"):
            await upload_ok(s, handle, s.media.audio_bytes(fmt))


@requirement(
    V,
    "CORTI-RECORDING-LIST",
    title="The interaction's recording list holds every uploaded recording, each id once",
    source='VENDORS.md: "GET /interactions/{id}/recordings/ answers 200 {recordings: [uuid, ...]}".',
    checks=("status_code_expected", "json_content_type", "response_schema_conformance"),
)
async def recordings_listed(s: Session) -> None:
    async with interaction(s) as handle:
        first = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        second = await upload_ok(s, handle, s.media.audio_bytes("mp3"))
        if first.lower() == second.lower():
            s.fail("response_schema_conformance", "Two uploads, one id", f"both are {first}")
        ids, listing = await listed(s, handle.id)
        for recording in (first, second):
            if ids.count(recording.lower()) != 1:
                s.fail(
                    "response_schema_conformance",
                    "Recording not listed once",
                    f"{recording} appears {ids.count(recording.lower())} times in {ids}",
                    listing,
                )


@requirement(
    V,
    "CORTI-RECORDING-GET",
    title="A recording downloads as the exact bytes that were uploaded",
    source='VENDORS.md: "GET /interactions/{id}/recordings/{recordingId} answers 200 with the '
    f'audio bytes"; {SPEC}, get-recording 200 (application/octet-stream, or text/plain as the '
    "vendor's page labels it).",
    checks=("status_code_expected", "corti_recording_media_type", "recording_bytes_equal"),
)
async def recording_downloaded(s: Session) -> None:
    async with interaction(s) as handle:
        for fmt in ("wav", "mp3"):
            sent = s.media.audio_bytes(fmt)
            recording = await upload_ok(s, handle, sent)
            response = await s.call(GET, path={"id": handle.id, "recordingId": recording})
            s.expect(
                response,
                "status_code_expected",
                "corti_recording_media_type",
                operation=GET,
                status=200,
            )
            if response.content != sent:
                s.fail(
                    "recording_bytes_equal",
                    "Downloaded audio differs from the upload",
                    f"uploaded {len(sent)} bytes of {fmt}, got {len(response.content)} bytes "
                    f"that {'start' if response.content[:64] == sent[:64] else 'do not start'} alike",
                    response,
                )


@requirement(
    V,
    "CORTI-RECORDING-DELETE",
    title="Deleting a recording answers 204; then it is 404 and no longer listed",
    source='VENDORS.md: "DELETE the same path answers 204"; "both answer 404 for an unknown id".',
    checks=("status_code_expected", *ERROR_CHECKS[1:], "response_schema_conformance"),
)
async def recording_deleted(s: Session) -> None:
    async with interaction(s) as handle:
        kept = await upload_ok(s, handle, s.media.audio_bytes("mp3"))
        doomed = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        path = {"id": handle.id, "recordingId": doomed}
        response = await s.call(DELETE, path=path)
        expect_success(s, response, DELETE, json=False)
        handle.recordings.remove(doomed)
        expect_error(s, await s.call(GET, path=path), GET, NOT_FOUND)
        expect_error(s, await s.call(DELETE, path=path), DELETE, NOT_FOUND)
        ids, listing = await listed(s, handle.id)
        if doomed.lower() in ids or kept.lower() not in ids:
            s.fail(
                "response_schema_conformance",
                "Wrong recordings listed after a delete",
                f"deleted {doomed}, kept {kept}; listed {ids}",
                listing,
            )
        still = await s.call(GET, path={"id": handle.id, "recordingId": kept})
        s.expect(still, "status_code_expected", operation=GET, status=200)


@requirement(
    V,
    "CORTI-RECORDING-NOT-FOUND",
    title="An unknown recording of a known interaction is 404 for download and delete",
    source='VENDORS.md: GET and DELETE of a recording "both answer 404 for an unknown id".',
    checks=ERROR_CHECKS,
)
async def recording_not_found(s: Session) -> None:
    async with interaction(s) as handle:
        path = {"id": handle.id, "recordingId": _random_id()}
        expect_error(s, await s.call(GET, path=path), GET, NOT_FOUND)
        expect_error(s, await s.call(DELETE, path=path), DELETE, NOT_FOUND)


# -- credentials and tenants ---------------------------------------------------------------


async def _refused_everywhere(
    s: Session, handle: Interaction, recording: str, statuses: Collection[int], **kw: Any
) -> None:
    """Every operation refuses the request's credentials; the data is left as it was."""
    await create_refused(s, statuses, json=_encounter(), **kw)
    ids = {"id": handle.id}
    rec = {**ids, "recordingId": recording}
    expect_error(s, await s.call(LIST, path=ids, **kw), LIST, statuses)
    expect_error(s, await s.call(GET, path=rec, **kw), GET, statuses)
    await upload_refused(s, handle, s.media.audio_bytes("wav"), statuses, **kw)
    expect_error(s, await s.call(DELETE, path=rec, **kw), DELETE, statuses)
    deleted = await s.call(DELETE_INTERACTION, path=ids, **kw)
    expect_error(s, deleted, DELETE_INTERACTION, statuses)
    survived = await s.call(GET, path=rec)
    s.expect(survived, "status_code_expected", operation=GET, status=200)
    remaining, listing = await listed(s, handle.id)
    if recording.lower() not in remaining:
        s.fail(
            "status_code_expected",
            "A refused request changed data",
            f"recording {recording} is no longer listed",
            listing,
        )


@requirement(
    V,
    "CORTI-AUTH-MISSING",
    title="Every operation refuses a request without a bearer token (401 or 403)",
    source=f"{SEED}, security AuthorizationHeader (bearer) and responses 403; CONTRACT.md: 401 or "
    "403 for a missing credential.",
    checks=("status_code_expected", *ERROR_CHECKS[1:]),
)
async def auth_missing(s: Session) -> None:
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        await _refused_everywhere(s, handle, recording, AUTH_REFUSED, auth="none")


@requirement(
    V,
    "CORTI-AUTH-WRONG",
    title="Every operation refuses a wrong bearer token, or another scheme (401 or 403)",
    source=f"{SEED}, security AuthorizationHeader (bearer) and responses 403; CONTRACT.md: 401 or "
    "403 for a wrong credential.",
    checks=("status_code_expected", *ERROR_CHECKS[1:]),
)
async def auth_wrong(s: Session) -> None:
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        await _refused_everywhere(s, handle, recording, AUTH_REFUSED, auth="wrong")
        basic = {"Authorization": "Basic dGFwZWNoZWNrOndyb25n"}
        expect_error(
            s,
            await s.call(LIST, path={"id": handle.id}, auth="none", headers=basic),
            LIST,
            AUTH_REFUSED,
        )


async def _without_tenant(s: Session, operation: str, path: Mapping[str, str]) -> httpx.Response:
    """A request with the valid token and no ``Tenant-Name`` header at all."""
    op = s.op(operation)
    url = op.path
    for name, value in path.items():
        url = url.replace("{" + name + "}", value)
    kwargs: dict[str, Any] = {}
    if operation == CREATE:
        kwargs["json"] = _encounter()
    request = s.client.build_request(
        op.method.upper(),
        url.lstrip("/"),
        headers={"Authorization": f"Bearer {s.credentials.token}"},
        **kwargs,
    )
    return await s.send(request)


@requirement(
    V,
    "CORTI-TENANT-REQUIRED",
    title="A request without a Tenant-Name, or with an empty one, is refused (400, 401 or 403)",
    source=f'{SEED}, parameters Tenant-Name (in: header, required: true): it "ensures correct '
    'routing and authentication of the request"; responses 400 and 403.',
    checks=ERROR_CHECKS,
)
async def tenant_required(s: Session) -> None:
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        ids = {"id": handle.id}
        for operation, path in (
            (CREATE, {}),
            (LIST, ids),
            (GET, {**ids, "recordingId": recording}),
        ):
            response = await _without_tenant(s, operation, path)
            if operation == CREATE:
                await _undo_create(s, response)
            expect_error(s, response, operation, NO_TENANT)
        await create_refused(s, NO_TENANT, json=_encounter(), headers={TENANT_HEADER: ""})
        empty = await s.call(LIST, path=ids, headers={TENANT_HEADER: ""})
        expect_error(s, empty, LIST, NO_TENANT)
        deleted = await _without_tenant(s, DELETE_INTERACTION, ids)
        expect_error(s, deleted, DELETE_INTERACTION, NO_TENANT)
        survived = await s.call(GET, path={**ids, "recordingId": recording})
        s.expect(survived, "status_code_expected", operation=GET, status=200)


@requirement(
    V,
    "CORTI-TENANT-ISOLATION",
    title="Under another Tenant-Name the token reaches nothing: no interaction, no recording, no create",
    source=f"{SEED}, Tenant-Name: \"Identifies a distinct entity within Corti's multi-tenant "
    "system\"; CONTRACT.md: 403 or 404 for another tenant's resource, 401 or 403 for a credential "
    "that does not open it.",
    checks=ERROR_CHECKS,
)
async def tenant_isolation(s: Session) -> None:
    other = s.credentials.tenant + "-tapecheck-other"
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        await _refused_everywhere(s, handle, recording, FOREIGN_TENANT, tenant=other)


# -- what an upload must be --------------------------------------------------------------------


@requirement(
    V,
    "CORTI-UPLOAD-CONTENT-TYPE",
    title="A recording sent as multipart/form-data or as audio/wav is refused (400 or 415)",
    source=f"{SEED}, requestBody: content application/octet-stream only (the SDKs send the raw "
    "file); CONTRACT.md: 400 or 415 for a wrong content type.",
    checks=ERROR_CHECKS,
)
async def upload_content_type(s: Session) -> None:
    wav = s.media.audio_bytes("wav")
    async with interaction(s) as handle:
        await upload_refused(
            s,
            handle,
            None,
            WRONG_TYPE,
            content_type=None,
            files={"file": ("call.wav", wav, "audio/wav")},
        )
        await upload_refused(s, handle, wav, WRONG_TYPE, content_type="audio/wav")
        if handle.recordings:
            s.fail("status_code_expected", "Wrong Content-Type stored", f"{handle.recordings}")


@requirement(
    V,
    "CORTI-UPLOAD-EMPTY",
    title="An empty body is refused as invalid (400 or 422)",
    source=f'{SEED}: requestBody "required: true", a Recording; CONTRACT.md: 400 or 422 for invalid '
    "data.",
    checks=ERROR_CHECKS,
)
async def upload_empty(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, b"", INVALID)


@requirement(
    V,
    "CORTI-UPLOAD-NOT-AUDIO",
    title="Bytes that are no audio format are refused (400, 415 or 422)",
    source=f'{SEED}: the body is a "Recording"; CONTRACT.md: 400 or 415 for a wrong content '
    "type, 400 or 422 for invalid data.",
    checks=ERROR_CHECKS,
)
async def upload_not_audio(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, s.media.garbage(), INVALID | WRONG_TYPE)


@requirement(
    V,
    "CORTI-CORRUPT-AUDIO",
    title="A wav whose header claims more audio than the file holds is refused (400 or 422)",
    source="VENDORS.md: a WAV whose header claims more audio than the file holds is refused as "
    "invalid audio (400) by every mock.",
    checks=ERROR_CHECKS,
)
async def upload_corrupt(s: Session) -> None:
    async with interaction(s) as handle:
        await upload_refused(s, handle, s.media.lying_wav().read_bytes(), INVALID)


@requirement(
    V,
    "CORTI-SIZE-LIMIT",
    title="A recording of exactly the size limit is stored; one byte more is refused, "
    "with or without a Content-Length",
    source=f'{SEED}: "a maximum limit of ... 150MB in size" ({SPEC}, x-tapecheck audio.max-bytes; '
    "1 MB = 1,000,000 bytes); CONTRACT.md: 400 or 413 for a body over a limit. The files are "
    "16-bit stereo 48 kHz WAVs, 13 minutes long: under the duration limit.",
    checks=("status_code_expected", "response_schema_conformance", *ERROR_CHECKS[1:]),
)
async def size_limit(s: Session) -> None:
    limit, _ = _limits(s)
    at_limit = s.media.dense_wav(at_most_bytes=limit)
    async with interaction(s) as handle:
        recording = await upload_ok(
            s, handle, stream_file(at_limit), headers=_file_headers(at_limit)
        )
        with suppress(ValueError):  # free the 150 MB early (also done at the end)
            await _cleanup(s, DELETE, {"id": handle.id, "recordingId": recording})
            handle.recordings.remove(recording)
        over = {"Content-Length": str(at_limit.stat().st_size + 1)}
        await upload_refused(s, handle, _one_byte_more(at_limit), TOO_LARGE, headers=over)
        # Chunked, the size is known only as the bytes arrive; 411 refuses chunked bodies outright.
        await upload_refused(s, handle, _chunked(at_limit), TOO_LARGE | {411})


@requirement(
    V,
    "CORTI-DURATION-LIMIT",
    title="A recording just under the duration limit is stored; just over it is refused",
    source=f'{SEED}: "a maximum limit of 60 minutes in length" ({SPEC}, x-tapecheck '
    "audio.max-duration-s); CONTRACT.md: 400 or 422 for invalid data, 400 or 413 for a body over "
    "a limit. The files are 128 kbps MP3s one second either side of the limit.",
    checks=("status_code_expected", "response_schema_conformance", *ERROR_CHECKS[1:]),
)
async def duration_limit(s: Session) -> None:
    _, limit_s = _limits(s)
    under = s.media.long("mp3", duration_s=limit_s - 1)
    over = s.media.long("mp3", duration_s=limit_s + 1)
    async with interaction(s) as handle:
        await upload_ok(s, handle, stream_file(under), headers=_file_headers(under))
        await upload_refused(
            s, handle, stream_file(over), INVALID | TOO_LARGE, headers=_file_headers(over)
        )


@requirement(
    V,
    "CORTI-ERROR-BODY",
    title="Errors are ErrorResponse JSON (requestid, status, type, detail) with status = the HTTP status",
    source=f"{SEED}, ErrorResponse (required: requestid, status, type, detail), served as "
    "application/json for 400, 403, 404, 500 and 504; RFC 9457: status is the HTTP status code.",
    checks=("json_content_type", *ERROR_CHECKS),
)
async def error_body(s: Session) -> None:
    await create_refused(s, INVALID, json={})
    await create_refused(s, AUTH_REFUSED, json=_encounter(), auth="wrong")
    unknown = await s.call(LIST, path={"id": _random_id()})
    expect_error(s, unknown, LIST, GONE)
    async with interaction(s) as handle:
        missing = await s.call(GET, path={"id": handle.id, "recordingId": _random_id()})
        expect_error(s, missing, GET, NOT_FOUND)
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
