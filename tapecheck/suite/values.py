"""What a value means: UUIDs, e-mail addresses, dates and date-times, URIs, phone numbers.

Pure helpers shared by the linter and the reference mocks, so both read a
value the same way (CONTRACT.md, "How the rules read in edge cases"):

- UUIDs are the hyphenated 8-4-4-4-12 form, any case.
- Dates are ``YYYY-MM-DD`` and must exist in the calendar.
- URIs are absolute (a scheme, then the characters RFC 3986 allows), with
  every ``%`` starting an escape of two hex digits.
- Date-times are RFC 3339 with ``T``, ``t`` or a space between date and time;
  the offset may be missing (a naive instant, read as UTC where instants are
  compared); a date alone is not a date-time.
- A phone number without a leading ``+``, or a JSON number, is international
  digits, country code first. Valid numbers compare in E.164, others digit by digit.
- A raw body sent without a Content-Type is ``application/octet-stream``
  (RFC 9110 section 8.3 lets a recipient assume it; vendors' own SDKs send
  uploads that way), for the mocks and the conformance suite alike.

Only the standard library is imported up front; ``phonenumbers`` and
``email_validator`` load on first use.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from tapecheck.suite.phones import UNSURE, strict_e164, strict_valid

__all__ = [
    "PLAIN_EMAIL_SCHEMA",
    "add_phone_keys",
    "has_offset",
    "instant_key",
    "is_date",
    "is_email",
    "is_plain_email",
    "is_uri",
    "is_uuid",
    "library_e164",
    "parse_datetime",
    "phone_key",
    "raw_body_type",
    "to_e164",
    "to_instant",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_NON_DIGIT = re.compile(r"\D")
#: str.translate's table that deletes what ``\D`` matches in ASCII text, but line breaks.
_ASCII_NON_DIGITS = dict.fromkeys(i for i in range(128) if not chr(i).isdigit() and chr(i) != "\n")
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})?"
)


def is_uuid(value: object) -> bool:
    """A hyphenated 8-4-4-4-12 UUID, any case (no braces, no ``urn:uuid:``)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


#: The plain ASCII addresses (dot-atoms at a dotted host name with a letters-only
#: top-level domain) that email-validator accepts; anything else goes to it.
#: ``tests/test_lint_fast_path.py`` checks the two agree on what this matches.
_PLAIN_EMAIL = re.compile(
    r"(?=.{1,254}$)(?=[^@]{1,64}@)"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-)){0,61}(?<!-)\.)+[A-Za-z]{2,63}"
)
#: email-validator refuses these domains and their subdomains (RFC 6761 and others).
_SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
#: Most of :func:`is_plain_email`'s addresses as a JSON Schema, written for a compiled
#: validator (jsonschema-rs) with no look-around, so its regex engine needs no
#: backtracking and 400,000 addresses take no call into Python each. It accepts
#: only addresses :func:`is_plain_email` accepts (fewer: a local part of at most 64
#: characters and 31 dots, host labels of at most 63 characters and 31 hyphens);
#: ``tests/test_lint_fast_path.py`` checks that on generated strings.
PLAIN_EMAIL_SCHEMA: Mapping[str, Any] = {
    "maxLength": 254,
    "pattern": (
        rf"^(?:{_ATEXT}{{1,64}}|{_ATEXT}(?:{_ATEXT}|\.{_ATEXT}){{0,31}})"
        r"@(?:(?:[A-Za-z0-9]{1,63}|[A-Za-z0-9](?:-?[A-Za-z0-9]){0,31})\.)+[A-Za-z]{2,63}$"
    ),
    "not": {
        "type": "string",
        "pattern": rf"(?i)\.(?:{'|'.join(_SPECIAL_USE_DOMAINS)})$",
    },
}


def is_plain_email(value: str) -> bool:
    """True for the common shape of address that needs no full check (see :data:`_PLAIN_EMAIL`)."""
    if _PLAIN_EMAIL.fullmatch(value) is None:
        return False
    tld = value.rsplit(".", 1)[1].lower()
    return tld not in _SPECIAL_USE_DOMAINS


def is_email(value: object) -> bool:
    """An e-mail address by syntax (no DNS look-up), as email-validator reads it."""
    if not isinstance(value, str) or not value:
        return False
    if is_plain_email(value):  # 100,000 contacts: a regex each, not a full parse each
        return True
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_date(value: object) -> bool:
    """A calendar date written ``YYYY-MM-DD`` (``2024-02-30`` is none)."""
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_uri(value: object) -> bool:
    """An absolute URI: a scheme, RFC 3986 characters, and no ``%`` that starts no escape."""
    return (
        isinstance(value, str)
        and _URI.fullmatch(value) is not None
        and _BARE_PERCENT.search(value) is None
    )


