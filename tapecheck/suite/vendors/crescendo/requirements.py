"""Crescendo's requirements: VOC recording upload and job status.

From the seed (``crescendo-upload-voc-recording.md``) and VENDORS.md. Every
requirement makes fixed requests at the edges, so a deviation is caught on
every seed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tapecheck.suite.conform.common import (
    DOCUMENTED_ERROR_CHECKS,
    INVALID,
    expect_error,
    expect_success,
)
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Auth, Session

__all__ = [
    "ERROR_CHECKS",
    "FAMILY_FIXTURES",
    "FAMILY_IDS",
    "MAX_POLLS",
    "POLL_PAUSE_S",
    "STATUS",
    "UPLOAD",
    "V",
    "audio_required",
    "auth_query",
    "expect_error",
    "job_status",
    "job_status_shape",
    "metadata_id_required",
    "metadata_json",
    "metadata_required",
    "upload_file_part",
    "upload_wav",
]

V = "crescendo"
UPLOAD = "upload"
STATUS = "status"
#: How many status polls a job may take to reach a terminal status, and the pause between them.
MAX_POLLS = 30
POLL_PAUSE_S = 0.5
#: Every error: a documented status, {code, message}, and the code the docs pair with the status.
ERROR_CHECKS = DOCUMENTED_ERROR_CHECKS

#: The generic families' cases generated under Crescendo's ids (tapecheck.suite.conform.families).
FAMILY_IDS: dict[str, str] = {
    "credentials.missing": "CRESCENDO-AUTH-MISSING",
    "credentials.wrong": "CRESCENDO-AUTH-WRONG",
    "size-limit": "CRESCENDO-SIZE-LIMIT",
    "formats": "CRESCENDO-FORMAT-REFUSED",
    "success-status.upload": "CRESCENDO-UPLOAD-202",
    "not-found.status": "CRESCENDO-JOB-NOT-FOUND",
    "error-shape": "CRESCENDO-ERROR-BODY",
    "tenant-isolation": "CRESCENDO-TENANT-ISOLATION",
    "id-charset": "CRESCENDO-METADATA-ID-CHARSET",
    "damaged-audio.corrupt": "CRESCENDO-CORRUPT-AUDIO",
    "damaged-audio.empty.garbage": "CRESCENDO-AUDIO-UNREADABLE",
    "declared-type": "CRESCENDO-FORMAT-BY-CONTENT",
}


@asynccontextmanager
async def _with_metadata(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """An upload's required ``metadata`` field, which the spec alone cannot fill."""
    yield {"data": {"metadata": json.dumps(_metadata())}}


#: What the families' uploads need besides the audio: the metadata.
FAMILY_FIXTURES = {UPLOAD: _with_metadata}


async def _upload(
    session: Session,
    *,
    audio: Path | None,
    metadata: Any = None,
    part: str = "audio",
    content_type: str = "audio/mpeg",
    auth: Auth = "valid",
    tenant: str | None = None,
    query: dict[str, str] | None = None,
    extra_parts: dict[str, Path] | None = None,
) -> httpx.Response:
    """POST a multipart upload; ``metadata`` is sent as the JSON string the docs show."""
    data: dict[str, str] = {}
    if metadata is not None:
        data["metadata"] = metadata if isinstance(metadata, str) else json.dumps(metadata)
    with ExitStack() as stack:
        files: dict[str, tuple[str, Any, str]] = {}
        if audio is not None:
            files[part] = (audio.name, stack.enter_context(audio.open("rb")), content_type)
        for name, path in (extra_parts or {}).items():
            files[name] = (path.name, stack.enter_context(path.open("rb")), content_type)
        return await session.call(
            UPLOAD, auth=auth, tenant=tenant, query=query, data=data or None, files=files or None
        )


def _metadata(recording_id: str = "tapecheck-call-1") -> dict[str, str]:
    return {"id": recording_id, "kind": "phonecall", "source": "tapecheck"}


@requirement(
    V,
    "CRESCENDO-UPLOAD-WAV",
    title="A wav upload is accepted",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording": "Audio must be **mp3** or **wav**".',
    checks=("status_code_expected", "response_schema_conformance"),
)
async def upload_wav(s: Session) -> None:
    response = await _upload(
        s, audio=s.media.audio("wav"), metadata=_metadata(), content_type="audio/wav"
    )
    expect_success(s, response, UPLOAD)


@requirement(
    V,
    "CRESCENDO-UPLOAD-FILE-PART",
    title="The audio may come in the alternative part `file`",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording", VocUploadForm.file: "Alternative '
    'field name for the audio file (mp3 or wav)."',
    checks=("status_code_expected", "response_schema_conformance"),
)
async def upload_file_part(s: Session) -> None:
    response = await _upload(s, audio=s.media.audio("mp3"), metadata=_metadata(), part="file")
    expect_success(s, response, UPLOAD)


@requirement(
    V,
    "CRESCENDO-AUTH-QUERY",
    title="The API key is also accepted in the `bearer_token` query parameter",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording", securitySchemes bearerTokenQuery '
    '(in: query, name: bearer_token): "Alternative to the Authorization header."',
    checks=("status_code_expected", "response_schema_conformance"),
)
async def auth_query(s: Session) -> None:
    query = {"bearer_token": s.credentials.token}
    response = await _upload(
        s, audio=s.media.audio("mp3"), metadata=_metadata(), auth="none", query=query
    )
    expect_success(s, response, UPLOAD)
    status = await s.call(STATUS, path={"jobId": response.json()["id"]}, auth="none", query=query)
    expect_success(s, status, STATUS)


