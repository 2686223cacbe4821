"""Siro's upload: a recording made from PUT audio, and the uploads it must refuse."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tapecheck.suite.conform.common import INVALID
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    FORMATS,
    MOCKS,
    NOTHING_THERE,
    SEED,
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
    "upload_file_type_match",
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
    source=f'{SEED}: "Response 201 - application/json Created", data.id; downloadUrl "Download '
    'URL from signed-urls endpoint"; fileType mp3, aac, wav.',
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
    source=f"{SEED}, body: title, customerPhone, customerName (strings), dateCreated "
    "(string<date-time>, example 2023-11-07T05:31:56Z).",
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
    source="VENDORS.md: later docs rename downloadUrl to fileUrl and customerPhone/customerName to "
    "contactPhone/contactName; CONTRACT.md section 2: the mocks accept both versions, as a "
    "sandbox running either would.",
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
    source=f"{MOCKS}: upload before the bytes were PUT gets 400. Any status meaning invalid data "
    "(400, 422) or nothing there (404) passes, with a JSON body.",
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
    source=f'{SEED}: downloadUrl is the "Download URL from signed-urls endpoint"; {MOCKS}. The '
    "URLs sent name nothing (an issued URL with its object renamed, an object on the storage "
    "host nobody created, text that is no URL), so a server that fetches them finds nothing "
    "either: 400 or 422 (invalid data) or 404 pass, with a JSON body.",
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
    "SIRO-UPLOAD-FILE-TYPE-MATCH",
    title="An upload whose fileType the stored bytes contradict is refused (wav as mp3, mp3 as wav)",
    source=f"{SEED}: fileType is the recording's format (mp3, aac, wav), and signed-urls binds "
    "the PUT's Content-Type to it. That the server compares it with the stored bytes rests on "
    "the reference mocks' reading (specs/siro.yaml x-tapecheck audio.declared-type; AUD004 for a "
    "request). CONTRACT.md: 400 or 422 for invalid data.",
    checks=ERROR_CHECKS,
)
async def upload_file_type_match(s: Session) -> None:
    for file_type, fmt in (("mp3", "wav"), ("wav", "mp3")):
        url = await stored(s, file_type, s.media.audio_bytes(fmt))
        response = await upload(s, upload_body(url))
        expect_error(s, response, UPLOAD, INVALID)


@requirement(
    V,
    "SIRO-UPLOAD-UNREADABLE-AUDIO",
    title="An upload of bytes that are no audio, or a wav whose header claims more audio, is refused",
    source=f"{SEED}: the endpoint creates a recording from uploaded audio; VENDORS.md: a WAV "
    "whose header claims more audio than the file holds is refused as invalid audio (400) by "
    "every mock. CONTRACT.md: 400 or 422 for invalid data.",
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
    source=f"{SEED}: downloadUrl (string, required), fileType (enum mp3, aac, wav, required). "
    "CONTRACT.md: 400 or 422 for invalid data.",
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
    source=f"{SEED}, dateCreated: string<date-time>. CONTRACT.md: 400 or 422 for invalid data.",
    checks=ERROR_CHECKS,
)
async def upload_date_created(s: Session) -> None:
    url = await stored(s, "mp3")
    for bad in ("yesterday", "15/01/2024 14:30", "2024-13-45T10:00:00Z", "2024-02-30T10:00:00Z"):
        expect_error(s, await upload(s, upload_body(url, dateCreated=bad)), UPLOAD, INVALID)
