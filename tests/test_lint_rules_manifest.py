"""MAN001-MAN005, and the registry every rule documents itself in."""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.lint.registry import DOC_HEADINGS, GENERIC_FAMILIES, RULES, load_rules
from tapecheck.suite.manifest import parse_manifest
from tapecheck.suite.specs import vendors

load_rules()

MAN_CODES = ("MAN001", "MAN002", "MAN003", "MAN004", "MAN005")
Found = Counter[tuple[str, str]]

#: Every generic code of CONTRACT.md's catalogue.
GENERIC_CODES = (
    *MAN_CODES,
    *(f"SCH00{n}" for n in range(1, 7)),
    *(f"AUD00{n}" for n in range(1, 8)),
    *(f"SEC00{n}" for n in range(1, 5)),
)


def context(tmp_path: Path, text: str, *, name: str = "x.request.yaml") -> LintContext:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loaded = parse_manifest(text, path=str(path), strict_json=name.endswith(".json"))
    return LintContext.for_manifest(loaded, default_vendor=None)


def run(ctx: LintContext, codes: tuple[str, ...] = MAN_CODES) -> Found:
    return Counter((code, v.pointer) for code in codes for v in RULES[code].check(ctx))


def expect(*pairs: tuple[str, str]) -> Found:
    return Counter(pairs)


# -- MAN001 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("x.request.yaml", "vendor: crescendo\nbody:\n  metadata: {id: call-123\n"),
        ("x.request.yaml", "- vendor: crescendo\n"),
        ("x.request.yaml", ""),
        ("x.request.yaml", "vendor: crescendo\nvendor: siro\n"),
        ("x.request.json", '{"vendor": "crescendo",}'),
        ("x.request.json", "vendor: crescendo\n"),
        ("x.request.json", "[]"),
    ],
    ids=[
        "unclosed-flow",
        "a-list",
        "empty",
        "duplicate-key",
        "json-trailing-comma",
        "yaml-in-json",
        "json-list",
    ],
)
def test_man001_reports_an_unreadable_manifest_alone(tmp_path: Path, name: str, text: str) -> None:
    ctx = context(tmp_path, text, name=name)
    assert ctx.fatal
    assert run(ctx) == expect(("MAN001", ""))


def test_man001_gives_the_parser_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.request.yaml"
    path.write_text("vendor: crescendo\nbody:\n  metadata: {id: [call-123}\n", encoding="utf-8")
    findings = lint_file(Target(path, str(path), "manifest"), vendor=None, config=LintConfig())
    assert [(f.code, f.pointer) for f in findings] == [("MAN001", "")]
    assert findings[0].line == 3
    assert findings[0].column is not None
    assert findings[0].column > 1
    assert "invalid YAML" in findings[0].message
    assert "line 3" in findings[0].message


def test_a_parsed_manifest_is_not_man001(tmp_path: Path) -> None:
    assert run(context(tmp_path, "vendor: crescendo\n"), ("MAN001",)) == Counter()


# -- MAN002 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pointer", "words"),
    [
        ("vendor: cresendo\n", "/vendor", "unknown vendor 'cresendo'"),
        ("vendor: crescendo\noperation: uplaod\n", "/operation", "no operation 'uplaod'"),
        ("body: {}\n", "/vendor", "names no vendor"),
        ("vendor: 5\n", "/vendor", "unknown vendor '5'"),
    ],
    ids=["misspelt-vendor", "misspelt-operation", "no-vendor", "vendor-not-text"],
)
def test_man002_unknown_vendor_or_operation(
    tmp_path: Path, text: str, pointer: str, words: str
) -> None:
    ctx = context(tmp_path, text)
    violations = list(RULES["MAN002"].check(ctx))
    assert [v.pointer for v in violations] == [pointer]
    assert words in violations[0].message


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("vendor: cresendo\n", "Did you mean `crescendo`?"),
        ("vendor: siro\noperation: signed-url\n", "Did you mean `signed-urls`?"),
        ("vendor: zzz\n", None),
    ],
)
def test_man002_suggests_the_closest_name(tmp_path: Path, text: str, fix: str | None) -> None:
    (violation,) = RULES["MAN002"].check(context(tmp_path, text))
    assert violation.fix == fix


