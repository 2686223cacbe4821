"""Contacts that clash: one repeating an earlier contact's value under a unique key.

Shared by the linter's rules and the reference mocks, so both count a clash
the same way (CONTRACT.md, "How the rules read in edge cases"): each
(contact, key) that repeats counts once; a phone number compares by its
:func:`~tapecheck.suite.values.phone_key`, a case-insensitive key folded.
"""

from __future__ import annotations

import collections
import itertools
import json
import operator
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tapecheck.suite.values import add_phone_keys, phone_key

__all__ = [
    "Clash",
    "ClashRow",
    "contact_clash_rows",
    "contact_clashes",
    "has_value",
    "numbers_as_text",
    "repeats",
]


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