@requirement(
    V,
    "CRESCENDO-METADATA-REQUIRED",
    title="An upload without `metadata` is refused",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording": VocUploadForm required: [metadata]; '
    "response 400 BadRequest.",
    checks=ERROR_CHECKS,
)
async def metadata_required(s: Session) -> None:
    response = await _upload(s, audio=s.media.audio("mp3"), metadata=None)
    expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "CRESCENDO-METADATA-JSON",
    title="`metadata` that is not a JSON object is refused",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording", VocUploadForm.metadata: "JSON '
    'string containing recording metadata. Must include `id`."',
    checks=ERROR_CHECKS,
)
async def metadata_json(s: Session) -> None:
    for text in ('{"id": "call-1"', '["call-1"]', "call-1"):
        response = await _upload(s, audio=s.media.audio("mp3"), metadata=text)
        expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "CRESCENDO-METADATA-ID-REQUIRED",
    title="`metadata` without an `id` is refused",
    level="must",
    source='Crescendo API reference, "Upload a VOC recording", VocUploadForm.metadata: "JSON '
    'string containing recording metadata. Must include `id`."',
    checks=ERROR_CHECKS,
)
async def metadata_id_required(s: Session) -> None:
    response = await _upload(s, audio=s.media.audio("mp3"), metadata={"kind": "phonecall"})
    expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "CRESCENDO-AUDIO-REQUIRED",
    title="An upload with neither `audio` nor `file` part is refused",
    level="should",
    source="Crescendo's form schema requires only metadata; its docs do not say that an upload "
    'without an audio part is refused. A reasonable expectation for an endpoint to "Upload '
    'an mp3/wav recording": 400.',
    checks=ERROR_CHECKS,
)
async def audio_required(s: Session) -> None:
    response = await _upload(s, audio=None, metadata=_metadata())
    expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "CRESCENDO-STATUS-POLL-SHAPE",
    title="Every status poll of a new job answers its id and a documented status",
    level="must",
    source="Crescendo's API reference (VOC recording status): GET "
    ".../recording/{jobId}/status answers {id, status: started | completed | failed, "
    "started (ms), finished, file, recordingId, result, error}, id, status and started "
    "required; " + 'Crescendo API reference, "Upload a VOC recording": "Use the returned job '
    'ID with VOC recording status."',
    checks=("status_code_expected", "json_content_type", "response_schema_conformance"),
)
async def job_status_shape(s: Session) -> None:
    created = await _upload(s, audio=s.media.audio("mp3"), metadata=_metadata("job-shape-1"))
    expect_success(s, created, UPLOAD)
    job_id = created.json()["id"]
    for poll in range(MAX_POLLS):
        answer = await s.call(STATUS, path={"jobId": job_id})
        expect_success(s, answer, STATUS)
        body = answer.json()
        if body["id"] != job_id:
            s.fail("status_code_expected", "Wrong job", f"asked for {job_id!r}", answer)
        if body["status"] != "started":
            return  # a terminal status, in the documented enum (the schema said so)
        if poll and not s.embedded:
            await asyncio.sleep(POLL_PAUSE_S)


@requirement(
    V,
    "CRESCENDO-JOB-STATUS",
    title="A job starts, reaches `completed`, and reports its recording id and file name",
    level="should",
    source="Crescendo's API reference (VOC recording status) documents status "
    "started|completed|failed, started and finished; it does not say what recordingId and "
    "file hold or how soon a job completes. A reasonable expectation: the job completes, "
    "recordingId is metadata.id and file is the part's filename.",
    checks=(
        "status_code_expected",
        "json_content_type",
        "response_schema_conformance",
        "job_status_transition",
    ),
)
async def job_status(s: Session) -> None:
    audio = s.media.audio("mp3")
    created = await _upload(s, audio=audio, metadata=_metadata("job-status-1"))
    expect_success(s, created, UPLOAD)
    job_id = created.json()["id"]
    seen: list[str] = []
    last: httpx.Response | None = None
    for poll in range(MAX_POLLS):
        last = await s.call(STATUS, path={"jobId": job_id})
        expect_success(s, last, STATUS)
        body = last.json()
        seen.append(body["status"])
        if body["id"] != job_id:
            s.fail(
                "job_status_transition",
                "Wrong job",
                f"asked for {job_id!r}, got {body['id']!r}",
                last,
            )
        if body["status"] in ("completed", "failed"):
            break
        if poll and not s.embedded:
            await asyncio.sleep(POLL_PAUSE_S)
    else:
        s.fail(
            "job_status_transition",
            "Job never finished",
            f"still {seen[-1]!r} after {MAX_POLLS} polls",
            last,
        )
    body = last.json() if last is not None else {}
    if seen[0] not in ("started", "completed"):
        s.fail(
            "job_status_transition",
            "Wrong first status",
            f"a new job is {seen[0]!r}, not 'started'",
            last,
        )
    if "completed" in seen[:-1] or "failed" in seen[:-1]:
        s.fail("job_status_transition", "Status went back", f"statuses seen: {seen}", last)
    if body["status"] != "completed":
        s.fail(
            "job_status_transition",
            "Job failed",
            f"a sound mp3 ended {body['status']!r}: {body.get('error')}",
            last,
        )
    if body.get("recordingId") != "job-status-1":
        s.fail(
            "job_status_transition",
            "Wrong recordingId",
            f"expected 'job-status-1', got {body.get('recordingId')!r}",
            last,
        )
    if body.get("file") not in (None, audio.name):
        s.fail(
            "job_status_transition",
            "Wrong file",
            f"expected {audio.name!r}, got {body.get('file')!r}",
            last,
        )
    if not isinstance(body.get("finished"), int) or body["finished"] < body["started"]:
        s.fail(
            "job_status_transition",
            "Wrong finished time",
            f"finished={body.get('finished')!r}, started={body['started']!r}",
            last,
        )
