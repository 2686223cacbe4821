"""Alpharun's mutants: the reference mock with one realistic deviation each.

Each is a small subclass of :class:`AlpharunMock` overriding the hook where the
deviation lives; ``expect`` names the requirements that must catch it.
``tapecheck selftest alpharun`` runs the suite against the mock and each of these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from tapecheck.suite.contacts import has_value
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.multipart import Form
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.mutant import app_factory as _factory
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.specs import Operation
from tapecheck.suite.values import parse_datetime
from tapecheck.suite.vendors.alpharun.mock import (
    AlpharunMock,
    DedupeKey,
    Upload,
    UploadedRecording,
)

if TYPE_CHECKING:
    pass

__all__ = ["GENERIC_NOT_APPLICABLE", "MUTANTS"]


class ReuploadCreatesAgain(AlpharunMock):
    """No idempotency: every upload creates a new recording (201 and a new id)."""

    def remember(self, key: DedupeKey, recording: UploadedRecording) -> tuple[str, bool]:
        self.recordings[recording.id] = recording
        return recording.id, True


class ReuploadNewId(AlpharunMock):
    """A re-upload answers 200, but with a fresh id instead of the existing recording's."""

    def remember(self, key: DedupeKey, recording: UploadedRecording) -> tuple[str, bool]:
        existing, created = super().remember(key, recording)
        return (existing, True) if created else (recording.id, False)


class DedupeByExactText(AlpharunMock):
    """Re-uploads are matched on the exact text of teammate_email and recorded_at."""

    def dedupe_key(self, tenant: str, stored: StoredFile, upload: Upload) -> DedupeKey:
        text = upload.recorded_at.isoformat() + "|" + upload.teammate_email
        return (tenant, stored.sha256, text, datetime.min)


class DedupeIgnoresAudio(AlpharunMock):
    """Re-uploads are matched on teammate and time only: other audio is dropped as a duplicate."""

    def dedupe_key(self, tenant: str, stored: StoredFile, upload: Upload) -> DedupeKey:
        key = super().dedupe_key(tenant, stored, upload)
        return (key[0], "", key[2], key[3])


class _UniqueKeys(AlpharunMock):
    """A mock whose spec says other things about how contact values are compared."""

    changes: ClassVar[Mapping[str, Any]] = {}

    def operation(self, operation_id: str) -> Operation:
        operation = super().operation(operation_id)
        ext = dict(operation.ext)
        if "unique-keys" not in ext:
            return operation
        ext["unique-keys"] = {**ext["unique-keys"], **self.changes}
        return replace(operation, raw={**operation.raw, "x-tapecheck": ext})


class EmailUniquenessCaseSensitive(_UniqueKeys):
    """Contact emails are unique only with the same letter case."""

    changes: ClassVar[Mapping[str, Any]] = {"case-insensitive": []}


class PhoneUniquenessRawText(_UniqueKeys):
    """Contact phone numbers are compared as written: "+1 415-555-0100" and "+14155550100" differ."""

    changes: ClassVar[Mapping[str, Any]] = {"phone-keys": []}


class ContactWithoutIdentifier(AlpharunMock):
    """A contact needs no email, phone number or ext_id: one without gets an ext_id of its own."""

    def contact_problems(self, contacts: Any, operation_id: str) -> list[str]:
        if isinstance(contacts, list):
            keys = ("email", "phone_number", "ext_id")
            contacts = [
                {**c, "ext_id": f"anonymous-{index}"}
                if isinstance(c, dict) and not any(has_value(c.get(k)) for k in keys)
                else c
                for index, c in enumerate(contacts)
            ]
        return super().contact_problems(contacts, operation_id)


class RecordedAtNotValidated(AlpharunMock):
    """recorded_at is stored as sent; text that is no date-time is read as "now"."""

    def read_upload(self, form: Form, operation_id: str) -> Upload:
        recorded = form.field("recorded_at")
        if recorded is not None and parse_datetime(recorded) is None:
            form.fields["recorded_at"] = ["2024-01-15T14:30:00Z"]
        return super().read_upload(form, operation_id)


