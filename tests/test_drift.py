"""Drift against a baseline: the pure comparison (properties) and ``conform --baseline`` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.reports.drift import (
    DRIFT_KEYS,
    BaselineError,
    compute_drift,
    load_baseline,
    regressions,
)
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors import vendor_module

TOKEN, TENANT = "drift-token", "tenant-d"

# -- the comparison ---------------------------------------------------------------

_IDS = st.sampled_from([f"R-{n}" for n in range(12)])
_ENTRY = st.fixed_dictionaries(
    {"status": st.sampled_from(["passed", "failed", "skipped", "error"])},
    optional={"level": st.sampled_from(["must", "should"])},
)


@st.composite
def reports(draw: st.DrawFn) -> dict[str, Any]:
    entries = draw(st.dictionaries(_IDS, _ENTRY, max_size=12))
    return {
        "vendor": "corti",
        "spec_sha256": draw(st.sampled_from(["a" * 64, "b" * 64])),
        "requirements": [{"id": i, **e} for i, e in entries.items()],
    }


def _failing_must(document: dict[str, Any]) -> set[str]:
    return {
        r["id"]
        for r in document["requirements"]
        if r["status"] == "failed" and r.get("level", "must") == "must"
    }


@given(reports(), reports())
def test_the_lists_are_disjoint_and_name_only_known_ids(
    baseline: dict[str, Any], current: dict[str, Any]
) -> None:
    drift = compute_drift(baseline, current)
    listed = [i for key in DRIFT_KEYS for i in drift[key]]
    assert len(listed) == len(set(listed))
    known = {r["id"] for r in baseline["requirements"]} | {r["id"] for r in current["requirements"]}
    assert set(listed) <= known


@given(reports(), reports())
def test_swapping_baseline_and_current_swaps_new_failures_and_fixed(
    baseline: dict[str, Any], current: dict[str, Any]
) -> None:
    forward, backward = compute_drift(baseline, current), compute_drift(current, baseline)
    assert forward["new_failures"] == backward["fixed"]
    assert forward["fixed"] == backward["new_failures"]
    assert forward["added"] == backward["removed"]
    assert forward["still_failing"] == backward["still_failing"]
    assert forward["undecided"] == backward["undecided"]


@given(reports(), reports())
def test_every_must_failing_now_is_new_still_undecided_or_added(
    baseline: dict[str, Any], current: dict[str, Any]
) -> None:
    drift = compute_drift(baseline, current)
    accounted = {*drift["new_failures"], *drift["still_failing"], *drift["undecided"]}
    assert _failing_must(current) <= accounted | set(drift["added"])
    assert set(drift["new_failures"]) <= _failing_must(current) - _failing_must(baseline)
    assert set(drift["still_failing"]) == _failing_must(current) & _failing_must(baseline)


@given(reports())
def test_a_report_against_itself_has_no_change(document: dict[str, Any]) -> None:
    drift = compute_drift(document, document)
    assert drift["new_failures"] == drift["fixed"] == drift["added"] == drift["removed"] == []
    assert drift["warnings"] == []


def test_errors_are_undecided_and_a_missing_level_is_must() -> None:
    baseline = {
        "vendor": "siro",
        "spec_sha256": "x",
        "requirements": [
            {"id": "A", "status": "passed"},
            {"id": "B", "status": "failed"},  # no level: an older report, read as must
            {"id": "C", "status": "passed", "level": "should"},
            {"id": "D", "status": "failed"},
        ],
    }
    current = {
        "vendor": "siro",
        "spec_sha256": "y",
        "requirements": [
            {"id": "A", "status": "error"},
            {"id": "B", "status": "passed", "level": "must"},
            {"id": "C", "status": "failed", "level": "should"},
            {"id": "E", "status": "failed", "level": "must"},
        ],
    }
    drift = compute_drift(baseline, current)
    assert drift["undecided"] == ["A"]
    assert drift["fixed"] == ["B"]
    assert drift["new_failures"] == []  # a failed should is an advisory, never a failure
    assert drift["added"] == ["E"]
    assert drift["removed"] == ["D"]
    assert regressions(drift, current) == ["E"]  # a new requirement failing counts as new
    assert "another spec" in drift["warnings"][0]


def test_under_strict_a_failed_should_is_a_failure_of_the_drift_too() -> None:
    """``--strict`` counts a failed ``should`` in the verdict: ``--fail-on new`` counts it too."""
    baseline = {
        "vendor": "bota",
        "requirements": [
            {"id": "S-NEW", "status": "passed", "level": "should"},
            {"id": "S-OLD", "status": "failed", "level": "should"},  # a non-strict baseline
            {"id": "S-FIXED", "status": "failed", "level": "should"},
        ],
    }
    current = {
        "vendor": "bota",
        "strict": True,
        "requirements": [
            {"id": "S-NEW", "status": "failed", "level": "should"},
            {"id": "S-OLD", "status": "failed", "level": "should"},
            {"id": "S-FIXED", "status": "passed", "level": "should"},
        ],
    }
    drift = compute_drift(baseline, current)
    assert drift["new_failures"] == ["S-NEW"]
    assert drift["still_failing"] == ["S-OLD"]  # known already: not new under --fail-on new
    assert drift["fixed"] == ["S-FIXED"]
    assert regressions(drift, current) == ["S-NEW"]
    lenient = compute_drift(baseline, {**current, "strict": False})
    assert lenient["new_failures"] == lenient["still_failing"] == lenient["fixed"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a tapecheck report.json"),
        ('{"vendor": "bota", "requirements": []}', "vendor 'bota'"),
    ],
)
def test_an_unusable_baseline_says_why(text: str, message: str) -> None:
    with pytest.raises(BaselineError, match=message):
        load_baseline(text, "corti")


# -- conform --baseline, through the CLI, against the mock and its mutants ---------

VENDOR = "crescendo"


def _conform(base_url: str, report_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tapecheck", "conform", VENDOR, "--base-url", base_url]
    command += ["--token", TOKEN, "--tenant", TENANT, "--quick", "--seed", "3"]
    command += ["--report-dir", str(report_dir), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def _report(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "report.json").read_text("utf-8"))
    return document


def _selftest_failures(name: str) -> set[str]:
    """What ``must`` the mutant fails in the selftest matrix (the embedded, in-process run)."""
    mutant = next(m for m in mutants(VENDOR) if m.name == name)
    run, aborted = run_to_completion(
        ConformOptions(vendor=VENDOR, quick=True, seed=3, factory=mutant.factory)
    )
    assert aborted is None
    # A failed ``should`` is an advisory, never a failure drift counts.
    return {
        r.id
        for r in run.requirements
        if r.status == "failed" and getattr(r, "level", "must") == "must"
    }


def _serve(loopback: Callable[[Any], str], mutant: str | None) -> str:
    if mutant is None:
        factory = vendor_module(VENDOR, "mock").create_app
    else:
        factory = next(m for m in mutants(VENDOR) if m.name == mutant).factory
    return loopback(factory(token=TOKEN, tenant=TENANT)) + base_path(load_spec(VENDOR))


@pytest.fixture
def mock_report(tmp_path: Path, loopback: Callable[[Any], str]) -> Path:
    folder = tmp_path / "mock"
    result = _conform(_serve(loopback, None), folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "report.json"


@pytest.mark.parametrize("mutant", ["generic-wrong-success-status"])
def test_a_mutant_against_the_mock_baseline_fails_exactly_what_selftest_says(
    mutant: str, tmp_path: Path, loopback: Callable[[Any], str], mock_report: Path
) -> None:
    expected = _selftest_failures(mutant)
    assert expected
    url = _serve(loopback, mutant)
    folder = tmp_path / "mutant"
    result = _conform(url, folder, "--baseline", str(mock_report))
    assert result.returncode == 1, result.stdout + result.stderr
    drift = _report(folder)["drift"]
    assert set(drift["new_failures"]) == expected
    assert drift["fixed"] == drift["still_failing"] == drift["added"] == drift["removed"] == []
    assert "Drift since" in result.stdout
    first_lines = result.stdout.split("passed,")[0]
    assert "new failure" in first_lines  # the drift comes before the counts and failures
    html = (folder / "report.html").read_text("utf-8")
    assert html.index("<h2>Drift</h2>") < html.index("<h2>Requirements</h2>")
    junit = (folder / "junit.xml").read_text("utf-8")
    assert junit.index('name="drift.new_failures"') < junit.index('name="vendor"')

    # The reverse: the mutant's report as the baseline, the mock now: all of them fixed.
    back = tmp_path / "back"
    reverse = _conform(_serve(loopback, None), back, "--baseline", str(folder / "report.json"))
    assert reverse.returncode == 0, reverse.stdout + reverse.stderr
    assert set(_report(back)["drift"]["fixed"]) == expected
    assert _report(back)["drift"]["new_failures"] == []

    # --fail-on new: the same failures as the baseline's exit 0; the verdict is unchanged.
    again = tmp_path / "again"
    same = _conform(url, again, "--baseline", str(folder / "report.json"), "--fail-on", "new")
    assert same.returncode == 0, same.stdout + same.stderr
    assert set(_report(again)["drift"]["still_failing"]) == expected
    assert _report(again)["conforms"] is False
    # ... and against the mock's baseline, new failures still exit 1 with --fail-on new.
    new = _conform(url, tmp_path / "new", "--baseline", str(mock_report), "--fail-on", "new")
    assert new.returncode == 1


def test_a_baseline_of_another_vendor_or_unreadable_is_a_usage_error(
    tmp_path: Path, mock_report: Path, loopback: Callable[[Any], str]
) -> None:
    other = json.loads(mock_report.read_text("utf-8")) | {"vendor": "siro"}
    (tmp_path / "siro.json").write_text(json.dumps(other), "utf-8")
    url = _serve(loopback, None)
    for baseline, message in (
        (tmp_path / "siro.json", "vendor 'siro'"),
        (tmp_path / "missing.json", "--baseline"),
    ):
        result = _conform(url, tmp_path / "out", "--baseline", str(baseline))
        assert result.returncode == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_another_spec_hash_is_a_warning_in_the_drift(
    tmp_path: Path, mock_report: Path, loopback: Callable[[Any], str]
) -> None:
    older = json.loads(mock_report.read_text("utf-8")) | {"spec_sha256": "0" * 64}
    (tmp_path / "older.json").write_text(json.dumps(older), "utf-8")
    baseline = tmp_path / "older.json"
    result = _conform(_serve(loopback, None), tmp_path / "out", "--baseline", str(baseline))
    assert result.returncode == 0, result.stdout + result.stderr
    drift = _report(tmp_path / "out")["drift"]
    assert "another spec" in drift["warnings"][0]
    assert "warning: the baseline was made from another spec" in result.stdout
