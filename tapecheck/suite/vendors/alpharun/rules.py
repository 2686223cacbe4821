"""Alpharun's lint rules (ALR): the contacts and ``recorded_at``.

``contacts`` may be written as a YAML list or as the JSON string that goes on
the wire (the spec lists it in ``x-tapecheck.json-fields``); both are read the
same way. The identifying keys, and how each compares, are the spec's
``x-tapecheck.unique-keys``; what a value means (a phone number, a date-time)
is :mod:`tapecheck.suite.values`, shared with the reference mock. Nothing of
the mock or the flow is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tapecheck.suite.contacts import contact_clash_rows, repeats
from tapecheck.suite.lint.context import LintContext, scalar_text
from tapecheck.suite.lint.registry import Violation, Violations, rule
from tapecheck.suite.lint.wording import code_listing
from tapecheck.suite.pointers import join_pointer
from tapecheck.suite.values import has_offset, parse_datetime
from tapecheck.suite.vendors.alpharun._contacts import (
    contacts_of,
    invalid_phones,
    phones,
    unidentified,
)

__all__ = [
    "contact_without_identifier",
    "custom_field_key_repeated",
    "duplicate_contact_identifier",
    "invalid_contact_phone",
    "recorded_at_not_date_time",
    "recorded_at_without_timezone",
]

_VENDOR = "alpharun"
_RECORDED_AT = "recorded_at"
_PHONE = "phone_number"
_CUSTOM_FIELDS = "custom_fields"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@rule(
    "ALR001",
    "contact-without-identifier",
    vendor=_VENDOR,
    fix_title="Give the contact an email, a phone_number or an ext_id",
)
def contact_without_identifier(ctx: LintContext) -> Iterable[Violation]:
    """## What it does
    Checks that every contact has a value for at least one of `email`,
    `phone_number` and `ext_id`.

    A null value, or blank text, does not count. One finding per contact, at
    the contact (`/body/contacts/0`). The keys are the spec's
    (`x-tapecheck.unique-keys` in `specs/alpharun.yaml`).

    ## Why is this bad?
    Alpharun matches the people in a recording to its contacts by these
    identifiers. The seed's schema only asks for the keys to be present, but
    its text requires one of them to be not null: a contact with
    `email: null` and nothing else passes a schema check and is refused (400).

    ## Example
    ```yaml
    body:
      contacts:
        - {first_name: Ada, email: null}
    ```

    Use instead:
    ```yaml
    body:
      contacts:
        - {first_name: Ada, email: ada@example.com}
    ```

    ## Fix safety
    There is no automatic fix: the identifier must be the contact's own. An
    `ext_id` from your CRM is the safest choice when no email or phone is
    known; do not invent an email, since contacts are matched by it.

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` ("At least one of email, phone number and ext id must be not null on the contact")
    """
    contacts = contacts_of(ctx)
    if contacts is None:
        return ()
    if contacts.keys and contacts.all_text_under(contacts.keys[0]):
        return ()  # every contact has its first key: told in C for 400,000 contacts
    indexes = list(unidentified(contacts.items, contacts.keys))
    keys = code_listing(contacts.keys)
    return contacts.violations(
        indexes,
        None,
        lambda n: (
            f"contact {indexes[n]} has no {keys} with a value; give it at "
            "least one (null or blank values do not count)"
        ),
    )


@rule(
    "ALR002",
    "duplicate-contact-identifier",
    vendor=_VENDOR,
    fix_title="Merge the contacts or give each its own identifier",
)
def duplicate_contact_identifier(ctx: LintContext) -> Iterable[Violation]:
    """## What it does
    Checks that no two contacts share an `email`, a `phone_number` or an
    `ext_id`.

    Emails compare case-insensitively; phone numbers compare in E.164 when they
    are valid (`+1 415-555-2671` and `14155552671` are the same number), and
    digit by digit otherwise. The finding is reported once per contact and key
    that repeats the value of an earlier contact, at the repeating value
    (`/body/contacts/1/email`): three contacts with one email give two
    findings, two contacts sharing an email and a phone number give two.

    ## Why is this bad?
    Contacts are unique per email, phone number and ext_id. Alpharun refuses a
    request that lists one person twice (400), and the whole recording is lost
    with it.

    ## Example
    ```yaml
    body:
      contacts:
        - {email: ada@example.com, first_name: Ada}
        - {email: ADA@example.com, phone_number: "+14155552671"}
    ```

    Use instead:
    ```yaml
    body:
      contacts:
        - {email: ada@example.com, first_name: Ada, phone_number: "+14155552671"}
    ```

    ## Fix safety
    There is no automatic fix. Two entries may be one person (merge them,
    keeping every identifier) or two people wrongly sharing a value (correct
    the value). Dropping an entry can lose a name or a custom field.

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` ("No two contacts can have the same email, phone number, or ext_id")
    - ITU-T Recommendation E.164 (phone number format)
    """
    contacts = contacts_of(ctx)
    if contacts is None:
        return ()
    clashes = contact_clash_rows(
        contacts.items,
        contacts.keys,
        case_insensitive=contacts.case_insensitive,
        phone_keys=contacts.phone_keys,
        phones=phones(ctx),
    )

    def message(n: int) -> str:
        index, key, normal, earlier = clashes[n]
        value = contacts.items[index][key]
        first = contacts.items[earlier][key]
        same = "" if value == first else f" ({first!r}; both read as {normal!r})"
        return (
            f"contact {index}'s {key} {value!r} is already contact "
            f"{earlier}'s{same}; no two contacts may share it: merge the two contacts "
            "or correct the value"
        )

    return contacts.violations(
        [clash[0] for clash in clashes], [clash[1] for clash in clashes], message
    )


@rule(
    "ALR003",
    "recorded-at-not-date-time",
    vendor=_VENDOR,
    fix_title="Write recorded_at as an ISO 8601 date-time",
)
def recorded_at_not_date_time(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that `recorded_at` is an ISO 8601 date-time.

    It is read as RFC 3339: `YYYY-MM-DD`, then `T` (or `t`, or a space), then
    `hh:mm:ss` with optional fractions and an optional offset (`Z` or
    `+hh:mm`). A date alone (`2024-01-15`), a time without seconds, a month
    name or an epoch number are flagged. A missing offset is only the warning ALR004. This
    rule replaces the SCH004 `format: date-time` finding on the same value; a
    missing `recorded_at` is SCH001.

    ## Why is this bad?
    Alpharun refuses a `recorded_at` it cannot read (400), and a date alone
    would lose the time of the call that assessments and reports sort by.

    ## Example
    ```yaml
    body:
      recorded_at: "2024-01-15"
    ```

    Use instead:
    ```yaml
    body:
      recorded_at: "2024-01-15T14:30:00-05:00"
    ```

    ## Fix safety
    There is no automatic fix: a date alone does not say when the call was,
    and reformatting a local notation (`01/02/2024`) needs to know whether the
    day or the month comes first.

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` (`recorded_at`, `format: date-time`: "Accepts ISO 8601 format with optional timezone specification")
    - RFC 3339, section 5.6 (Internet date/time format)
    """
    found = _recorded_at(ctx)
    if found is None:
        return
    text, moment = found
    if moment is not None:
        return
    if _DATE_ONLY.fullmatch(text):
        message = (
            f"recorded_at {text!r} is a date alone; Alpharun needs a date-time with the time "
            f"of the call, e.g. '{text}T14:30:00-05:00'"
        )
    else:
        message = (
            f"recorded_at {text!r} is not an ISO 8601 date-time; write it as "
            "YYYY-MM-DDThh:mm:ss with an offset, e.g. '2024-01-15T14:30:00-05:00'"
        )
    yield Violation(join_pointer("body", _RECORDED_AT), message)