class TimezoneRequired(AlpharunMock):
    """recorded_at must carry an offset: a local time is refused."""

    def read_upload(self, form: Form, operation_id: str) -> Upload:
        recorded = form.field("recorded_at") or ""
        if not re.search(r"(Z|z|[+-]\d\d:?\d\d)$", recorded.strip()):
            raise MockError(400, "`recorded_at` needs a timezone")
        return super().read_upload(form, operation_id)


class PlaybookNotValidated(AlpharunMock):
    """playbook_id is not checked to be a UUID."""

    def read_upload(self, form: Form, operation_id: str) -> Upload:
        form.fields.pop("playbook_id", None)
        return super().read_upload(form, operation_id)


class PhoneAsNumberRefused(AlpharunMock):
    """A phone_number sent as a JSON number is refused (only strings are read)."""

    def contact_problems(self, contacts: Any, operation_id: str) -> list[str]:
        problems = super().contact_problems(contacts, operation_id)
        for index, contact in enumerate(contacts if isinstance(contacts, list) else []):
            if isinstance(contact, dict) and isinstance(contact.get("phone_number"), int | float):
                problems.append(f"contacts/{index}/phone_number: must be a string")
        return problems


MUTANTS: list[Mutant] = [
    Mutant(
        "reupload-creates-again",
        "an identical re-upload creates a new recording (201 again)",
        _factory(ReuploadCreatesAgain),
        expect=("ALPHARUN-REUPLOAD-200",),
    ),
    Mutant(
        "reupload-new-id",
        "an identical re-upload answers 200 with a new id",
        _factory(ReuploadNewId),
        expect=("ALPHARUN-REUPLOAD-200",),
    ),
    Mutant(
        "dedupe-by-exact-text",
        "re-uploads match only on the exact text of teammate_email and recorded_at",
        _factory(DedupeByExactText),
        expect=("ALPHARUN-REUPLOAD-SAME-INSTANT", "ALPHARUN-REUPLOAD-EMAIL-CASE"),
    ),
    Mutant(
        "dedupe-ignores-audio",
        "other audio by the same teammate at the same time is answered as the existing recording",
        _factory(DedupeIgnoresAudio),
        expect=("ALPHARUN-REUPLOAD-NEW-AUDIO",),
    ),
    Mutant(
        "email-uniqueness-case-sensitive",
        "contact emails that differ only in letter case count as different",
        _factory(EmailUniquenessCaseSensitive),
        expect=("ALPHARUN-CONTACTS-UNIQUE-EMAIL-CASE",),
    ),
    Mutant(
        "phone-uniqueness-raw-text",
        "contact phone numbers are compared as written, not normalised",
        _factory(PhoneUniquenessRawText),
        expect=("ALPHARUN-CONTACTS-UNIQUE-PHONE-FORMAT",),
    ),
    Mutant(
        "contact-without-identifier",
        "a contact with no email, phone number or ext_id is accepted",
        _factory(ContactWithoutIdentifier),
        expect=("ALPHARUN-CONTACTS-IDENTIFIER",),
    ),
    Mutant(
        "recorded-at-not-validated",
        "a recorded_at that is no date-time is accepted",
        _factory(RecordedAtNotValidated),
        expect=("ALPHARUN-RECORDED-AT",),
    ),
    Mutant(
        "timezone-required",
        "a recorded_at without a timezone is refused",
        _factory(TimezoneRequired),
        expect=("ALPHARUN-RECORDED-AT-NO-TZ",),
    ),
    Mutant(
        "playbook-not-validated",
        "a playbook_id that is not a UUID is accepted",
        _factory(PlaybookNotValidated),
        expect=("ALPHARUN-PLAYBOOK-ID",),
    ),
    Mutant(
        "phone-as-number-refused",
        "a phone_number sent as a JSON number is refused",
        _factory(PhoneAsNumberRefused),
        expect=("ALPHARUN-CONTACTS-PHONE-NUMBER",),
    ),
]


#: Generic mutant families that mean nothing for this vendor (family -> why).
GENERIC_NOT_APPLICABLE: dict[str, str] = {
    "error-shape-broken": (
        "the docs document no error body: ALPHARUN-ERROR-BODY (should) asks only for JSON, which the broken shape still is"
    ),
}
