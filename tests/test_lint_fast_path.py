"""The linter's fast paths change no finding.

Two shortcuts keep bulk and large manifests fast: jsonschema-rs gives the
verdict first and jsonschema is asked for errors only when it refuses
(:class:`~tapecheck.suite.lint._validation.Checker`), and plain e-mail
addresses are accepted by a regular expression before email-validator
(:func:`~tapecheck.suite.values.is_plain_email`). Each is checked here against
the slow path: on every manifest of the test corpus (``tests/cases``,
``examples``), on mutated examples, and on generated addresses.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from test_lint_fuzz import Scratch, written_manifests

from tapecheck.reports.model import Finding
from tapecheck.suite._simple_yaml import _not_simple
from tapecheck.suite.lint._validation import Checker
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.values import is_plain_email

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(
    path
    for folder in (ROOT / "tests" / "cases", ROOT / "examples")
    for path in folder.rglob("*")
    if path.name.endswith((".json", ".yaml", ".yml"))
)

needs_rs = pytest.mark.skipif(
    importlib.util.find_spec("jsonschema_rs") is None, reason="jsonschema-rs is not installed"
)


def _findings(path: Path) -> list[Finding]:
    return lint_file(Target(path, str(path), "manifest"), vendor=None, config=LintConfig())


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Finding], list[Finding]]:
    fast = _findings(path)
    with monkeypatch.context() as patch:
        patch.setattr(Checker, "surely_valid", lambda self, instance: False)
        slow = _findings(path)
    return fast, slow


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) > 100


@needs_rs
def test_every_corpus_manifest_has_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    differ = []
    for path in CORPUS:
        fast, slow = _both(path, monkeypatch)
        if fast != slow:
            differ.append((path.relative_to(ROOT), fast, slow))
    assert not differ


@needs_rs
def test_the_fast_path_answers_for_valid_manifests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus's clean manifests never reach jsonschema: the fast path is taken.

    A ``${NAME}`` reference in a checked value (an id from the environment)
    breaks its pattern for jsonschema-rs; jsonschema then decides, and drops
    the error (a reference satisfies every constraint).
    """
    calls: list[object] = []
    real = Checker.validator.fget  # type: ignore[attr-defined]

    def counted(self: Checker) -> object:
        calls.append(self)
        return real(self)

    monkeypatch.setattr(Checker, "validator", property(counted))
    positive = [p for p in CORPUS if "positive" in p.parts and not _references_in_values(p)]
    assert positive
    for path in positive:
        _findings(path)
    assert not calls


