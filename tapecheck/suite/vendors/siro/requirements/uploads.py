"""Siro's upload: a recording made from PUT audio, and the uploads it must refuse."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tapecheck.suite.conform.common import INVALID
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    FORMATS,
    NOTHING_THERE,
    SUCCESS_CHECKS,
    UPLOAD,
    V,
    expect_created,
    expect_error,
    signed,
    stored,
    upload,
    upload_body,
)

__all__ = [
    "never_issued",
    "upload_before_put",
    "upload_created",
    "upload_date_created",
    "upload_later_names",
    "upload_optional_fields",
    "upload_required_fields",
    "upload_unissued_url",
    "upload_unreadable_audio",
]


def never_issued(url: str) -> str:
    """An issued URL with its object renamed: on the same host, naming nothing."""
    parts = urlsplit(url)
    head, _, _ = parts.path.rpartition("/")
    return urlunsplit(parts._replace(path=f"{head}/tapecheck-never-issued.mp3"))


@requirement(
    V,
    "SIRO-UPLOAD-201",
    title="An upload of PUT audio (mp3, wav, aac) answers 201 {data: {id}} with a new id",
    level="must",
    source='Siro API reference, "Create a recording from upload": "Response 201 - application/json '
    'Created", data.id; downloadUrl "Download URL from signed-urls endpoint"; fileType mp3, '
    "aac, wav.",
    checks=SUCCESS_CHECKS,
)
async def upload_created(s: Session) -> None:
    ids = []
    for file_type in FORMATS:
        url = await stored(s, file_type)
        ids.append(expect_created(s, await upload(s, upload_body(url))))
    if len(set(ids)) != len(ids) or not all(ids):
        s.fail("response_schema_conformance", "Recording ids not distinct", f"ids: {ids}")


@requirement(
    V,
    "SIRO-UPLOAD-OPTIONAL-FIELDS",
    title="The optional title, customerPhone, customerName and dateCreated are accepted",
    level="must",
    source='Siro API reference, "Create a recording from upload": body title, customerPhone, '
    "customerName (string), dateCreated (string<date-time>, example 2023-11-07T05:31:56Z) "
    "are optional.",
    checks=SUCCESS_CHECKS,
)
async def upload_optional_fields(s: Session) -> None:
    for moment in ("2023-11-07T05:31:56Z", "2024-01-15T09:30:00.250-05:00"):
        url = await stored(s, "mp3")
        body = upload_body(
            url,
            title="tapecheck: optional fields",
            customerPhone="+14155550100",
            customerName="Ada Lovelace",
            dateCreated=moment,
        )
        expect_created(s, await upload(s, body))


@requirement(
    V,
    "SIRO-UPLOAD-LATER-NAMES",
    title="The later docs' names are accepted: fileUrl for downloadUrl, contactPhone/contactName",
    level="should",
    source="Siro's later docs rename downloadUrl to fileUrl and customerPhone/customerName to "
    "contactPhone/contactName; a reasonable expectation for a server of either version: "
    "both names are accepted.",
    checks=SUCCESS_CHECKS,
)
async def upload_later_names(s: Session) -> None:
    url = await stored(s, "mp3")
    expect_created(s, await upload(s, {"fileUrl": url.download_url, "fileType": "mp3"}))
    other = await stored(s, "wav")
    body = upload_body(other, contactPhone="+14155550100", contactName="Ada Lovelace")
    expect_created(s, await upload(s, body))


@requirement(
    V,
    "SIRO-UPLOAD-BEFORE-PUT",
    title="An upload naming a signed URL whose bytes were never PUT is refused",
    level="should",
    source="Siro's docs do not say what an upload gets before the bytes were PUT; a reasonable "
    "expectation: 400, 404 or 422 with a JSON body, never a recording.",
    checks=ERROR_CHECKS,
)
async def upload_before_put(s: Session) -> None:
    url = await signed(s, "mp3", len(s.media.audio_bytes("mp3")))
    response = await upload(s, upload_body(url))
    expect_error(s, response, UPLOAD, NOTHING_THERE)


@requirement(
    V,
    "SIRO-UPLOAD-UNISSUED-URL",
    title="An upload naming a URL the signed-urls step never answered is refused",
    level="should",
    source='Siro API reference, "Create a recording from upload": downloadUrl is the "Download URL '
    'from signed-urls endpoint"; the docs do not say what another URL gets. A reasonable '
    "expectation: 400, 404 or 422 with a JSON body.",
    checks=ERROR_CHECKS,
)
async def upload_unissued_url(s: Session) -> None:
    url = await stored(s, "mp3")
    for download_url in (
        never_issued(url.download_url),
        "https://storage.googleapis.com/tapecheck-never-issued/recording.mp3",
        "not a url",
    ):
        response = await upload(s, {"downloadUrl": download_url, "fileType": "mp3"})
        expect_error(s, response, UPLOAD, NOTHING_THERE)


@requirement(
    V,
    "SIRO-UPLOAD-UNREADABLE-AUDIO",
    title="An upload of bytes that are no audio, or a wav whose header claims more audio, is refused",
    level="should",
    source="Siro's docs do not say that damaged or non-audio bytes are refused; a reasonable "
    "expectation: 400 or 422 with a JSON body.",
    checks=ERROR_CHECKS,
)
async def upload_unreadable_audio(s: Session) -> None:
    for file_type, content in (
        ("wav", s.media.lying_wav().read_bytes()),
        ("mp3", s.media.garbage()),
    ):
        url = await stored(s, file_type, content)
        response = await upload(s, upload_body(url))
        expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "SIRO-UPLOAD-REQUIRED-FIELDS",
    title="An upload without downloadUrl or fileType, or with a fileType outside mp3|aac|wav, is refused",
    level="must",
    source='Siro API reference, "Create a recording from upload": downloadUrl (string, required), '
    "fileType (enum<string>, required: mp3, aac, wav). The docs name no status: 400 or 422 "
    "passes.",
    checks=ERROR_CHECKS,
)
async def upload_required_fields(s: Session) -> None:
    url = await stored(s, "mp3")
    for body in (
        {"fileType": "mp3"},
        {"downloadUrl": url.download_url},
        {"downloadUrl": url.download_url, "fileType": "flac"},
        {"downloadUrl": url.download_url, "fileType": "m4a"},
        {"downloadUrl": url.download_url, "fileType": 3},
        {},
    ):
        expect_error(s, await upload(s, body), UPLOAD, INVALID)


@requirement(
    V,
    "SIRO-UPLOAD-DATE-CREATED",
    title="A dateCreated that is not a date-time is refused",
    level="must",
    source='Siro API reference, "Create a recording from upload": dateCreated is string<date-time> '
    '("When the recording was created."). The docs name no status: 400 or 422 passes.',
    checks=ERROR_CHECKS,
)
async def upload_date_created(s: Session) -> None:
    url = await stored(s, "mp3")
    for bad in ("yesterday", "15/01/2024 14:30", "2024-13-45T10:00:00Z", "2024-02-30T10:00:00Z"):
        expect_error(s, await upload(s, upload_body(url, dateCreated=bad)), UPLOAD, INVALID)
