"""Siro's mutants: the reference mock with one realistic deviation each.

Each is a small subclass of :class:`SiroMock` overriding the hook where the
deviation lives; ``expect`` names the requirements that must catch it.
``tapecheck selftest siro`` runs the suite against the mock and each of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.requests import Request

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.mutant import app_factory as _factory
from tapecheck.suite.mocks.signed import SignedUrl
from tapecheck.suite.values import parse_datetime
from tapecheck.suite.vendors.siro.mock import RANGE_HEADER, SignedObject, SiroMock

__all__ = ["GENERIC_NOT_APPLICABLE", "MUTANTS"]


class SignatureUnchecked(SiroMock):
    """The storage host takes any PUT to an upload URL, whatever its headers."""

    def verify_signature(self, request: Request, object_path: str, method: str) -> None:
        return None


class UploadBeforePut(SiroMock):
    """An upload naming a URL with nothing PUT yet makes a recording (without audio)."""

    def not_uploaded(self, signed: SignedObject) -> None:
        return None


class UnissuedUrlAccepted(SiroMock):
    """Any downloadUrl makes a recording: one the mock never issued is queued to be fetched later."""

    def find_issued(self, download_url: str, user: str) -> SignedObject:
        try:
            return super().find_issued(download_url, user)
        except MockError:
            later = SignedUrl(download_url, 0, {})
            return SignedObject("fetch-later", user, "mp3", "audio/mpeg", 0, later, later)

    def not_uploaded(self, signed: SignedObject) -> None:
        if signed.id != "fetch-later":
            super().not_uploaded(signed)


class OctetStreamUploads(SiroMock):
    """Every upload URL is signed for Content-Type application/octet-stream, whatever the fileType."""

    mime_types: ClassVar[Mapping[str, str]] = dict.fromkeys(
        ("mp3", "aac", "wav"), "application/octet-stream"
    )


class LengthRangeOffByOne(SiroMock):
    """uploadHeaders give the range as 0,<fileSize - 1> (an inclusive end read as exclusive)."""

    def upload_headers(self, file_type: str, file_size: int) -> dict[str, str]:
        headers = super().upload_headers(file_type, file_size)
        headers[RANGE_HEADER] = f"0,{file_size - 1}"
        return headers


class FileUrlRefused(SiroMock):
    """Only the seed's names are read: the later docs' fileUrl is an unknown field."""

    aliases: ClassVar[Mapping[str, str]] = {
        "contactPhone": "customerPhone",
        "contactName": "customerName",
    }


class UserIsolationBroken(SiroMock):
    """Any user may make a recording from any user's upload."""

    def owns(self, signed: SignedObject, user: str) -> bool:
        return True


class MalformedJson500(SiroMock):
    """A body that does not parse as JSON crashes the handler: 500."""

    async def body(self, request: Request, operation_id: str) -> dict[str, Any]:
        try:
            return await super().body(request, operation_id)
        except MockError as exc:
            if "JSON" in exc.message or "Content-Type" in exc.message:
                raise RuntimeError("json.loads failed") from exc
            raise


class DateCreatedNotValidated(SiroMock):
    """A dateCreated that is no date-time is dropped silently (the recording is dated now)."""

    def normalise(self, body: dict[str, Any]) -> dict[str, Any]:
        result = super().normalise(body)
        if "dateCreated" in result and parse_datetime(result["dateCreated"]) is None:
            del result["dateCreated"]
        return result


class CorruptAudioAccepted(SiroMock):
    """Audio is only identified, never checked: a wav whose header lies about its length passes."""

    def audio_problem(self, info: Any, operation_id: str) -> str | None:
        return None


class M4aFileType(SiroMock):
    """fileType m4a is read as aac, outside the documented mp3|aac|wav."""

    def normalise(self, body: dict[str, Any]) -> dict[str, Any]:
        result = super().normalise(body)
        if result.get("fileType") == "m4a":
            result["fileType"] = "aac"
        return result


MUTANTS: list[Mutant] = [
    Mutant(
        "put-signature-unchecked",
        "the storage host takes a PUT with headers other than the signed ones",
        _factory(SignatureUnchecked),
        expect=("SIRO-PUT-SIGNED-HEADERS",),
    ),
    Mutant(
        "upload-before-put",
        "an upload naming a URL whose bytes were never PUT makes a recording",
        _factory(UploadBeforePut),
        expect=("SIRO-UPLOAD-BEFORE-PUT",),
    ),
    Mutant(
        "unissued-url-accepted",
        "an upload naming a URL never issued makes a recording (to be fetched later)",
        _factory(UnissuedUrlAccepted),
        expect=("SIRO-UPLOAD-UNISSUED-URL",),
    ),
    Mutant(
        "octet-stream-uploads",
        "uploadHeaders sign Content-Type application/octet-stream for every fileType",
        _factory(OctetStreamUploads),
        expect=("SIRO-SIGNED-URLS",),
    ),
    Mutant(
        "length-range-off-by-one",
        "uploadHeaders give x-goog-content-length-range 0,<fileSize - 1>",
        _factory(LengthRangeOffByOne),
        expect=("SIRO-SIGNED-URLS",),
    ),
    Mutant(
        "file-url-refused",
        "the later docs' fileUrl is not read as downloadUrl",
        _factory(FileUrlRefused),
        expect=("SIRO-UPLOAD-LATER-NAMES",),
    ),
    Mutant(
        "user-isolation-broken",
        "a user may make a recording from another user's upload",
        _factory(UserIsolationBroken),
        expect=("SIRO-USER-ISOLATION",),
    ),
    Mutant(
        "malformed-json-500",
        "a body that is not JSON answers 500",
        _factory(MalformedJson500),
        expect=("SIRO-MALFORMED-BODY",),
    ),
    Mutant(
        "date-created-not-validated",
        "a dateCreated that is no date-time is dropped instead of refused",
        _factory(DateCreatedNotValidated),
        expect=("SIRO-UPLOAD-DATE-CREATED",),
    ),
    Mutant(
        "corrupt-audio-accepted",
        "a wav whose header claims more audio than the file holds is accepted",
        _factory(CorruptAudioAccepted),
        expect=("SIRO-UPLOAD-UNREADABLE-AUDIO",),
    ),
    Mutant(
        "m4a-file-type",
        "fileType m4a is accepted (read as aac)",
        _factory(M4aFileType),
        expect=("SIRO-SIGNED-URLS-INVALID", "SIRO-UPLOAD-REQUIRED-FIELDS"),
    ),
]


#: Generic mutant families that mean nothing for this vendor (family -> why).
GENERIC_NOT_APPLICABLE: dict[str, str] = {
    "error-shape-broken": (
        "the docs document no error body: SIRO-ERROR-BODY (should) asks only for JSON, which the broken shape still is"
    ),
}
