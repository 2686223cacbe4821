"""One Alpharun upload request, as the docs' curl sample sends it, and what its answer must be.

Every upload that must be *new* carries audio made for it alone (a tone of
its own) and a ``recorded_at`` of its own; a re-upload repeats the bytes
exactly (see the package notes).
"""

from __future__ import annotations

import io
import json
import math
import secrets
import wave
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tapecheck.suite.conform.common import INVALID, JSON_ERROR_CHECKS, expect_success
from tapecheck.suite.conform.session import Auth, Session

__all__ = [
    "DEFAULT_TEAMMATE",
    "ERROR_CHECKS",
    "FAMILY_FIXTURES",
    "MOCK_PLAYBOOK",
    "SUCCESS_CHECKS",
    "UPLOAD",
    "Upload",
    "V",
    "contacts_refused",
    "created",
    "expect_distinct",
    "expect_error",
    "expect_existing",
    "instant",
    "refused",
    "teammate",
    "utc_text",
]

V = "alpharun"
UPLOAD = "upload"
DEFAULT_TEAMMATE = "tapecheck@example.com"
#: A playbook id for the embedded mock, which accepts any UUID (routing is not modelled).
MOCK_PLAYBOOK = "8f6b7c1e-3d2a-4b5c-9e8f-0a1b2c3d4e5f"

#: An error: a status of the right meaning and a JSON body (the docs document no error body).
ERROR_CHECKS = JSON_ERROR_CHECKS
SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")


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


def expect_distinct(s: Session, check: str, title: str, first: str, second: str) -> None:
    """Two uploads that must be two recordings answered two ids (compared case-insensitively)."""
    if first.lower() == second.lower():
        s.fail(check, title, f"both are {first}")


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


def instant() -> datetime:
    """A whole-second UTC moment in the last three years that no other upload uses."""
    now = datetime.now(UTC).replace(microsecond=0)
    return now - timedelta(seconds=secrets.randbelow(3 * 365 * 86400), days=1)


def utc_text(moment: datetime) -> str:
    """``moment`` as the docs write a UTC date-time: ``2024-01-15T14:30:00Z``."""
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
            "recorded_at": utc_text(at or instant()),
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

    async def send(
        self, s: Session, *, auth: Auth = "valid", headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST the form, and the audio as the ``audio`` part; ``headers`` go on top."""
        files = None
        if self.audio is not None:
            files = {"audio": (self.filename, self.audio, self.audio_type)}
        return await s.call(UPLOAD, data=self.form(), files=files, auth=auth, headers=headers)


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


@asynccontextmanager
async def _upload_fields(s: Session) -> AsyncIterator[Mapping[str, Any]]:
    """A new upload's text fields (teammate, recorded_at, contacts), which the spec cannot fill."""
    yield {"data": Upload(s).form()}


#: What a generic family's upload needs besides the audio (``FAMILY_FIXTURES``).
FAMILY_FIXTURES = {UPLOAD: _upload_fields}
