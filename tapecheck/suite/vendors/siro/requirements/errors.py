"""Siro's errors: malformed bodies are refused, and every error answers with a JSON body."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED, INVALID, WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    NOTHING_THERE,
    SIGNED_URLS,
    UPLOAD,
    V,
    expect_error,
    request_signed,
    upload,
)

__all__ = ["error_body", "malformed_body"]


@requirement(
    V,
    "SIRO-MALFORMED-BODY",
    title="A body that is not JSON, or not sent as JSON, is refused (4xx), never a server error",
    level="should",
    source="Siro's docs document no error answer; a reasonable expectation: a body that is not "
    "JSON is refused (400, 415 or 422) with a JSON body.",
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
    level="should",
    source="Siro's docs document no error body; a reasonable expectation: an error answers with a "
    "JSON body.",
    checks=ERROR_CHECKS,
)
async def error_body(s: Session) -> None:
    expect_error(s, await request_signed(s, "flac", 48_000), SIGNED_URLS, INVALID)
    expect_error(s, await request_signed(s, "mp3", 48_000, auth="wrong"), SIGNED_URLS, AUTH_REFUSED)
    expect_error(s, await upload(s, {"fileType": "mp3"}), UPLOAD, INVALID)
    response = await upload(s, {"downloadUrl": "not a url", "fileType": "mp3"})
    expect_error(s, response, UPLOAD, NOTHING_THERE)
