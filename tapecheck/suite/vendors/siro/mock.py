"""Siro's reference mock: a signed URL, the PUT to it, then the recording from the upload.

What it does, from ``specs/siro.yaml`` and VENDORS.md:

- Auth: the user-scoped token in ``x-siro-auth-token``; none or an unknown one
  is 401. Each token is one user (``tenant``, and ``tenants`` for more): a
  signed URL issued to one user is unknown to every other.
- ``POST /v1/core/recordings/signed-urls`` ``{fileType: mp3|aac|wav, fileSize}``
  answers 201 ``{data: {uploadUrl, uploadHeaders, downloadUrl, expiresAt}}``.
  ``uploadHeaders`` are ``Content-Type`` (``audio/mpeg``, ``audio/aac`` or
  ``audio/wav``) and ``x-goog-content-length-range: 0,<fileSize>``.
- The storage host is this mock too, outside the spec's operations (see
  :mod:`tapecheck.suite.mocks.signed`): ``PUT /__storage/siro/<object>?...``
  must carry exactly the signed headers, else 403 ``SignatureDoesNotMatch``; a
  body outside ``0..fileSize`` bytes is 400 ``EntityTooLarge`` (refused as soon
  as it passes, by the declared Content-Length or while streaming); an expired
  URL is 400 ``ExpiredToken``. These errors are GCS's XML, since the route
  plays GCS, not Siro's API. A PUT answers 200 with an ``ETag``; a second PUT
  replaces the object. ``GET`` on the ``downloadUrl`` streams the object back.
- ``POST /v1/core/recordings/upload`` (JSON): ``downloadUrl`` (or the later
  docs' ``fileUrl``) must be a ``downloadUrl`` this mock issued to this user
  (the host is not compared, only path and query), its bytes must have been
  PUT, and they must be readable audio (not empty, truncated or corrupt: a WAV
  whose header claims more audio than the file holds is refused) whose format
  by content is one the spec maps ``fileType`` to (``aac``: AAC in ADTS or
  MP4). Every refusal is 400. ``contactPhone``/``contactName`` are accepted as
  ``customerPhone``/``customerName``; a later and a seed name with different
  values is 400. Answers 201 ``{data: {id}}``.
- Errors: ``{statusCode, message, error}`` (``application/json``).

The order of checks is credential (401), body (400), then the upload's file (400).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tapecheck.suite.mocks.bodies import read_json
from tapecheck.suite.mocks.errors import ErrorShape, MockError, reason_phrase
from tapecheck.suite.mocks.limits import audio_refusal, probe_stored
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.signed import (
    DEFAULT_MAX_UNCLAIMED,
    DEFAULT_MAX_UNCLAIMED_BYTES,
    STORAGE_PREFIX,
    SignedUrl,
    StorageError,
    UnclaimedFiles,
    UrlSigner,
    storage_endpoint,
    url_key,
)
from tapecheck.suite.mocks.storage import BlobStore, StoredFile, TooLarge
from tapecheck.suite.mocks.vendor import (
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    Endpoint,
    TokenTenantMock,
)
from tapecheck.suite.specs import Spec

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = [
    "MOCK_CLASS",
    "RANGE_HEADER",
    "SignedObject",
    "SiroErrors",
    "SiroMock",
    "SiroRecording",
    "create_app",
]

RANGE_HEADER = "x-goog-content-length-range"
_STORAGE_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]


@dataclass
class SignedObject:
    """One object of the storage host: who may use it, what it accepts, what it holds."""

    id: str
    user: str
    file_type: str
    content_type: str
    max_bytes: int
    upload: SignedUrl
    download: SignedUrl
    file: StoredFile | None = None
    #: a recording refers to the current file, so a new PUT must not delete it
    held: bool = False


@dataclass
class SiroRecording:
    """A recording made by the upload step."""

    id: str
    user: str
    object_id: str
    file: StoredFile | None
    file_type: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SiroErrors(ErrorShape):
    """Siro: ``{statusCode, message, error}`` (``error`` is the reason phrase)."""

    def body(self, error: MockError) -> dict[str, Any]:
        return {
            "statusCode": error.status,
            "message": error.message,
            "error": error.code or reason_phrase(error.status),
        }


class SiroMock(TokenTenantMock):
    """Siro's signed URL, storage and upload; each method is a hook a mutant may override."""

    missing_credential = "the x-siro-auth-token header is required"
    unknown_credential = "the x-siro-auth-token is not valid"

    vendor = "siro"
    errors = SiroErrors()
    #: the MIME type of each ``fileType`` (the spec's ``FileType`` description)
    mime_types: ClassVar[Mapping[str, str]] = {
        "mp3": "audio/mpeg",
        "aac": "audio/aac",
        "wav": "audio/wav",
    }
    #: later docs' names -> the seed's (the spec's ``later-fields``)
    aliases: ClassVar[Mapping[str, str]] = {
        "fileUrl": "downloadUrl",
        "contactPhone": "customerPhone",
        "contactName": "customerName",
    }

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        upload_ttl_s: int = 15 * 60,
        download_ttl_s: int = 7 * 24 * 3600,
        spec: Spec | None = None,
        public_base_url: str | None = None,
        max_unclaimed: int = DEFAULT_MAX_UNCLAIMED,
        max_unclaimed_bytes: int = DEFAULT_MAX_UNCLAIMED_BYTES,
    ) -> None:
        """``tenants`` adds users (``user -> token``); the TTLs bound the signed URLs.

        ``public_base_url`` is where clients reach the storage host (a proxy in
        front of the mock); by default the server's own address. Files PUT and
        not made into a recording go at the upload URL's expiry, and the oldest
        go first past ``max_unclaimed`` files or ``max_unclaimed_bytes``.
        """
        super().__init__(token=token, tenant=tenant, tenants=tenants, spec=spec)
        self.upload_ttl_s = upload_ttl_s
        self.download_ttl_s = download_ttl_s
        self.signer = UrlSigner(public_base_url=public_base_url)
        self.unclaimed = UnclaimedFiles(
            max_files=max_unclaimed,
            max_bytes=max_unclaimed_bytes,
            clock=lambda: self.signer.clock(),
        )
        self.objects: dict[str, SignedObject] = {}
        self.by_download: dict[str, str] = {}
        self.recordings: dict[str, SiroRecording] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {"signed-urls": self.signed_urls, "upload": self.upload}

    def extra_routes(self) -> list[BaseRoute]:
        return [
            Route(
                self.object_path("{object_id}"),
                storage_endpoint(self.storage),
                methods=_STORAGE_METHODS,
                name="siro-storage",
            )
        ]

    def reset(self) -> None:
        self.objects.clear()
        self.by_download.clear()
        self.recordings.clear()

    # -- hooks: the API --------------------------------------------------------------

    def success_status(self, operation_id: str) -> int:
        """``signed-urls`` answers 201 (VENDORS.md; the docs allow 200 too)."""
        if operation_id == "signed-urls":
            return 201
        return super().success_status(operation_id)

    async def body(self, request: Request, operation_id: str) -> dict[str, Any]:
        """The JSON body with the later docs' names read as the seed's, checked against the schema."""
        value = await read_json(request.stream(), request.headers.get("content-type"))
        if isinstance(value, dict):
            value = self.normalise(value)
        problems = self.body_validator(operation_id).problems(value)
        if problems:
            listed = "; ".join(f"{where}: {what}" for where, what in problems.items())
            raise MockError(400, f"the body does not match the schema: {listed}", details=problems)
        if not isinstance(value, dict):  # pragma: no cover - the schema asks for an object
            raise MockError(400, "the body must be a JSON object")
        return value

    def normalise(self, body: dict[str, Any]) -> dict[str, Any]:
        """Read each later name (``fileUrl``...) as its seed name; both with different values: 400."""
        result = dict(body)
        for later, seed in self.aliases.items():
            if later not in result:
                continue
            value = result.pop(later)
            if seed in result and result[seed] != value:
                raise MockError(
                    400,
                    f"`{later}` (the later docs' name of `{seed}`) and `{seed}` differ; send one of them",
                )
            result[seed] = value
        return result

    def upload_headers(self, file_type: str, file_size: int) -> dict[str, str]:
        """The headers the PUT must carry, exactly."""
        return {"Content-Type": self.mime_types[file_type], RANGE_HEADER: f"0,{file_size}"}

    def object_path(self, object_id: str) -> str:
        return f"{STORAGE_PREFIX}/{self.vendor}/{object_id}"

    def issue(self, request: Request, user: str, file_type: str, file_size: int) -> SignedObject:
        """A new object with its signed upload and download URLs."""
        object_id = uuid.uuid4().hex
        path = self.object_path(object_id)
        headers = self.upload_headers(file_type, file_size)
        return SignedObject(
            id=object_id,
            user=user,
            file_type=file_type,
            content_type=headers["Content-Type"],
            max_bytes=file_size,
            upload=self.signer.sign(request, "PUT", path, ttl_s=self.upload_ttl_s, headers=headers),
            download=self.signer.sign(request, "GET", path, ttl_s=self.download_ttl_s),
        )

    def find_issued(self, download_url: str, user: str) -> SignedObject:
        """The object behind a ``downloadUrl`` this mock gave ``user`` (400 otherwise)."""
        with self.lock:
            object_id = self.by_download.get(url_key(download_url))
            found = self.objects.get(object_id) if object_id is not None else None
        if found is None or not self.owns(found, user):
            raise MockError(
                400,
                "`downloadUrl` is not a URL the signed-urls step answered for this token; "
                "ask POST /v1/core/recordings/signed-urls for one",
            )
        if found.download.expires < self.signer.clock():
            raise MockError(
                400, "`downloadUrl` has expired; ask for a new signed URL and upload again"
            )
        return found

    def owns(self, signed: SignedObject, user: str) -> bool:
        """Whether ``user`` may name this object: the one it was issued to."""
        return signed.user == user

    def take_file(self, signed: SignedObject) -> StoredFile | None:
        """The object's bytes, held for the recording (``None`` when nothing was PUT yet)."""
        with self.lock:
            stored = signed.file
            if stored is not None:
                signed.held = True
        return stored

    def not_uploaded(self, signed: SignedObject) -> None:
        """The refusal of an upload whose bytes were never PUT (400)."""
        raise MockError(
            400, "no audio was uploaded to this URL yet: PUT the file to `uploadUrl` first"
        )

    async def checked_file(
        self, stored: StoredFile, operation_id: str, file_type: str
    ) -> AudioInfo:
        """Readable audio of the declared ``fileType`` (400 otherwise); the object is kept."""
        info = await probe_stored(stored)
        reason = self.audio_problem(info, operation_id)
        if reason is not None:
            raise MockError(400, f"the uploaded file is not usable audio: {reason}")
        accepted = self.declared_formats(operation_id, file_type)
        if accepted is not None and info.format not in accepted:
            raise MockError(
                400,
                f"`fileType` is {file_type!r} but the uploaded file is {info.format} by its content",
            )
        return info

    def audio_problem(self, info: AudioInfo, operation_id: str) -> str | None:
        """Why the probed file is not usable audio (empty, unreadable, truncated...), or ``None``."""
        return audio_refusal(info, self.audio_limits(operation_id))

    def new_recording(
        self, user: str, signed: SignedObject, stored: StoredFile | None, body: Mapping[str, Any]
    ) -> SiroRecording:
        return SiroRecording(
            self.new_id(), user, signed.id, stored, str(body["fileType"]), dict(body)
        )

    # -- hooks: the storage host ---------------------------------------------------------

    def storage_object(self, request: Request, method: str) -> SignedObject:
        """The object a storage request names, once its signature is checked (403/404)."""
        object_id = str(request.path_params["object_id"])
        self.verify_signature(request, self.object_path(object_id), method)
        with self.lock:
            found = self.objects.get(object_id)
        if found is None:  # pragma: no cover - only an issued object has a valid signature
            raise StorageError(404, "NoSuchKey", "the object does not exist")
        return found

    def verify_signature(self, request: Request, object_path: str, method: str) -> None:
        """The storage host's signature check (403 ``SignatureDoesNotMatch``, 400 expired)."""
        self.signer.verify(request, object_path, method=method)

    def put_limit(self, signed: SignedObject) -> int | None:
        """The most bytes a PUT may carry: the top of the signed length range (the fileSize)."""
        return self.declared_size("signed-urls", signed.max_bytes)

    def declared_too_large(self, request: Request, limit: int | None) -> None:
        """Refuse a declared Content-Length outside the signed range before reading (400)."""
        declared = request.headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            raise self.out_of_range(limit, int(declared))

    def out_of_range(self, limit: int, received: int) -> StorageError:
        return StorageError(
            400,
            "EntityTooLarge",
            f"the upload is {received} bytes or more, outside the signed range 0,{limit}",
        )

    async def receive_object(self, request: Request, signed: SignedObject) -> StoredFile:
        """Stream the PUT body to disk, refused as soon as it passes the signed range."""
        limit = self.put_limit(signed)
        self.declared_too_large(request, limit)
        try:
            return await self.blobs.save_stream(
                request.stream(), max_bytes=limit, content_type=signed.content_type
            )
        except TooLarge as exc:
            raise self.out_of_range(exc.limit, exc.received) from None

    def store(self, signed: SignedObject, stored: StoredFile) -> None:
        """The new bytes replace the object's; the old file goes unless a recording holds it.

        The new file is unclaimed until a recording is made from it: it goes at
        the upload URL's expiry (or earlier, past the store's bounds).
        """
        with self.lock:
            previous, held = signed.file, signed.held
            signed.file, signed.held = stored, False
        if previous is not None and not held:
            BlobStore.discard(previous)
        self.hold_unclaimed(signed, stored)

    def hold_unclaimed(self, signed: SignedObject, stored: StoredFile) -> None:
        """Register an object's file that no recording refers to, to expire with its URL."""

        def forget(file: StoredFile) -> bool:
            with self.lock:
                if signed.file is not file:
                    return True  # replaced meanwhile: nothing refers to it
                if signed.held:
                    return False  # a recording is being made from it
                signed.file = None
                return True

        self.unclaimed.add(signed.id, stored, expires=signed.upload.expires, forget=forget)

    def release_file(self, signed: SignedObject, stored: StoredFile, was_held: bool) -> None:
        """An upload refused after :meth:`take_file`: the file is unclaimed again."""
        with self.lock:
            if was_held or signed.file is not stored:
                return
            signed.held = False
        self.hold_unclaimed(signed, stored)

    # -- endpoints -------------------------------------------------------------------

    async def signed_urls(self, request: Request) -> Response:
        self.unclaimed.sweep()
        user = self.authenticate(request, "signed-urls")
        body = await self.body(request, "signed-urls")
        signed = self.issue(request, user, str(body["fileType"]), int(body["fileSize"]))
        with self.lock:
            self.objects[signed.id] = signed
            self.by_download[url_key(signed.download.url)] = signed.id
        data = {
            "uploadUrl": signed.upload.url,
            "uploadHeaders": dict(signed.upload.headers),
            "downloadUrl": signed.download.url,
            "expiresAt": signed.upload.expires_at,
        }
        return self.respond("signed-urls", {"data": data})

    async def upload(self, request: Request) -> Response:
        user = self.authenticate(request, "upload")
        body = await self.body(request, "upload")
        signed = self.find_issued(str(body["downloadUrl"]), user)
        with self.lock:
            was_held = signed.held
        stored = self.take_file(signed)
        if stored is None:
            self.not_uploaded(signed)
        else:
            try:
                await self.checked_file(stored, "upload", str(body["fileType"]))
            except MockError:
                self.release_file(signed, stored, was_held)
                raise
            self.unclaimed.claim(signed.id, stored)
        recording = self.new_recording(user, signed, stored, body)
        with self.lock:
            self.recordings[recording.id] = recording
        return self.respond("upload", {"data": {"id": recording.id}})

    async def storage(self, request: Request) -> Response:
        if request.method == "PUT":
            signed = self.storage_object(request, "PUT")
            stored = await self.receive_object(request, signed)
            self.store(signed, stored)
            return Response(status_code=200, headers={"ETag": f'"{stored.sha256[:32]}"'})
        if request.method in ("GET", "HEAD"):
            signed = self.storage_object(request, "GET")
            current = signed.file
            if current is None:
                raise StorageError(404, "NoSuchKey", "nothing was uploaded to this object yet")
            if request.method == "HEAD":
                return Response(
                    headers={"Content-Length": str(current.size)}, media_type=signed.content_type
                )
            return self.file_response(current, signed.content_type)
        raise StorageError(
            405, "MethodNotAllowed", f"{request.method} is not allowed on a signed URL"
        )


#: ``tapecheck mock siro`` serves this: the mock as an ASGI app, built with its constructor's options.
create_app = app_factory(SiroMock)

#: The class the generic mutant families subclass (tapecheck.suite.conform.families.mutants).
MOCK_CLASS = SiroMock
