"""Corti's reference mock: interactions and their recordings, under ``/v2``.

What it does, from ``specs/corti.yaml`` and VENDORS.md:

- Every call needs ``Tenant-Name`` (a tenant the mock knows) and
  ``Authorization: Bearer <token>`` of that tenant. A missing or wrong
  credential, an unknown tenant, or a token of another tenant: 403 (the only
  credential status Corti documents). Each tenant sees only its own
  interactions; another tenant's interaction id is 404.
- ``POST /interactions/`` validates the JSON body against the spec (the
  ``encounter`` with its enums) and answers 201 ``{interactionId, websocketUrl}``.
  The ``websocketUrl`` points at this server; the mock does not serve it.
- ``POST /interactions/{id}/recordings/`` takes the raw audio as
  ``application/octet-stream`` (another Content-Type: 400), streamed to disk and
  refused (400) as soon as it passes ``max-bytes``; empty, non-audio, corrupt,
  truncated or silent audio, or audio longer than ``max-duration-s``, is 400.
  Answers 201 ``{recordingId}``.
- ``GET /interactions/{id}/recordings/`` lists the recording ids in upload
  order; ``GET .../{recordingId}`` streams the audio back as
  ``application/octet-stream``; ``DELETE`` answers 204, then 404.
- ``DELETE /interactions/{id}`` removes the interaction and its recordings:
  204, then 404 for everything under it.
- ``{id}`` or ``{recordingId}`` not a UUID: 400; unknown: 404. Errors are
  ``ErrorResponse`` (``requestid``, ``status``, ``type``, ``detail``, and
  ``validationErrors`` for an invalid body), ``application/json``.

The order of checks is credential (403), path ids (400), existence (404),
then the body (400).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.mocks.errors import ErrorShape, MockError
from tapecheck.suite.mocks.limits import AudioLimits
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.mocks.storage import BlobStore, StoredFile
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, Endpoint, VendorMock
from tapecheck.suite.values import is_uuid

__all__ = ["MOCK_CLASS", "CortiErrors", "CortiMock", "Interaction", "Recording", "create_app"]

TENANT_HEADER = "Tenant-Name"
AUDIO_MEDIA_TYPE = "application/octet-stream"


@dataclass
class Recording:
    """One uploaded recording of an interaction."""

    id: str
    file: StoredFile


@dataclass
class Interaction:
    """An interaction of one tenant, with its recordings in upload order."""

    id: str
    tenant: str
    request: Mapping[str, Any]
    recordings: dict[str, Recording] = field(default_factory=dict)


@dataclass(frozen=True)
class CortiErrors(ErrorShape):
    """Corti's ``ErrorResponse``: ``requestid``, ``status``, ``type``, ``detail``."""

    def body(self, error: MockError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "requestid": str(uuid.uuid4()),
            "status": error.status,
            "type": self.code_for(error),
            "detail": error.message,
        }
        if error.details:
            body["validationErrors"] = [{name: text} for name, text in error.details.items()]
        return body


