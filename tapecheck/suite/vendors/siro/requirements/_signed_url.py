"""What a Siro requirement works with: signed URLs, the PUT to them, and the upload naming one.

:func:`signed` asks for a signed URL and takes from the answer what the flow
needs (whether the answer is right is SIRO-SIGNED-URLS's to decide);
:func:`stored` also PUTs audio there; :func:`upload_body` names the stored
audio in an upload.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tapecheck.suite.conform.common import (
    INVALID,
    JSON_ERROR_CHECKS,
    expect_error,
    success_statuses,
)
from tapecheck.suite.conform.session import Auth, Session

__all__ = [
    "ERROR_CHECKS",
    "FAMILY_FIXTURES",
    "FLOW_CHECKS",
    "FORMATS",
    "NOTHING_THERE",
    "PUT_ACCEPTED",
    "SIGNATURE_MISMATCH",
    "SIGNED_CHECKS",
    "SIGNED_URLS",
    "SUCCESS_CHECKS",
    "UPLOAD",
    "Signed",
    "V",
    "expect_created",
    "expect_error",
    "expect_put",
    "put",
    "request_signed",
    "signed",
    "stored",
    "upload",
    "upload_body",
]

V = "siro"
SIGNED_URLS = "signed-urls"
UPLOAD = "upload"

#: An error: a status of the right meaning and a JSON body (the docs document no error body).
ERROR_CHECKS = JSON_ERROR_CHECKS
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


def upload_body(url: Signed, **fields: Any) -> dict[str, Any]:
    """An upload of what was PUT to ``url``: its ``downloadUrl`` and ``fileType``, and ``fields``."""
    return {"downloadUrl": url.download_url, "fileType": url.file_type, **fields}


@asynccontextmanager
async def _signed_urls_body(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A signed-urls request for a second of mp3."""
    yield {"json": {"fileType": "mp3", "fileSize": len(s.media.audio_bytes("mp3"))}}


@asynccontextmanager
async def _upload_body(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """An upload of a second of mp3, PUT to a signed URL first (the client's flow)."""
    yield {"json": upload_body(await stored(s, "mp3"))}


#: What a generic family's call of each operation needs first (``FAMILY_FIXTURES``).
FAMILY_FIXTURES = {SIGNED_URLS: _signed_urls_body, UPLOAD: _upload_body}
