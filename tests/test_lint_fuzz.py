"""Fuzzing the linter: whatever the input, findings, never a traceback or exit 2.

A broken *input* is a finding (CONTRACT.md section 1): random text and bytes
as manifests, mutations of the real examples, hostile YAML (aliases, tags,
deep nesting), huge strings, random bytes as audio, and files that are not
files (folders, FIFOs, symbolic-link loops, unreadable files). Each input goes
through the engine and through the real command line (click's ``CliRunner`` on
``tapecheck.suite.cli.main``, and a few real processes); the property is
always the same:

- the exit status is 0 or 1 (1 exactly when there is an error-level finding);
- ``--format json`` prints one JSON document of the contract's shape;
- every finding has a registered code, its rule's severity, a JSON Pointer and
  a position inside the file.

The one input that is *meant* to exit 2 is an audio file given alone without
``--vendor`` (a usage error); it is checked here to exit 2 cleanly.

``TAPECHECK_FUZZ_EXAMPLES=2000 pytest tests/test_lint_fuzz.py`` runs a longer
search than the default, which keeps the file under a minute.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tapecheck.reports.model import LintResult
from tapecheck.suite.cli import main
from tapecheck.suite.lint.engine import LintRequest, lint_paths
from tapecheck.suite.lint.registry import all_rules
from tapecheck.suite.specs import vendors

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
VENDORS = vendors()
RULES = {rule.code: rule for rule in all_rules()}
SEVERITIES = ("error", "warning", "info")
AUDIO_SUFFIXES = (".wav", ".mp3")

#: Examples per property; raise it with the environment for a longer search.
EXAMPLES_PER_TEST = int(os.environ.get("TAPECHECK_FUZZ_EXAMPLES", "75"))
FUZZ = settings(
    max_examples=EXAMPLES_PER_TEST,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ONE_MB = 1_000_000


# -- the property ---------------------------------------------------------------


def _lines(path: Path) -> int | None:
    """How many lines a manifest has (positions must fall inside it); None if unreadable.

    YAML also breaks lines at ``\r``, ``\x85``, ``\u2028`` and ``\u2029``, so its
    parser's positions are bounded by :meth:`str.splitlines`, a superset.
    """
    try:
        if not path.is_file():
            return None
        data = path.read_bytes()
    except (OSError, ValueError):
        return None
    return len(data.decode("utf-8", "replace").splitlines()) + 1


def check_findings(result: LintResult, given: list[Path]) -> None:
    """The engine's result: registered codes, their severities, pointers, positions."""
    for finding in result.findings:
        rule = RULES.get(finding.code)
        assert rule is not None, f"unregistered code {finding.code}"
        assert finding.severity == rule.severity, finding
        assert finding.message.strip(), finding
        assert finding.pointer == "" or finding.pointer.startswith("/"), finding
        if finding.line is not None:
            assert finding.line >= 1, finding
            assert (finding.column or 1) >= 1, finding
    for path in given:
        lines = _lines(path) if path.name.endswith((".json", ".yaml", ".yml")) else None
        if lines is None:
            continue
        for finding in result.findings:
            if finding.path == str(path) and finding.line is not None:
                assert finding.line <= lines, (finding, lines)


def check_report(stdout: str, exit_code: int) -> dict[str, Any]:
    """``--format json`` output: the contract's shape, and an exit status that agrees."""
    report: dict[str, Any] = json.loads(stdout)
    assert set(report) == {"tool", "version", "diagnostics", "summary"}
    assert report["tool"] == "tapecheck"
    assert isinstance(report["version"], str)
    assert isinstance(report["diagnostics"], list)
    errors = warnings = 0
    for entry in report["diagnostics"]:
        assert {"path", "code", "severity", "message", "pointer"} <= set(entry), entry
        assert isinstance(entry["path"], str)
        assert entry["code"] in RULES, entry
        assert entry["severity"] in SEVERITIES, entry
        assert entry["severity"] == RULES[entry["code"]].severity, entry
        assert isinstance(entry["message"], str)
        assert entry["message"], entry
        assert entry["pointer"] == "" or entry["pointer"].startswith("/"), entry
        for key in ("line", "column"):
            if key in entry:
                assert isinstance(entry[key], int), entry
                assert entry[key] >= 1, entry
        errors += entry["severity"] == "error"
        warnings += entry["severity"] == "warning"
    summary = report["summary"]
    assert summary["errors"] == errors
    assert summary["warnings"] == warnings
    assert isinstance(summary["files"], int)
    assert summary["files"] >= 0
    assert exit_code == (1 if errors else 0), (exit_code, errors)
    return report