class CortiMock(VendorMock):
    """Corti's interactions and recordings; each method is a hook a mutant may override."""

    vendor = "corti"
    errors = CortiErrors()

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        max_duration_s: float | None = None,
    ) -> None:
        """``max_duration_s`` replaces the spec's 60 minutes (a later docs page says 120)."""
        super().__init__(token=token, tenant=tenant, tenants=tenants)
        self.max_duration_s = max_duration_s
        self.interactions: dict[tuple[str, str], Interaction] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {
            "create-interaction": self.create_interaction,
            "delete-interaction": self.delete_interaction,
            "upload": self.upload,
            "list-recordings": self.list_recordings,
            "get-recording": self.get_recording,
            "delete-recording": self.delete_recording,
        }

    def reset(self) -> None:
        self.interactions.clear()

    # -- hooks ---------------------------------------------------------------------

    def audio_limits(self, operation_id: str) -> AudioLimits:
        limits = super().audio_limits(operation_id)
        if self.max_duration_s is not None:
            limits = replace(limits, max_duration_s=self.max_duration_s)
        return limits

    def authenticate(self, request: Request, operation_id: str) -> str:
        """The caller's tenant: ``Tenant-Name`` must be the tenant of the bearer token (403)."""
        tenant_name = (request.headers.get(TENANT_HEADER) or "").strip()
        if not tenant_name:
            raise MockError(403, f"the {TENANT_HEADER} header is required")
        tenant = self.token_tenant(
            request,
            operation_id,
            status=403,
            missing="an `Authorization: Bearer <token>` header is required",
            invalid="the bearer token is not valid",
        )
        if tenant != tenant_name:
            raise MockError(403, f"the bearer token does not give access to tenant {tenant_name!r}")
        return tenant

    def path_uuid(self, request: Request, name: str) -> str:
        """A path id that must be a UUID (400 otherwise); compared in lower case."""
        value = str(request.path_params[name])
        if not is_uuid(value):
            raise MockError(400, f"`{name}` must be a UUID, got {value!r}")
        return value.lower()

    def find_interaction(self, tenant: str, interaction_id: str) -> Interaction:
        """The tenant's interaction (404 when it has none by that id)."""
        interaction = self.interactions.get((tenant, interaction_id))
        if interaction is None:
            raise MockError(404, f"interaction {interaction_id} not found")
        return interaction

    def find_recording(self, interaction: Interaction, recording_id: str) -> Recording:
        recording = interaction.recordings.get(recording_id)
        if recording is None:
            raise MockError(
                404, f"recording {recording_id} not found in interaction {interaction.id}"
            )
        return recording

    def websocket_url(self, request: Request, interaction: Interaction) -> str:
        scheme = "wss" if request.url.scheme == "https" else "ws"
        return (
            f"{scheme}://{request.url.netloc}{base_path(self.spec)}"
            f"/interactions/{interaction.id}/streams?tenant-name={interaction.tenant}"
        )

    # -- endpoints -------------------------------------------------------------------

    async def create_interaction(self, request: Request) -> Response:
        tenant = self.authenticate(request, "create-interaction")
        body = await self.json_body(request, "create-interaction")
        interaction = Interaction(self.new_id(), tenant, body)
        with self.lock:
            self.interactions[(tenant, interaction.id)] = interaction
        return self.respond(
            "create-interaction",
            {
                "interactionId": interaction.id,
                "websocketUrl": self.websocket_url(request, interaction),
            },
        )

    async def delete_interaction(self, request: Request) -> Response:
        tenant = self.authenticate(request, "delete-interaction")
        interaction_id = self.path_uuid(request, "id")
        with self.lock:
            interaction = self.find_interaction(tenant, interaction_id)
            del self.interactions[(tenant, interaction_id)]
        for recording in interaction.recordings.values():
            BlobStore.discard(recording.file)
        return Response(status_code=self.success_status("delete-interaction"))

    async def upload(self, request: Request) -> Response:
        tenant = self.authenticate(request, "upload")
        interaction_id = self.path_uuid(request, "id")
        self.find_interaction(tenant, interaction_id)
        stored = await self.raw_body(request, "upload")
        await self.checked_audio(stored, "upload")
        recording = Recording(self.new_id(), stored)
        with self.lock:
            interaction = self.interactions.get((tenant, interaction_id))
            if interaction is not None:
                interaction.recordings[recording.id] = recording
        if interaction is None:  # deleted while the upload streamed
            BlobStore.discard(stored)
            raise MockError(404, f"interaction {interaction_id} not found")
        return self.respond("upload", {"recordingId": recording.id})

    async def list_recordings(self, request: Request) -> Response:
        tenant = self.authenticate(request, "list-recordings")
        interaction = self.find_interaction(tenant, self.path_uuid(request, "id"))
        return self.respond("list-recordings", {"recordings": list(interaction.recordings)})

    async def get_recording(self, request: Request) -> Response:
        tenant = self.authenticate(request, "get-recording")
        interaction_id = self.path_uuid(request, "id")
        recording_id = self.path_uuid(request, "recordingId")
        interaction = self.find_interaction(tenant, interaction_id)
        recording = self.find_recording(interaction, recording_id)
        return self.file_response(recording.file, AUDIO_MEDIA_TYPE)

    async def delete_recording(self, request: Request) -> Response:
        tenant = self.authenticate(request, "delete-recording")
        interaction_id = self.path_uuid(request, "id")
        recording_id = self.path_uuid(request, "recordingId")
        with self.lock:
            interaction = self.find_interaction(tenant, interaction_id)
            recording = self.find_recording(interaction, recording_id)
            del interaction.recordings[recording_id]
        BlobStore.discard(recording.file)
        return Response(status_code=self.success_status("delete-recording"))


#: ``tapecheck mock corti`` serves this: the mock as an ASGI app, built with its constructor's options.
create_app = app_factory(CortiMock)

#: The class the generic mutant families subclass (tapecheck.suite.conform.families.mutants).
MOCK_CLASS = CortiMock
