"""Alpharun's uploads: a new recording is created (201); the same one again is answered 200."""

from __future__ import annotations

from datetime import timedelta, timezone

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    SUCCESS_CHECKS,
    Upload,
    V,
    created,
    expect_distinct,
    expect_existing,
    instant,
    teammate,
    utc_text,
)

__all__ = [
    "reupload_email_case",
    "reupload_existing",
    "reupload_new_audio",
    "reupload_new_time",
    "reupload_same_instant",
    "upload_created",
]


@requirement(
    V,
    "ALPHARUN-UPLOAD-201",
    title="A new recording is created: 201 {data: {recording: {id: uuid}}}",
    level="must",
    source='Alpharun API reference, "Upload Recording": "The endpoint returns a `201 Created` '
    'response if the recording is created successfully." Response 201: data.recording.id '
    "(uuid).",
    checks=SUCCESS_CHECKS,
)
async def upload_created(s: Session) -> None:
    first = await created(s, Upload(s))
    second = await created(s, Upload(s))
    expect_distinct(s, "response_schema_conformance", "Two recordings, one id", first, second)


@requirement(
    V,
    "ALPHARUN-REUPLOAD-200",
    title="Uploading the same recording again answers 200 with the existing recording's id",
    level="must",
    source='Alpharun API reference, "Upload Recording": "If the recording already exists, it will '
    'be returned with a `200 OK` response."',
    checks=(*SUCCESS_CHECKS, "idempotent_reupload"),
)
async def reupload_existing(s: Session) -> None:
    upload = Upload(s)
    first = await created(s, upload)
    for _ in range(2):
        expect_existing(s, await upload.send(s), first)


@requirement(
    V,
    "ALPHARUN-REUPLOAD-SAME-INSTANT",
    title="A re-upload whose recorded_at names the same instant in another offset is the same recording",
    level="should",
    source="Alpharun's docs do not say what makes a recording the same one; a reasonable "
    "expectation: a recorded_at naming the same instant in another offset "
    "(2024-01-15T14:30:00Z, 2024-01-15T09:30:00-05:00) is the same recording.",
    checks=(*SUCCESS_CHECKS, "idempotent_reupload"),
)
async def reupload_same_instant(s: Session) -> None:
    moment = instant()
    upload = Upload(s, at=moment)
    first = await created(s, upload)
    for offset in (timedelta(hours=-5), timedelta(hours=5, minutes=30)):
        local = moment.astimezone(timezone(offset)).isoformat()
        expect_existing(s, await upload.with_fields(recorded_at=local).send(s), first)
    plus_zero = moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    expect_existing(s, await upload.with_fields(recorded_at=plus_zero).send(s), first)


@requirement(
    V,
    "ALPHARUN-REUPLOAD-EMAIL-CASE",
    title="A re-upload naming the teammate's email in other letter case is the same recording",
    level="should",
    source="Alpharun's docs do not say what makes a recording the same one; a reasonable "
    "expectation: the teammate's email in other letter case names the same teammate.",
    checks=(*SUCCESS_CHECKS, "idempotent_reupload"),
)
async def reupload_email_case(s: Session) -> None:
    upload = Upload(s)
    first = await created(s, upload)
    shouted = upload.with_fields(teammate_email=teammate(s).upper())
    expect_existing(s, await shouted.send(s), first)


@requirement(
    V,
    "ALPHARUN-REUPLOAD-NEW-TIME",
    title="The same audio recorded at another time is a new recording: 201 and a new id",
    level="should",
    source="Alpharun's docs do not say what makes a recording the same one; a reasonable "
    "expectation: the same audio recorded at another instant is a new recording (201).",
    checks=SUCCESS_CHECKS,
)
async def reupload_new_time(s: Session) -> None:
    moment = instant()
    upload = Upload(s, at=moment)
    first = await created(s, upload)
    later = await created(
        s, upload.with_fields(recorded_at=utc_text(moment + timedelta(minutes=1)))
    )
    expect_distinct(s, "idempotent_reupload", "Another time, the same recording", first, later)


@requirement(
    V,
    "ALPHARUN-REUPLOAD-NEW-AUDIO",
    title="Other audio from the same teammate at the same time is a new recording: 201 and a new id",
    level="should",
    source="Alpharun's docs do not say what makes a recording the same one; a reasonable "
    "expectation: other audio is a new recording (201), never silently dropped.",
    checks=SUCCESS_CHECKS,
)
async def reupload_new_audio(s: Session) -> None:
    moment = instant()
    first = await created(s, Upload(s, at=moment))
    other = await created(s, Upload(s, at=moment))
    expect_distinct(s, "idempotent_reupload", "Other audio, the same recording", first, other)