@needs_rs
@settings(max_examples=60, deadline=None)
@given(case=written_manifests())
def test_mutated_examples_have_the_same_findings(
    case: tuple[str, bytes, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    vendor, raw, suffix = case
    scratch = Scratch(_workspace(tmp_path_factory))
    with scratch.folder(vendor) as folder, pytest.MonkeyPatch.context() as monkeypatch:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(raw)
        fast, slow = _both(path, monkeypatch)
        assert fast == slow


def _references_in_values(path: Path) -> bool:
    """A ``${NAME}`` anywhere but in a credential header."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return any("${" in line for line in lines if not line.lstrip().startswith("headers"))


_WORKSPACE: list[Path] = []


def _workspace(factory: pytest.TempPathFactory) -> Path:
    if not _WORKSPACE:
        import shutil

        root = factory.mktemp("fast-path")
        shutil.copytree(ROOT / "examples", root / "examples")
        _WORKSPACE.append(root)
    return _WORKSPACE[0]


# -- e-mail addresses ---------------------------------------------------------------

_ATOM = st.text("abcXYZ019!#$%&'*+/=?^_`{|}~-.", min_size=1, max_size=12)
_LABEL = st.text("abcxyz019-", min_size=1, max_size=12)
_ADDRESSES = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    _ATOM,
    st.lists(_LABEL, min_size=0, max_size=3),
    st.sampled_from(["com", "org", "io", "test", "local", "x", "c0m", "example", "ARPA"]),
)


def _validator_accepts(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@settings(max_examples=400)
@given(value=_ADDRESSES | st.text(max_size=40))
def test_a_plain_email_is_one_email_validator_accepts(value: str) -> None:
    if is_plain_email(value):
        assert _validator_accepts(value), value


@pytest.mark.parametrize(
    "value",
    ["ada@example.com", "a.b+c@mail.example.org", "O'Brien@example.co.uk", "x_y@a-b.io"],
)
def test_common_addresses_take_the_fast_path(value: str) -> None:
    assert is_plain_email(value)
    assert _validator_accepts(value)


# -- plain YAML, read from the parser's events ----------------------------------------


def _full_path(text: str) -> object:
    """What the node-graph path reads (the only path before the event reader)."""
    from tapecheck.suite import manifest

    loader = manifest._Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _same(fast: object, slow: object) -> bool:
    """Equal, with the same types all the way down (1 is not True, 1.0 is not 1)."""
    if type(fast) is not type(slow):
        return False
    if isinstance(fast, dict) and isinstance(slow, dict):
        return list(fast) == list(slow) and all(_same(fast[k], slow[k]) for k in fast)
    if isinstance(fast, list) and isinstance(slow, list):
        return len(fast) == len(slow) and all(_same(a, b) for a, b in zip(fast, slow, strict=True))
    if isinstance(fast, float) and fast != fast:
        return slow != slow
    return fast == slow


YAML_CORPUS = [p for p in CORPUS if p.suffix in (".yaml", ".yml")]


def test_plain_yaml_reads_the_corpus_as_the_full_path() -> None:
    from tapecheck.suite import manifest
    from tapecheck.suite._plain_yaml import read_plain

    decided = 0
    for path in YAML_CORPUS:
        text = path.read_text(encoding="utf-8")
        fast = read_plain(text, manifest._Loader)
        if fast is not None:
            decided += 1
            assert _same(fast[0], _full_path(text)), path
    assert decided > len(YAML_CORPUS) // 2  # most manifests take the fast path


@settings(max_examples=300, deadline=None)
@given(case=written_manifests())
def test_plain_yaml_reads_mutated_manifests_as_the_full_path(case: tuple[str, bytes, str]) -> None:
    from tapecheck.suite import manifest
    from tapecheck.suite._plain_yaml import read_plain

    _, raw, _ = case
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    fast = read_plain(text, manifest._Loader)
    if fast is None:
        return  # the full path decides, as before
    assert _same(fast[0], _full_path(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: MAN001 from the full path
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "<<: {a: 1}\n",
        "? [a]\n: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: [1, 2\n",
        "",
        "a: 2024-02-30\n",
    ],
)
def test_plain_yaml_leaves_the_rest_to_the_full_path(text: str) -> None:
    from tapecheck.suite import manifest
    from tapecheck.suite._plain_yaml import read_plain

    assert read_plain(text, manifest._Loader) is None


# -- simple YAML, read line by line ---------------------------------------------------


def _simple_or_none(text: str) -> object:
    from tapecheck.suite._simple_yaml import read_simple

    found = read_simple(text)
    return None if found is None else found[0]


def _full_or_refused(text: str) -> object:
    """The full path's data, or ``"refused"`` where it reports MAN001 (a duplicate key, an error)."""
    from tapecheck.suite import manifest

    try:
        node = manifest._compose(text)
    except Exception:
        return "refused"
    if node is None or manifest._duplicate_key(node):
        return "refused"
    try:
        return _full_path(text)
    except Exception:
        return "refused"


def test_simple_yaml_reads_the_corpus_as_the_full_path() -> None:
    decided = 0
    for path in YAML_CORPUS:
        text = path.read_text(encoding="utf-8")
        found = _simple_or_none(text)
        if found is not None:
            decided += 1
            assert _same(found, _full_or_refused(text)), path
    assert decided >= 10  # the corpus's block-style manifests (the others use flow mappings)


@settings(max_examples=300, deadline=None)
@given(case=written_manifests())
def test_simple_yaml_reads_mutated_manifests_as_the_full_path(
    case: tuple[str, bytes, str],
) -> None:
    _, raw, _ = case
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return
    found = _simple_or_none(text)
    if found is not None:
        assert _same(found, _full_or_refused(text))


#: Pieces a text mutation inserts: the corners of YAML's plain and quoted scalars.
_YAML_EDITS = (
    "#",
    " #",
    " # c",
    ":",
    " ",
    "  ",
    "-",
    "- ",
    "'",
    '"',
    "\n",
    "\n  ",
    "\n- ",
    "a",
    "1",
    ".",
    "~",
    "=",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "%",
    "@",
    "`",
    "|",
    ">",
    "?",
    "yes",
    "null",
    "1:20",
    "0x1f",
    "2024-01-15",
    "2024-02-30",
    "1e3",
    ".inf",
    "''",
    "\u00a0",
    "\t",
    "\r",
    "<<",
    "\n  k: v",
    "\nx:",
    ": ",
    "-1",
    "07",
    "ON",
    "\u2028",
    "\ufeff",
)


def edited_corpus_text(data: st.DataObject) -> str:
    """A YAML manifest of the corpus with one to four of :data:`_YAML_EDITS` put in."""
    text = data.draw(st.sampled_from(YAML_CORPUS)).read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 2))
        text = text[:at] + data.draw(st.sampled_from(_YAML_EDITS)) + text[at + cut :]
    return text


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_simple_yaml_reads_edited_texts_as_the_full_path(data: st.DataObject) -> None:
    text = edited_corpus_text(data)
    found = _simple_or_none(text)
    if found is not None:
        assert _same(found, _full_or_refused(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "a:\n  - x\n  - 'y'\nb: 1\n",
        "a:\n- x\nb: 1\n",  # a sequence beside its key
        "'a': 1\n\"b\": \"x'y\"\nc: 'it''s'\n",
        "a: 1:20\nb: 0x1F\nc: 2024-01-15\nd: Yes\ne: ~\nf:\ng: .nan\n",
        "1: a\nnull: b\non: c\n",
        "auth: Bearer ${TOKEN}\nurl: https://x.example/p?q=1&r=2\nemail: sam@example.com\n",
        "a:b: c\nd e: f, g]\n",
        "# head\na: 1 # c\nb: x#y\n    # a comment anywhere\nc: # d\n  - e # f\n",
        "a: [1, 2]\nb: {c: 1, 'd': \"x\"}\ne: {}\nf: [ ]\n",
        "a:\n  - b: 1\n    c: {d: e}\n  - f\n  -   g: [h]\n",
    ],
)
def test_simple_yaml_reads_these_as_the_full_path(text: str) -> None:
    found = _simple_or_none(text)
    assert found is not None
    assert _same(found, _full_or_refused(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: MAN001 from the full path
        "a: 1\n'a': 2\n",
        "a: b\n  c\n",  # a multi-line scalar
        "a: 'x\n  y'\n",
        "a: 'x' y\n",
        "a: x: y\n",
        "a: [1, [2]]\n",  # a collection inside a flow collection
        "a: {b: 1, b: 2}\n",
        "a: {b: 1,}\n",
        "a: [1,\n  2]\n",
        "a: {b:1}\n",
        "a:\n  - b: 1\n   c: 2\n",
        "a: |\n  x\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: 'x # y'\n",  # a `#` inside quotes
        "a: -1\n",
        "a:\n  b: 1\n c: 2\n",
        "- a\n",
        "a: 1\n---\nb: 2\n",
        "a: =\n",
        "a: 2024-02-30\n",
        "a:\tb\n",
        "a: b\r\n",
        'a: "x\\ty"\n',
        "",
    ],
)
def test_simple_yaml_leaves_the_rest_to_the_other_readers(text: str) -> None:
    assert _simple_or_none(text) is None


