"""Alpharun's requirements: the recording upload, its contacts rules and idempotent re-uploads.

From the seed (``alpharun-upload-recording.md``), the spec
(``specs/alpharun.yaml``) and VENDORS.md. Every requirement makes fixed
requests at the edges, so a deviation is caught on every seed.

What a real workspace needs: ``--param teammate_email=`` (a teammate of the
workspace) and ``--param playbook_id=`` (a playbook, where routing rules would
not pick one); without them the requests use ``tapecheck@example.com`` and no
playbook, which the reference mock accepts.

Re-uploads: the docs answer 200 when "the recording already exists". Every
upload that must be *new* carries audio made for it alone (a tone of its own)
and a ``recorded_at`` of its own, so a second run against the same workspace
still gets 201; a re-upload repeats the bytes exactly.

``contacts`` travels as the docs' curl sample sends it: one form field
holding the JSON array. The seed's schema gives no multipart ``encoding``, so
it does not pin how an array of objects travels; one ``contacts`` part per
contact (how OpenAPI tools serialise an array with
``encoding.contentType: application/json``) is another reading, which the
reference mock also accepts, but nothing in the docs asks a server to, so no
requirement sends it.

Statuses and bodies (CONTRACT.md section 3): the docs document no error body
and pin no error status, so an error passes with any status of the right
meaning (401 or 403 for credentials, 400 or 422 for invalid data, 400 or 415
for a wrong content type) and a JSON body; the shape the spec gives
(``{error: {code, message}}``) is the reference mock's choice and is not
required.
"""

from __future__ import annotations

import io
import json
import math
import secrets
import wave
from collections.abc import Collection
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from tapecheck.suite.conform.common import (
    AUTH_REFUSED,
    INVALID,
    WRONG_TYPE,
    expect_success,
)
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Auth, Session

V = "alpharun"
UPLOAD = "upload"
SEED = "Seed alpharun-upload-recording.md"
SPEC = "specs/alpharun.yaml"
DEFAULT_TEAMMATE = "tapecheck@example.com"
#: A playbook id for the embedded mock, which accepts any UUID (routing is not modelled).
MOCK_PLAYBOOK = "8f6b7c1e-3d2a-4b5c-9e8f-0a1b2c3d4e5f"

#: An error: a status of the right meaning and a JSON body (the docs document no error body).
ERROR_CHECKS = ("status_code_expected", "json_content_type")
SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")
CURL = "the docs' curl sample sends `contacts` as one form field holding a JSON array"
CONTACTS_RULE = (
    f'{SEED}, contacts: "At least one of email, phone number and ext id must be not null on the '
    'contact. ... No two contacts can have the same email, phone number, or ext_id"'
)


# -- helpers -------------------------------------------------------------------------


def expect_error(s: Session, response: httpx.Response, statuses: Collection[int] = INVALID) -> None:
    """One of ``statuses`` with a JSON body: all the contract asks of Alpharun's errors."""
    s.expect(response, *ERROR_CHECKS, operation=UPLOAD, status=statuses)


def expect_existing(s: Session, response: httpx.Response, recording_id: str) -> None:
    """200 with the documented body and the id of the recording that already exists."""
    s.expect(response, *SUCCESS_CHECKS, operation=UPLOAD, status=200)
    found = _recording_id(response)
    if found.lower() != recording_id.lower():
        s.fail(
            "idempotent_reupload",
            "Re-upload answered another recording",
            f"the first upload created {recording_id}, the re-upload answered {found}",
            response,
        )


def _recording_id(response: httpx.Response) -> str:
    return str(response.json()["data"]["recording"]["id"])


def teammate(s: Session) -> str:
    return s.param("teammate_email") or DEFAULT_TEAMMATE


