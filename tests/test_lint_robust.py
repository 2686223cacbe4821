"""``tapecheck lint`` on inputs that once crashed it, and on a rule that crashes.

A rule that raises is a bug in tapecheck: it must cost no other finding and no
other file, become one TCK001 finding on the file it failed on, and make the
command exit 2 with every other finding still printed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.suite.cli import main
from tapecheck.suite.lint import engine
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.internal import INTERNAL_ERROR
from tapecheck.suite.lint.registry import RULES, Rule, Violation, all_rules
from tapecheck.suite.manifest import parse_manifest
from tapecheck.suite.values import instant_key, to_instant

BOTA = (
    "vendor: bota\nauth: secret-key\n"
    'headers: {Authorization: "Bearer ${BOTA_KEY}"}\n'
    "body: {device_id: dev_1, end_user_id: eu_1, started_at: %s, ended_at: %s}\n"
)
#: A Crescendo manifest with one CRS003 finding: the finding that must survive.
CRESCENDO_BAD_ID = (
    "vendor: crescendo\npath: {tenantId: tenant-a}\n"
    'headers: {Authorization: "Bearer ${CRESCENDO_API_KEY}"}\n'
    'body: {metadata: {id: "call 1"}}\nfiles: {audio: call.wav}\n'
)


def lint(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, ["lint", "--format", "json", *(str(a) for a in args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def diagnostics(result: Result) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(result.stdout)["diagnostics"]
    return found


@pytest.fixture
def call_wav(tmp_path: Path, wav_bytes: bytes) -> Path:
    path = tmp_path / "call.wav"
    path.write_bytes(wav_bytes)
    return path


@pytest.fixture
def wav_bytes() -> bytes:
    import struct

    rate, samples = 8000, 800
    data = b"\x00\x00" * samples
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


# -- the inputs that crashed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "ended", "expected"),
    [
        pytest.param('"9999-12-31T23:59:59-01:00"', '"2024-05-01T08:00:00Z"', 1, id="9999"),
        pytest.param('"0001-01-01T00:00:00+01:00"', '"0001-01-01T00:00:00+02:00"', 1, id="0001"),
        pytest.param('"2024-05-01T08:00:00Z"', '"9999-12-31T23:59:59-01:00"', 0, id="end-9999"),
    ],
)
def test_bot003_at_the_ends_of_the_calendar(
    started: str, ended: str, expected: int, tmp_path: Path
) -> None:
    manifest = tmp_path / "r.request.yaml"
    manifest.write_text(BOTA % (started, ended), encoding="utf-8")
    result = lint(manifest)
    codes = [d["code"] for d in diagnostics(result)]
    assert INTERNAL_ERROR not in codes
    assert codes.count("BOT003") == expected
    assert result.exit_code == (1 if expected else 0)


@pytest.mark.parametrize("header", ["Bearer ", "Bearer", "bearer  ", "Bearer \t"])
def test_an_empty_bearer_token_is_a_finding_not_a_crash(
    header: str, tmp_path: Path, call_wav: Path
) -> None:
    broken = tmp_path / "a.request.yaml"
    broken.write_text(
        f"vendor: bota\nheaders: {{Authorization: {json.dumps(header)}}}\n"
        "body: {device_id: dev_1, end_user_id: eu_1}\n",
        encoding="utf-8",
    )
    other = tmp_path / "b.request.yaml"
    other.write_text(CRESCENDO_BAD_ID, encoding="utf-8")
    result = lint(broken, other)
    found = diagnostics(result)
    assert result.exit_code == 1, result.output
    assert INTERNAL_ERROR not in {d["code"] for d in found}
    assert ("SEC004", str(broken)) in {(d["code"], d["path"]) for d in found}  # no credential
    assert ("CRS003", str(other)) in {(d["code"], d["path"]) for d in found}


def test_credential_kind_of_an_empty_bearer_is_unknown(tmp_path: Path) -> None:
    loaded = parse_manifest(
        'vendor: bota\nheaders: {Authorization: "Bearer "}\n', path=str(tmp_path / "x.yaml")
    )
    assert LintContext.for_manifest(loaded, default_vendor=None).credential_kind is None


# -- instants ---------------------------------------------------------------------

_OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_MOMENTS = st.datetimes(timezones=st.none() | _OFFSETS)


@given(_MOMENTS, _MOMENTS)
def test_instant_key_orders_as_instants(a: datetime, b: datetime) -> None:
    key_a, key_b = instant_key(a), instant_key(b)  # never raises
    try:
        utc_a, utc_b = to_instant(a), to_instant(b)
    except OverflowError:  # past datetime's range in UTC: only the key can order it
        return
    assert (key_a < key_b) == (utc_a < utc_b)
    assert (key_a == key_b) == (utc_a == utc_b)


# -- a rule that raises --------------------------------------------------------------


def _raising(ctx: LintContext) -> Iterator[Violation]:
    if ctx.vendor == "crescendo":
        raise ZeroDivisionError("injected")
    yield from ()


@pytest.fixture
def raising_rule(monkeypatch: pytest.MonkeyPatch) -> Rule:
    """A generic rule that raises on every Crescendo manifest, registered for one test."""
    injected = Rule(
        code="ZZZ999",
        name="always-raises",
        severity="error",
        check=_raising,
        doc="## What it does\nRaises (a test double).",
    )
    monkeypatch.setitem(RULES, injected.code, injected)
    return injected


def _two_files(tmp_path: Path) -> tuple[Path, Path]:
    crescendo = tmp_path / "c.request.yaml"
    crescendo.write_text(CRESCENDO_BAD_ID, encoding="utf-8")
    corti = tmp_path / "k.request.yaml"
    corti.write_text(
        "vendor: corti\npath: {id: not-a-uuid}\n"
        'headers: {Authorization: "Bearer ${T}", Tenant-Name: t}\ncontent: call.wav\n'
        "",
        encoding="utf-8",
    )
    return crescendo, corti


@pytest.mark.usefixtures("raising_rule", "call_wav")
def test_a_raising_rule_costs_no_other_finding(tmp_path: Path) -> None:
    crescendo, corti = _two_files(tmp_path)
    result = lint("--jobs", "1", crescendo, corti)
    found = diagnostics(result)
    assert result.exit_code == 2, result.output
    pairs = {(d["code"], Path(d["path"]).name) for d in found}
    assert ("TCK001", "c.request.yaml") in pairs
    assert ("CRS003", "c.request.yaml") in pairs  # the other rules on the same file
    assert ("COR001", "k.request.yaml") in pairs  # the other file
    assert ("TCK001", "k.request.yaml") not in pairs
    [internal] = [d for d in found if d["code"] == "TCK001"]
    assert internal["severity"] == "error"
    assert "ZZZ999 (always-raises)" in internal["message"]
    assert "ZeroDivisionError: injected" in internal["message"]
    assert "in _raising" in internal["message"]  # the traceback's last frame
    assert "bug in tapecheck" in internal["message"]


@pytest.mark.usefixtures("raising_rule", "call_wav")
def test_the_internal_error_follows_the_failed_rule_selection(tmp_path: Path) -> None:
    crescendo, _ = _two_files(tmp_path)
    shown = lint("--select", "CRS,ZZZ", "--ignore", "TCK", crescendo)
    assert shown.exit_code == 2
    assert {d["code"] for d in diagnostics(shown)} == {"TCK001", "CRS003"}
    # Ignoring the rule that failed is the documented workaround: a clean run of the others.
    worked_around = lint("--ignore", "ZZZ999", crescendo)
    assert worked_around.exit_code == 1
    assert {d["code"] for d in diagnostics(worked_around)} == {"CRS003"}


@pytest.mark.usefixtures("raising_rule", "call_wav")
def test_the_text_output_still_prints_every_finding(tmp_path: Path) -> None:
    crescendo, corti = _two_files(tmp_path)
    result = CliRunner().invoke(main, ["lint", str(crescendo), str(corti)])
    assert result.exit_code == 2
    assert "TCK001" in result.stdout
    assert "CRS003" in result.stdout
    assert "COR001" in result.stdout
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("call_wav")
def test_a_file_that_cannot_be_read_costs_no_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crescendo, corti = _two_files(tmp_path)
    real = engine.load_manifest

    def failing(path: Path, *, display: str) -> Any:
        if path.name == "k.request.yaml":
            raise MemoryError("injected")
        return real(path, display=display)

    monkeypatch.setattr(engine, "load_manifest", failing)
    result = lint(crescendo, corti)
    pairs = {(d["code"], Path(d["path"]).name) for d in diagnostics(result)}
    assert result.exit_code == 2
    assert pairs == {("CRS003", "c.request.yaml"), ("TCK001", "k.request.yaml")}


def test_tck001_has_a_rule_page_that_says_how_to_report() -> None:
    page = next(r for r in all_rules() if r.code == INTERNAL_ERROR)
    result = CliRunner().invoke(main, ["rule", INTERNAL_ERROR])
    assert result.exit_code == 0
    assert "bug in tapecheck" in result.stdout
    for what in ("the command", "the manifest", "traceback"):
        assert what in page.doc


# -- a worker that fails costs time, never a finding -----------------------------------------

_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.skipif(not engine._can_fork(), reason="the forked workers run on Linux only")
@pytest.mark.parametrize("failure", ["raises", "is killed"])
def test_a_failed_worker_costs_no_finding(failure: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from tapecheck.suite.lint.config import LintConfig

    def findings(jobs: int) -> list[Any]:
        request = engine.LintRequest(paths=[str(_EXAMPLES)], config=LintConfig(), jobs=jobs)
        result = engine.lint_paths(request)
        return [(result.files, result.paths), *result.findings]

    alone = findings(1)
    parent, real = os.getpid(), engine.lint_file

    def failing(target: engine.Target, **options: Any) -> Any:
        if os.getpid() != parent:  # in a worker only
            if failure == "raises":
                raise RuntimeError("a worker's bug")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(target, **options)

    monkeypatch.setattr(engine, "lint_file", failing)
    assert len(alone) > 10
    assert findings(3) == alone
