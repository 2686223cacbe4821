"""What a value means: UUIDs, e-mail addresses, dates and date-times, URIs, phone numbers, contact keys.

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
- Contacts clash when one repeats an earlier contact's value under a unique
  key; each (contact, key) that repeats counts once.

Only the standard library is imported up front; ``phonenumbers`` and
``email_validator`` load on first use.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import operator
import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from tapecheck.suite.phones import UNSURE, strict_e164, strict_valid

__all__ = [
    "PLAIN_EMAIL_SCHEMA",
    "Clash",
    "ClashRow",
    "add_phone_keys",
    "contact_clash_rows",
    "contact_clashes",
    "has_offset",
    "has_value",
    "instant_key",
    "is_date",
    "is_email",
    "is_plain_email",
    "is_uri",
    "is_uuid",
    "library_e164",
    "numbers_as_text",
    "parse_datetime",
    "phone_key",
    "raw_body_type",
    "repeats",
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


def has_value(value: object) -> bool:
    """A contact field holds a value: not null and not blank text."""
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class Clash:
    """Contact ``index`` repeats, under ``key``, the value of the earlier contact ``first``."""

    index: int
    key: str
    value: str
    first: int


def _contact_value(
    key: str, value: Any, case_insensitive: Collection[str], phone_keys: Collection[str]
) -> str:
    if key in phone_keys:
        return phone_key(value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text.strip().casefold() if key in case_insensitive else text


def contact_clashes(
    contacts: Sequence[object],
    keys: Sequence[str],
    *,
    case_insensitive: Collection[str] = (),
    phone_keys: Collection[str] = (),
    phones: dict[str, str] | None = None,
) -> list[Clash]:
    """Every (contact, key) whose value an earlier contact already holds.

    Contacts that are not objects and values that are null or blank are skipped.
    Three contacts with one e-mail give two clashes; two contacts sharing an
    e-mail and a phone number give two. In contact order, then key order.

    Each key is read in one pass over the contacts, a text value compared as is
    or case-folded without a call per contact (400,000 contacts are common in
    bulk imports); phone numbers are read once per distinct text, into
    ``phones`` (text -> :func:`phone_key`) when given: a caller that reads the
    same numbers again passes the same table.
    """
    rows = contact_clash_rows(
        contacts, keys, case_insensitive=case_insensitive, phone_keys=phone_keys, phones=phones
    )
    return [Clash(*row) for row in rows]


#: A clash as a plain tuple: the fields of :class:`Clash`, in its order.
ClashRow = tuple[int, str, str, int]


def contact_clash_rows(
    contacts: Sequence[object],
    keys: Sequence[str],
    *,
    case_insensitive: Collection[str] = (),
    phone_keys: Collection[str] = (),
    phones: dict[str, str] | None = None,
) -> list[ClashRow]:
    """:func:`contact_clashes` as tuples ``(index, key, value, first)``.

    A plain tuple of numbers and texts costs less than an object, and the
    garbage collector stops tracking it: 400,000 clashes (a bulk import that
    repeats one e-mail) start no full collection over the manifest's objects.
    """
    found: list[list[ClashRow]] = []  # per key, in contact order
    plain = set(map(type, contacts)) <= {dict}
    if phones is None:
        phones = {}
    for key in keys:
        seen: dict[str, int] = {}
        phone = key in phone_keys
        folded = key in case_insensitive
        if plain:
            column = [contact.get(key) for contact in contacts]  # type: ignore[attr-defined]
            if phone:
                repeated = _phone_repeats(column, key, phones)
            else:
                repeated = _text_repeats(column, folded, key)
            if repeated is not None:
                if repeated:
                    found.append(repeated)
                continue
        clashes: list[ClashRow] = []
        for index, contact in enumerate(contacts):
            if not isinstance(contact, (dict, Mapping)):  # dict first: no ABC check per contact
                continue
            value = contact.get(key)
            if value is None:
                continue
            if isinstance(value, str) and not phone:
                normal = value.strip()
                if not normal:
                    continue  # blank: no value
                normal = normal.casefold() if folded else value
                if normal == value:
                    normal = value  # keep the text already held, not a copy per contact
            elif not has_value(value):
                continue
            elif phone and type(value) is str:
                normal = phones.get(value) or phones.setdefault(value, phone_key(value))
            else:
                normal = _contact_value(key, value, case_insensitive, phone_keys)
            first = seen.setdefault(normal, index)
            if first != index:
                clashes.append((index, key, normal, first))
        if clashes:
            found.append(clashes)
    if len(found) == 1:
        return found[0]
    # Stable: the keys' lists are in key order, so one contact's clashes stay in key order.
    return sorted(itertools.chain.from_iterable(found), key=operator.itemgetter(0))


def _present(column: list[Any]) -> tuple[list[Any], list[int] | None]:
    """The values of ``column`` that are not null, and their indexes (``None``: all are)."""
    if None not in column:
        return column, None
    indices = [index for index, value in enumerate(column) if value is not None]
    return [column[index] for index in indices], indices


def _text_repeats(column: list[Any], folded: bool, key: str) -> list[ClashRow] | None:
    """The clashes under ``key`` when it holds clean text.

    Clean: every value present is text, none blank, none with space at either end
    (so the comparison's strip changes nothing). Told with a few C-speed passes
    over the column (a bulk import of 400,000 contacts), without a copy of the
    texts where they are already as compared; ``None`` (anything else) leaves the
    key to the loop of :func:`contact_clashes`.
    """
    present, indices = _present(column)
    if set(map(type, present)) - {str} or "" in present:
        return None
    # str.strip returns the text itself when there is nothing to strip: no copies here.
    if list(map(str.strip, present)) != present:  # a value to strip, or a blank one
        return None
    normals: list[str] = present
    if folded:
        joined = "\x00".join(present)
        if joined.casefold() != joined:
            normals = [text.casefold() for text in present]
    return _repeats_of(normals, indices, key)


def _phone_repeats(column: list[Any], key: str, phones: dict[str, str]) -> list[ClashRow] | None:
    """The clashes under phone key ``key`` when every value present is text, none blank.

    Each distinct text is read once (:func:`add_phone_keys`); ``None`` (a number,
    a blank text) leaves the key to the loop of :func:`contact_clashes`.
    """
    present, indices = _present(column)
    present = numbers_as_text(present)
    if set(map(type, present)) - {str} or "" in present or any(map(str.isspace, present)):
        return None
    fresh = not phones
    add_phone_keys(phones, present)
    if fresh and len(phones) == len(present):  # every text new and distinct: keys in order
        return _repeats_of(list(phones.values()), indices, key)
    return _repeats_of(list(map(phones.__getitem__, present)), indices, key)


def numbers_as_text(values: list[Any]) -> list[Any]:
    """``values`` with each integer as its digits, as a phone number reads one (a YAML
    manifest's `phone_number: 14155552671` is an int); the list itself when none is."""
    if int not in set(map(type, values)):  # `bool` is a type of its own
        return values
    return [str(value) if type(value) is int else value for value in values]


def _repeats_of(normals: list[str], indices: list[int] | None, key: str) -> list[ClashRow]:
    """A clash for each of ``normals`` (at ``indices``, or at its position) seen before."""
    if len(set(normals)) == len(normals):
        return []
    counts = collections.Counter(normals)
    first: dict[str, int] = {}
    found: list[ClashRow] = []
    for position, normal in enumerate(normals):
        if counts[normal] > 1:
            index = indices[position] if indices is not None else position
            earlier = first.setdefault(normal, index)
            if earlier != index:
                found.append((index, key, normal, earlier))
    return found


def repeats(values: Iterable[Hashable]) -> list[tuple[int, int]]:
    """``(index, first_index)`` for each value that repeats an earlier one."""
    seen: dict[Hashable, int] = {}
    found: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        first = seen.setdefault(value, index)
        if first != index:
            found.append((index, first))
    return found


#: What a body without a Content-Type header is taken as (RFC 9110 section 8.3).
OCTET_STREAM = "application/octet-stream"


def raw_body_type(content_type: str | None) -> str:
    """The Content-Type a raw body is read as: the header's, or octet-stream when none is sent.

    Only an absent header is octet-stream; an empty or malformed one is what it says.
    """
    return OCTET_STREAM if content_type is None else content_type
