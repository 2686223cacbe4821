"""Corti's mutants: the reference mock with one realistic deviation each.

Each is a small subclass of :class:`CortiMock` overriding the hook where the
deviation lives; ``expect`` names the requirements that must catch it.
``tapecheck selftest corti`` runs the suite against the mock and each of these.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.bodies import require_media_type
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.limits import AudioLimits, probe_stored
from tapecheck.suite.mocks.multipart import read_form
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.mutant import app_factory as _factory
from tapecheck.suite.mocks.storage import StoredFile, TooLarge
from tapecheck.suite.vendors.corti.mock import (
    AUDIO_MEDIA_TYPE,
    TENANT_HEADER,
    CortiMock,
    Interaction,
)

__all__ = ["MUTANTS"]

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo


class SizeFromContentLengthOnly(CortiMock):
    """The size limit is checked against Content-Length only: a chunked body passes it."""

    def audio_limits(self, operation_id: str) -> AudioLimits:
        return replace(super().audio_limits(operation_id), max_bytes=None)

    async def raw_body(self, request: Request, operation_id: str) -> StoredFile:
        limit = super().audio_limits(operation_id).max_bytes
        declared = request.headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            raise self.too_large(TooLarge(limit, int(declared)))
        return await super().raw_body(request, operation_id)


class IgnoresDuration(CortiMock):
    """No duration limit: a recording over 60 minutes is stored."""

    def audio_limits(self, operation_id: str) -> AudioLimits:
        return replace(super().audio_limits(operation_id), max_duration_s=None)


class RecordingIdNotUuid(CortiMock):
    """Recording ids are prefixed opaque strings, not the documented UUIDs."""

    def respond(self, operation_id: str, body: Any, status: int | None = None) -> Response:
        if operation_id == "upload":
            body = {"recordingId": "rec_" + str(body["recordingId"]).replace("-", "")}
        return super().respond(operation_id, body, status)


class ProblemJsonErrors(CortiMock):
    """Errors are plain RFC 9457 problem+json, without Corti's ``requestid``."""

    def error_response(self, error: MockError) -> Response:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Error",
                "status": error.status,
                "detail": error.message,
            },
            status_code=error.status,
            media_type="application/problem+json",
        )


class ErrorStatusMismatch(CortiMock):
    """Every error body says ``status: 400``, whatever the HTTP status."""

    def error_response(self, error: MockError) -> Response:
        body = self.error_shape.body(error)
        body["status"] = 400
        return JSONResponse(body, status_code=error.status)


class TenantNameIgnored(CortiMock):
    """Tenant-Name is neither required nor checked: the token's tenant is used."""

    def authenticate(self, request: Request, operation_id: str) -> str:
        tenant = self.credentials.tenant_of(self.presented_token(request, operation_id))
        if tenant is None:
            raise MockError(403, "the bearer token is not valid")
        return tenant


class TenantNameUnchecked(CortiMock):
    """Tenant-Name is required but not matched to the token: any name shows the token's data."""

    def authenticate(self, request: Request, operation_id: str) -> str:
        if not (request.headers.get(TENANT_HEADER) or "").strip():
            raise MockError(403, f"the {TENANT_HEADER} header is required")
        tenant = self.credentials.tenant_of(self.presented_token(request, operation_id))
        if tenant is None:
            raise MockError(403, "the bearer token is not valid")
        return tenant


class DeleteRecordingKeepsIt(CortiMock):
    """Deleting a recording answers 204 and deletes nothing."""

    async def delete_recording(self, request: Request) -> Response:
        tenant = self.authenticate(request, "delete-recording")
        interaction = self.find_interaction(tenant, self.path_uuid(request, "id"))
        self.find_recording(interaction, self.path_uuid(request, "recordingId"))
        return Response(status_code=204)


