"""The request manifests in ``tests/cases/<vendor>/{positive,negative}/``.

The convention, shared with ``examples/`` (see ``examples/README.md``):

- A case is a manifest named ``*.request.yaml``, ``*.request.yml`` or
  ``*.request.json``.
- ``positive/`` cases lint clean: no finding of any severity.
- ``negative/`` cases say, in comment lines at the top of the file, every
  finding they must give, one line each, repeated when a code is expected
  twice::

      # expect: CRS003 /body/metadata/id
      # expect: CRS005 /files/file

  The pointer is a JSON Pointer into the manifest; leave it out for ``""``
  (the whole file). The findings must match exactly: nothing missing, nothing
  more. Other comment lines are free text. JSON has no comments, so JSON cases
  are positive.
- No audio is committed here: a case that needs a file names ``call.wav``, and
  the test writes a 0.25 s WAV (4,044 bytes) of that name beside the copy of
  the case it lints.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.lint.registry import GENERIC_FAMILIES, RULES
from tapecheck.suite.manifest import load_manifest
from tapecheck.suite.specs import vendors
from tapecheck.suite.vendors import vendor_module

if TYPE_CHECKING:
    from conftest import AudioSamples

CASES = Path(__file__).parent / "cases"
MANIFEST_SUFFIXES = (".request.yaml", ".request.yml", ".request.json")
#: The audio a case may name; the test writes it, so no binary is committed.
CASE_AUDIO = "call.wav"
CASE_AUDIO_SECONDS = 0.25

_EXPECT = re.compile(r"#\s*expect:\s*(?P<code>[A-Z]{3}[0-9]{3})(?:\s+(?P<pointer>\S.*?))?\s*")

Expected = Counter[tuple[str, str]]


@dataclass(frozen=True)
class Case:
    """One manifest and the findings it must give."""

    path: Path
    expected: Expected

    @property
    def vendor(self) -> str:
        return self.path.parent.parent.name

    @property
    def id(self) -> str:
        return self.path.relative_to(self.path.parent.parent.parent).as_posix()


def read_expected(path: Path) -> Expected:
    """The ``# expect: CODE [POINTER]`` lines of the comment block that opens a manifest."""
    expected: Expected = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = _EXPECT.fullmatch(stripped)
        if match:
            expected[(match["code"], match["pointer"] or "")] += 1
        elif stripped.lower().startswith("# expect"):
            raise ValueError(
                f"{path}: malformed expectation {stripped!r}; use `# expect: CODE /pointer`"
            )
    return expected


def manifests_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name.endswith(MANIFEST_SUFFIXES))


def _cases(kind: str) -> list[Case]:
    return [
        Case(path, read_expected(path))
        for vendor in vendors()
        for path in manifests_under(CASES / vendor / kind)
    ]


POSITIVE = _cases("positive")
NEGATIVE = _cases("negative")
ALL_CASES = POSITIVE + NEGATIVE


def found(findings: list[tuple[str, str]]) -> Expected:
    return Counter(findings)


def require_engine() -> None:
    """Skip while a generic rule family (MAN, SCH, AUD, SEC) is not written yet."""
    missing = [m for m in GENERIC_FAMILIES.values() if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"generic rule families not written yet: {', '.join(missing)}")


def staged(case: Case, tmp_path: Path, wav: bytes) -> Path:
    """A copy of the case with the audio it may name beside it."""
    copy = tmp_path / case.path.name
    shutil.copyfile(case.path, copy)
    (tmp_path / CASE_AUDIO).write_bytes(wav)
    return copy


# -- the convention itself --------------------------------------------------


def test_every_vendor_has_positive_and_negative_cases() -> None:
    for vendor in vendors():
        assert manifests_under(CASES / vendor / "positive"), vendor
        assert manifests_under(CASES / vendor / "negative"), vendor


@pytest.mark.parametrize("case", POSITIVE, ids=lambda c: c.id)
def test_positive_cases_expect_nothing(case: Case) -> None:
    assert not case.expected


@pytest.mark.parametrize("case", NEGATIVE, ids=lambda c: c.id)
def test_negative_cases_expect_something(case: Case) -> None:
    assert case.expected, f"{case.id}: a negative case needs `# expect: CODE /pointer` lines"
    assert case.path.suffix != ".json", "JSON cannot carry `# expect:` comments"


def test_every_vendor_rule_has_a_negative_case() -> None:
    for vendor in vendors():
        vendor_module(vendor, "rules")
    covered = {code for case in NEGATIVE for code, _ in case.expected}
    vendor_codes = {
        code for code, rule in RULES.items() if rule.vendor is not None and rule.family != "FLW"
    }
    assert vendor_codes - covered == set()


def test_read_expected_parses_the_convention(tmp_path: Path) -> None:
    path = tmp_path / "x.request.yaml"
    path.write_text(
        "# A note.\n# expect: CRS003 /body/metadata/id\n#expect:CRS005 /files/file\n"
        "# expect: MAN001\n# expect: CRS003 /body/metadata/id\n\nvendor: crescendo\n"
        "# expect: COR001 /path/id\n",
        encoding="utf-8",
    )
    assert read_expected(path) == Counter(
        {("CRS003", "/body/metadata/id"): 2, ("CRS005", "/files/file"): 1, ("MAN001", ""): 1}
    )


def test_read_expected_refuses_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "x.request.yaml"
    path.write_text("# expect: crs003 /body/metadata/id\nvendor: crescendo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="malformed expectation"):
        read_expected(path)


# -- the cases -----------------------------------------------------------------


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_case_vendor_rules(case: Case, tmp_path: Path, audio: AudioSamples) -> None:
    """The vendor's own rules give exactly the case's expectations of their codes."""
    copy = staged(case, tmp_path, audio.wav(CASE_AUDIO_SECONDS))
    ctx = LintContext.for_manifest(load_manifest(copy), default_vendor=None)
    assert ctx.vendor == case.vendor, ctx.resolve_error
    vendor_module(case.vendor, "rules")
    rules = [rule for rule in RULES.values() if rule.vendor == case.vendor]
    families = {rule.family for rule in rules}
    got = found([(rule.code, v.pointer) for rule in rules for v in rule.check(ctx)])
    wanted = Counter({key: n for key, n in case.expected.items() if key[0][:3] in families})
    assert got == wanted


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_case_through_engine(case: Case, tmp_path: Path, audio: AudioSamples) -> None:
    """Every rule, generic ones included, gives exactly the expected findings."""
    require_engine()
    copy = staged(case, tmp_path, audio.wav(CASE_AUDIO_SECONDS))
    findings = lint_file(Target(copy, str(copy), "manifest"), vendor=None, config=LintConfig())
    got = found([(f.code, f.pointer) for f in findings])
    assert got == case.expected, "\n".join(f"{f.code} {f.pointer}: {f.message}" for f in findings)
