"""Alpharun's contacts as its rules read them: the array, its keys, per-item checks.

The rules report once per contact, and a bulk import has 400,000: the loops
here are written out (no call per contact and key), and a rule's violations
are a :class:`~tapecheck.suite.lint.registry.Violations`, whose pointers and
messages are made only for the findings listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tapecheck.suite.contacts import has_value, numbers_as_text
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violations
from tapecheck.suite.pointers import join_pointer
from tapecheck.suite.values import add_phone_keys, phone_key, to_e164

__all__ = ["Contacts", "contacts_of", "invalid_phones", "phones", "unidentified"]


@dataclass(frozen=True)
class Contacts:
    """The parsed contacts and how the spec says they are identified."""

    pointer: str  # /body/contacts
    items: Sequence[Any]
    keys: tuple[str, ...]
    case_insensitive: frozenset[str]
    phone_keys: frozenset[str]
    plain: bool  # every contact is a dict: a key's values can be listed in C

    def at(self, index: int, *tokens: str | int) -> str:
        return self.pointer + join_pointer(index, *tokens)

    def violations(
        self, indexes: Sequence[int], keys: Sequence[str] | None, message: Callable[[int], str]
    ) -> Violations:
        """One violation per contact of ``indexes`` (at its key of ``keys``, if given),
        its pointer and message made only when the engine reads them."""
        head = self.pointer + "/"
        if keys is None:
            return Violations(len(indexes), lambda n: f"{head}{indexes[n]}", message, distinct=True)
        escaped = {key: join_pointer(key) for key in set(keys)}
        return Violations(
            len(indexes), lambda n: f"{head}{indexes[n]}{escaped[keys[n]]}", message, distinct=True
        )

    def none_under(self, key: str) -> bool:
        """True when no contact has ``key`` (or all hold null): nothing to read there."""
        if not self.plain:
            return False
        column = [contact.get(key) for contact in self.items]
        return column.count(None) == len(column)

    def all_text_under(self, key: str) -> bool:
        """True when every contact holds text that is not blank under ``key``."""
        if not self.plain:
            return False
        column = [contact.get(key) for contact in self.items]
        return (
            set(map(type, column)) <= {str}
            and "" not in column
            and not any(map(str.isspace, column))
        )


def contacts_of(ctx: LintContext) -> Contacts | None:
    return ctx.memo("alpharun-contacts", lambda: _read(ctx))


def _read(ctx: LintContext) -> Contacts | None:
    unique = ctx.operation.ext.get("unique-keys") if ctx.operation else None
    if not isinstance(unique, Mapping):
        return None
    name = str(unique["array"]).strip("/")
    found = ctx.json_fields.get(name)
    if found is None or found.error is not None or not isinstance(found.value, list):
        return None  # missing, not JSON or not an array: the schema rules report it
    return Contacts(
        pointer=found.pointer,
        items=found.value,
        keys=tuple(str(key) for key in unique["keys"]),
        case_insensitive=frozenset(unique.get("case-insensitive", ())),
        phone_keys=frozenset(unique.get("phone-keys", ())),
        plain=set(map(type, found.value)) <= {dict},
    )


def unidentified(items: Sequence[Any], keys: Sequence[str]) -> Iterator[int]:
    """The index of each contact (an object) without a value under any of ``keys``.

    :func:`~tapecheck.suite.contacts.has_value`, written out: one loop, no call per
    contact and key (400,000 contacts).
    """
    for index, contact in enumerate(items):
        if not isinstance(contact, (dict, Mapping)):  # dict first: no ABC check per contact
            continue
        for key in keys:
            value = contact.get(key)
            if value is not None and (not isinstance(value, str) or value.strip()):
                break
        else:
            yield index


def phones(ctx: LintContext) -> dict[str, str]:
    """The contacts' phone numbers read so far (text -> phone_key), shared by ALR002 and ALR005."""
    return ctx.memo("alpharun-phones", dict)


def invalid_phones(
    items: Sequence[Any], keys: Sequence[str], phones: dict[str, str], *, plain: bool
) -> tuple[list[int], list[str]]:
    """The index and key of each contact's phone number under ``keys`` that is not valid.

    A text is read once, however many contacts repeat it, into ``phones``: its
    :func:`~tapecheck.suite.values.phone_key`, which starts with ``+`` when valid.
    """
    if len(keys) == 1 and plain:  # every contact a dict (Contacts.plain)
        invalid = _invalid_texts(items, keys[0], phones)
        if invalid is not None:
            return invalid, [keys[0]] * len(invalid)
    indexes: list[int] = []
    found: list[str] = []
    for index, contact in enumerate(items):
        if not isinstance(contact, (dict, Mapping)):  # dict first: no ABC check per contact
            continue
        for key in keys:
            value = contact.get(key)
            if value is None:
                continue
            if type(value) is str:
                known = phones.get(value)
                if known is None:
                    if not value.strip():
                        continue  # blank
                    known = phones[value] = phone_key(value)
                if known.startswith("+"):
                    continue
            elif not has_value(value) or isinstance(value, bool | Mapping | list):
                continue  # absent, null or a wrong type (SCH002)
            elif to_e164(value) is not None:
                continue
            indexes.append(index)
            found.append(key)
    return indexes, found


def _invalid_texts(items: Sequence[Any], key: str, phones: dict[str, str]) -> list[int] | None:
    """The contacts whose ``key`` holds text that is not a valid number, told in a few
    C-speed passes when every value there is text or null (else ``None``)."""
    column = numbers_as_text([contact.get(key) for contact in items])
    if not set(map(type, column)) <= {str, type(None)}:
        return None
    read = list(map(phones.get, column))  # a blank text, or null, is never in the table
    unread = [text for text, known in zip(column, read, strict=True) if known is None and text]
    if unread:
        add_phone_keys(phones, [text for text in unread if text.strip()])
        read = list(map(phones.get, column))
    return [index for index, known in enumerate(read) if known is not None and known[:1] != "+"]
