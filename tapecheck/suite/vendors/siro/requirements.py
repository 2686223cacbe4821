"""Siro's requirements: the signed URL, the PUT to it, and the recording made from the upload.

From the seed (``siro-create-recording-from-upload.md``), the spec
(``specs/siro.yaml``) and VENDORS.md. Every requirement makes fixed requests
at the edges, so a deviation is caught on every seed.

The flow is the client's: ``POST /v1/core/recordings/signed-urls`` with
``{fileType, fileSize}``; a PUT of the bytes to ``uploadUrl`` carrying exactly
``uploadHeaders`` (the URL is on the storage provider's host, so the PUT is
sent to the absolute URL, without Siro's credential); then ``POST
/v1/core/recordings/upload`` with ``{downloadUrl, fileType}``. Against the
embedded mock the storage host is the mock itself, on the same origin.

Statuses and bodies (CONTRACT.md section 3): the docs document no error body,
so an error needs only a JSON body (the spec's ``{statusCode, message,
error}`` is the mock's choice and is not required); where no status is pinned
any of the right meaning passes. What the docs do pin: 201 for the upload,
200 or 201 for signed-urls, and 403 ``SignatureDoesNotMatch`` from the
storage host for a PUT whose headers are not the signed ones.

Readings that rest on VENDORS.md's account of what the reference mocks do
where the docs are silent (an upload before its bytes were PUT, a URL that
was never issued, a ``fileType`` the stored bytes contradict, unreadable
audio) say so in their ``source``; each accepts every status of the right
meaning, not only the mock's 400.

Isolation between users needs a second user's token: ``--param
other_token=`` against a real target; the embedded mock knows one of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

import tapecheck.suite.vendors.siro.checks  # noqa: F401  (registers Siro's checks)
from tapecheck.suite.conform.common import (
    AUTH_REFUSED,
    INVALID,
    OTHER_TENANT,
    TOO_LARGE,
    WRONG_TYPE,
    success_statuses,
)
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.vendors.siro.checks import RANGE_HEADER

V = "siro"
SIGNED_URLS = "signed-urls"
UPLOAD = "upload"
SEED = "Seed siro-create-recording-from-upload.md"
SIGNED = "VENDORS.md, Siro: signed-urls and the PUT to uploadUrl"
MOCKS = "VENDORS.md, where the docs are silent (the reference mocks' reading)"
NO_ERROR_BODY = "CONTRACT.md section 3: Siro documents no error body, so a JSON body is required"

#: An error: a status of the right meaning and a JSON body (the docs document no error body).
ERROR_CHECKS = ("status_code_expected", "json_content_type")
SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")
SIGNED_CHECKS = (*SUCCESS_CHECKS, "siro_signed_url")
#: What the flow asks of signed-urls on its way: a success with a JSON body holding the URLs.
FLOW_CHECKS = ("status_code_expected", "json_content_type")
#: What the storage host answers a good PUT: any success (GCS answers 200).
PUT_ACCEPTED = range(200, 300)
#: The storage host's answer to headers other than the signed ones (VENDORS.md).
SIGNATURE_MISMATCH = frozenset({403})
#: An upload naming a URL that holds nothing (never issued, or nothing PUT there yet): invalid
#: data, or a resource that does not exist.
NOTHING_THERE = INVALID | {404}
#: fileType -> the format of the audio the requirements put behind it.
FORMATS = {"mp3": "mp3", "wav": "wav", "aac": "aac"}


# -- helpers -----------------------------------------------------------------------------


def expect_error(
    s: Session, response: httpx.Response, operation_id: str, statuses: Collection[int]
) -> None:
    """One of ``statuses`` with a JSON body: all the contract asks of Siro's errors."""
    s.expect(response, *ERROR_CHECKS, operation=operation_id, status=statuses)


def expect_created(s: Session, response: httpx.Response) -> str:
    """201 ``{data: {id}}``; the new recording's id."""
    s.expect(response, *SUCCESS_CHECKS, operation=UPLOAD, status=201)
    return str(response.json()["data"]["id"])