def _tone() -> bytes:
    """One second of a tone no other upload has (its pitch and level are random)."""
    rng = secrets.SystemRandom()
    rate, pitch, level = 8000, rng.uniform(220.0, 1760.0), rng.uniform(0.2, 0.6)
    phase = rng.uniform(0.0, math.tau)
    frames = bytearray()
    for n in range(rate):
        sample = int(32767 * level * math.sin(phase + math.tau * pitch * n / rate))
        frames += sample.to_bytes(2, "little", signed=True)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def _instant() -> datetime:
    """A whole-second UTC moment in the last three years that no other upload uses."""
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(seconds=secrets.randbelow(3 * 365 * 86400), days=1)


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _contacts() -> list[dict[str, Any]]:
    """Two contacts with every identifier, none shared."""
    return [
        {
            "email": "ada.tapecheck@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone_number": "+14155550100",
            "ext_id": "tapecheck-contact-1",
        },
        {
            "email": "grace.tapecheck@example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone_number": "+442079460958",
            "ext_id": "tapecheck-contact-2",
        },
    ]


class Upload:
    """One upload request: its audio and form fields, each changeable, sent as the docs show."""

    def __init__(self, s: Session, *, audio: bytes | None = None, at: datetime | None = None):
        self.audio: bytes | None = audio if audio is not None else _tone()
        self.filename = "call.wav"
        self.audio_type = "audio/wav"
        self.fields: dict[str, Any] = {
            "teammate_email": teammate(s),
            "recorded_at": _z(at or _instant()),
            "contacts": _contacts(),
        }
        playbook = s.param("playbook_id")
        if playbook:
            self.fields["playbook_id"] = playbook

    def with_fields(self, **changes: Any) -> Upload:
        """A copy with fields changed (``None`` removes one); the audio stays the same bytes."""
        copy = Upload.__new__(Upload)
        copy.audio, copy.filename, copy.audio_type = self.audio, self.filename, self.audio_type
        copy.fields = dict(self.fields)
        for name, value in changes.items():
            if value is None:
                copy.fields.pop(name, None)
            else:
                copy.fields[name] = value
        return copy

    def form(self) -> dict[str, str]:
        """The text fields; ``contacts`` as the JSON string of the docs' curl sample."""
        return {
            name: value if isinstance(value, str) else json.dumps(value)
            for name, value in self.fields.items()
        }

    async def send(self, s: Session, *, auth: Auth = "valid") -> httpx.Response:
        files = None
        if self.audio is not None:
            files = {"audio": (self.filename, self.audio, self.audio_type)}
        return await s.call(UPLOAD, data=self.form(), files=files, auth=auth)


async def created(s: Session, upload: Upload) -> str:
    """Send an upload that must create a recording: 201 and its id."""
    response = await upload.send(s)
    expect_success(s, response, UPLOAD)
    return _recording_id(response)


async def refused(
    s: Session, upload: Upload, statuses: Collection[int] = INVALID, *, auth: Auth = "valid"
) -> None:
    expect_error(s, await upload.send(s, auth=auth), statuses)


async def contacts_refused(s: Session, *contact_lists: Any) -> None:
    """Each contacts value (a list, or the raw field text) is refused as invalid."""
    base = Upload(s)
    for contacts in contact_lists:
        await refused(s, base.with_fields(contacts=contacts))


# -- creation and re-upload ----------------------------------------------------------------


@requirement(
    V,
    "ALPHARUN-UPLOAD-201",
    title="A new recording is created: 201 {data: {recording: {id: uuid}}}",
    source=f'{SEED}: "returns a 201 Created response if the recording is created successfully"; '
    f"response 201 data.recording.id (uuid). The request is multipart as documented, {CURL}.",
    checks=SUCCESS_CHECKS,
)
async def upload_created(s: Session) -> None:
    first = await created(s, Upload(s))
    second = await created(s, Upload(s))
    if first.lower() == second.lower():
        s.fail("response_schema_conformance", "Two recordings, one id", f"both are {first}")