def lint_engine(paths: list[Path], *, vendor: str | None = None) -> LintResult:
    result = lint_paths(LintRequest(paths=[str(p) for p in paths], vendor=vendor, jobs=1))
    check_findings(result, paths)
    return result


def lint_cli(paths: list[Path], *extra: str) -> dict[str, Any]:
    """``tapecheck lint --format json PATH...`` in-process: no exception, exit 0 or 1."""
    result = CliRunner().invoke(
        main, ["lint", "--format", "json", *extra, *(str(p) for p in paths)]
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    return check_report(result.stdout, result.exit_code)


def lint_both(paths: list[Path], *, vendor: str | None = None) -> dict[str, Any]:
    lint_engine(paths, vendor=vendor)
    return lint_cli(paths, *(("--vendor", vendor) if vendor else ()))


# -- where the inputs are written ----------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``examples/`` (manifests and their audio) to write fuzzed files beside."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(EXAMPLES, root / "examples")
    return root


class Scratch:
    """A fresh folder per Hypothesis example, inside the module's workspace."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace

    @contextlib.contextmanager
    def folder(self, vendor: str | None = None) -> Iterator[Path]:
        base = self.workspace / "examples" / vendor if vendor else self.workspace
        folder = Path(tempfile.mkdtemp(prefix="case-", dir=base))
        try:
            if vendor:  # the audio the vendor's examples name, beside the fuzzed manifest
                for audio in (EXAMPLES / vendor).iterdir():
                    if audio.suffix in AUDIO_SUFFIXES:
                        shutil.copyfile(audio, folder / audio.name)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def scratch(workspace: Path) -> Scratch:
    return Scratch(workspace)


def _example_manifests() -> list[tuple[str, str, Any]]:
    """(vendor, file name, parsed data) of every example manifest."""
    found = []
    for path in sorted(EXAMPLES.glob("*/*.request.*")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        found.append((path.parent.name, path.name, data))
    return found


EXAMPLE_DATA = _example_manifests()


# -- strategies -------------------------------------------------------------------

#: Text with every kind of character YAML and JSON can carry (no lone surrogates).
texts = st.text(max_size=40)  # st.characters() leaves out lone surrogates (Cs)
#: Strings a manifest field would plausibly hold, and strings no field expects.
NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ufeff",
    "\u202e\u2066",
    "\x1b[31mred\x1b[0m",
    "\r\n",
    "${X}",
    "${",
    "Bearer ",
    "Bearer ${X}",
    "~/..",
    "../../../../etc/passwd",
    "/dev/null",
    "/proc/self/mem",
    "C:\\x",
    "http://127.0.0.1/x",
    "http://[::1",
    "https://0x7f.1/",
    "💥" * 3,
    "é" * 300,
    "9" * 400,
    "2024-02-30T25:61:61Z",
    "+1 (415) 555-2671",
    "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    '{"id": "x"',
    '{"id": null}',
    "[{}]",
    "[" * 300,
    "NaN",
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | texts
    | st.sampled_from(NASTY_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(texts | st.sampled_from(NASTY_STRINGS), children, max_size=4)
    ),
    max_leaves=12,
)


def _walk(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield where
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*where, index))


def _parent(root: Any, where: tuple[Any, ...]) -> Any:
    node = root
    for token in where[:-1]:
        node = node[token]
    return node


def _retyped(value: Any) -> list[Any]:
    return [str(value), [value], {"value": value}, None, 0, -1, 1.5, True, "", json.dumps(value)]


@st.composite
def mutated_manifests(draw: st.DrawFn) -> tuple[str, Any]:
    """An example manifest with one to four values dropped, replaced, retyped or spoilt."""
    vendor, _name, original = draw(st.sampled_from(EXAMPLE_DATA))
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        places = list(_walk(data))
        where = draw(st.sampled_from(places))
        action = draw(
            st.sampled_from(
                ["drop", "replace", "retype", "spoil", "add", "rename", "huge", "nest", "vendor"]
            )
        )
        if action == "vendor":
            data = data if isinstance(data, dict) else {}
            data["vendor"] = draw(st.sampled_from([*VENDORS, "nope", "", None, 5, ["corti"]]))
            if draw(st.booleans()):
                data["operation"] = draw(
                    st.sampled_from(
                        ["upload", "create", "signed-urls", "upload-url", "create-interaction", "x"]
                    )
                )
            continue
        if not where:  # the root: replace the whole document now and then
            if action in ("replace", "retype"):
                data = draw(json_values)
            elif isinstance(data, dict):
                data[draw(texts)] = draw(json_values)
            continue
        parent, key = _parent(data, where), where[-1]
        value = parent[key]
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(json_values)
        elif action == "retype":
            parent[key] = draw(st.sampled_from(_retyped(value)))
        elif action == "spoil":
            text = value if isinstance(value, str) else json.dumps(value)
            cut = draw(st.integers(0, len(text)))
            parent[key] = text[:cut] + draw(st.sampled_from(NASTY_STRINGS) | texts) + text[cut:]
        elif action == "add" and isinstance(value, dict):
            value[draw(texts | st.sampled_from(NASTY_STRINGS))] = draw(json_values)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(texts | st.sampled_from(NASTY_STRINGS))] = parent.pop(key)
        elif action == "huge":
            parent[key] = draw(st.sampled_from(["x", "é", "\x00", "9", "a/"])) * draw(
                st.sampled_from([1_000, 70_000])
            )
        elif action == "nest":
            depth = draw(st.integers(1, 150))
            for _level in range(depth):
                value = draw(st.sampled_from([[value], {"k": value}]))
            parent[key] = value
    return vendor, data


def _dump(data: Any, style: str) -> str:
    if style == "json":
        return json.dumps(data, ensure_ascii=False)
    if style == "json-ascii":
        return json.dumps(data, indent=2)
    flow = style == "yaml-flow"
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False)


@st.composite
def written_manifests(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """(vendor, file bytes, suffix) of a mutated example, serialized as JSON or YAML."""
    vendor, data = draw(mutated_manifests())
    style = draw(st.sampled_from(["yaml", "yaml-flow", "json", "json-ascii"]))
    try:
        text = _dump(data, style)
    except (ValueError, yaml.YAMLError):  # nan in strict JSON, say: write it anyway
        text = repr(data)
    suffix = draw(
        st.sampled_from(
            [".request.json", ".request.yaml"]
            if style.startswith("json")
            else [".request.yaml", ".request.yml"]
        )
    )
    raw = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        raw = b"\xef\xbb\xbf" + raw
    if draw(st.integers(0, 9)) == 0:
        raw += draw(st.sampled_from([b"\x00", b"\n---\n", b"}", b"\n- x\n", b"\xff", b"\n&a x"]))
    return vendor, raw, suffix


#: Pieces of YAML syntax; joined at random they reach the parser's corners.
YAML_PIECES = (
    "vendor: crescendo",
    "vendor: corti",
    "operation: upload",
    "body:",
    "metadata:",
    "files:",
    "audio: call.wav",
    "headers:",
    "contacts:",
    "- ",
    ": ",
    "? ",
    "  ",
    "\n",
    "\t",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "&a ",
    "*a",
    "<<: *a",
    "!!python/object:os.system ",
    "!!python/name:os.system",
    "!!binary aGk=",
    "!!set {a, b}",
    "!!omap [{a: 1}]",
    "!!timestamp 2024-01-01",
    "!!float",
    '!!float ""',
    "!!timestamp x",
    "!!int x",
    "!!bool x",
    "!!null x",
    "!!str",
    "!!map",
    "!!seq",
    "!custom ",
    "%YAML 1.1\n---\n",
    "%TAG ! tag:x,2000:\n",
    "---",
    "...",
    "|",
    ">-",
    "'",
    '"',
    "#",
    "~",
    "\x00",
    "\ufeff",
    "\x85",
    "\u2028",
    "2024-01-15",
    "0x1F",
    ".nan",
    "-.inf",
    "=",
)
yaml_soups = st.lists(st.sampled_from(YAML_PIECES) | texts, max_size=30).map("".join)


# -- random and mutated manifests ---------------------------------------------------


@FUZZ
@given(case=written_manifests())
def test_mutated_examples_give_findings_only(
    scratch: Scratch, case: tuple[str, bytes, str]
) -> None:
    vendor, raw, suffix = case
    with scratch.folder(vendor) as folder:
        path = folder / f"fuzzed{suffix}"
        path.write_bytes(raw)
        lint_both([path])


@FUZZ
@given(text=texts | yaml_soups, suffix=st.sampled_from([".request.yaml", ".request.json"]))
def test_random_text_gives_findings_only(scratch: Scratch, text: str, suffix: str) -> None:
    with scratch.folder("crescendo") as folder:
        path = folder / f"random{suffix}"
        path.write_text(text, encoding="utf-8")
        report = lint_both([path])
        assert report["summary"]["files"] == 1


@FUZZ
@given(raw=st.binary(max_size=600), suffix=st.sampled_from([".request.yaml", ".request.json"]))
def test_random_bytes_as_a_manifest_give_findings_only(
    scratch: Scratch, raw: bytes, suffix: str
) -> None:
    with scratch.folder() as folder:
        path = folder / f"junk{suffix}"
        path.write_bytes(raw)
        lint_both([path])


@FUZZ
@given(soup=yaml_soups, vendor=st.sampled_from(VENDORS))
def test_yaml_soup_under_a_vendor_gives_findings_only(
    scratch: Scratch, soup: str, vendor: str
) -> None:
    """Syntax soup after a valid head: the rules see odd types (sets, bytes, dates)."""
    with scratch.folder(vendor) as folder:
        path = folder / "soup.request.yaml"
        path.write_text(f"vendor: {vendor}\nbody:\n  {soup}\n", encoding="utf-8")
        lint_both([path])


# -- random bytes as audio ----------------------------------------------------------

#: Heads of real formats, so random tails reach the format parsers, not just "unknown".
AUDIO_HEADS = (
    b"",
    b"RIFF\x24\x00\x00\x00WAVEfmt ",
    b"RIFF\xff\xff\xff\xffWAVE",
    b"ID3\x04\x00\x00\x00\x00\x00\x00",
    b"\xff\xfb\x90\xc0",
    b"\xff\xf1\x50\x80",
    b"fLaC",
    b"OggS\x00\x02",
    b"\x1a\x45\xdf\xa3",
    b"\x00\x00\x00\x20ftypM4A ",
)
audio_bytes = st.builds(
    lambda head, tail: head + tail, st.sampled_from(AUDIO_HEADS), st.binary(max_size=2000)
)


@FUZZ
@given(
    raw=audio_bytes,
    vendor=st.sampled_from(VENDORS),
    name=st.sampled_from(["a.wav", "a.mp3", "a.flac", "a.m4a", "a.ogg", "a.bin", "a"]),
)
def test_random_bytes_as_audio_alone_give_findings_only(
    scratch: Scratch, raw: bytes, vendor: str, name: str
) -> None:
    with scratch.folder() as folder:
        path = folder / name
        path.write_bytes(raw)
        report = lint_both([path], vendor=vendor)
        families = {entry["code"][:3] for entry in report["diagnostics"]}
        assert families <= {"MAN", "AUD"}, report


@FUZZ
@given(raw=audio_bytes, example=st.sampled_from(EXAMPLE_DATA))
def test_random_bytes_as_a_manifests_audio_give_findings_only(
    scratch: Scratch, raw: bytes, example: tuple[str, str, Any]
) -> None:
    """The examples' own audio files replaced by random bytes (no --vendor needed)."""
    vendor, name, _data = example
    with scratch.folder(vendor) as folder:
        for audio in folder.iterdir():
            audio.write_bytes(raw)
        shutil.copyfile(EXAMPLES / vendor / name, folder / name)
        lint_both([folder / name])


def test_audio_alone_without_vendor_is_a_clean_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    path.write_bytes(b"\x00" * 100)
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert "--vendor" in result.stderr
    assert "Traceback" not in result.output


# -- hostile documents ----------------------------------------------------------------


def _block_mapping(depth: int) -> str:
    return "".join(" " * level + "k:\n" for level in range(depth)) + " " * depth + "v\n"


def _laughs(levels: int, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "vendor: crescendo\n" + "\n".join(lines) + "\n"


_HUGE = "x" * ONE_MB
_CRS_HEAD = "vendor: crescendo\npath: {tenantId: t}\nheaders: {Authorization: '${K}'}\n"

#: (name, file bytes): documents written to break parsers and position tables.
HOSTILE: list[tuple[str, bytes]] = [
    ("empty.request.yaml", b""),
    ("comments-only.request.yaml", b"# nothing\n"),
    ("null.request.yaml", b"~\n"),
    ("scalar.request.json", b"42"),
    ("list.request.yaml", b"- vendor: crescendo\n"),
    ("two-documents.request.yaml", b"vendor: crescendo\n---\nvendor: corti\n"),
    ("block-sequence-10k.request.yaml", ("- " * 10_000 + "x\n").encode()),
    ("block-mapping-1k.request.yaml", _block_mapping(1_000).encode()),
    ("flow-sequence-10k.request.yaml", ("[" * 10_000 + "]" * 10_000).encode()),
    ("flow-mapping-10k.request.yaml", ("{a: " * 10_000 + "b" + "}" * 10_000).encode()),
    ("json-arrays-10k.request.json", ("[" * 10_000 + "]" * 10_000).encode()),
    ("json-objects-10k.request.json", ('{"a":' * 10_000 + "1" + "}" * 10_000).encode()),
    (
        "json-body-deep.request.json",
        ('{"vendor": "crescendo", "body": ' + "[" * 190 + "]" * 190 + "}").encode(),
    ),
    ("billion-laughs.request.yaml", _laughs(10).encode()),
    ("billion-laughs-body.request.yaml", (_laughs(6) + "body: *a5\n").encode()),
    ("anchor-cycle.request.yaml", b"vendor: crescendo\nbody: &b {metadata: *b}\n"),
    ("self-anchor.request.yaml", b"&a [*a]\n"),
    ("merge-keys.request.yaml", b"x: &x {vendor: crescendo}\n<<: *x\nbody: {<<: *x}\n"),
    ("python-object.request.yaml", b"vendor: !!python/object/apply:os.system [echo hi]\n"),
    ("python-name.request.yaml", b"vendor: crescendo\nbody: !!python/name:os.system\n"),
    ("python-tuple.request.yaml", b"vendor: crescendo\nbody: !!python/tuple [1, 2]\n"),
    ("custom-tag.request.yaml", b"vendor: !vendor crescendo\n"),
    ("bad-timestamp-tag.request.yaml", b"vendor: crescendo\nbody: !!timestamp 2024-01-01x\n"),
    ("empty-float-tag.request.yaml", b'vendor: crescendo\nbody: !!float ""\n'),
    ("bad-int-tag.request.yaml", b"vendor: crescendo\nbody: !!int abc\n"),
    ("bad-binary-tag.request.yaml", b"vendor: crescendo\nbody: !!binary '@@@'\n"),
    ("bad-bool-tag.request.yaml", b"vendor: crescendo\nbody: !!bool maybe\n"),
    (
        "odd-types.request.yaml",
        (
            _CRS_HEAD + "body: {metadata: !!set {id, b}}\nfiles: {audio: !!binary aGk=}\n"
            "query: !!omap [{a: 1}, {a: 2}]\n"
        ).encode(),
    ),
    ("dates.request.yaml", (_CRS_HEAD + "body: {metadata: {id: 2024-01-01}}\n").encode()),
    ("duplicate-keys.request.yaml", b"vendor: crescendo\nvendor: corti\n"),
    ("duplicate-keys.request.json", b'{"vendor": "crescendo", "vendor": "corti"}'),
    ("duplicate-nested.request.yaml", b"vendor: crescendo\nbody: {metadata: {id: a, id: b}}\n"),
    ("non-string-keys.request.yaml", b"vendor: crescendo\n1: 2\n~: 3\ntrue: 4\n"),
    ("complex-key.request.yaml", b"vendor: crescendo\n? [a, b]\n: c\n"),
    ("bom-utf8.request.json", b'\xef\xbb\xbf{"vendor": "crescendo"}'),
    ("bom-utf8.request.yaml", b"\xef\xbb\xbfvendor: crescendo\n"),
    ("utf16.request.yaml", "vendor: crescendo\n".encode("utf-16")),
    ("utf32.request.json", '{"vendor": "corti"}'.encode("utf-32")),
    ("latin1.request.yaml", "vendor: crescendo\nbody: {metadata: {id: café}}\n".encode("latin-1")),
    ("nul-bytes.request.yaml", b"vendor: crescendo\x00\nbody: \x00\n"),
    ("nul-escape.request.yaml", b'vendor: crescendo\nfiles: {audio: "a\\0.mp3"}\n'),
    ("nul-escape.request.json", b'{"vendor": "crescendo", "files": {"audio": "a\\u0000.mp3"}}'),
    ("surrogate.request.json", b'{"vendor": "\\ud800", "body": {"x": "\\udfff"}}'),
    (
        "surrogate-id.request.json",
        b'{"vendor": "crescendo", "body": {"metadata": {"id": "\\ud83d"}}}',
    ),
    ("nan.request.json", b'{"vendor": "siro", "body": {"fileSize": NaN}}'),
    ("big-number.request.json", b'{"vendor": "siro", "body": {"fileSize": 1e999}}'),
    ("big-int.request.yaml", b"vendor: siro\nbody: {fileSize: " + b"9" * 5000 + b"}\n"),
    ("binary-junk.request.yaml", bytes(range(256)) * 4),
    ("control-characters.request.yaml", b"vendor: crescendo\nbody: \x1b[31m\x07\x08\n"),
    ("huge-key.request.yaml", f"vendor: crescendo\n{_HUGE}: 1\n".encode()),
    ("huge-vendor.request.yaml", f"vendor: {_HUGE}\n".encode()),
    ("huge-operation.request.yaml", f"vendor: corti\noperation: {_HUGE}\n".encode()),
    ("huge-id.request.yaml", f"{_CRS_HEAD}body: {{metadata: {{id: '{_HUGE} x'}}}}\n".encode()),
    (
        "huge-metadata-string.request.yaml",
        (_CRS_HEAD + "body:\n  metadata: '" + '{"id": "' + _HUGE + '"}' + "'\n").encode(),
    ),
    ("huge-header.request.yaml", f"{_CRS_HEAD}headers: {{Authorization: {_HUGE}}}\n".encode()),
    ("huge-url.request.yaml", f"vendor: siro\nbody: {{downloadUrl: 'http://{_HUGE}'}}\n".encode()),
    ("huge-path.request.yaml", f"vendor: crescendo\nfiles: {{audio: '{_HUGE}.mp3'}}\n".encode()),
    ("long-path.request.yaml", f"vendor: corti\ncontent: '{'a' * 5000}.wav'\n".encode()),
    (
        "deep-path.request.yaml",
        f"vendor: crescendo\nfiles: {{audio: '{'a/' * 3000}x.mp3'}}\n".encode(),
    ),
    ("huge-comment.request.yaml", f"# {_HUGE}\nvendor: crescendo\n".encode()),
    ("huge-json-line.request.json", json.dumps({"vendor": "corti", "x": _HUGE}).encode()),
    ("over-the-cap.request.yaml", b"# " + b"x" * (17 * ONE_MB) + b"\n"),
    (
        "contacts-huge.request.yaml",
        (
            "vendor: alpharun\nbody:\n  contacts:\n"
            + "".join(
                f"    - {{email: a{i}@x.io, phone_number: '+1415555{i:04d}'}}\n"
                for i in range(3000)
            )
        ).encode(),
    ),
    (
        "contacts-json-deep.request.yaml",
        ("vendor: alpharun\nbody:\n  contacts: '" + "[" * 5000 + "]" * 5000 + "'\n").encode(),
    ),
    (
        "metadata-json-deep.request.yaml",
        (_CRS_HEAD + "body:\n  metadata: '" + '{"a":' * 3000 + "1" + "}" * 3000 + "'\n").encode(),
    ),
]


@pytest.mark.parametrize(("name", "raw"), HOSTILE, ids=[name for name, _ in HOSTILE])
def test_hostile_documents_give_findings_only(workspace: Path, name: str, raw: bytes) -> None:
    folder = workspace / "examples" / "crescendo"
    path = folder / f"hostile-{name}"
    path.write_bytes(raw)
    try:
        report = lint_both([path])
    finally:
        path.unlink()
    assert report["summary"]["files"] == 1


def test_hostile_documents_in_one_folder_through_a_real_process(tmp_path: Path) -> None:
    """Every hostile document at once, walked from a folder, in a real ``tapecheck`` process."""
    for name, raw in HOSTILE:
        if len(raw) < 2 * ONE_MB:
            (tmp_path / name).write_bytes(raw)
    for options in (["--format", "json"], ["--format", "json", "--jobs", "2"]):
        done = subprocess.run(
            [sys.executable, "-m", "tapecheck", "lint", *options, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        report = check_report(done.stdout, done.returncode)
        assert report["summary"]["files"] == sum(1 for _ in tmp_path.iterdir())


# -- files that are not files --------------------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _unreadable(path: Path) -> Path:
    """A file that cannot be read, even by root: a link to /proc/self/mem (EIO at offset 0)."""
    if os.geteuid() != 0:
        path.write_text("vendor: crescendo\n", encoding="utf-8")
        path.chmod(0)
        return path
    if not Path("/proc/self/mem").exists():
        pytest.skip("running as root without /proc: no way to make a file unreadable")
    path.symlink_to("/proc/self/mem")
    return path


def _loop(path: Path) -> Path:
    path.symlink_to(path.name)
    return path


def _dangling(path: Path) -> Path:
    path.symlink_to("nowhere-" + path.name)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "inside.request.yaml").write_text("vendor: crescendo\n", encoding="utf-8")
    return path


Maker = Callable[[Path], Path]
ODD_FILES: dict[str, Maker] = {
    "fifo": _fifo,
    "unreadable": _unreadable,
    "symlink-loop": _loop,
    "dangling-symlink": _dangling,
    "folder": _folder,
}
needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file types")


def _run_tapecheck(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real process with a timeout: a FIFO opened for reading would block forever."""
    return subprocess.run(
        [sys.executable, "-m", "tapecheck", "lint", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
    )


@needs_posix
@pytest.mark.parametrize("kind", sorted(ODD_FILES))
def test_a_manifest_that_is_not_a_file_is_a_finding(tmp_path: Path, kind: str) -> None:
    path = ODD_FILES[kind](tmp_path / "odd.request.yaml")
    done = _run_tapecheck(path.name, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    report = check_report(done.stdout, done.returncode)
    if kind != "folder":  # a folder on the command line is walked
        assert [e["code"] for e in report["diagnostics"]] in (["MAN001"], ["MAN003"])
    walked = _run_tapecheck(".", cwd=tmp_path)  # a walk skips what is not a file
    assert "Traceback" not in walked.stderr, walked.stderr
    check_report(walked.stdout, walked.returncode)


@needs_posix
@pytest.mark.parametrize("kind", sorted(ODD_FILES))
@pytest.mark.parametrize("vendor", ["crescendo", "corti", "siro"])
def test_audio_that_is_not_a_file_is_man003(tmp_path: Path, kind: str, vendor: str) -> None:
    audio = ODD_FILES[kind](tmp_path / "call.wav")
    manifest = tmp_path / "x.request.yaml"
    if vendor == "corti":
        manifest.write_text(f"vendor: corti\ncontent: {audio.name}\n", encoding="utf-8")
    else:
        operation = "signed-urls" if vendor == "siro" else "upload"
        manifest.write_text(
            f"vendor: {vendor}\noperation: {operation}\nfiles: {{audio: {audio.name}}}\n",
            encoding="utf-8",
        )
    done = _run_tapecheck(manifest.name, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    report = check_report(done.stdout, done.returncode)
    pointers = {e["pointer"] for e in report["diagnostics"] if e["code"] == "MAN003"}
    assert pointers == {"/content" if vendor == "corti" else "/files/audio"}
    alone = _run_tapecheck("--vendor", vendor, audio.name, cwd=tmp_path)
    assert "Traceback" not in alone.stderr, alone.stderr
    report = check_report(alone.stdout, alone.returncode)
    if kind != "folder":  # a folder on the command line is walked for manifests
        assert {e["code"] for e in report["diagnostics"]} <= {"MAN003", "AUD005", "AUD006"}


@needs_posix
def test_a_walk_through_symlink_loops_and_odd_names_ends(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    (tmp_path / "sub" / "a.request.yaml").write_text("vendor: crescendo\n", encoding="utf-8")
    _loop(tmp_path / "loop.request.yaml")
    _fifo(tmp_path / "pipe.request.json")
    (tmp_path / os.fsdecode(b"bad-\xff-name.request.yaml")).write_text(
        "vendor: corti\n", encoding="utf-8"
    )
    (tmp_path / "new\nline.request.yaml").write_text("vendor: nope\n", encoding="utf-8")
    done = _run_tapecheck(".", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    report = check_report(done.stdout, done.returncode)  # valid UTF-8 whatever the names
    assert report["summary"]["files"] == 3
    shown = sorted({entry["path"] for entry in report["diagnostics"]})
    assert shown == ["bad-\\xff-name.request.yaml", "new\\nline.request.yaml", "sub/a.request.yaml"]
    for options in (["--format", "text"], ["--format", "json", "--output", "out.json"]):
        for encoding in ("utf-8", "ascii"):
            other = subprocess.run(
                [sys.executable, "-m", "tapecheck", "lint", *options, "."],
                capture_output=True,
                timeout=60,
                check=False,
                cwd=tmp_path,
                env={**os.environ, "PYTHONIOENCODING": encoding},
            )
            assert other.returncode == 1, other.stderr
            assert b"Traceback" not in other.stderr, other.stderr
    check_report((tmp_path / "out.json").read_text(encoding="utf-8"), 1)


def test_engine_survives_every_odd_path_in_one_run(tmp_path: Path) -> None:
    """Missing, odd and oversized command-line paths, through the engine and the CLI."""
    paths = [
        tmp_path / "missing.request.yaml",
        tmp_path / ("n" * 300 + ".request.yaml"),
        tmp_path / ("d/" * 2100 + "x.request.yaml"),
        tmp_path / "missing-dir" / "x.request.json",
    ]
    result = lint_engine(paths)
    assert [f.code for f in result.findings] == ["MAN003"] * len(paths)
    lint_cli(paths)


def test_text_output_never_carries_raw_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "x.request.yaml"
    path.write_text(
        'vendor: crescendo\nbody: {metadata: {id: "\\e]0;pwned\\a\\e[2J"}}\n'
        'headers: {Authorization: "\\e[31m"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["lint", "--no-color", str(path)])
    assert result.exit_code == 1
    assert re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout) is None, result.stdout
