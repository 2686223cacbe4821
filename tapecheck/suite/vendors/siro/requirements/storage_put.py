"""The PUT to the storage host: exactly the signed headers, and a size within the signed range."""

from __future__ import annotations

from tapecheck.suite.conform.common import TOO_LARGE
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

__all__ = ["put_length_range", "put_signed_headers"]


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


@requirement(
    V,
    "SIRO-PUT-LENGTH-RANGE",
    title="The PUT takes any size within 0..fileSize and refuses one byte more (400 or 413)",
    level="should",
    source='Siro\'s API reference (signed URLs) gives x-goog-content-length-range "0,<fileSize>" '
    "but does not say what a PUT outside it gets; a reasonable expectation: it is refused "
    "(400 or 413).",
    checks=("status_code_expected",),
)
async def put_length_range(s: Session) -> None:
    audio = s.media.audio_bytes("wav")
    roomy = await signed(s, "wav", len(audio) + 1000)
    expect_put(s, await put(s, roomy, audio))
    expect_created(s, await upload(s, upload_body(roomy)))
    exact = await signed(s, "wav", len(audio))
    expect_put(s, await put(s, exact, audio))
    short = await signed(s, "wav", len(audio) - 1)
    response = await put(s, short, audio)
    s.expect(response, "status_code_expected", status=TOO_LARGE)