class DeleteInteractionLeavesRecordings(CortiMock):
    """Deleting an interaction forgets it, but its recordings stay downloadable."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orphans: dict[tuple[str, str], Interaction] = {}

    async def delete_interaction(self, request: Request) -> Response:
        tenant = self.authenticate(request, "delete-interaction")
        interaction_id = self.path_uuid(request, "id")
        with self.lock:
            self.orphans[(tenant, interaction_id)] = self.find_interaction(tenant, interaction_id)
            del self.interactions[(tenant, interaction_id)]
        return Response(status_code=204)

    async def get_recording(self, request: Request) -> Response:
        tenant = self.authenticate(request, "get-recording")
        key = (tenant, self.path_uuid(request, "id"))
        interaction = self.interactions.get(key) or self.orphans.get(key)
        if interaction is None:
            raise MockError(404, "interaction not found")
        recording = self.find_recording(interaction, self.path_uuid(request, "recordingId"))
        return self.file_response(recording.file, AUDIO_MEDIA_TYPE)


class ContentTypeIgnored(CortiMock):
    """Any Content-Type is taken as raw audio (audio/wav is stored like octet-stream)."""

    async def raw_body(self, request: Request, operation_id: str) -> StoredFile:
        limits = self.audio_limits(operation_id)
        try:
            return await self.blobs.save_stream(request.stream(), max_bytes=limits.max_bytes)
        except TooLarge as exc:
            raise self.too_large(exc) from None


class AcceptsMultipart(CortiMock):
    """A multipart/form-data upload is accepted: its first file part becomes the recording."""

    async def raw_body(self, request: Request, operation_id: str) -> StoredFile:
        content_type = request.headers.get("content-type") or ""
        if not content_type.lower().startswith("multipart/form-data"):
            return await super().raw_body(request, operation_id)
        with await read_form(
            request.stream(), content_type, store=self.blobs, file_fields=("file",)
        ) as form:
            for stored_files in form.files.values():
                return form.keep(stored_files[0])
        raise MockError(400, "no file part")


class NonUuidIdCrashes(CortiMock):
    """A path id is parsed without a guard: a malformed id is an unhandled error (500)."""

    def path_uuid(self, request: Request, name: str) -> str:
        return str(uuid.UUID(hex=str(request.path_params[name])))


class ListOmitsNewest(CortiMock):
    """The recording list lags: the newest upload is missing from it."""

    async def list_recordings(self, request: Request) -> Response:
        tenant = self.authenticate(request, "list-recordings")
        interaction = self.find_interaction(tenant, self.path_uuid(request, "id"))
        return self.respond("list-recordings", {"recordings": list(interaction.recordings)[:-1]})


class DownloadDropsLastByte(CortiMock):
    """A download stops one byte short of the recording (an off-by-one range read)."""

    def file_response(self, stored: StoredFile, media_type: str) -> Response:
        return Response(stored.path.read_bytes()[:-1], media_type=media_type)


class EmptyBodyAccepted(CortiMock):
    """An empty body is stored as a recording."""

    async def checked_audio(
        self, stored: StoredFile, operation_id: str, *, allow_silent: bool = False
    ) -> AudioInfo:
        if stored.size == 0:
            return await probe_stored(stored)
        return await super().checked_audio(stored, operation_id, allow_silent=allow_silent)


class UnknownInteractionCreated(CortiMock):
    """An unknown interaction id is created on first use instead of being 404."""

    def find_interaction(self, tenant: str, interaction_id: str) -> Interaction:
        found = self.interactions.get((tenant, interaction_id))
        if found is None:
            found = Interaction(interaction_id, tenant, {})
            self.interactions[(tenant, interaction_id)] = found
        return found


class EncounterNotValidated(CortiMock):
    """Create-interaction takes any JSON body: no encounter, bad enums, all accepted."""

    async def json_body(self, request: Request, operation_id: str) -> Any:
        require_media_type(request.headers.get("content-type"), {"application/json"})
        try:
            return json.loads(await request.body() or b"{}")
        except ValueError:
            return {}


MUTANTS: list[Mutant] = [
    Mutant(
        "size-from-content-length-only",
        "checks the size limit against Content-Length only; a chunked body passes",
        _factory(SizeFromContentLengthOnly),
        expect=("CORTI-SIZE-LIMIT",),
    ),
    Mutant(
        "ignores-duration",
        "stores a recording over the 60 minute limit",
        _factory(IgnoresDuration),
        expect=("CORTI-DURATION-LIMIT",),
    ),
    Mutant(
        "recording-id-not-uuid",
        "answers recordingId as rec_<hex>, not a UUID",
        _factory(RecordingIdNotUuid),
        expect=("CORTI-UPLOAD-201",),
    ),
    Mutant(
        "problem-json-errors",
        "errors are RFC 9457 problem+json without requestid",
        _factory(ProblemJsonErrors),
        expect=("CORTI-ERROR-BODY",),
    ),
    Mutant(
        "error-status-mismatch",
        "every error body says status 400, whatever the HTTP status",
        _factory(ErrorStatusMismatch),
        expect=("CORTI-ERROR-BODY",),
    ),
    Mutant(
        "tenant-name-ignored",
        "neither requires nor checks Tenant-Name",
        _factory(TenantNameIgnored),
        expect=("CORTI-TENANT-REQUIRED", "CORTI-TENANT-ISOLATION"),
    ),
    Mutant(
        "tenant-name-unchecked",
        "any Tenant-Name shows the token's interactions (another tenant's data visible)",
        _factory(TenantNameUnchecked),
        expect=("CORTI-TENANT-ISOLATION",),
    ),
    Mutant(
        "delete-recording-keeps-it",
        "answers 204 to a recording delete and deletes nothing",
        _factory(DeleteRecordingKeepsIt),
        expect=("CORTI-RECORDING-DELETE",),
    ),
    Mutant(
        "delete-interaction-leaves-recordings",
        "deletes the interaction but its recordings stay downloadable",
        _factory(DeleteInteractionLeavesRecordings),
        expect=("CORTI-INTERACTION-DELETE",),
    ),
    Mutant(
        "content-type-ignored",
        "takes any Content-Type as raw audio",
        _factory(ContentTypeIgnored),
        expect=("CORTI-UPLOAD-CONTENT-TYPE",),
    ),
    Mutant(
        "accepts-multipart",
        "accepts a multipart/form-data upload instead of application/octet-stream",
        _factory(AcceptsMultipart),
        expect=("CORTI-UPLOAD-CONTENT-TYPE",),
    ),
    Mutant(
        "non-uuid-id-crashes",
        "a malformed interaction or recording id is a 500",
        _factory(NonUuidIdCrashes),
        expect=("CORTI-ID-UUID",),
    ),
    Mutant(
        "list-omits-newest",
        "the recording list misses the newest upload",
        _factory(ListOmitsNewest),
        expect=("CORTI-RECORDING-LIST",),
    ),
    Mutant(
        "download-drops-last-byte",
        "a download is one byte short of what was uploaded",
        _factory(DownloadDropsLastByte),
        expect=("CORTI-RECORDING-GET",),
    ),
    Mutant(
        "empty-body-accepted",
        "stores an empty body as a recording",
        _factory(EmptyBodyAccepted),
        expect=("CORTI-UPLOAD-EMPTY",),
    ),
    Mutant(
        "unknown-interaction-created",
        "an unknown interaction id is created on first use instead of 404",
        _factory(UnknownInteractionCreated),
        expect=("CORTI-INTERACTION-NOT-FOUND",),
    ),
    Mutant(
        "encounter-not-validated",
        "creates an interaction from any JSON body",
        _factory(EncounterNotValidated),
        expect=("CORTI-INTERACTION-INVALID",),
    ),
]
