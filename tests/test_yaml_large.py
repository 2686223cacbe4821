"""Large YAML manifests: the line reader's runs and marks change no value and no position.

A YAML manifest over a megabyte is read line by line, its long runs of
one-line entries as JSON (:mod:`tapecheck.suite._yaml_lines`), and the
position of each value is kept as it is read (:mod:`tapecheck.suite._yaml_marks`)
instead of composing the node graph for the first finding. Here both are held
against PyYAML's safe loader and its node marks, on generated documents with
the size thresholds lowered so that small texts take the large path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_fast_path import YAML_CORPUS, _full_or_refused, _same, edited_corpus_text

from tapecheck.suite import _simple_yaml, _yaml_lines, manifest
from tapecheck.suite._simple_yaml import read_simple
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.engine import Target, lint_file


def _pointers(value: Any, here: str = "") -> list[str]:
    """Every pointer of ``value``, and one member too many below each collection."""
    found = [here]
    if isinstance(value, dict):
        found.append(f"{here}/missing")
        for key, member in value.items():
            found += _pointers(member, f"{here}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        found += [f"{here}/{len(value)}", f"{here}/01"]
        for index, member in enumerate(value):
            found += _pointers(member, f"{here}/{index}")
    return found


def _check(text: str) -> bool:
    """The reader's value and marks are the safe loader's, where the reader decides."""
    found = read_simple(text, locate=True)
    if found is None:
        return False
    data, located = found
    assert located is not None
    assert _same(data, _full_or_refused(text)), text
    whole = manifest.Manifest(path="m.yaml", data=data, source=text)
    for pointer in _pointers(data):
        assert located.position(pointer) == whole.position(pointer), (pointer, text)
    return True


# -- documents of runs ------------------------------------------------------------------

#: Scalars at the corners of what a run takes: strings by construction, and what ends one.
_SCALARS = st.sampled_from(
    [
        "sam@example.com",
        "p0.example.com",
        '"quoted"',
        '"yes"',
        '"12"',
        '"2024-01-15"',
        '""',
        '"with space"',
        '"a, b"',
        '"a: b"',
        '"#x"',
        "Ada Lovelace",
        "é-word",
        "x-1",
        "a:b",
        "a#b",
        "a, b",
        "yes",
        "no",
        "on",
        "null",
        "~",
        "1",
        "0x1F",
        "2024-01-15",
        "1e3",
        ".inf",
        "-1",
        "'single'",
        "it's",
        "a  b",
        "http://x.example/p?q=1",
        "[a]",
        "{a}",
        "x ",
    ]
)
#: Scalars a run takes, and keys: mostly runs, now and then one that ends them.
_RUN_SCALARS = (
    st.sampled_from(
        ["sam@example.com", '"quoted"', '""', "Ada Lovelace", "é-word", "a:b", "x-1", "a/b?c=d"]
    )
    | _SCALARS
)
_KEYS = st.sampled_from(["email", "name", "ext_id", "k1", "Yes", "on", "no_key", "email"])


@st.composite
def _documents(draw: st.DrawFn, scalars: st.SearchStrategy[str] = _SCALARS) -> str:
    """A mapping whose members are runs of one form, broken now and then by other lines."""
    lines = ["vendor: acme", "body:"]
    for _ in range(draw(st.integers(1, 3))):
        form = draw(st.sampled_from(["pair", "flow", "item", "key", "multi"]))
        name = draw(st.sampled_from(["contacts", "tags", "metadata", "items"]))
        indent = " " * draw(st.sampled_from([2, 4]))
        lines.append(f"  {name}:")
        for _ in range(draw(st.integers(0, 6))):
            key, scalar = draw(_KEYS), draw(scalars)
            if form == "pair":
                lines.append(f"{indent}- {key}: {scalar}")
            elif form == "item":
                lines.append(f"{indent}- {scalar}")
            elif form == "key":
                lines.append(f"    {key}{draw(st.integers(0, 9))}: {scalar}")
            elif form == "multi":
                lines += [
                    f"{indent}- {key}: {scalar}",
                    f"{indent}  {draw(_KEYS)}x: {draw(scalars)}",
                ]
            else:
                pairs = [f"{draw(_KEYS)}: {draw(scalars)}" for _ in range(draw(st.integers(1, 3)))]
                lines.append(f"{indent}- {{{', '.join(pairs)}}}")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# note", "  # note", "  other: 1"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@pytest.mark.usefixtures("large_path")
@settings(max_examples=400, deadline=None)
@given(text=_documents())
def test_runs_read_as_the_safe_loader_reads(text: str) -> None:
    _check(text)


@pytest.mark.usefixtures("large_path")
@settings(max_examples=400, deadline=None)
@given(text=_documents(_RUN_SCALARS))
def test_long_runs_read_as_the_safe_loader_reads(text: str) -> None:
    _check(text)


@pytest.mark.usefixtures("large_path")
@pytest.mark.parametrize(
    "text",
    [
        'body:\n  contacts:\n    - {email: "p0.example.com"}\n    - {email: "p1.example.com"}\n',
        'body:\n  contacts:\n  - email: a@x\n  - email: b@x\n  - email: "c@x"\n',
        'body:\n  tags:\n  - a\n  - "b"\n  - c d\n',
        'body:\n  metadata:\n    k1: v\n    k2: "w"\n    k3: x y\n',
        'body:\n  contacts:\n  - {email: a@x, name: "Ada"}\n  - {email: "b@x", name: Bo}\n',
        # No quote: rewritten by literal replacements alone.
        "body:\n  contacts:\n  - email: a@x\n    name: Ada Lovelace\n  - email: b@x\n",
        "body:\n  tags:\n  - a\n  - b c\n",
        "body:\n  metadata:\n    k1: v\n    k2: x y\n",
        "metadata:\n  k1: v\n  k2: x y\nk3: w\nk4: z\n",
        "body:\n  contacts:\n  - {email: a@x, name: Ada Lovelace}\n  - {email: b@x, name: Bo}\n",
        "body:\n  contacts:\n  - {email: a@x,name:  Ada}\n  - {email: b@x, name: Bo}\n",
        # A run whose last entry goes on below: that entry is read line by line.
        "body:\n  contacts:\n  - email: a@x\n  - email: b@x\n    name: Bo\n",
    ],
)
def test_these_runs_are_taken_and_read_as_the_safe_loader_reads(text: str) -> None:
    assert _check(text)


@pytest.mark.usefixtures("large_path")
@pytest.mark.parametrize(
    "text",
    [
        "body:\n  contacts:\n  - {email: a@x, email: b@x}\n  - {email: c@x}\n",  # repeated key
        "body:\n  metadata:\n    k1: v\n    k1: w\n",
        "body:\n  contacts:\n  - email: a@x\n  - email: b@x\n    c\n",  # a continued scalar
    ],
)
def test_what_the_parser_refuses_is_left_to_it(text: str) -> None:
    assert read_simple(text, locate=True) is None
    assert _full_or_refused(text) == "refused" or read_simple(text) is None


def test_a_run_takes_no_key_that_is_not_its_text(large_path: None) -> None:
    text = "body:\n  contacts:\n  - yes: a\n  - yes: b\n"
    found = read_simple(text, locate=True)
    assert found is not None
    assert found[0] == {"body": {"contacts": [{True: "a"}, {True: "b"}]}}


# -- through the linter -------------------------------------------------------------------


def _contacts_yaml(emails: list[str], style: str) -> str:
    head = (
        "vendor: alpharun\nheaders:\n  Authorization: Bearer ${ALPHARUN_API_KEY}\n"
        "files:\n  audio: call.wav\nbody:\n  teammate_email: sam@example.com\n"
        "  recorded_at: '2024-01-15T14:30:00Z'\n  contacts:\n"
    )
    if style == "flow":
        return head + "".join(f'    - {{email: "{email}"}}\n' for email in emails)
    return head + "".join(f"  - email: {email}\n" for email in emails)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_a_large_manifest_has_the_findings_of_the_full_path(
    style: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a megabyte, every e-mail wrong: the same findings, at the same places."""
    emails = [
        f"p{index}.example.com" if index % 3 else f"p{index}@example.com" for index in range(40_000)
    ]
    path = tmp_path / "large.request.yaml"
    path.write_text(_contacts_yaml(emails, style), encoding="utf-8")
    (tmp_path / "call.wav").write_bytes(b"")
    assert path.stat().st_size > manifest._LOCATE_YAML

    def findings() -> list[dict[str, Any]]:
        found = lint_file(Target(path, str(path), "manifest"), vendor=None, config=LintConfig())
        return [json.loads(json.dumps(finding.__dict__, default=str)) for finding in found]

    fast = findings()
    loaded = manifest.load_manifest(path)
    assert isinstance(loaded, manifest.Manifest)
    assert loaded.located is not None
    with monkeypatch.context() as patch:
        patch.setattr(_simple_yaml, "read_simple", lambda text, locate=False: None)
        patch.setattr(manifest, "_LOCATE_YAML", 10**9)
        slow = findings()
    assert len(fast) > 1000
    assert fast == slow