def test_man002_takes_the_vendor_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "x.request.yaml"
    path.write_text("body: {}\n", encoding="utf-8")
    loaded = parse_manifest("body: {}\n", path=str(path))
    ctx = LintContext.for_manifest(loaded, default_vendor="crescendo")
    assert run(ctx, ("MAN002",)) == Counter()


def test_man002_is_not_reported_for_a_broken_file(tmp_path: Path) -> None:
    assert run(context(tmp_path, "[")) == expect(("MAN001", ""))


# -- MAN003 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vendor: crescendo\nfiles: {audio: call.wav}\n", expect()),
        ("vendor: crescendo\nfiles: {audio: gone.wav}\n", expect(("MAN003", "/files/audio"))),
        (
            "vendor: crescendo\nfiles: {audio: {path: gone.wav, content_type: audio/wav}}\n",
            expect(("MAN003", "/files/audio")),
        ),
        ("vendor: corti\ncontent: gone.wav\n", expect(("MAN003", "/content"))),
        ("vendor: crescendo\nfiles: {audio: sub}\n", expect(("MAN003", "/files/audio"))),
        ("vendor: crescendo\nfiles: {audio: ''}\n", expect(("MAN003", "/files/audio"))),
        ("vendor: corti\ncontent: ''\n", expect(("MAN003", "/content"))),
        (
            "vendor: crescendo\nfiles: {audio: gone.wav, file: gone.mp3}\n",
            expect(("MAN003", "/files/audio"), ("MAN003", "/files/file")),
        ),
        (
            "vendor: nobody\nfiles: {audio: gone.wav}\n",
            expect(("MAN002", "/vendor"), ("MAN003", "/files/audio")),
        ),
    ],
    ids=[
        "present",
        "missing-part",
        "missing-part-with-type",
        "missing-content",
        "a-folder",
        "empty-path",
        "empty-content",
        "two-missing",
        "unknown-vendor-still-checks-files",
    ],
)
def test_man003_file_that_cannot_be_read(tmp_path: Path, text: str, expected: Found) -> None:
    (tmp_path / "call.wav").write_bytes(b"RIFF")
    (tmp_path / "sub").mkdir()
    assert run(context(tmp_path, text)) == expected


def test_man003_names_the_path_as_written(tmp_path: Path) -> None:
    ctx = context(tmp_path, "vendor: crescendo\nfiles: {audio: calls/gone.wav}\n")
    (violation,) = RULES["MAN003"].check(ctx)
    assert '"calls/gone.wav" does not exist' in violation.message
    assert "`files.audio`" in violation.message


def test_man003_for_a_missing_audio_file_given_alone(tmp_path: Path) -> None:
    ctx = LintContext(path="gone.wav", audio_alone=tmp_path / "gone.wav")
    violations = list(RULES["MAN003"].check(ctx))
    assert [v.pointer for v in violations] == [""]
    assert '"gone.wav" does not exist' in violations[0].message


def test_man003_through_the_engine_for_a_missing_command_line_path(tmp_path: Path) -> None:
    target = Target(tmp_path / "gone.request.yaml", "gone.request.yaml", "missing")
    findings = lint_file(target, vendor=None, config=LintConfig())
    assert [(f.code, f.pointer, f.path) for f in findings] == [("MAN003", "", "gone.request.yaml")]


def test_man003_an_existing_audio_file_alone_is_fine(tmp_path: Path) -> None:
    (tmp_path / "call.wav").write_bytes(b"RIFF")
    ctx = LintContext.for_audio(tmp_path / "call.wav", display="call.wav", vendor="crescendo")
    assert run(ctx) == Counter()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_man003_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "call.wav"
    locked.write_bytes(b"RIFF")
    locked.chmod(0)
    try:
        ctx = context(tmp_path, "vendor: crescendo\nfiles: {audio: call.wav}\n")
        (violation,) = RULES["MAN003"].check(ctx)
        assert "cannot be read" in violation.message
    finally:
        locked.chmod(0o644)


