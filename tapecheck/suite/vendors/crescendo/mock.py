"""Crescendo's reference mock: VOC recording upload and the job it starts.

What it does, from ``specs/crescendo.yaml`` and VENDORS.md:

- Auth: the API key as ``Authorization: Bearer <key>`` or, where no bearer
  header is sent, the ``bearer_token`` query parameter. None: 401
  ``Unauthenticated``; an unknown key: 401 too.
- Tenants: a key opens one tenant. Any other ``tenantId`` in the path, known
  to the mock or not, is 403 ``PermissionDenied`` ("API key does not allow
  this operation"): the mock never says whether another tenant exists, and a
  job of another tenant is never reachable.
- ``POST /api/v1/voc/tenants/{tenantId}/recording``: ``multipart/form-data``
  with a ``metadata`` text field holding a JSON object whose ``id`` is a
  non-empty string of letters, digits, ``.``, ``-``, ``_`` (the spec's
  ``x-tapecheck.id-charset``), and the audio in part ``audio`` or ``file`` (the
  spec's ``parts``; when both are sent, ``audio`` is used). The audio is mp3 or
  wav by its content, at most ``max-bytes`` (refused as soon as the part passes
  it), not empty, truncated or corrupt. Answers 202 ``{id}``. Anything else is
  400 ``BadRequest``.
- ``GET .../recording/{jobId}/status``: a new job is ``started``
  (``finished: null``); the second poll finds it finished, as VENDORS.md fixes:
  ``file`` is the uploaded part's filename (absent when the part had none),
  ``recordingId`` the ``metadata.id``. An unknown job of this tenant: 404.

How a job ends (the docs are silent; the mock decides by the audio, so the
outcome is deterministic and documented): audio that is readable mp3 or wav
but holds no sound (0 seconds: a WAV with an empty data chunk, an MP3 with no
frames of audio) is accepted at upload, since the format checks pass, and its
job ends ``failed`` with ``error`` saying why and ``result: null``; every other
job ends ``completed`` with ``result: {}`` (the mock does no VOC analysis) and
``error: null``. The linter flags such audio beforehand (AUD006).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.mocks.bodies import parse_json
from tapecheck.suite.mocks.errors import ErrorShape, MockError
from tapecheck.suite.mocks.multipart import Form
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.mocks.vendor import (
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    Endpoint,
    TokenTenantMock,
)

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = ["MOCK_CLASS", "CrescendoErrors", "CrescendoMock", "Job", "create_app"]

SILENT_AUDIO_ERROR = "the recording holds no audio (0 seconds); nothing to analyse"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Job:
    """One VOC job: what was uploaded and where processing stands."""

    id: str
    tenant: str
    recording_id: str
    metadata: Mapping[str, Any]
    file: StoredFile
    filename: str | None
    started: int
    will_fail: str | None
    polls: int = 0
    finished: int | None = None

    @property
    def status(self) -> str:
        if self.finished is None:
            return "started"
        return "failed" if self.will_fail else "completed"


@dataclass(frozen=True)
class CrescendoErrors(ErrorShape):
    """Crescendo's ``{code, message}``; a 500 is ``{message}`` alone."""

    codes: Mapping[int, str] = field(
        default_factory=lambda: {
            400: "BadRequest",
            401: "Unauthenticated",
            403: "PermissionDenied",
            404: "NotFound",
            405: "MethodNotAllowed",
        }
    )

    def body(self, error: MockError) -> dict[str, Any]:
        if error.status >= 500:
            return {"message": error.message}
        return {"code": self.code_for(error), "message": error.message}