class Signed:
    """The answer of signed-urls: where to PUT, with which headers, and the URL to upload."""

    def __init__(self, data: Mapping[str, Any], file_type: str, size: int) -> None:
        self.upload_url = str(data["uploadUrl"])
        self.headers = {str(k): str(v) for k, v in dict(data["uploadHeaders"]).items()}
        self.download_url = str(data["downloadUrl"])
        self.file_type = file_type
        self.size = size

    def headers_with(self, **changes: str | None) -> dict[str, str]:
        """The signed headers with some changed (``None`` removes one); names are case-insensitive."""
        headers = dict(self.headers)
        for name, value in changes.items():
            wanted = name.replace("_", "-").lower()
            headers = {k: v for k, v in headers.items() if k.lower() != wanted}
            if value is not None:
                headers[name.replace("_", "-")] = value
        return headers


async def request_signed(
    s: Session, file_type: Any, size: Any, *, auth: Auth = "valid"
) -> httpx.Response:
    return await s.call(SIGNED_URLS, json={"fileType": file_type, "fileSize": size}, auth=auth)


async def signed(
    s: Session, file_type: str, size: int, *, auth: Auth = "valid", checks: tuple[str, ...] = ()
) -> Signed:
    """Ask for a signed URL: 200 or 201 with the documented body (and ``checks``, if any).

    The flow takes the answered headers as they are; whether they are the right ones is
    SIRO-SIGNED-URLS's to decide, so one deviation there does not fail every requirement.
    """
    response = await request_signed(s, file_type, size, auth=auth)
    s.expect(
        response,
        *(checks or FLOW_CHECKS),
        operation=SIGNED_URLS,
        status=success_statuses(s, SIGNED_URLS),
        file_type=file_type,
        file_size=size,
    )
    body = response.json()
    data: Any = body.get("data") if isinstance(body, dict) else None
    wanted = {"uploadUrl": str, "uploadHeaders": dict, "downloadUrl": str}
    for name, kind in wanted.items():
        if not isinstance(data, dict) or not isinstance(data.get(name), kind):
            s.fail("response_schema_conformance", "No signed URL", f"no data.{name}", response)
    return Signed(data, file_type, size)


