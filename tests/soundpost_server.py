"""A hand-written server of the example SoundPost API (``examples/custom/soundpost.yaml``).

Written from the spec's prose, not from tapecheck's mocks, the way a team
would implement its own API: a raw-body upload, a multipart job with a JSON
``options`` field, and a job to poll. Two flags make it wrong in one way each
(:attr:`Flaws.ignore_credentials`, :attr:`Flaws.accept_oversized`), for the
tests that ``conform --spec`` does not conform against it.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["MAX_BYTES", "PREFIX", "TENANT", "TOKEN", "Flaws", "create_app"]

TOKEN, TENANT = "test-token", "tenant-a"
PREFIX = "/v1"
MAX_BYTES = 2_000_000
_CALL_ID = re.compile(r"[A-Za-z0-9._-]+")
_LANGUAGES = ("en", "de", "fr", "es")


@dataclass(frozen=True)
class Flaws:
    ignore_credentials: bool = False
    accept_oversized: bool = False


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def _kind(data: bytes) -> str | None:
    """The audio format of the first bytes (what this server accepts), or ``None``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    # An MPEG audio frame sync with a layer (ADTS AAC shares the sync, with layer bits 00).
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE6 > 0xE0):
        return "mp3"
    if data[:4] == b"fLaC":
        return "flac"
    return None


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = _error(status, code, message)


def create_app(flaws: Flaws = Flaws()) -> Starlette:
    lock = threading.Lock()
    recordings: dict[str, dict[str, Any]] = {}
    jobs: dict[str, dict[str, Any]] = {}

    def authorize(request: Request) -> None:
        wrong = request.headers.get("authorization") != f"Bearer {TOKEN}"
        if wrong and not flaws.ignore_credentials:
            raise _Refused(401, "unauthorized", "missing or wrong API key")
        workspace = request.headers.get("x-workspace")
        if not workspace:
            raise _Refused(400, "bad-request", "X-Workspace is required")
        if workspace != TENANT:
            raise _Refused(403, "forbidden", "the key does not open this workspace")

    def checked_audio(data: bytes, accepted: tuple[str, ...]) -> None:
        if len(data) > MAX_BYTES and not flaws.accept_oversized:
            raise _Refused(413, "too-large", f"recordings are at most {MAX_BYTES} bytes")
        if not data:
            raise _Refused(400, "bad-request", "the recording is empty")
        if _kind(data) not in accepted:
            raise _Refused(415, "unsupported", f"send one of {', '.join(accepted)}")

    async def upload(request: Request) -> Response:
        authorize(request)
        content_type = request.headers.get("content-type", "application/octet-stream")
        if content_type.split(";")[0].strip().lower() != "application/octet-stream":
            raise _Refused(415, "unsupported", "send the audio as application/octet-stream")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES and not flaws.accept_oversized:
            raise _Refused(413, "too-large", f"recordings are at most {MAX_BYTES} bytes")
        data = await request.body()
        checked_audio(data, ("wav", "mp3", "flac"))
        made = {
            "id": str(uuid.uuid4()),
            "size": len(data),
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        with lock:
            recordings[made["id"]] = made
        return JSONResponse(made, status_code=201)

    async def get_recording(request: Request) -> Response:
        authorize(request)
        with lock:
            found = recordings.get(request.path_params["recordingId"])
        if found is None:
            raise _Refused(404, "not-found", "no such recording")
        return JSONResponse(found)

    def options_of(text: Any) -> dict[str, Any]:
        try:
            options = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            options = None
        if not isinstance(options, dict):
            raise _Refused(400, "bad-request", "options must be a JSON object")
        if set(options) - {"callId", "language", "speakers"}:
            raise _Refused(400, "bad-request", "options has unknown fields")
        call_id = options.get("callId")
        if not isinstance(call_id, str) or not _CALL_ID.fullmatch(call_id) or len(call_id) > 64:
            raise _Refused(400, "bad-request", "callId: letters, digits, '.', '-', '_'")
        if options.get("language") not in _LANGUAGES:
            raise _Refused(400, "bad-request", f"language: one of {_LANGUAGES}")
        speakers = options.get("speakers", 1)
        if type(speakers) is not int or not 1 <= speakers <= 8:
            raise _Refused(400, "bad-request", "speakers: 1 to 8")
        return options

    async def create_job(request: Request) -> Response:
        authorize(request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES + 64_000 and not flaws.accept_oversized:
            raise _Refused(413, "too-large", f"recordings are at most {MAX_BYTES} bytes")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise _Refused(415, "unsupported", "send multipart/form-data")
        try:
            form = await request.form(max_part_size=50_000_000)
        except Exception:
            raise _Refused(400, "bad-request", "the form does not parse") from None
        try:  # the parts' temporary files are closed whatever the answer
            audio = form.get("audio")
            if not isinstance(audio, UploadFile):
                raise _Refused(400, "bad-request", "no audio part")
            options = options_of(form.get("options"))
            checked_audio(await audio.read(), ("wav", "mp3"))
        finally:
            await form.close()
        job = {"jobId": str(uuid.uuid4()), "status": "queued", "callId": options["callId"]}
        with lock:
            jobs[job["jobId"]] = {**job, "polls": 0}
        return JSONResponse(job, status_code=202)

    async def get_job(request: Request) -> Response:
        authorize(request)
        with lock:
            found = jobs.get(request.path_params["jobId"])
            if found is not None:
                found["polls"] += 1
                if found["polls"] > 1:
                    found["status"] = "completed"
        if found is None:
            raise _Refused(404, "not-found", "no such job")
        return JSONResponse({k: v for k, v in found.items() if k != "polls"})

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Refused)
        return exc.response

    async def not_found(request: Request, exc: Exception) -> Response:
        status = int(getattr(exc, "status_code", 404))
        return _error(status, "not-found" if status == 404 else "bad-request", "no such route")

    return Starlette(
        routes=[
            Route(f"{PREFIX}/recordings", upload, methods=["POST"]),
            Route(f"{PREFIX}/recordings/{{recordingId}}", get_recording, methods=["GET"]),
            Route(f"{PREFIX}/jobs", create_job, methods=["POST"]),
            Route(f"{PREFIX}/jobs/{{jobId}}", get_job, methods=["GET"]),
        ],
        exception_handlers={_Refused: refused, 404: not_found, 405: not_found},
    )
