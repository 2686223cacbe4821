"""Crescendo's mutants: the reference mock with one realistic deviation each.

Each is a small subclass of :class:`CrescendoMock` overriding the hook where the
deviation lives; ``expect`` names the requirements that must catch it.
``tapecheck selftest crescendo`` runs the suite against the mock and each of these.
"""

from __future__ import annotations

from dataclasses import replace
from http import HTTPStatus
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.auth import bearer_token
from tapecheck.suite.mocks.bodies import parse_json
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.limits import AudioLimits
from tapecheck.suite.mocks.multipart import Form
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.mutant import app_factory as _factory
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock, Job

__all__ = ["MUTANTS"]


class SizeLimitInMiB(CrescendoMock):
    """The limit is read as 25 MiB (26,214,400 bytes) instead of 25 MB."""

    def audio_limits(self, operation_id: str) -> AudioLimits:
        return replace(super().audio_limits(operation_id), max_bytes=25 * 1024 * 1024)


class AcceptsFlac(CrescendoMock):
    """FLAC is accepted besides mp3 and wav."""

    def audio_limits(self, operation_id: str) -> AudioLimits:
        limits = super().audio_limits(operation_id)
        return replace(limits, formats=(limits.formats or frozenset()) | {"flac"})


class MetadataIdOptional(CrescendoMock):
    """metadata without an id is accepted; the job gets a generated recording id."""

    def metadata(self, form: Form, operation_id: str) -> tuple[dict[str, Any], str]:
        text = form.field("metadata")
        value = parse_json(text, "`metadata`") if text is not None else None
        if isinstance(value, dict) and "id" not in value:
            return value, self.new_id()
        return super().metadata(form, operation_id)


class JobNeverFinishes(CrescendoMock):
    """A job stays ``started`` forever."""

    finishing_poll: ClassVar[int] = 10**9


class JobStatusDone(CrescendoMock):
    """A finished job says ``done`` instead of ``completed``."""

    def status_body(self, job: Job) -> dict[str, Any]:
        body = super().status_body(job)
        if body["status"] == "completed":
            body["status"] = "done"
        return body


class RecordingIdMissing(CrescendoMock):
    """The job status leaves out ``recordingId``."""

    def status_body(self, job: Job) -> dict[str, Any]:
        body = super().status_body(job)
        body.pop("recordingId", None)
        return body


class QueryAuthRefused(CrescendoMock):
    """Only the Authorization header is read: ``bearer_token`` in the query is ignored."""

    def presented_token(self, request: Request, operation_id: str) -> str | None:
        return bearer_token(request)


class NestedErrorBody(CrescendoMock):
    """Errors are ``{error: {code, message}}`` instead of ``{code, message}``."""

    def error_response(self, error: MockError) -> Response:
        return JSONResponse(
            {"error": {"code": self.error_shape.code_for(error), "message": error.message}},
            status_code=error.status,
        )


class WrongErrorCodes(CrescendoMock):
    """Error codes are HTTP reason phrases (``Unauthorized``, ``Bad Request``), not the documented ones."""

    def error_response(self, error: MockError) -> Response:
        return JSONResponse(
            {"code": HTTPStatus(error.status).phrase, "message": error.message},
            status_code=error.status,
        )


class FilePartIgnored(CrescendoMock):
    """Only the ``audio`` part is read; audio sent as ``file`` is missing."""

    def audio_part(self, form: Form, operation_id: str) -> StoredFile:
        stored = form.file("audio")
        if stored is None:
            raise MockError(400, "no audio part")
        return stored


class UnknownJobIsStarted(CrescendoMock):
    """The status of an unknown job id is a ``started`` job, not 404."""

    async def status(self, request: Request) -> Response:
        tenant = self.authenticate(request, "status")
        self.authorize(request, tenant)
        job_id = str(request.path_params["jobId"])
        if (tenant, job_id) not in self.jobs:
            return self.respond("status", {"id": job_id, "status": "started", "started": 0})
        return await super().status(request)


MUTANTS: list[Mutant] = [
    Mutant(
        "size-limit-in-mib",
        "reads 25 MB as 25 MiB, accepting up to 26,214,400 bytes",
        _factory(SizeLimitInMiB),
        expect=("CRESCENDO-SIZE-LIMIT",),
    ),
    Mutant(
        "accepts-flac",
        "accepts FLAC besides mp3 and wav",
        _factory(AcceptsFlac),
        expect=("CRESCENDO-FORMAT-REFUSED", "CRESCENDO-FORMAT-BY-CONTENT"),
    ),
    Mutant(
        "metadata-id-optional",
        "metadata without an id is accepted",
        _factory(MetadataIdOptional),
        expect=("CRESCENDO-METADATA-ID-REQUIRED",),
    ),
    Mutant(
        "job-never-finishes",
        "a job stays started forever",
        _factory(JobNeverFinishes),
        expect=("CRESCENDO-JOB-STATUS",),
    ),
    Mutant(
        "job-status-done",
        "a finished job says done instead of completed",
        _factory(JobStatusDone),
        expect=("CRESCENDO-STATUS-POLL-SHAPE", "CRESCENDO-JOB-STATUS"),
    ),
    Mutant(
        "recording-id-missing",
        "the job status leaves out recordingId",
        _factory(RecordingIdMissing),
        expect=("CRESCENDO-JOB-STATUS",),
    ),
    Mutant(
        "query-auth-refused",
        "the bearer_token query parameter is not accepted",
        _factory(QueryAuthRefused),
        expect=("CRESCENDO-AUTH-QUERY",),
    ),
    Mutant(
        "nested-error-body",
        "errors are {error: {code, message}} instead of {code, message}",
        _factory(NestedErrorBody),
        expect=("CRESCENDO-ERROR-BODY",),
    ),
    Mutant(
        "wrong-error-codes",
        "error codes are HTTP reason phrases instead of BadRequest, Unauthenticated, ...",
        _factory(WrongErrorCodes),
        expect=("CRESCENDO-ERROR-BODY",),
    ),
    Mutant(
        "file-part-ignored",
        "audio sent in the alternative part `file` is not found",
        _factory(FilePartIgnored),
        expect=("CRESCENDO-UPLOAD-FILE-PART",),
    ),
    Mutant(
        "unknown-job-is-started",
        "an unknown job id answers a started job instead of 404",
        _factory(UnknownJobIsStarted),
        expect=("CRESCENDO-JOB-NOT-FOUND",),
    ),
]