class CrescendoMock(TokenTenantMock):
    """Crescendo's VOC upload and job status; each method is a hook a mutant may override."""

    missing_credential = "Authorization header with Bearer token is required"
    unknown_credential = "the API key is not valid"

    vendor = "crescendo"
    errors = CrescendoErrors()
    #: The status poll that first reports a terminal status (VENDORS.md: the second).
    finishing_poll: ClassVar[int] = 2

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(token=token, tenant=tenant, tenants=tenants)
        self.jobs: dict[tuple[str, str], Job] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {"upload": self.upload, "status": self.status}

    def reset(self) -> None:
        self.jobs.clear()

    # -- hooks ---------------------------------------------------------------------

    def authorize(self, request: Request, tenant: str) -> None:
        """The path's ``tenantId`` must be the key's own tenant (403)."""
        if request.path_params["tenantId"] != tenant:
            raise MockError(403, "API key does not allow this operation")

    def metadata(self, form: Form, operation_id: str) -> tuple[dict[str, Any], str]:
        """The parsed ``metadata`` object and its ``id`` (400 for anything else)."""
        if form.file("metadata") is not None:
            raise MockError(
                400, "`metadata` must be a text field holding a JSON string, not a file part"
            )
        text = form.field("metadata")
        if text is None:
            raise MockError(400, "the form has no `metadata` field (a JSON string with an `id`)")
        value = parse_json(text, "`metadata`")
        if not isinstance(value, dict):
            raise MockError(400, "`metadata` must be a JSON object")
        if "id" not in value:
            raise MockError(400, "`metadata` has no `id`")
        recording_id = value["id"]
        charset = self.id_charset(operation_id) or {}
        pattern = str(charset.get("pattern", ".+"))
        if not isinstance(recording_id, str) or re.search(pattern, recording_id) is None:
            raise MockError(
                400,
                f"`metadata.id` must be a non-empty string of letters, digits, '.', '-' and '_', "
                f"got {recording_id!r}",
            )
        return value, recording_id

    def audio_part(self, form: Form, operation_id: str) -> StoredFile:
        """The audio part: the first of the spec's ``parts`` that was sent (400 if none)."""
        parts = list((self.operation(operation_id).audio or {}).get("parts", ()))
        for name in parts:
            stored = form.file(name)
            if stored is not None:
                return stored
        names = " or ".join(f"`{p}`" for p in parts)
        raise MockError(400, f"no audio part: send the mp3 or wav file as {names}")

    def new_job_id(self) -> str:
        return f"job-voc-{uuid.uuid4().hex}"

    def failure_of(self, info: AudioInfo) -> str | None:
        """Why the job will fail, or ``None``: it fails when the audio holds no sound."""
        return SILENT_AUDIO_ERROR if info.empty else None

    def advance(self, job: Job) -> None:
        """Count one status poll; the :attr:`finishing_poll`-th finishes the job."""
        job.polls += 1
        if job.finished is None and job.polls >= self.finishing_poll:
            job.finished = _now_ms()

    def status_body(self, job: Job) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": job.id,
            "status": job.status,
            "started": job.started,
            "finished": job.finished,
            "recordingId": job.recording_id,
            "result": {} if job.status == "completed" else None,
            "error": job.will_fail if job.status == "failed" else None,
        }
        if job.filename is not None:
            body["file"] = job.filename
        return body

    # -- endpoints -------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        tenant = self.authenticate(request, "upload")
        self.authorize(request, tenant)
        with await self.form(request, "upload") as form:
            metadata, recording_id = self.metadata(form, "upload")
            stored = self.audio_part(form, "upload")
            info = await self.checked_audio(stored, "upload", allow_silent=True)
            job = Job(
                id=self.new_job_id(),
                tenant=tenant,
                recording_id=recording_id,
                metadata=metadata,
                file=form.keep(stored),
                filename=stored.filename,
                started=_now_ms(),
                will_fail=self.failure_of(info),
            )
            with self.lock:
                self.jobs[(tenant, job.id)] = job
        return self.respond("upload", {"id": job.id})

    async def status(self, request: Request) -> Response:
        tenant = self.authenticate(request, "status")
        self.authorize(request, tenant)
        job_id = str(request.path_params["jobId"])
        with self.lock:
            job = self.jobs.get((tenant, job_id))
            if job is None:
                raise MockError(404, f"job {job_id!r} not found")
            self.advance(job)
            body = self.status_body(job)
        return self.respond("status", body)


#: ``tapecheck mock crescendo`` serves this: the mock as an ASGI app, built with its constructor's options.
create_app = app_factory(CrescendoMock)

#: The class the generic mutant families subclass (tapecheck.suite.conform.families.mutants).
MOCK_CLASS = CrescendoMock
