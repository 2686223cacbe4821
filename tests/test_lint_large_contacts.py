"""Large manifests: the contact rules and the reading of values, against what they replace.

Contact clashes (ALR002) are found with a few C-speed passes per key, the
other contact rules skip keys no contact holds, a long list of plain YAML
records is validated without a copy, and the nesting guard counts brackets in
C. Each shortcut is checked here against the plain reading it replaces, on
generated input (:mod:`test_lint_large` holds the schema paths).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_large import _contacts_manifest, _lint

from tapecheck.suite.contacts import Clash, contact_clashes, has_value
from tapecheck.suite.values import phone_key

# -- contact clashes ---------------------------------------------------------------------


def _reference_clashes(
    contacts: Sequence[object],
    keys: Sequence[str],
    case_insensitive: Sequence[str],
    phone_keys: Sequence[str],
) -> list[Clash]:
    """Contact clashes read one contact and key at a time (as first written)."""
    seen: dict[tuple[str, str], int] = {}
    clashes: list[Clash] = []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, Mapping):
            continue
        for key in keys:
            value = contact.get(key)
            if not has_value(value):
                continue
            if key in phone_keys:
                normal = phone_key(value)
            else:
                text = (
                    value
                    if isinstance(value, str)
                    else json.dumps(value, sort_keys=True, default=str)
                )
                normal = text.strip().casefold() if key in case_insensitive else text
            first = seen.setdefault((key, normal), index)
            if first != index:
                clashes.append(Clash(index, key, normal, first))
    return clashes


_FIELD = (
    st.sampled_from(
        ["a@x.io", "A@x.io ", " a@X.io", "b@x.io", "", "  ", "+14155552671", "14155552671", "1"]
    )
    | st.none()
    | st.integers(0, 3)
    | st.just(14155552671)
    | st.just({"a": 1})
)
_CONTACT = st.dictionaries(st.sampled_from(["email", "phone_number", "ext_id"]), _FIELD)


@settings(max_examples=300, deadline=None)
@given(contacts=st.lists(_CONTACT | st.just("not a contact"), max_size=8))
def test_contact_clashes_are_the_ones_read_contact_by_contact(contacts: list[Any]) -> None:
    keys = ["email", "phone_number", "ext_id"]
    found = contact_clashes(contacts, keys, case_insensitive=["email"], phone_keys=["phone_number"])
    assert found == _reference_clashes(contacts, keys, ["email"], ["phone_number"])


# -- the contact rules' column shortcuts --------------------------------------------------

_PLAIN_CONTACT = st.fixed_dictionaries(
    {},
    optional={
        "email": st.sampled_from(["a@b.io", "A@b.io", " ", "", "x"]) | st.none() | st.just(1),
        "phone_number": st.sampled_from(["+14155552671", "555", " ", 14155552671, 555, True])
        | st.none(),
        "ext_id": st.sampled_from(["c1", ""]) | st.none(),
        "custom_fields": st.none()
        | st.lists(
            st.fixed_dictionaries({"key": st.sampled_from(["k", "j"]), "value": st.just(1)})
        ),
    },
)


@settings(max_examples=60, deadline=None)
@given(contacts=st.lists(_PLAIN_CONTACT, min_size=1, max_size=6))
def test_the_contact_rules_find_the_same_without_their_column_shortcuts(
    contacts: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import dataclasses

    from tapecheck.suite.vendors.alpharun import _contacts

    path = tmp_path_factory.mktemp("contacts") / "c.request.json"
    path.write_text(json.dumps(_contacts_manifest(contacts)), encoding="utf-8")
    fast = _lint(path)
    read = _contacts._read

    def without_shortcuts(ctx: Any) -> Any:
        found = read(ctx)
        return None if found is None else dataclasses.replace(found, plain=False)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_contacts, "_read", without_shortcuts)
        slow = _lint(path)
    assert fast == slow


# -- loading: the nesting guard and the duplicate-key hook ---------------------------------


def _depth_by_count(text: str) -> bool:
    """The nesting guard as first written: one count per bracket."""
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > 200:
                return True
        elif char in "]}" and depth:
            depth -= 1
    return False


_BRACKETS = st.text(st.sampled_from("[]{}x"), max_size=60)


@settings(max_examples=400, deadline=None)
@given(head=_BRACKETS, depth=st.integers(0, 260), middle=_BRACKETS, tail=_BRACKETS)
def test_the_nesting_guard_counts_as_before(head: str, depth: int, middle: str, tail: str) -> None:
    from tapecheck.suite import manifest

    text = head + "[{" * (depth // 2) + middle + "]}" * (depth // 3) + tail
    text += "[]" * 120  # past the count below which the guard answers at once
    assert manifest._too_deep(text) == _depth_by_count(text)


def test_a_duplicate_key_in_json_is_still_named() -> None:
    from tapecheck.suite import manifest

    loaded = manifest.parse_manifest(
        '{"vendor": "bota", "body": {"a": 1, "b": 2, "a": 3}}', path="x.json", strict_json=True
    )
    assert isinstance(loaded, manifest.ManifestError)
    assert "duplicate key 'a'" in loaded.message


# -- YAML values read as text, without a copy of plain records ----------------------------


def _texts_copied(value: Any) -> Any:
    """The value as it travels, always copied (as first written)."""
    import datetime

    if isinstance(value, Mapping):
        return {str(k): _texts_copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts_copied(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


_RECORD_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=2)
    | st.dates()
    | st.lists(st.integers(), max_size=2)
)
_RECORDS = st.lists(
    st.dictionaries(st.text(max_size=2) | st.integers(0, 2), _RECORD_VALUES, max_size=3),
    min_size=1,
    max_size=3,
)


@settings(max_examples=200, deadline=None)
@given(records=_RECORDS, many=st.sampled_from([1, 70]))
def test_plain_records_are_read_as_text_without_a_copy(records: list[Any], many: int) -> None:
    from tapecheck.suite.lint._schema_pass import _texts

    value = records * many
    read = _texts(value)
    assert read == _texts_copied(value)
    assert [type(item) for item in read] == [dict] * len(read)
