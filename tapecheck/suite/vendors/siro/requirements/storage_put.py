"""The PUT to the storage host: exactly the signed headers (its size: the declared-size family)."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.checks import RANGE_HEADER
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    SIGNATURE_MISMATCH,
    V,
    expect_created,
    expect_put,
    put,
    signed,
    upload,
    upload_body,
)

__all__ = ["put_signed_headers"]


@requirement(
    V,
    "SIRO-PUT-SIGNED-HEADERS",
    title="The PUT is accepted with exactly the signed headers and refused (403) with others",
    level="must",
    source="Siro's API reference (signed URLs): the client PUTs the bytes to uploadUrl with "
    "exactly the uploadHeaders, else 403 SignatureDoesNotMatch.",
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
    expect_created(s, await upload(s, upload_body(url)))