@rule(
    "ALR004",
    "recorded-at-without-timezone",
    severity="warning",
    vendor=_VENDOR,
    fix_title="Add the timezone offset to recorded_at",
)
def recorded_at_without_timezone(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns when `recorded_at` is a date-time without a timezone (no `Z` and no
    `+hh:mm`/`-hh:mm` offset).

    ## Why is this bad?
    Alpharun accepts it, but must then guess the timezone: a call recorded at
    14:30 in New York may be stored as 14:30 UTC, five hours off, which moves
    it to another day in reports near midnight. The docs encourage giving the
    timezone whenever it is known.

    ## Example
    ```yaml
    body:
      recorded_at: "2024-01-15T14:30:00"
    ```

    Use instead:
    ```yaml
    body:
      recorded_at: "2024-01-15T14:30:00-05:00"
    ```

    ## Fix safety
    There is no automatic fix: only the recording system knows the local
    offset, including daylight saving time on that date. Appending `Z` is right
    only when the time already is UTC.

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` ("We encourage you to specify the TZ if available")
    - RFC 3339, section 4.2 (local offsets)
    """
    found = _recorded_at(ctx)
    if found is None:
        return
    text, moment = found
    if moment is not None and not has_offset(moment):
        yield Violation(
            join_pointer("body", _RECORDED_AT),
            f"recorded_at {text!r} has no timezone; add 'Z' if it is UTC, or the local "
            f"offset, e.g. '{text}-05:00'",
        )


def _recorded_at(ctx: LintContext) -> tuple[str, Any] | None:
    """``(text, parsed)`` of ``recorded_at`` when the operation takes it and it is a scalar."""
    if ctx.body_property(_RECORDED_AT) is None:
        return None
    body = ctx.section("body")
    if _RECORDED_AT not in body:
        return None
    value = scalar_text(body[_RECORDED_AT])
    if value is None or isinstance(value, Mapping | list):
        return None  # a wrong type: SCH002
    text = value if isinstance(value, str) else str(value)
    return text, parse_datetime(text)


@rule(
    "ALR005",
    "invalid-contact-phone",
    severity="warning",
    vendor=_VENDOR,
    fix_title="Write the phone number in international form, e.g. +14155552671",
)
def invalid_contact_phone(ctx: LintContext) -> Iterable[Violation]:
    """## What it does
    Warns when a contact's `phone_number` is not a valid phone number.

    A number without a leading `+`, and a JSON number, are read as
    international digits, country code first (`14155552671` is
    `+1 415-555-2671`); validity is the `phonenumbers` library's (Google's
    libphonenumber metadata). Null and blank values are not checked.

    ## Why is this bad?
    Alpharun matches contacts by phone number. A national number such as
    `(415) 555-2671` is read with `4` as its country code, so it matches no
    one, and two spellings of one invalid number may not be recognised as the
    same contact (ALR002 compares invalid numbers digit by digit only).

    ## Example
    ```yaml
    body:
      contacts:
        - {first_name: Ada, phone_number: "555-2671"}
    ```

    Use instead:
    ```yaml
    body:
      contacts:
        - {first_name: Ada, phone_number: "+14155552671"}
    ```

    ## Fix safety
    There is no automatic fix: adding a country code means knowing where the
    contact lives. Prefer the E.164 form (`+` and digits only), which every
    system reads the same way.

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` (`phone_number`: a string or a number)
    - ITU-T Recommendation E.164; <https://github.com/google/libphonenumber>
    """
    contacts = contacts_of(ctx)
    if contacts is None:
        return ()
    keys = [key for key in sorted(contacts.phone_keys) if not contacts.none_under(key)]
    if not keys:
        return ()
    indexes, found_keys = invalid_phones(contacts.items, keys, phones(ctx), plain=contacts.plain)
    if not indexes:
        return ()

    def message(n: int) -> str:
        index, key = indexes[n], found_keys[n]
        value = contacts.items[index][key]
        return (
            f"contact {index}'s {key} {value!r} is not a valid phone number (read as "
            "international digits, country code first); write it in E.164 form, "
            "e.g. '+14155552671'"
        )

    return contacts.violations(indexes, found_keys, message)


@rule(
    "ALR006",
    "custom-field-key-repeated",
    severity="warning",
    vendor=_VENDOR,
    fix_title="Give each custom field of a contact its own key",
)
def custom_field_key_repeated(ctx: LintContext) -> Iterable[Violation]:
    """## What it does
    Warns when one contact lists the same `custom_fields` key twice.

    Keys compare exactly (case-sensitively). One finding per repeated entry, at
    its key (`/body/contacts/0/custom_fields/1/key`); the same key on two
    different contacts is fine.

    ## Why is this bad?
    A contact's custom fields are key-value pairs. With a key twice, one value
    silently replaces the other, and which one survives is not documented.

    ## Example
    ```yaml
    body:
      contacts:
        - email: ada@example.com
          custom_fields:
            - {key: plan, value: pro}
            - {key: plan, value: team}
    ```

    Use instead:
    ```yaml
    body:
      contacts:
        - email: ada@example.com
          custom_fields:
            - {key: plan, value: team}
    ```

    ## Fix safety
    There is no automatic fix: decide which value is right, or give the second
    one a key of its own (`previous_plan`).

    ## References
    - Alpharun API, "Upload Recording" (index: <https://dev.alpharun.com/llms.txt>)
    - Seed: `shared/seeds/alpharun-upload-recording.md` (`custom_fields: [{key, value}]`)
    """
    contacts = contacts_of(ctx)
    if contacts is None or contacts.none_under(_CUSTOM_FIELDS):
        return ()
    found: list[tuple[int, int, int, object]] = []  # (contact, position, first position, key)
    for index, contact in enumerate(contacts.items):
        fields = contact.get(_CUSTOM_FIELDS) if isinstance(contact, (dict, Mapping)) else None
        if not isinstance(fields, list):
            continue
        # Entries without a string key get a unique stand-in, so they never repeat.
        keys = [
            entry["key"]
            if isinstance(entry, Mapping) and isinstance(entry.get("key"), str)
            else object()
            for entry in fields
        ]
        found += [(index, position, first, keys[position]) for position, first in repeats(keys)]
    head = contacts.pointer + "/"

    def pointer(n: int) -> str:
        index, position = found[n][:2]
        return f"{head}{index}{join_pointer(_CUSTOM_FIELDS, position, 'key')}"

    def message(n: int) -> str:
        index, _, first, key = found[n]
        return (
            f"contact {index} repeats custom field key {key!r} (first at "
            f"custom_fields/{first}); keep one value per key"
        )

    return Violations(len(found), pointer, message, distinct=True)