async def put(
    s: Session, url: Signed, content: bytes, *, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """PUT ``content`` to the absolute ``uploadUrl`` (the storage host), without Siro's token."""
    request = s.client.build_request(
        "PUT",
        url.upload_url,
        headers=dict(url.headers if headers is None else headers),
        content=content,
    )
    return await s.send(request)


def expect_put(s: Session, response: httpx.Response) -> None:
    s.expect(response, "status_code_expected", status=PUT_ACCEPTED)


async def stored(
    s: Session,
    file_type: str = "mp3",
    content: bytes | None = None,
    *,
    auth: Auth = "valid",
) -> Signed:
    """A signed URL for ``content`` (default: a second of ``file_type`` audio), PUT there."""
    if content is None:
        content = s.media.audio_bytes(FORMATS[file_type])
    url = await signed(s, file_type, len(content), auth=auth)
    expect_put(s, await put(s, url, content))
    return url


async def upload(s: Session, body: Mapping[str, Any], *, auth: Auth = "valid") -> httpx.Response:
    return await s.call(UPLOAD, json=dict(body), auth=auth)


def never_issued(url: str) -> str:
    """An issued URL with its object renamed: on the same host, naming nothing."""
    parts = urlsplit(url)
    head, _, _ = parts.path.rpartition("/")
    return urlunsplit(parts._replace(path=f"{head}/tapecheck-never-issued.mp3"))


# -- signed-urls ---------------------------------------------------------------------------


@requirement(
    V,
    "SIRO-SIGNED-URLS",
    title="signed-urls answers 200 or 201 with uploadUrl, uploadHeaders, downloadUrl and expiresAt",
    source=f"{SIGNED}: data {{uploadUrl, uploadHeaders: {{Content-Type, "
    'x-goog-content-length-range: "0,<fileSize>"}, downloadUrl, expiresAt}; MIME types mp3 '
    "audio/mpeg, wav audio/wav, aac audio/aac. CONTRACT.md: 200 or 201 for signed-urls.",
    checks=SIGNED_CHECKS,
)
async def signed_urls(s: Session) -> None:
    for file_type, size in (("mp3", 48_000), ("wav", 1), ("aac", 25_000_000)):
        await signed(s, file_type, size, checks=SIGNED_CHECKS)


@requirement(
    V,
    "SIRO-SIGNED-URLS-INVALID",
    title="signed-urls refuses a fileType outside mp3|aac|wav, a missing field or a non-integer size",
    source=f"{SIGNED}: the body is {{fileType, fileSize}}; {SEED}: fileType enum mp3, aac, wav. "
    "CONTRACT.md: 400 or 422 for invalid data; a JSON error body.",
    checks=ERROR_CHECKS,
)
async def signed_urls_invalid(s: Session) -> None:
    for body in (
        {"fileType": "flac", "fileSize": 48_000},
        {"fileType": "m4a", "fileSize": 48_000},
        {"fileType": "", "fileSize": 48_000},
        {"fileSize": 48_000},
        {"fileType": "mp3"},
        {"fileType": "mp3", "fileSize": "large"},
    ):
        expect_error(s, await s.call(SIGNED_URLS, json=body), SIGNED_URLS, INVALID)


# -- the PUT to the storage host ---------------------------------------------------------------


@requirement(
    V,
    "SIRO-PUT-SIGNED-HEADERS",
    title="The PUT is accepted with exactly the signed headers and refused (403) with others",
    source=f"{SIGNED}: the client PUTs the bytes to uploadUrl with exactly the uploadHeaders, "
    "else 403 SignatureDoesNotMatch.",
    checks=("status_code_expected",),
)
async def put_signed_headers(s: Session) -> None:
    audio = s.media.audio_bytes("mp3")
    url = await signed(s, "mp3", len(audio))
    signed_type = next((v for k, v in url.headers.items() if k.lower() == "content-type"), "")
    others = [
        t for t in ("audio/wav", "application/octet-stream", "audio/mpeg") if t != signed_type
    ]
    for headers in (
        *(url.headers_with(content_type=other) for other in others[:2]),
        url.headers_with(**{RANGE_HEADER: None}),
        url.headers_with(**{RANGE_HEADER: f"0,{len(audio) * 10}"}),
    ):
        response = await put(s, url, audio, headers=headers)
        s.expect(response, "status_code_expected", status=SIGNATURE_MISMATCH)
    expect_put(s, await put(s, url, audio))
    expect_created(s, await upload(s, {"downloadUrl": url.download_url, "fileType": "mp3"}))


@requirement(
    V,
    "SIRO-PUT-LENGTH-RANGE",
    title="The PUT takes any size within 0..fileSize and refuses one byte more (400 or 413)",
    source=f'{SIGNED}: uploadHeaders x-goog-content-length-range "0,<fileSize>" bounds the body; '
    "CONTRACT.md: 400 or 413 for a body over a limit.",
    checks=("status_code_expected",),
)
async def put_length_range(s: Session) -> None:
    audio = s.media.audio_bytes("wav")
    roomy = await signed(s, "wav", len(audio) + 1000)
    expect_put(s, await put(s, roomy, audio))
    expect_created(s, await upload(s, {"downloadUrl": roomy.download_url, "fileType": "wav"}))
    exact = await signed(s, "wav", len(audio))
    expect_put(s, await put(s, exact, audio))
    short = await signed(s, "wav", len(audio) - 1)
    response = await put(s, short, audio)
    s.expect(response, "status_code_expected", status=TOO_LARGE)


# -- upload ----------------------------------------------------------------------------------


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
        body = {"downloadUrl": url.download_url, "fileType": file_type}
        ids.append(expect_created(s, await upload(s, body)))
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
        body = {
            "downloadUrl": url.download_url,
            "fileType": "mp3",
            "title": "tapecheck: optional fields",
            "customerPhone": "+14155550100",
            "customerName": "Ada Lovelace",
            "dateCreated": moment,
        }
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
    body = {
        "downloadUrl": other.download_url,
        "fileType": "wav",
        "contactPhone": "+14155550100",
        "contactName": "Ada Lovelace",
    }
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
    response = await upload(s, {"downloadUrl": url.download_url, "fileType": "mp3"})
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
        response = await upload(s, {"downloadUrl": url.download_url, "fileType": file_type})
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
        response = await upload(s, {"downloadUrl": url.download_url, "fileType": file_type})
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
        body = {"downloadUrl": url.download_url, "fileType": "mp3", "dateCreated": bad}
        expect_error(s, await upload(s, body), UPLOAD, INVALID)


# -- credentials and users -----------------------------------------------------------------------


@requirement(
    V,
    "SIRO-AUTH-MISSING",
    title="signed-urls and upload without x-siro-auth-token are refused (401 or 403)",
    source=f"{SEED}, Authorizations: x-siro-auth-token, header, required. CONTRACT.md: 401 or 403 "
    f"for a missing credential; {NO_ERROR_BODY}.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    response = await request_signed(s, "mp3", 48_000, auth="none")
    expect_error(s, response, SIGNED_URLS, AUTH_REFUSED)
    url = await stored(s, "mp3")
    response = await upload(s, {"downloadUrl": url.download_url, "fileType": "mp3"}, auth="none")
    expect_error(s, response, UPLOAD, AUTH_REFUSED)


@requirement(
    V,
    "SIRO-AUTH-WRONG",
    title="signed-urls and upload with a wrong x-siro-auth-token are refused (401 or 403)",
    source=f"{SEED}, Authorizations: x-siro-auth-token (a user-scoped token). CONTRACT.md: 401 or "
    f"403 for a wrong credential; {NO_ERROR_BODY}.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    response = await request_signed(s, "mp3", 48_000, auth="wrong")
    expect_error(s, response, SIGNED_URLS, AUTH_REFUSED)
    url = await stored(s, "mp3")
    response = await upload(s, {"downloadUrl": url.download_url, "fileType": "mp3"}, auth="wrong")
    expect_error(s, response, UPLOAD, AUTH_REFUSED)


@requirement(
    V,
    "SIRO-USER-ISOLATION",
    title="A user cannot make a recording from another user's upload",
    source="VENDORS.md: x-siro-auth-token is a user-scoped token; CONTRACT.md: 403 or 404 for "
    "another tenant's resource (400 or 422 too: to that user the URL is one never issued). "
    "Needs a second user's token: --param other_token= against a real target.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def user_isolation(s: Session) -> None:
    other = s.credentials.other_token
    if other is None:
        raise RequirementSkipped("needs a second user's token: --param other_token=...")
    theirs = await stored(s, "mp3", auth=other)
    body = {"downloadUrl": theirs.download_url, "fileType": "mp3"}
    expect_error(s, await upload(s, body), UPLOAD, INVALID | OTHER_TENANT)
    expect_created(s, await upload(s, body, auth=other))


# -- errors ------------------------------------------------------------------------------------


@requirement(
    V,
    "SIRO-MALFORMED-BODY",
    title="A body that is not JSON, or not sent as JSON, is refused (4xx), never a server error",
    source=f"{SEED}: Body application/json. CONTRACT.md: 400 or 422 for invalid data, 400 or 415 "
    f"for a wrong content type; {NO_ERROR_BODY}.",
    checks=(*ERROR_CHECKS, "not_a_server_error"),
)
async def malformed_body(s: Session) -> None:
    for operation_id in (SIGNED_URLS, UPLOAD):
        broken = await s.call(
            operation_id,
            content=b'{"fileType": "mp3", "fileSize": 48',
            headers={"Content-Type": "application/json"},
        )
        s.expect(broken, "not_a_server_error")
        expect_error(s, broken, operation_id, INVALID)
        form = await s.call(operation_id, data={"fileType": "mp3", "fileSize": "48000"})
        s.expect(form, "not_a_server_error")
        expect_error(s, form, operation_id, INVALID | WRONG_TYPE)


@requirement(
    V,
    "SIRO-ERROR-BODY",
    title="Errors answer with a JSON body (application/json or +json)",
    source=f"{NO_ERROR_BODY}.",
    checks=ERROR_CHECKS,
)
async def error_body(s: Session) -> None:
    expect_error(s, await request_signed(s, "flac", 48_000), SIGNED_URLS, INVALID)
    expect_error(s, await request_signed(s, "mp3", 48_000, auth="wrong"), SIGNED_URLS, AUTH_REFUSED)
    expect_error(s, await upload(s, {"fileType": "mp3"}), UPLOAD, INVALID)
    response = await upload(s, {"downloadUrl": "not a url", "fileType": "mp3"})
    expect_error(s, response, UPLOAD, NOTHING_THERE)