# -- MAN004 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "leaves"),
    [
        ("../call.wav", True),
        ("sub/../../call.wav", True),
        ("sub/../call.wav", False),
        ("./sub/call.wav", False),
        ("call.wav", False),
        ("/tmp/call.wav", True),
        ("C:/calls/call.wav", True),
        ("..\\call.wav", True),
    ],
)
def test_man004_lexical_escape(tmp_path: Path, written: str, leaves: bool) -> None:
    text = f"vendor: crescendo\nfiles: {{audio: '{written}'}}\n"
    ctx = context(tmp_path / "here", text)
    assert run(ctx, ("MAN004",)) == (expect(("MAN004", "/files/audio")) if leaves else Counter())


def test_man004_the_file_is_still_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "call.wav").write_bytes(b"RIFF")
    ctx = context(tmp_path / "here", "vendor: corti\ncontent: ../call.wav\n")
    assert run(ctx) == expect(("MAN004", "/content"))
    ctx = context(tmp_path / "here", "vendor: corti\ncontent: ../gone.wav\n")
    assert run(ctx) == expect(("MAN004", "/content"), ("MAN003", "/content"))


def test_man004_is_a_warning_naming_the_path(tmp_path: Path) -> None:
    assert RULES["MAN004"].severity == "warning"
    ctx = context(tmp_path, "vendor: corti\ncontent: /srv/calls/call.wav\n")
    (violation,) = RULES["MAN004"].check(ctx)
    assert '"/srv/calls/call.wav" is absolute' in violation.message


# -- MAN005 ------------------------------------------------------------------------------


def test_man005_unknown_top_level_keys(tmp_path: Path) -> None:
    text = "vendor: crescendo\nheader: {}\nmetadata: {id: x}\n1: one\n"
    ctx = context(tmp_path, text)
    assert run(ctx) == expect(("MAN005", "/header"), ("MAN005", "/metadata"), ("MAN005", "/1"))
    by_pointer = {v.pointer: v for v in RULES["MAN005"].check(ctx)}
    assert "did you mean `headers`?" in by_pointer["/header"].message
    assert by_pointer["/header"].fix == "Rename it to `headers`"
    assert RULES["MAN005"].severity == "warning"


def test_man005_every_known_key_is_quiet(tmp_path: Path) -> None:
    text = (
        "vendor: bota\noperation: create\npath: {}\nquery: {}\nheaders: {}\nbody: {}\n"
        "files: {}\ncontent: null\nauth: secret-key\n"
    )
    assert run(context(tmp_path, text), ("MAN005",)) == Counter()


# -- the registry ------------------------------------------------------------------------


def _load_every_vendor() -> None:
    """Import each vendor's rules module that exists (others are written elsewhere)."""
    for vendor in vendors():
        if importlib.util.find_spec(f"tapecheck.suite.vendors.{vendor}.rules") is not None:
            load_rules([vendor])


def test_every_generic_code_of_the_catalogue_is_registered() -> None:
    for code in GENERIC_CODES:
        assert code in RULES, code
        assert RULES[code].vendor is None
        assert RULES[code].check.__module__ == GENERIC_FAMILIES[code[:3]]


def test_generic_severities_follow_the_catalogue() -> None:
    warnings = {"MAN004", "MAN005", "SCH006", "SEC001"}
    for code in GENERIC_CODES:
        assert RULES[code].severity == ("warning" if code in warnings else "error"), code


def test_codes_and_names_are_unique() -> None:
    _load_every_vendor()
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    assert all(code == r.code for code, r in RULES.items())
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name) for name in names)


def test_every_rule_documents_itself() -> None:
    _load_every_vendor()
    for code, found in sorted(RULES.items()):
        headings = re.findall(r"^## (.+?)\s*$", found.doc, re.MULTILINE)
        assert tuple(headings) == DOC_HEADINGS, f"{code}: {headings}"
        assert found.summary, code
        assert found.section("Example").count("```yaml") >= 2, f"{code}: a bad and a good yaml"
        for heading in DOC_HEADINGS:
            assert found.section(heading), f"{code}: empty {heading}"


@pytest.mark.parametrize("code", GENERIC_CODES)
def test_explain_page(code: str) -> None:
    page = RULES[code].explain()
    assert page.startswith(f"# {RULES[code].name} ({code})")
    assert "## References" in page
