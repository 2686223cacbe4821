"""Alpharun's reference mock: recording upload with contacts, idempotent re-upload.

What it does, from ``specs/alpharun.yaml`` and VENDORS.md:

- Auth: ``Authorization: Bearer <key>``; none or an unknown key is 401. Each key
  is its own workspace: recordings, and so re-uploads, never cross keys.
- ``POST /api/v1/recordings/upload``, ``multipart/form-data``:
  ``audio`` (a file part; any readable audio, no documented size or format
  limit; empty, corrupt, truncated, silent or non-audio content is 400),
  ``teammate_email`` (an e-mail address), ``recorded_at`` (RFC 3339 date-time,
  offset optional), ``contacts`` (see below), optional ``playbook_id`` (a UUID;
  routing rules are not modelled, any UUID is accepted) and the older docs'
  ``recording_assessment_template_id`` (accepted, not checked).
- ``contacts``: the docs' curl sample sends one form field holding the JSON
  array; a client may also send one ``contacts`` field per contact, each holding
  a JSON object (how OpenAPI tools serialise an array with
  ``encoding.contentType: application/json``). Both are read as the same array.
  At least one contact; each valid against the spec's contact schema and with a
  non-null ``email``, ``phone_number`` or ``ext_id``; no two contacts share an
  e-mail (case-insensitive), a phone number (E.164 when valid, else digits) or
  an ``ext_id`` (the spec's ``x-tapecheck.unique-keys``).
- 201 ``{data: {recording: {id}}}`` for a new recording. The same audio bytes
  (sha256), the same ``teammate_email`` (case-insensitive) and the same
  ``recorded_at`` instant (no offset: read as UTC) is the same recording: 200
  with the first upload's id, and nothing new is stored. Concurrent identical
  uploads create exactly one recording.
- Errors: ``{error: {code, message}}``; 400 ``invalid_request`` lists every
  problem of the request in ``message``, 401 ``unauthorized``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.contacts import contact_clashes, has_value
from tapecheck.suite.mocks.bodies import SchemaValidator, parse_json
from tapecheck.suite.mocks.errors import MockError, NestedErrors
from tapecheck.suite.mocks.multipart import Form
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.mocks.vendor import (
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    Endpoint,
    TokenTenantMock,
)
from tapecheck.suite.values import is_email, is_uuid, parse_datetime, to_instant

__all__ = ["MOCK_CLASS", "AlpharunMock", "Upload", "UploadedRecording", "create_app"]

DedupeKey = tuple[str, str, str, datetime]


@dataclass(frozen=True)
class Upload:
    """A valid upload request, as read from the form."""

    teammate_email: str
    recorded_at: datetime
    contacts: list[dict[str, Any]]
    playbook_id: str | None
    template_id: str | None


@dataclass
class UploadedRecording:
    """A recording the mock holds."""

    id: str
    tenant: str
    upload: Upload
    file: StoredFile


class AlpharunMock(TokenTenantMock):
    """Alpharun's upload; each method is a hook a mutant may override."""

    missing_credential = "an `Authorization: Bearer <API key>` header is required"
    unknown_credential = "the API key is not valid"

    vendor = "alpharun"
    #: ``{error: {code, message}}`` (the mocks' choice; the docs show none).
    errors = NestedErrors(with_details=False)

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(token=token, tenant=tenant, tenants=tenants)
        self.recordings: dict[str, UploadedRecording] = {}
        self.by_key: dict[DedupeKey, str] = {}
        form_schema = self.operation("upload").request_body or {}
        contacts = form_schema["content"]["multipart/form-data"]["schema"]["properties"]["contacts"]
        self.contacts_validator = SchemaValidator(self.spec.json_schema(contacts))

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {"upload": self.upload}

    def reset(self) -> None:
        self.recordings.clear()
        self.by_key.clear()

    # -- hooks ---------------------------------------------------------------------

    def contacts_of(self, form: Form) -> tuple[Any, list[str]]:
        """The contacts array from one JSON-array field or one JSON-object field per contact."""
        values = form.fields.get("contacts", [])
        if not values:
            return None, ["`contacts` is required (a JSON array of contacts)"]
        try:
            parsed = [parse_json(text, "`contacts`") for text in values]
        except MockError as exc:
            return None, [exc.message]
        if len(parsed) == 1 and isinstance(parsed[0], list):
            return parsed[0], []
        if all(isinstance(item, dict) for item in parsed):
            return parsed, []
        return None, ["`contacts` must be a JSON array of contact objects"]

    def contact_problems(self, contacts: Any, operation_id: str) -> list[str]:
        """Schema (formats included), identity and uniqueness problems of the contacts array."""
        unique = self.operation(operation_id).ext.get("unique-keys", {})
        keys = list(unique.get("keys", ()))
        items = contacts if isinstance(contacts, list) else []
        anonymous = [
            index
            for index, contact in enumerate(items)
            if isinstance(contact, dict) and not any(has_value(contact.get(k)) for k in keys)
        ]
        problems = [
            f"contacts/{index}: needs one of {', '.join(keys)} with a non-null value"
            for index in anonymous
        ]
        explained = tuple(f"/{index}/" for index in anonymous)
        for where, what in self.contacts_validator.problems(contacts).items():
            if not (where + "/").startswith(explained):
                problems.append(f"contacts{'' if where == '/' else where}: {what}")
        if problems:
            return problems
        distinct = self.unique_keys(operation_id)
        for clash in contact_clashes(
            items,
            list(distinct.get("keys", ())),
            case_insensitive=distinct.get("case-insensitive", ()),
            phone_keys=distinct.get("phone-keys", ()),
        ):
            problems.append(
                f"contacts/{clash.index}: {clash.key} {clash.value!r} is already used by "
                f"contacts/{clash.first}; no two contacts may share it"
            )
        return problems

    def read_upload(self, form: Form, operation_id: str) -> Upload:
        """The request's fields, checked; one 400 listing every problem."""
        problems: list[str] = []
        email = form.field("teammate_email")
        if email is None:
            problems.append("`teammate_email` is required")
        elif not is_email(email):
            problems.append(f"`teammate_email` {email!r} is not an e-mail address")
        recorded = form.field("recorded_at")
        moment = parse_datetime(recorded)
        if recorded is None:
            problems.append("`recorded_at` is required")
        elif moment is None:
            problems.append(
                f"`recorded_at` {recorded!r} is not an ISO 8601 date-time (2024-01-15T14:30:00Z)"
            )
        contacts, contact_errors = self.contacts_of(form)
        problems += contact_errors or self.contact_problems(contacts, operation_id)
        playbook = form.field("playbook_id")
        if playbook is not None and not is_uuid(playbook):
            problems.append(f"`playbook_id` {playbook!r} is not a UUID")
        if form.file("audio") is None:
            problems.append("`audio` is required (the recording, as a file part)")
        if problems or email is None or moment is None:
            raise MockError(400, "; ".join(problems))
        return Upload(
            teammate_email=email,
            recorded_at=moment,
            contacts=contacts,
            playbook_id=playbook,
            template_id=form.field("recording_assessment_template_id"),
        )

    def dedupe_key(self, tenant: str, stored: StoredFile, upload: Upload) -> DedupeKey:
        """What makes two uploads the same recording (VENDORS.md)."""
        return (
            tenant,
            stored.sha256,
            upload.teammate_email.strip().casefold(),
            to_instant(upload.recorded_at),
        )

    def remember(self, key: DedupeKey, recording: UploadedRecording) -> tuple[str, bool]:
        """Store ``recording`` unless its key is known: ``(id, created)``. Call with the lock held."""
        existing = self.by_key.get(key)
        if existing is not None:
            return existing, False
        self.recordings[recording.id] = recording
        self.by_key[key] = recording.id
        return recording.id, True

    def existing_status(self) -> int:
        """The status of an identical re-upload (200)."""
        return 200

    # -- endpoints -------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        tenant = self.authenticate(request, "upload")
        with await self.form(request, "upload") as form:
            upload = self.read_upload(form, "upload")
            stored = form.file("audio")
            if stored is None:  # read_upload refused it already
                raise MockError(400, "`audio` is required")
            await self.checked_audio(stored, "upload")
            recording = UploadedRecording(self.new_id(), tenant, upload, stored)
            with self.lock:
                recording_id, created = self.remember(
                    self.dedupe_key(tenant, stored, upload), recording
                )
            if created:
                form.keep(stored)
        status = self.success_status("upload") if created else self.existing_status()
        return self.respond("upload", {"data": {"recording": {"id": recording_id}}}, status)


#: ``tapecheck mock alpharun`` serves this: the mock as an ASGI app, built with its constructor's options.
create_app = app_factory(AlpharunMock)

#: The class the generic mutant families subclass (tapecheck.suite.conform.families.mutants).
MOCK_CLASS = AlpharunMock
