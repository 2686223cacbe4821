"""Alpharun's errors: a JSON body, all the contract asks where the docs document none."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    Upload,
    V,
    refused,
)

__all__ = ["error_body"]


@requirement(
    V,
    "ALPHARUN-ERROR-BODY",
    title="Errors answer with a JSON body (application/json or +json)",
    level="should",
    source="Alpharun's docs document no error body; a reasonable expectation: an error answers "
    "with a JSON body.",
    checks=ERROR_CHECKS,
)
async def error_body(s: Session) -> None:
    upload = Upload(s)
    await refused(s, upload.with_fields(contacts=[{"first_name": "Nobody"}]))
    await refused(s, upload, AUTH_REFUSED, auth="wrong")
    await refused(s, upload.with_fields(recorded_at="not a date"))
