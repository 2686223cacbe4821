"""Alpharun's contacts: a JSON array of contacts, each identified, no identifier shared."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    SUCCESS_CHECKS,
    Upload,
    V,
    contacts_refused,
    created,
)

__all__ = [
    "contacts_custom_fields",
    "contacts_email_format",
    "contacts_identifier",
    "contacts_json",
    "contacts_one_identifier",
    "contacts_phone_number",
    "contacts_unique_email_case",
    "contacts_unique_phone_format",
]


@requirement(
    V,
    "ALPHARUN-CONTACTS-JSON",
    title="contacts that are not a JSON array of contacts, or an empty one, are refused",
    level="must",
    source='Alpharun API reference, "Upload Recording": contacts is an array with minItems 1 (the '
    "curl sample sends it as one form field holding a JSON array). The docs name no status: "
    "400 or 422 passes.",
    checks=ERROR_CHECKS,
)
async def contacts_json(s: Session) -> None:
    await contacts_refused(s, "[]", '[{"email": "ada.tapecheck@example.com"', "ada@example.com")


@requirement(
    V,
    "ALPHARUN-CONTACTS-IDENTIFIER",
    title="A contact with no email, phone_number or ext_id holding a value is refused",
    level="must",
    source='Alpharun API reference, "Upload Recording", contacts: "At least one of email, phone '
    "number and ext id must be not null on the contact. Contacts are unique per email, "
    "phone number, or ext_id. **No two contacts can have the same email, phone number, or "
    'ext_id**." The docs name no status: 400 or 422 passes.',
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
    level="must",
    source='Alpharun API reference, "Upload Recording", contacts: "At least one of email, phone '
    "number and ext id must be not null on the contact. Contacts are unique per email, "
    "phone number, or ext_id. **No two contacts can have the same email, phone number, or "
    'ext_id**." Any one of the three is enough (RecordingContactPayload anyOf).',
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
    level="must",
    source='Alpharun API reference, "Upload Recording": RecordingContactPayload.phone_number is '
    "anyOf string, number.",
    checks=SUCCESS_CHECKS,
)
async def contacts_phone_number(s: Session) -> None:
    await created(s, Upload(s).with_fields(contacts=[{"phone_number": 14155550100}]))


@requirement(
    V,
    "ALPHARUN-CONTACTS-CUSTOM-FIELDS",
    title="custom_fields with string, number, boolean and null values are accepted",
    level="must",
    source='Alpharun API reference, "Upload Recording": custom_fields items {key, value}, value '
    "anyOf string, number, boolean, nullable: true.",
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
    level="must",
    source='Alpharun API reference, "Upload Recording": RecordingContactPayload.email is format: '
    "email. The docs name no status: 400 or 422 passes.",
    checks=ERROR_CHECKS,
)
async def contacts_email_format(s: Session) -> None:
    await contacts_refused(s, [{"email": "not-an-email"}], [{"email": "ada@", "ext_id": "x-1"}])


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-EMAIL-CASE",
    title="Two contacts whose emails differ only in letter case are refused",
    level="should",
    source="Alpharun's docs say no two contacts can have the same email but not whether letter "
    "case counts; a reasonable expectation: an address names one mailbox whatever its case.",
    checks=ERROR_CHECKS,
)
async def contacts_unique_email_case(s: Session) -> None:
    await contacts_refused(
        s,
        [{"email": "dup@example.com"}, {"email": "Dup@Example.COM", "ext_id": "tapecheck-2"}],
    )


@requirement(
    V,
    "ALPHARUN-CONTACTS-UNIQUE-PHONE-FORMAT",
    title="Two contacts with one phone number written two ways (spacing, a JSON number) are refused",
    level="should",
    source="Alpharun's docs say no two contacts can have the same phone number but not how numbers "
    "are compared; a reasonable expectation: one number written two ways (spacing, a JSON "
    "number) is the same number.",
    checks=ERROR_CHECKS,
)
async def contacts_unique_phone_format(s: Session) -> None:
    await contacts_refused(
        s,
        [{"phone_number": "+14155550100"}, {"phone_number": "+1 415-555-0100", "ext_id": "x-2"}],
        [{"phone_number": "+442079460958"}, {"phone_number": 442079460958, "ext_id": "x-2"}],
    )