# -- SEC003 skips texts that name no URL member ---------------------------------------


def _sec003_both(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Finding], list[Finding]]:
    import re

    from tapecheck.suite.lint import security

    fast = _findings(path)
    with monkeypatch.context() as patch:
        patch.setattr(security, "_URL_IN_TEXT", re.compile(""))  # always walk
        slow = _findings(path)
    return fast, slow


def test_sec003_shortcut_changes_no_corpus_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in CORPUS:
        fast, slow = _sec003_both(path, monkeypatch)
        assert fast == slow, path


@settings(max_examples=60, deadline=None)
@given(case=written_manifests())
def test_sec003_shortcut_changes_no_finding_on_mutated_manifests(
    case: tuple[str, bytes, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    vendor, raw, suffix = case
    scratch = Scratch(_workspace(tmp_path_factory))
    with scratch.folder(vendor) as folder, pytest.MonkeyPatch.context() as monkeypatch:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(raw)
        fast, slow = _sec003_both(path, monkeypatch)
        assert fast == slow


#: What the simple YAML reader leaves to the others, as one expression (its definition).
_NOT_SIMPLE_REFERENCE = re.compile(r"[^\n\x20-\x7e]|\\|<<|^---|^\.\.\.|\?(?:\s|$)", re.MULTILINE)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab -.?<\\\n\t:#\x7f\x1fé")), max_size=40))
def test_simple_yaml_screen_is_the_expression_it_replaces(text: str) -> None:
    """The few C scans of ``_not_simple`` answer as the single expression did."""
    assert _not_simple(text) == (_NOT_SIMPLE_REFERENCE.search(text) is not None)


@pytest.mark.parametrize(
    "text",
    [
        "---\na: 1",
        "a: 1\n---",
        "...",
        "a: 1\n...\n",
        "a: b?",
        "a: ?\n",
        "? a",
        "a: b?c",
        "<<: *x",
        "a: \\n",
        "a:\tb",
        "a: b\r\n",
        "a: é",
        "a: -- b",
        "a: b ... c",
        "a: 1",
    ],
)
def test_simple_yaml_screen_on_each_thing_it_looks_for(text: str) -> None:
    assert _not_simple(text) == (_NOT_SIMPLE_REFERENCE.search(text) is not None)