@requirement(
    V,
    "ALPHARUN-REUPLOAD-200",
    title="Uploading the same recording again answers 200 with the existing recording's id",
    source=f'{SEED}: "If the recording already exists, it will be returned with a 200 OK '
    'response" (response 200: the same body).',
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
    source=f'{SEED}, recorded_at: "ISO 8601 format with optional timezone specification" '
    "(2024-01-15T14:30:00Z and 2024-01-15T09:30:00-05:00 are one instant); VENDORS.md: an "
    "identical re-upload has the same recorded_at instant.",
    checks=(*SUCCESS_CHECKS, "idempotent_reupload"),
)
async def reupload_same_instant(s: Session) -> None:
    moment = _instant()
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
    source="VENDORS.md: an identical re-upload has the same teammate_email (case-insensitive); "
    "an email address names one teammate whatever its letter case.",
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
    source=f"{SEED}: 201 when the recording is created; VENDORS.md: the same recording is the same "
    "audio, teammate and recorded_at instant, so another instant is another recording.",
    checks=SUCCESS_CHECKS,
)
async def reupload_new_time(s: Session) -> None:
    moment = _instant()
    upload = Upload(s, at=moment)
    first = await created(s, upload)
    later = await created(s, upload.with_fields(recorded_at=_z(moment + timedelta(minutes=1))))
    if later.lower() == first.lower():
        s.fail("idempotent_reupload", "Another time, the same recording", f"both are {first}")


@requirement(
    V,
    "ALPHARUN-REUPLOAD-NEW-AUDIO",
    title="Other audio from the same teammate at the same time is a new recording: 201 and a new id",
    source=f"{SEED}: 201 when the recording is created; VENDORS.md: the same recording is the same "
    "audio bytes, so other audio is another recording (never silently dropped).",
    checks=SUCCESS_CHECKS,
)
async def reupload_new_audio(s: Session) -> None:
    moment = _instant()
    first = await created(s, Upload(s, at=moment))
    other = await created(s, Upload(s, at=moment))
    if other.lower() == first.lower():
        s.fail("idempotent_reupload", "Other audio, the same recording", f"both are {first}")


# -- credentials ------------------------------------------------------------------------------


