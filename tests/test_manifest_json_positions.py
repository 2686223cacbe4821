"""A large JSON manifest's positions, read value by value, are the ones YAML's index gives.

Past :data:`~tapecheck.suite.manifest._LARGE_JSON` characters, a strict-JSON
manifest is located by :class:`~tapecheck.suite._json_positions.JsonPositions`
(only the containers on the way to a value are read), not by indexing every
value through YAML's node graph. Both are asked here for every value of
generated documents and of the corpus's JSON manifests, and for values that
are missing (the nearest present parent).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tapecheck.suite import manifest
from tapecheck.suite._json_positions import JsonPositions
from tapecheck.suite.pointers import split_pointer

ROOT = Path(__file__).resolve().parent.parent

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("\u2028\u2029\x85é"),
    max_size=6,
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)
_STYLES = st.sampled_from(
    [
        {"indent": None},
        {"indent": 2},
        {"indent": 1, "separators": (",", " :  ")},
        {"indent": None, "separators": (",", ":")},
    ]
)


def _agree(text: str) -> None:
    old = manifest._positions_or_empty(text)
    if not old:
        return  # YAML cannot read it: every position was (1, 1)
    located = JsonPositions(text)
    for pointer, where in old.items():
        assert located.position(split_pointer(pointer)) == where, pointer
        missing = f"{pointer}/not-there"
        assert located.position(split_pointer(missing)) == where, missing


@settings(max_examples=200, deadline=None)
@given(
    document=st.dictionaries(_TEXT, _JSON, min_size=1, max_size=5),
    style=_STYLES,
    ascii_only=st.booleans(),
    crlf=st.booleans(),
)
def test_positions_of_generated_documents_are_yaml_s(
    document: dict[str, Any], style: dict[str, Any], ascii_only: bool, crlf: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only, **style)
    if crlf:
        text = text.replace("\n", "\r\n")
    _agree(text)


def test_positions_of_the_corpus_json_manifests_are_yaml_s() -> None:
    found = sorted((ROOT / "tests" / "cases").rglob("*.json")) + sorted(
        (ROOT / "examples").rglob("*.json")
    )
    assert found
    for path in found:
        _agree(path.read_text(encoding="utf-8-sig"))


def test_a_large_json_manifest_is_located_without_the_yaml_index(tmp_path: Path) -> None:
    contacts = [{"email": f"person{i}@example.com"} for i in range(60_000)]
    document = {"vendor": "alpharun", "body": {"contacts": contacts}}
    path = tmp_path / "big.request.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    loaded = manifest.load_manifest(path)
    assert isinstance(loaded, manifest.Manifest)
    assert len(path.read_text()) > manifest._LARGE_JSON
    lines = path.read_text(encoding="utf-8").splitlines()
    value = '"person59999@example.com"'
    (line,) = [number for number, text in enumerate(lines, 1) if value in text]
    assert loaded.position("/body/contacts/59999/email") == (line, lines[line - 1].index(value) + 1)
    contacts_at = next(n for n, text in enumerate(lines, 1) if '"contacts"' in text)
    opening = lines[contacts_at - 1].index("[") + 1
    assert loaded.position("/body/contacts/70000") == (contacts_at, opening)  # its parent
    assert loaded.positions == {}  # nothing indexed whole
