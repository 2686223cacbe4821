"""Alpharun's form fields: required, and each in its documented format."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, WRONG_TYPE
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    MOCK_PLAYBOOK,
    SUCCESS_CHECKS,
    UPLOAD,
    Upload,
    V,
    created,
    expect_error,
    instant,
    refused,
)

__all__ = [
    "multipart_only",
    "playbook_id",
    "recorded_at_format",
    "recorded_at_without_offset",
    "required_fields",
    "teammate_email",
]


@requirement(
    V,
    "ALPHARUN-REQUIRED-FIELDS",
    title="An upload without audio, teammate_email, recorded_at or contacts is refused",
    level="must",
    source='Alpharun API reference, "Upload Recording": the multipart schema\'s required: [audio, '
    "teammate_email, recorded_at, contacts]. The docs name no status: 400 or 422 passes.",
    checks=ERROR_CHECKS,
)
async def required_fields(s: Session) -> None:
    upload = Upload(s)
    no_audio = upload.with_fields()
    no_audio.audio = None
    # Without a file part the form travels url-encoded, not as multipart: 415 is a fair answer.
    await refused(s, no_audio, INVALID | WRONG_TYPE)
    for name in ("teammate_email", "recorded_at", "contacts"):
        await refused(s, upload.with_fields(**{name: None}))


@requirement(
    V,
    "ALPHARUN-TEAMMATE-EMAIL",
    title="A teammate_email that is not an email address is refused",
    level="must",
    source='Alpharun API reference, "Upload Recording": teammate_email is format: email. The docs '
    "name no status: 400 or 422 passes.",
    checks=ERROR_CHECKS,
)
async def teammate_email(s: Session) -> None:
    upload = Upload(s)
    for bad in ("not-an-email", "tapecheck@", "@example.com", "tape check@example.com"):
        await refused(s, upload.with_fields(teammate_email=bad))


@requirement(
    V,
    "ALPHARUN-RECORDED-AT",
    title="A recorded_at that is not an ISO 8601 date-time is refused",
    level="must",
    source='Alpharun API reference, "Upload Recording": recorded_at is format: date-time, "Accepts '
    'ISO 8601 format with optional timezone specification". The docs name no status: 400 or '
    "422 passes.",
    checks=ERROR_CHECKS,
)
async def recorded_at_format(s: Session) -> None:
    upload = Upload(s)
    for bad in ("yesterday", "15/01/2024 14:30", "2024-01-15T25:61:00Z", "2024-02-30T10:00:00Z"):
        await refused(s, upload.with_fields(recorded_at=bad))


@requirement(
    V,
    "ALPHARUN-RECORDED-AT-NO-TZ",
    title="A recorded_at without a timezone is accepted",
    level="must",
    source='Alpharun API reference, "Upload Recording": recorded_at "Accepts ISO 8601 format with '
    "optional timezone specification (e.g., '2024-01-15T14:30:00Z' or "
    "'2024-01-15T14:30:00-05:00').\"",
    checks=SUCCESS_CHECKS,
)
async def recorded_at_without_offset(s: Session) -> None:
    moment = instant().strftime("%Y-%m-%dT%H:%M:%S")
    await created(s, Upload(s).with_fields(recorded_at=moment))


@requirement(
    V,
    "ALPHARUN-PLAYBOOK-ID",
    title="A playbook_id that is not a UUID is refused; a UUID is accepted",
    level="must",
    source='Alpharun API reference, "Upload Recording": playbook_id is format: uuid. The docs name '
    "no status: 400 or 422 passes. The accepted case runs with --param playbook_id (a real "
    "playbook) or against the embedded mock.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def playbook_id(s: Session) -> None:
    upload = Upload(s)
    for bad in ("not-a-uuid", "12345", "8f6b7c1e3d2a4b5c9e8f0a1b2c3d4e5g"):
        await refused(s, upload.with_fields(playbook_id=bad))
    good = s.param("playbook_id") or (MOCK_PLAYBOOK if s.embedded else None)
    if good:
        await created(s, Upload(s).with_fields(playbook_id=good))


@requirement(
    V,
    "ALPHARUN-MULTIPART",
    title="A JSON body instead of multipart/form-data is refused (400, 415 or 422)",
    level="should",
    source='Alpharun API reference, "Upload Recording" documents only multipart/form-data for the '
    "body; the docs do not say that a JSON body is refused. A reasonable expectation: 400, "
    "415 or 422.",
    checks=ERROR_CHECKS,
)
async def multipart_only(s: Session) -> None:
    response = await s.call(UPLOAD, json=Upload(s).fields)
    expect_error(s, response, INVALID | WRONG_TYPE)