def parse_datetime(value: object) -> datetime | None:
    """An RFC 3339 date-time (offset optional); ``None`` for any other shape.

    The result is aware when the text has an offset and naive when it has none.
    """
    if not isinstance(value, str):
        return None
    match = _DATETIME.fullmatch(value)
    if match is None:
        return None
    fraction = (match["fraction"] or "")[1:7].ljust(6, "0") if match["fraction"] else "0"
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{match['time']}").replace(
            microsecond=int(fraction)
        )
    except ValueError:
        return None
    offset = match["offset"]
    if offset is None:
        return moment
    if offset in ("Z", "z"):
        return moment.replace(tzinfo=UTC)
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return moment.replace(tzinfo=timezone(delta if offset[0] == "+" else -delta))


def has_offset(moment: datetime) -> bool:
    """True when a parsed date-time carries a UTC offset (``Z`` or ``+hh:mm``/``-hh:mm``)."""
    return moment.tzinfo is not None


def to_instant(moment: datetime) -> datetime:
    """The UTC instant of ``moment``; a naive time is read as UTC.

    Raises :class:`OverflowError` for an instant outside ``datetime``'s range
    (``9999-12-31T23:59:59-01:00``); comparisons use :func:`instant_key`.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def instant_key(moment: datetime) -> timedelta:
    """A key that orders date-times as instants, exactly, at the ends of the calendar too.

    ``datetime`` cannot hold ``9999-12-31T23:59:59-01:00`` in UTC, but a
    ``timedelta`` from year 1 can; a naive time is read as UTC.
    """
    offset = moment.utcoffset() or timedelta(0)
    return (moment.replace(tzinfo=None) - datetime.min) - offset


def _phone_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and value >= 0 else None
    if isinstance(value, str):
        return value.strip()
    return None


def to_e164(value: object) -> str | None:
    """The E.164 form of a valid phone number, else ``None``.

    Text without a leading ``+`` and JSON numbers are read as international
    digits (country code first).
    """
    text = _phone_text(value)
    if not text:
        return None
    return _e164(text)


@functools.lru_cache(maxsize=1 << 17)
def _e164(text: str) -> str | None:
    """:func:`to_e164` of a stripped text, kept per text."""
    return _read_e164(text)


def _read_e164(text: str) -> str | None:
    """:func:`to_e164` of a stripped text.

    phonenumbers takes about 40 µs a number; text in E.164 form, or digits
    that read as E.164, takes the shortcut of :mod:`tapecheck.suite.phones`
    (about 1.5 µs), the rest the library. Not kept: a caller reading many
    distinct numbers keeps its own table (see :func:`contact_clashes`).
    """
    if not text.startswith("+"):
        digits = _NON_DIGIT.sub("", text)
        if not digits:
            return None
        text = "+" + digits
    quick = strict_e164(text)
    if quick is not UNSURE:
        return quick
    return library_e164(text)


def library_e164(text: str) -> str | None:
    """What phonenumbers alone makes of ``text``: its E.164 form if it is a valid number."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_key(value: object) -> str:
    """What two phone numbers are compared by: E.164 when valid, else the digits.

    Only the E.164 form starts with ``+``: a key tells whether its number is
    valid. Not kept per text (unlike :func:`to_e164`): a caller reading many
    numbers keeps its keys (see :func:`contact_clashes`).
    """
    text = _phone_text(value)
    if not text:
        return json.dumps(value, sort_keys=True, default=str)
    e164 = _read_e164(text)
    return e164 if e164 is not None else _NON_DIGIT.sub("", text)


def add_phone_keys(known: dict[str, str], texts: Iterable[str]) -> None:
    """Add to ``known`` the :func:`phone_key` of each of ``texts`` (not blank) it lacks.

    The same keys as :func:`phone_key` gives one at a time, read in bulk for
    the 400,000 distinct numbers of a bulk import: the digits of all of them in
    one pass of the pattern, then the E.164 shortcut per number.
    """
    new = list(dict.fromkeys(texts if not known else (t for t in texts if t not in known)))
    stripped = list(map(str.strip, new))
    joined = "\n".join(stripped)
    ascii_digits = joined.count("\n") == len(stripped) - 1 and joined.isascii()
    if ascii_digits:  # no line break inside a text: the digits of all in one pass
        digits = joined.translate(_ASCII_NON_DIGITS).split("\n")
    else:
        digits = [_NON_DIGIT.sub("", text) for text in stripped]
    keys: list[str] = []
    for text, number in zip(stripped, digits, strict=True):
        if ascii_digits and number and text[0] != "+":  # "+" and its digits, decided here
            verdict = strict_valid(number)
            if verdict is not UNSURE:
                keys.append("+" + number if verdict else number)
                continue
        e164 = _read_e164(text)
        keys.append(number if e164 is None else e164)
    known.update(zip(new, keys, strict=True))


#: What a body without a Content-Type header is taken as (RFC 9110 section 8.3).
OCTET_STREAM = "application/octet-stream"


def raw_body_type(content_type: str | None) -> str:
    """The Content-Type a raw body is read as: the header's, or octet-stream when none is sent.

    Only an absent header is octet-stream; an empty or malformed one is what it says.
    """
    return OCTET_STREAM if content_type is None else content_type