@requirement(
    V,
    "ALPHARUN-AUTH-MISSING",
    title="An upload without an API key is refused (401 or 403) with a JSON body",
    source=f"{SEED}, security bearerAuth (http bearer); CONTRACT.md: 401 or 403 for a missing "
    "credential, a JSON body for an error of a vendor that documents none.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="none")


@requirement(
    V,
    "ALPHARUN-AUTH-WRONG",
    title="An upload with a wrong API key, or another scheme, is refused (401 or 403)",
    source=f"{SEED}, security bearerAuth (http bearer); CONTRACT.md: 401 or 403 for a wrong "
    "credential.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="wrong")
    upload = Upload(s)
    response = await s.call(
        UPLOAD,
        auth="none",
        headers={"Authorization": "Basic dGFwZWNoZWNrOndyb25n"},
        data=upload.form(),
        files={"audio": (upload.filename, upload.audio, upload.audio_type)},
    )
    expect_error(s, response, AUTH_REFUSED)


# -- the request's fields -------------------------------------------------------------------


@requirement(
    V,
    "ALPHARUN-REQUIRED-FIELDS",
    title="An upload without audio, teammate_email, recorded_at or contacts is refused",
    source=f"{SEED}, multipart schema required: [audio, teammate_email, recorded_at, contacts]; "
    "CONTRACT.md: 400 or 422 for invalid data.",
    checks=ERROR_CHECKS,
)
async def required_fields(s: Session) -> None:
    upload = Upload(s)
    no_audio = upload.with_fields()
    no_audio.audio = None
    await refused(s, no_audio)
    for name in ("teammate_email", "recorded_at", "contacts"):
        await refused(s, upload.with_fields(**{name: None}))


@requirement(
    V,
    "ALPHARUN-TEAMMATE-EMAIL",
    title="A teammate_email that is not an email address is refused",
    source=f"{SEED}, teammate_email: format email; CONTRACT.md: 400 or 422 for invalid data.",
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
    source=f'{SEED}, recorded_at: format date-time, "Accepts ISO 8601 format"; CONTRACT.md: 400 or '
    "422 for invalid data.",
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
    source=f'{SEED}, recorded_at: "Accepts ISO 8601 format with optional timezone specification".',
    checks=SUCCESS_CHECKS,
)
async def recorded_at_without_offset(s: Session) -> None:
    moment = _instant().strftime("%Y-%m-%dT%H:%M:%S")
    await created(s, Upload(s).with_fields(recorded_at=moment))


@requirement(
    V,
    "ALPHARUN-PLAYBOOK-ID",
    title="A playbook_id that is not a UUID is refused; a UUID is accepted",
    source=f"{SEED}, playbook_id: format uuid; CONTRACT.md: 400 or 422 for invalid data. The "
    "accepted case runs with --param playbook_id (a real playbook) or against the embedded mock.",
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
    source=f"{SEED}, requestBody content: multipart/form-data only; CONTRACT.md: 400 or 415 for a "
    "wrong content type.",
    checks=ERROR_CHECKS,
)
async def multipart_only(s: Session) -> None:
    response = await s.call(UPLOAD, json=Upload(s).fields)
    expect_error(s, response, INVALID | WRONG_TYPE)


# -- contacts ---------------------------------------------------------------------------------


@requirement(
    V,
    "ALPHARUN-CONTACTS-JSON",
    title="contacts that are not a JSON array of contacts, or an empty one, are refused",
    source=f"{SEED}, contacts: type array, minItems 1; {CURL}. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_json(s: Session) -> None:
    await contacts_refused(s, "[]", '[{"email": "ada.tapecheck@example.com"', "ada@example.com")


@requirement(
    V,
    "ALPHARUN-CONTACTS-IDENTIFIER",
    title="A contact with no email, phone_number or ext_id holding a value is refused",
    source=f"{CONTACTS_RULE}. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_identifier(s: Session) -> None:
    await contacts_refused(
        s,
        [{"first_name": "No", "last_name": "Identifier"}],
        [{"email": None, "phone_number": None, "ext_id": None, "first_name": "Null"}],
        [{"email": "ada.tapecheck@example.com"}, {"first_name": "Second", "custom_fields": []}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-ONE-IDENTIFIER",
    title="One identifier is enough: a contact with only an email, only a phone or only an ext_id",
    source=f"{CONTACTS_RULE}: any one of them (RecordingContactPayload anyOf).",
    checks=SUCCESS_CHECKS,
)
async def contacts_one_identifier(s: Session) -> None:
    contacts = [
        {"email": "only.email@example.com"},
        {"phone_number": "+12025550143"},
        {"ext_id": "tapecheck-only-ext-id", "email": None},
    ]
    await created(s, Upload(s).with_fields(contacts=contacts))


@requirement(
    V,
    "ALPHARUN-CONTACTS-PHONE-NUMBER",
    title="A phone_number may be a JSON number",
    source=f"{SEED}, RecordingContactPayload.phone_number: anyOf string, number.",
    checks=SUCCESS_CHECKS,
)
async def contacts_phone_number(s: Session) -> None:
    await created(s, Upload(s).with_fields(contacts=[{"phone_number": 14155550100}]))


@requirement(
    V,
    "ALPHARUN-CONTACTS-CUSTOM-FIELDS",
    title="custom_fields with string, number, boolean and null values are accepted",
    source=f"{SEED}, custom_fields items {{key, value}}: value string, number or boolean, nullable.",
    checks=SUCCESS_CHECKS,
)
async def contacts_custom_fields(s: Session) -> None:
    contact = {
        "email": "custom.fields@example.com",
        "first_name": "Custom",
        "custom_fields": [
            {"key": "plan", "value": "enterprise"},
            {"key": "seats", "value": 42},
            {"key": "churn_risk", "value": 0.25},
            {"key": "vip", "value": True},
            {"key": "owner", "value": None},
        ],
    }
    await created(s, Upload(s).with_fields(contacts=[contact]))


@requirement(
    V,
    "ALPHARUN-CONTACTS-EMAIL-FORMAT",
    title="A contact email that is not an email address is refused",
    source=f"{SEED}, RecordingContactPayload.email: format email. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_email_format(s: Session) -> None:
    await contacts_refused(s, [{"email": "not-an-email"}], [{"email": "ada@", "ext_id": "x-1"}])


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-EMAIL",
    title="Two contacts with the same email are refused",
    source=f"{CONTACTS_RULE}. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_unique_email(s: Session) -> None:
    await contacts_refused(
        s,
        [{"email": "dup@example.com"}, {"email": "dup@example.com", "ext_id": "tapecheck-2"}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-EMAIL-CASE",
    title="Two contacts whose emails differ only in letter case are refused",
    source=f"{CONTACTS_RULE}; an email address names one mailbox whatever its case (ALR002 and "
    f"{SPEC} x-tapecheck unique-keys: case-insensitive email).",
    checks=ERROR_CHECKS,
)
async def contacts_unique_email_case(s: Session) -> None:
    await contacts_refused(
        s,
        [{"email": "dup@example.com"}, {"email": "Dup@Example.COM", "ext_id": "tapecheck-2"}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-PHONE",
    title="Two contacts with the same phone number are refused",
    source=f"{CONTACTS_RULE}. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_unique_phone(s: Session) -> None:
    await contacts_refused(
        s,
        [{"phone_number": "+14155550100"}, {"phone_number": "+14155550100", "ext_id": "x-2"}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-PHONE-FORMAT",
    title="Two contacts with one phone number written two ways (spacing, a JSON number) are refused",
    source=f"{CONTACTS_RULE}; a phone number is the same number however it is written (ALR002: "
    "compared after normalising to E.164).",
    checks=ERROR_CHECKS,
)
async def contacts_unique_phone_format(s: Session) -> None:
    await contacts_refused(
        s,
        [{"phone_number": "+14155550100"}, {"phone_number": "+1 415-555-0100", "ext_id": "x-2"}],
        [{"phone_number": "+442079460958"}, {"phone_number": 442079460958, "ext_id": "x-2"}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-EXT-ID",
    title="Two contacts with the same ext_id are refused",
    source=f"{CONTACTS_RULE}. CONTRACT.md: 400 or 422.",
    checks=ERROR_CHECKS,
)
async def contacts_unique_ext_id(s: Session) -> None:
    await contacts_refused(
        s,
        [{"ext_id": "crm-1"}, {"ext_id": "crm-1", "email": "second@example.com"}],
    )


# -- the audio --------------------------------------------------------------------------------


@requirement(
    V,
    "ALPHARUN-AUDIO-FORMATS",
    title="Common recording formats are accepted (wav, mp3, m4a)",
    source=f"{SEED}: audio is a binary file with no documented format limit ({SPEC}, "
    "x-tapecheck audio). 200 passes too: a second run sends the same files.",
    checks=SUCCESS_CHECKS,
)
async def audio_formats(s: Session) -> None:
    for fmt, name, media in (("mp3", "call.mp3", "audio/mpeg"), ("mp4", "call.m4a", "audio/mp4")):
        upload = Upload(s, audio=s.media.audio_bytes(fmt))
        upload.filename, upload.audio_type = name, media
        response = await upload.send(s)
        s.expect(response, *SUCCESS_CHECKS, operation=UPLOAD, status=(200, 201))


@requirement(
    V,
    "ALPHARUN-AUDIO-UNREADABLE",
    title="An empty audio part, or one that is no audio format, is refused",
    source=f"{SEED}: the endpoint creates a recording and triggers its assessment (of audio); "
    "CONTRACT.md: 400 or 422 for invalid data, 400 or 415 for a wrong type.",
    checks=ERROR_CHECKS,
)
async def audio_unreadable(s: Session) -> None:
    for content in (b"", s.media.garbage()):
        await refused(s, Upload(s, audio=content), INVALID | WRONG_TYPE)


@requirement(
    V,
    "ALPHARUN-CORRUPT-AUDIO",
    title="A wav whose header claims more audio than the file holds is refused",
    source="VENDORS.md: a WAV whose header claims more audio than the file holds is refused as "
    "invalid audio (400) by every mock.",
    checks=ERROR_CHECKS,
)
async def audio_corrupt(s: Session) -> None:
    await refused(s, Upload(s, audio=s.media.lying_wav().read_bytes()))


@requirement(
    V,
    "ALPHARUN-ERROR-BODY",
    title="Errors answer with a JSON body (application/json or +json)",
    source="CONTRACT.md section 3: where the docs document no error body (Alpharun), a JSON body "
    "is all that is required of an error.",
    checks=ERROR_CHECKS,
)
async def error_body(s: Session) -> None:
    upload = Upload(s)
    await refused(s, upload.with_fields(contacts=[{"first_name": "Nobody"}]))
    await refused(s, upload, AUTH_REFUSED, auth="wrong")
    await refused(s, upload.with_fields(recorded_at="not a date"))
