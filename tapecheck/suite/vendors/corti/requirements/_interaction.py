"""The interaction a Corti requirement works in, and the calls it makes there.

Every interaction a requirement creates is deleted when it ends (pass or
fail); in one given with ``--param interaction_id``, the recordings uploaded
through :func:`upload_ok` are deleted instead. Every call that must be refused
is checked against Corti's ``ErrorResponse`` (:func:`expect_error`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.common import (
    DOCUMENTED_ERROR_CHECKS,
    INVALID,
    NOT_FOUND,
    OTHER_TENANT,
    expect_error,
    expect_success,
)
from tapecheck.suite.conform.media import stream_file
from tapecheck.suite.conform.session import Auth, Session, TargetUnreachable

__all__ = [
    "CREATE",
    "DELETE",
    "DELETE_INTERACTION",
    "ERROR_CHECKS",
    "GET",
    "GONE",
    "LIST",
    "MALFORMED_ID",
    "NOT_UUIDS",
    "SPEC",
    "TENANT_HEADER",
    "UPLOAD",
    "Interaction",
    "V",
    "call_refused",
    "cleanup",
    "create_refused",
    "encounter",
    "expect_downloadable",
    "expect_error",
    "family_fixtures",
    "interaction",
    "listed",
    "random_id",
    "streamed",
    "track",
    "undo_create",
    "upload",
    "upload_ok",
    "upload_refused",
]

V = "corti"
CREATE = "create-interaction"
DELETE_INTERACTION = "delete-interaction"
UPLOAD = "upload"
LIST = "list-recordings"
GET = "get-recording"
DELETE = "delete-recording"
SPEC = "the Corti spec"
OCTET_STREAM = "application/octet-stream"
TENANT_HEADER = "Tenant-Name"

#: An interaction the caller cannot see: unknown, deleted or another tenant's (package notes).
GONE = OTHER_TENANT
#: A malformed interaction or recording id (package notes).
MALFORMED_ID = INVALID | NOT_FOUND

ERROR_CHECKS = DOCUMENTED_ERROR_CHECKS
NOT_UUIDS = ("not-a-uuid", "12345", "f47ac10b-58cc-4372-a567-0e02b2c3d47z")


async def call_refused(
    s: Session, operation: str, statuses: Collection[int], **kw: Any
) -> httpx.Response:
    """Call ``operation``, which must be refused with one of ``statuses`` (:func:`expect_error`)."""
    response = await s.call(operation, **kw)
    expect_error(s, response, operation, statuses)
    return response


def encounter(**changes: Any) -> dict[str, Any]:
    """A valid create-interaction body, with ``changes`` to its encounter."""
    fields: dict[str, Any] = {
        "identifier": f"tapecheck-{uuid.uuid4().hex[:12]}",
        "status": "planned",
        "type": "consultation",
        "title": "tapecheck conformance run",
    }
    fields.update(changes)
    return {"encounter": fields}


def random_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Interaction:
    """An interaction the requirement works in, and the recordings it put there."""

    id: str
    own: bool
    recordings: list[str] = field(default_factory=list)


async def cleanup(s: Session, operation: str, path: Mapping[str, str]) -> None:
    """Delete what a requirement made; never masks the requirement's own verdict."""
    if s.keep:
        return  # --keep: left for debugging, listed in the report
    with suppress(ConformanceFailure, TargetUnreachable, httpx.HTTPError):
        await s.call(operation, path=path)


async def _create(s: Session) -> str:
    response = await s.call(CREATE, json=encounter())
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
            await cleanup(s, DELETE_INTERACTION, {"id": handle.id})
        else:
            for recording_id in handle.recordings:
                await cleanup(s, DELETE, {"id": handle.id, "recordingId": recording_id})


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


def track(handle: Interaction, response: httpx.Response) -> None:
    """Remember a recording the target created, even where it should have refused."""
    if response.is_success:
        with suppress(ValueError, KeyError, TypeError, AttributeError):
            handle.recordings.append(str(response.json()["recordingId"]))


async def upload_ok(s: Session, handle: Interaction, content: Any, **kw: Any) -> str:
    """Upload that must succeed: 201 ``{recordingId}``; the id, tracked for cleanup."""
    response = await upload(s, handle.id, content, **kw)
    track(handle, response)
    expect_success(s, response, UPLOAD)
    return str(response.json()["recordingId"])


async def upload_refused(
    s: Session, handle: Interaction, content: Any, statuses: Collection[int], **kw: Any
) -> httpx.Response:
    response = await upload(s, handle.id, content, **kw)
    track(handle, response)
    expect_error(s, response, UPLOAD, statuses)
    return response


async def undo_create(s: Session, response: httpx.Response) -> None:
    """Delete an interaction that a request meant to be refused created all the same."""
    if response.is_success:
        with suppress(ValueError, KeyError, TypeError, AttributeError):
            created = str(response.json()["interactionId"])
            await cleanup(s, DELETE_INTERACTION, {"id": created})


async def create_refused(
    s: Session, statuses: Collection[int], *, json: Any = None, **kw: Any
) -> None:
    """A create that must be refused; one that was not is deleted before the failure."""
    response = await s.call(CREATE, json=json, **kw)
    await undo_create(s, response)
    expect_error(s, response, CREATE, statuses)


async def expect_downloadable(s: Session, interaction_id: str, recording_id: str) -> None:
    """The recording still downloads (200): what was refused or deleted around it left it alone."""
    response = await s.call(GET, path={"id": interaction_id, "recordingId": recording_id})
    s.expect(response, "status_code_expected", operation=GET, status=200)


async def listed(s: Session, interaction_id: str) -> tuple[list[str], httpx.Response]:
    """The interaction's recording ids (lower case), and the response that listed them."""
    response = await s.call(LIST, path={"id": interaction_id})
    expect_success(s, response, LIST)
    return [str(r).lower() for r in response.json()["recordings"]], response


def streamed(path: Path) -> dict[str, Any]:
    """A file as an upload's ``content``: streamed in chunks, with its ``Content-Length``."""
    return {"content": stream_file(path), "headers": {"Content-Length": str(path.stat().st_size)}}


@asynccontextmanager
async def _new_encounter(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A create's body (what it creates, if anything, the run's ledger deletes)."""
    yield {"json": encounter()}


@asynccontextmanager
async def _in_interaction(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A new interaction of its own, deleted with its recordings when the call is done."""
    async with interaction(s, own=True) as handle:
        yield {"path": {"id": handle.id}}


@asynccontextmanager
async def _with_recording(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A recording in a new interaction of its own."""
    async with interaction(s, own=True) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        yield {"path": {"id": handle.id, "recordingId": recording}}


def family_fixtures() -> dict[str, Any]:
    """What a generic family's call of each operation needs made first (``FAMILY_FIXTURES``)."""
    return {
        CREATE: _new_encounter,
        UPLOAD: _in_interaction,
        LIST: _in_interaction,
        DELETE_INTERACTION: _in_interaction,
        GET: _with_recording,
        DELETE: _with_recording,
    }
