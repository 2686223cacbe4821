"""A run's long entries: a mapping of many members placed by searching, not read again.

One contact of a million members is kept as one mark and its value; a
finding inside it finds its member where the key is written, searching on
from the member found last (:mod:`tapecheck.suite._yaml_entries`). Here the
bound is lowered so that every mapping of a run is such an entry, and every
position is held against the safe loader's node marks: in the document's
order, in any order (searches that wrap round, then every mark counted at
once), block and flow, spaced as ``safe_dump`` spaces a flow mapping or not.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_fast_path import _full_or_refused, _same
from test_yaml_large import _RUN_SCALARS, _check, _documents, _pointers

from tapecheck.suite import _simple_yaml, _yaml_entries, manifest
from tapecheck.suite._simple_yaml import read_simple
from tapecheck.suite._yaml_entries import LongEntry


@pytest.fixture
def long_entries(large_path: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every text read as a large one, and every mapping of a run kept as a long entry."""
    monkeypatch.setattr(_simple_yaml, "_LONG_MEMBERS", 0)


def _placed_in_order(text: str, order: list[int]) -> None:
    """Place every pointer of ``text`` in ``order`` (indexes into them, wrapping round),
    each against the full path."""
    found = read_simple(text, locate=True)
    assert found is not None, text
    data, located = found
    assert located is not None
    assert _same(data, _full_or_refused(text)), text
    whole = manifest.Manifest(path="m.yaml", data=data, source=text)
    pointers = _pointers(data)
    for index in order:
        pointer = pointers[index % len(pointers)]
        assert located.position(pointer) == whole.position(pointer), (pointer, text)


@pytest.mark.usefixtures("long_entries")
@settings(max_examples=300, deadline=None)
@given(text=_documents(_RUN_SCALARS))
def test_long_entries_are_placed_as_the_full_path(text: str) -> None:
    _check(text)


@pytest.mark.usefixtures("long_entries")
@pytest.mark.parametrize("misses", [0, 1, 8])
@settings(max_examples=100, deadline=None)
@given(text=_documents(_RUN_SCALARS), seed=st.randoms(use_true_random=False))
def test_long_entries_are_placed_in_any_order(text: str, seed: random.Random, misses: int) -> None:
    """Pointers asked in any order: searches wrap round, and after ``misses`` of them every
    mark is counted at once; each is where the safe loader puts it."""
    found = read_simple(text, locate=True)
    if found is None:
        return
    order = list(range(3 * len(_pointers(found[0]))))
    seed.shuffle(order)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_yaml_entries, "_MISSES", misses)
        _placed_in_order(text, order)


def _members(count: int, style: str, *, quoted: bool = False, spacing: str = ", ") -> str:
    """A manifest whose third contact has ``count`` members, written in ``style``."""
    value = '"v x"' if quoted else "v x"
    if style == "flow":
        pairs = spacing.join(f"k{index}: {value}" for index in range(count))
        entry = f"  - {{{pairs}}}\n"
    else:
        entry = "  - " + "".join(f"    k{index}: {value}\n" for index in range(count))[4:]
    contacts = [f"  - email: a{index}@example.com\n" for index in range(4)]
    return "body:\n  contacts:\n" + "".join(contacts[:2]) + entry + "".join(contacts[2:])


@pytest.mark.usefixtures("large_path")
@pytest.mark.parametrize(
    ("style", "quoted", "spacing"),
    [
        ("block", False, ", "),
        ("block", True, ", "),
        ("flow", False, ", "),  # searched
        ("flow", True, ", "),  # quoted values: every mark counted at once
        ("flow", False, ","),  # spaced otherwise: counted at once
        ("flow", False, ",   "),
    ],
)
def test_a_long_entry_is_placed_forwards_backwards_and_at_random(
    style: str, quoted: bool, spacing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[LongEntry] = []

    class Counted(LongEntry):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(_simple_yaml, "LongEntry", Counted)
    text = _members(8_000, style, quoted=quoted, spacing=spacing)  # a flow line over 64 KB
    count = len(_pointers(read_simple(text)[0]))  # type: ignore[index]
    order = list(range(count))
    random.Random(7).shuffle(order)
    for placed in (list(range(count)), list(range(count - 1, -1, -1)), order):
        _placed_in_order(text, placed)
    assert [len(entry._entry) for entry in made] == [8_000] * 3  # each read, made once
    # In the document's order every member is found by searching on; backwards, each
    # search wraps round, and after a few every mark is counted at once.
    searched = style == "block" or (not quoted and spacing == ", ")
    assert [entry._marks is None for entry in made] == [searched, False, False]


def test_a_long_line_in_a_run_is_read_in_c_wherever_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run is looked for again only a run's length after a miss, but a line of a million
    members is never read pair by pair in Python, wherever it falls."""
    monkeypatch.setattr(_simple_yaml, "_LAZY_FROM", 0)

    def refused(*args: Any) -> Any:
        raise AssertionError("read pair by pair")

    monkeypatch.setattr(_simple_yaml, "read_flow", refused)
    # 40 short contacts (no run: fewer than 64) just before the long line.
    text = _members(20_000, "flow").replace(
        "  contacts:\n", "  contacts:\n" + "".join(f"  - email: b{i}@x\n" for i in range(40))
    )
    found = read_simple(text, locate=True)
    assert found is not None
    data, located = found
    assert located is not None
    assert len(data["body"]["contacts"][42]) == 20_000
    whole = manifest.Manifest(path="m.yaml", data=data, source=text)
    for pointer in ("/body/contacts/42/k0", "/body/contacts/42/k19999", "/body/contacts/43"):
        assert located.position(pointer) == whole.position(pointer)
