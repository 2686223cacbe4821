"""Bota's files: upload URLs, the storage host's PUT, and when an upload is complete.

:class:`BotaUploads` is the media side of Bota's reference mock; the API
around it (credentials, creating and listing recordings, idempotency, the
rate limit) is :class:`~tapecheck.suite.vendors.bota.mock.BotaMock`, its
subclass. What it does, from ``specs/bota.yaml`` and VENDORS.md:

- upload-url adds a ``pending`` media entry to a ``pending`` recording (400
  otherwise) and signs an upload URL on the mock's storage host
  (``PUT /__storage/bota/<media>?...``, see :mod:`tapecheck.suite.mocks.signed`)
  whose ``headers`` are the ``Content-Type`` the PUT must carry.
- The PUT (the storage host's errors are XML): another Content-Type or a
  changed URL is 403 ``SignatureDoesNotMatch``; the body streams to disk and
  must be exactly ``file_size_bytes`` when that was given (more: 400
  ``EntityTooLarge`` as soon as it passes; fewer: 400 ``IncompleteBody``);
  audio must be readable and, by content, of the declared ``content_type``
  (the spec's ``declared-type``), else 400 ``InvalidArgument`` and nothing is
  kept. Images and video are taken as sent. A PUT after the recording left
  ``pending`` is 403 ``AccessDenied``; a second PUT replaces the first.
- upload-complete needs a ``pending`` recording with audio PUT (400
  otherwise); every media whose bytes arrived becomes ``uploaded`` (one never
  PUT stays ``pending``), the recording ``uploaded``, and ``duration_ms`` the
  probed duration of its audio.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tapecheck.suite.mocks.errors import MockError, NestedErrors
from tapecheck.suite.mocks.signed import (
    DEFAULT_MAX_UNCLAIMED,
    DEFAULT_MAX_UNCLAIMED_BYTES,
    STORAGE_PREFIX,
    StorageError,
    UnclaimedFiles,
    UrlSigner,
    storage_endpoint,
)
from tapecheck.suite.mocks.storage import BlobStore, StoredFile, TooLarge
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, VendorMock
from tapecheck.suite.specs import Spec
from tapecheck.suite.values import parse_datetime, to_instant
from tapecheck.suite.vendors.bota.model import BotaRecording, Media

__all__ = ["BotaUploads"]


class BotaUploads(VendorMock):
    """The files of Bota's recordings; each method is a hook a mutant may override."""

    vendor = "bota"
    errors = NestedErrors()

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        upload_ttl_s: int = 3600,
        spec: Spec | None = None,
        public_base_url: str | None = None,
        max_unclaimed: int = DEFAULT_MAX_UNCLAIMED,
        max_unclaimed_bytes: int = DEFAULT_MAX_UNCLAIMED_BYTES,
    ) -> None:
        """``public_base_url``: where clients reach the storage host (default: the server's
        address). A file PUT to a recording never completed goes at its upload URL's
        expiry, and the oldest first past ``max_unclaimed`` files or ``max_unclaimed_bytes``.
        """
        super().__init__(token=token, tenant=tenant, tenants=tenants, spec=spec)
        self.upload_ttl_s = upload_ttl_s
        self.signer = UrlSigner(public_base_url=public_base_url)
        self.unclaimed = UnclaimedFiles(
            max_files=max_unclaimed,
            max_bytes=max_unclaimed_bytes,
            clock=lambda: self.signer.clock(),
        )
        self.recordings: dict[str, BotaRecording] = {}
        self.media_of: dict[str, tuple[str, Media]] = {}  # media id -> (recording id, media)

    def extra_routes(self) -> list[BaseRoute]:
        return [
            Route(
                self.object_path("{media_id}"),
                storage_endpoint(self.storage),
                methods=["PUT", "GET", "POST", "DELETE", "PATCH"],
                name="bota-storage",
            )
        ]

    def reset(self) -> None:
        self.recordings.clear()
        self.media_of.clear()

    # -- hooks: values ---------------------------------------------------------------

    def instant(self, value: Any, name: str) -> datetime:
        """A date-time of the body or query as a UTC instant (400 when it is none)."""
        moment = parse_datetime(value)
        try:
            if moment is None:
                raise ValueError(value)
            return to_instant(moment)
        except (ValueError, OverflowError):
            raise MockError(400, f"`{name}` must be an RFC 3339 date-time, got {value!r}") from None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def new_id(self, prefix: str = "rec_") -> str:
        return prefix + uuid.uuid4().hex

    # -- hooks: upload-url and upload-complete ------------------------------------------

    def object_path(self, media_id: str) -> str:
        return f"{STORAGE_PREFIX}/{self.vendor}/{media_id}"

    def new_media(self, request: Request, body: Mapping[str, Any]) -> Media:
        """A ``pending`` media entry and its signed upload URL."""
        kind = str(body.get("type", "audio"))
        content_type = str(body.get("content_type", "audio/opus"))
        size = body.get("file_size_bytes")
        captured = (
            self.instant(body["captured_at"], "captured_at") if "captured_at" in body else None
        )
        media_id = self.new_id("med_")
        upload = self.signer.sign(
            request,
            "PUT",
            self.object_path(media_id),
            ttl_s=self.upload_ttl_s,
            headers=self.upload_headers(content_type),
        )
        return Media(
            id=media_id,
            type=kind,
            mime_type=content_type,
            declared_size=int(size) if size is not None else None,
            captured_at=captured,
            created_at=self.now(),
            upload=upload,
        )

    def upload_headers(self, content_type: str) -> dict[str, str]:
        """The headers the PUT must carry."""
        return {"Content-Type": content_type}

    def addable(self, recording: BotaRecording) -> None:
        """Files may be added to a ``pending`` recording only (400)."""
        if recording.status != "pending":
            raise MockError(
                400,
                f"recording {recording.id} is {recording.status}; files can be added while it is pending",
            )

    def completable(self, recording: BotaRecording) -> None:
        """upload-complete needs a ``pending`` recording with its audio PUT (400)."""
        if recording.status != "pending":
            raise MockError(400, f"recording {recording.id} is {recording.status}, not pending")
        if not any(m.type == "audio" and m.file is not None for m in recording.media):
            raise MockError(
                400,
                f"recording {recording.id} has no uploaded audio: ask for an upload URL and PUT the file first",
            )

    def complete(self, recording: BotaRecording) -> None:
        """Mark what arrived ``uploaded``, the recording ``uploaded``, and its duration."""
        durations: list[float | None] = []
        for media in recording.media:
            if media.file is not None:
                media.status = "uploaded"
                if media.type == "audio":
                    durations.append(media.duration_s)
        recording.status = "uploaded"
        for media in recording.media:
            if media.file is not None:
                self.unclaimed.claim(media.id, media.file)
        known = [d for d in durations if d is not None]
        recording.duration_ms = (
            round(sum(known) * 1000) if known and len(known) == len(durations) else None
        )

    # -- hooks: the storage host's PUT ---------------------------------------------------

    def verify_signature(self, request: Request, object_path: str) -> None:
        """The storage host's signature check (403 ``SignatureDoesNotMatch``, 400 expired)."""
        self.signer.verify(request, object_path)

    def storage_media(self, request: Request) -> tuple[BotaRecording, Media]:
        """The media a PUT names, once its signature is checked (403), while it may change (403)."""
        media_id = str(request.path_params["media_id"])
        self.verify_signature(request, self.object_path(media_id))
        with self.lock:
            found = self.media_of.get(media_id)
            recording = self.recordings.get(found[0]) if found is not None else None
        if found is None or recording is None:
            raise StorageError(404, "NoSuchKey", "the object does not exist")
        if recording.status != "pending":
            raise StorageError(
                403,
                "AccessDenied",
                f"recording {recording.id} is {recording.status}; the upload is closed",
            )
        return recording, found[1]

    async def receive_media(self, request: Request, media: Media) -> StoredFile:
        """Stream the PUT body to disk; exactly ``file_size_bytes`` when that was declared (400)."""
        limit = self.declared_size("upload-url", media.declared_size)
        declared = request.headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            raise self.over_size(limit, int(declared))
        try:
            stored = await self.blobs.save_stream(
                request.stream(), max_bytes=limit, content_type=media.mime_type
            )
        except TooLarge as exc:
            raise self.over_size(exc.limit, exc.received) from None
        try:
            self.check_size(media, stored)
        except StorageError:
            BlobStore.discard(stored)
            raise
        return stored

    def check_size(self, media: Media, stored: StoredFile) -> None:
        """A PUT must carry exactly the declared ``file_size_bytes`` (400 ``IncompleteBody``)."""
        expected = self.declared_size("upload-url", media.declared_size)
        if expected is not None and stored.size != expected:
            raise StorageError(
                400,
                "IncompleteBody",
                f"the upload has {stored.size} bytes; file_size_bytes said {media.declared_size}",
            )

    def over_size(self, limit: int, received: int) -> StorageError:
        return StorageError(
            400,
            "EntityTooLarge",
            f"the upload is {received} bytes or more; file_size_bytes said {limit}",
        )

    def media_formats(
        self, media: Media, operation_id: str = "upload-url"
    ) -> frozenset[str] | None:
        """The formats by content a media's ``content_type`` stands for; ``None``: not checked."""
        declared = (self.operation(operation_id).audio or {}).get("declared-type", {})
        when = declared.get("when", {})
        if when and media.type not in [v if v is not None else "audio" for v in when.get("in", ())]:
            return None
        return self.declared_formats(operation_id, media.mime_type)

    async def checked_media(self, media: Media, stored: StoredFile) -> float | None:
        """Audio must be readable and of its declared type (400, file dropped); its duration."""
        if stored.size == 0:
            BlobStore.discard(stored)
            raise StorageError(400, "InvalidArgument", "the upload is empty")
        accepted = self.media_formats(media)
        if accepted is None:
            return None
        info = await self.checked_audio(stored, "upload-url")
        if info.format not in accepted:
            BlobStore.discard(stored)
            raise StorageError(
                400,
                "InvalidArgument",
                f"the file is {info.format} by its content, not {media.mime_type} as declared",
            )
        return info.duration_s

    # -- the storage route -------------------------------------------------------------

    async def storage(self, request: Request) -> Response:
        if request.method != "PUT":
            raise StorageError(
                405, "MethodNotAllowed", f"{request.method} is not allowed on an upload URL"
            )
        recording, media = self.storage_media(request)
        stored = await self.receive_media(request, media)
        duration = await self.checked_media(media, stored)
        with self.lock:
            previous = media.file
            accepted = recording.status == "pending"
            if accepted:
                media.file, media.duration_s = stored, duration
        BlobStore.discard(previous if accepted else stored)
        if not accepted:
            raise StorageError(
                403,
                "AccessDenied",
                f"recording {recording.id} is {recording.status}; the upload is closed",
            )
        self.hold_unclaimed(recording, media, stored)
        return Response(status_code=200, headers={"ETag": f'"{stored.sha256[:32]}"'})

    def hold_unclaimed(self, recording: BotaRecording, media: Media, stored: StoredFile) -> None:
        """A file of a recording still pending goes at its upload URL's expiry (or past the bounds)."""

        def forget(file: StoredFile) -> bool:
            with self.lock:
                if media.file is not file:
                    return True  # replaced meanwhile
                if recording.status != "pending":
                    return False  # completed meanwhile: the recording holds it
                media.file, media.duration_s = None, None
                return True

        self.unclaimed.add(media.id, stored, expires=media.upload.expires, forget=forget)