# -- the corpus, and texts edited at random ----------------------------------------------


@pytest.mark.usefixtures("large_path")
def test_the_corpus_reads_and_is_placed_as_the_full_path() -> None:
    decided = sum(_check(path.read_text(encoding="utf-8")) for path in YAML_CORPUS)
    assert decided >= 30  # block and flow manifests alike


@pytest.mark.usefixtures("large_path")
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_edited_texts_read_and_are_placed_as_the_full_path(data: st.DataObject) -> None:
    _check(edited_corpus_text(data))


def test_a_run_refused_for_a_typed_value_is_read_once(
    large_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose values an implicit tag reads is read line by line, and not looked for
    again at each of its lines (which would read it whole each time)."""
    calls: list[int] = []
    real = _yaml_lines.Run.read

    def counted(run: _yaml_lines.Run, text: str) -> Any:
        calls.append(len(text))
        return real(run, text)

    monkeypatch.setattr(_yaml_lines.Run, "read", counted)
    text = "body:\n  flags:\n" + "".join(f"  - on: {index}\n" for index in range(500))
    assert _check(text)
    assert len(calls) == 1


def test_a_run_of_typed_values_is_read_as_the_safe_loader_reads(
    large_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Numbers, booleans, dates and nulls written plain keep their types in a run; the same
    texts quoted stay strings."""
    reads: list[bool] = []
    real = _yaml_lines.Run.read

    def counted(run: _yaml_lines.Run, text: str, *, marked: bool = False) -> Any:
        reads.append(marked)
        return real(run, text, marked=marked)

    monkeypatch.setattr(_yaml_lines.Run, "read", counted)
    entries = "".join(
        f"  - email: p{index}@example.com\n    phone_number: 1415555{index:04d}\n"
        f"    vip: {'no' if index % 2 else 'yes'}\n    since: 2024-01-{index % 28 + 1:02d}\n"
        f'    note: "yes"\n    ext: ~\n    score: {index}.5\n    code: "0x1F"\n'
        for index in range(50)
    )
    assert read_simple("body:\n  contacts:\n" + entries, locate=True) is not None
    assert reads == [False, True]  # one run, read again marked
    assert _check("body:\n  contacts:\n" + entries)
    # No quote: read once, the numbers settled as the safe loader reads them (`012` octal).
    reads.clear()
    phones = "".join(
        f"  - email: p{index}@example.com\n    phone_number: {number}\n"
        for index, number in enumerate([14155550000 + n for n in range(60)] + ["+1", "0"])
    )
    assert _check("body:\n  contacts:\n" + phones)
    assert _check("body:\n  contacts:\n" + phones + "  - phone_number: 012\n")
    assert reads[:1] == [False]
    assert True not in reads
    written = ("yes", '"no"', "no")
    flags = "".join(f"  - {written[index % 3]}\n" for index in range(30))
    metadata = "".join(f"    k{index}: {index}\n" for index in range(30))
    assert _check(f"body:\n  flags:\n{flags}  metadata:\n{metadata}")


@given(
    st.from_regex(r"[+]?[0-9_]{1,12}", fullmatch=True)
    | st.from_regex(r"[0-9.:e+]{1,8}", fullmatch=True)
)
def test_a_typed_value_is_what_the_safe_loader_reads(text: str) -> None:
    expected = _full_or_refused(f"a: {text}\n")
    if expected == "refused":
        return
    try:
        found = _simple_yaml._typed(text)
    except Exception:
        return  # the reader leaves it to the parser
    assert _same(found, expected["a"])


@pytest.mark.usefixtures("large_path")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.from_regex(r"[+-]?[0-9_]{1,12}", fullmatch=True)
        | st.from_regex(r"[0-9.:e+]{1,8}", fullmatch=True)
        | st.sampled_from(["a", '"7"', "yes", "~", "1x"]),
        min_size=2,
        max_size=12,
    ),
    st.sampled_from(["block", "flow", "item", "key"]),
)
def test_a_run_of_numbers_is_what_the_safe_loader_reads(texts: list[str], form: str) -> None:
    """Decimal integers settled by ``int`` in C, every other typed scalar one by one."""
    lines = {
        "block": [f"  - n: {text}\n    m: x\n" for text in texts],
        "flow": [f"  - {{n: {text}, m: x}}\n" for text in texts],
        "item": [f"  - {text}\n" for text in texts],
        "key": [f"    k{index}: {text}\n" for index, text in enumerate(texts)],
    }[form]
    _check("body:\n  items:\n" + "".join(lines))
