"""``tapecheck nightly``: every configured vendor, one index, summary and history.

End to end: three reference mocks (one of them a mutant on the first night)
and one unreachable URL on loopback, the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.reports.history import KEEP, append_run, failing_since, parse_history
from tapecheck.reports.nightly import (
    NightlyRun,
    VendorOutcome,
    index_html,
    outcome_from_report,
    summary_markdown,
)
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.nightly import configured
from tapecheck.suite.specs import load_spec, vendors
from tapecheck.suite.vendors import vendor_module

TOKEN, TENANT = "nightly-token", "tenant-n"
SERVED = ("corti", "alpharun", "crescendo")
UNREACHABLE = "siro"
MUTANT = ("crescendo", "generic-wrong-success-status")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAPECHECK_", "GITHUB_"))}


def _nightly(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tapecheck", "nightly", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _environment(loopback: Callable[[Any], str], *, mutant: bool) -> dict[str, str]:
    env = _clean_env()
    for vendor in SERVED:
        factory = vendor_module(vendor, "mock").create_app
        if mutant and vendor == MUTANT[0]:
            factory = next(m for m in mutants(vendor) if m.name == MUTANT[1]).factory
        prefix = f"TAPECHECK_{vendor.upper()}_"
        env[prefix + "BASE_URL"] = loopback(factory(token=TOKEN, tenant=TENANT)) + base_path(
            load_spec(vendor)
        )
        env[prefix + "TOKEN"] = TOKEN
        env[prefix + "TENANT"] = TENANT
    env[f"TAPECHECK_{UNREACHABLE.upper()}_BASE_URL"] = f"http://127.0.0.1:{_closed_port()}/"
    env[f"TAPECHECK_{UNREACHABLE.upper()}_TOKEN"] = TOKEN
    return env


def test_three_mocks_and_an_unreachable_url_over_two_nights(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    out = tmp_path / "out"
    step_summary = tmp_path / "step-summary.md"
    env = _environment(loopback, mutant=True) | {"GITHUB_STEP_SUMMARY": str(step_summary)}

    first = _nightly(env, "--quick", "--jobs", "2", "--report-dir", str(out))
    assert first.returncode == 1, first.stdout + first.stderr  # the mutant does not conform
    assert TOKEN not in first.stdout + first.stderr
    for name in ("index.html", "summary.md", "history.json"):
        assert (out / name).is_file(), name
    assert f"{UNREACHABLE}: incomplete" in first.stdout
    not_run = [v for v in vendors() if v not in (*SERVED, UNREACHABLE)]
    for vendor in not_run:
        assert f"{vendor}: not-run" in first.stdout
    summary = (out / "summary.md").read_text("utf-8")
    assert step_summary.read_text("utf-8").strip() == summary.strip()
    assert re.search(rf"\| {UNREACHABLE} \| ⚠️ incomplete", summary)
    for vendor in not_run:
        assert f"| {vendor} | ⏸️ not run" in summary  # never passed
    for vendor in SERVED:
        for name in ("report.json", "report.html", "junit.xml", "nightly.json"):
            assert (out / vendor / name).is_file(), f"{vendor}/{name}"
    requirements = json.loads((out / MUTANT[0] / "report.json").read_text("utf-8"))["requirements"]
    failed = {r["id"] for r in requirements if r["status"] == "failed"}
    # Drift and the index count failed ``must`` only; a failed ``should`` is an advisory.
    failing = {r["id"] for r in requirements if r["id"] in failed and r.get("level") != "should"}
    assert failing

    # The second night: the same targets; the baselines are the first night's reports.
    second = _nightly(env, "--quick", "--report-dir", str(out))
    assert second.returncode == 1, second.stdout + second.stderr
    history = json.loads((out / "history.json").read_text("utf-8"))
    assert len(history["runs"]) == 2
    first_night = history["runs"][0]["started_at"]
    for night in history["runs"]:
        assert set(night["vendors"]) == {*SERVED, UNREACHABLE}
        assert night["vendors"][UNREACHABLE]["verdict"] == "incomplete"
        assert night["vendors"]["corti"]["verdict"] == "conforms"
        statuses = night["vendors"][MUTANT[0]]["requirements"]
        assert {i for i, s in statuses.items() if s == "failed"} == failed
    drift = json.loads((out / MUTANT[0] / "report.json").read_text("utf-8"))["drift"]
    assert set(drift["still_failing"]) == failing
    assert drift["new_failures"] == []
    index = (out / "index.html").read_text("utf-8")
    for requirement in failing:
        assert requirement in index
    assert f"since {first_night} (2 runs)" in index
    assert f"since {first_night} (2 runs)" in (out / "summary.md").read_text("utf-8")
    assert "corti/report.html" in index
    assert len(step_summary.read_text("utf-8").split("## tapecheck nightly")) == 3

    # --fail-on new: nothing new since the first night; siro is still incomplete: exit 2.
    third = _nightly(env, "--quick", "--report-dir", str(out), "--fail-on", "new")
    assert third.returncode == 2, third.stdout + third.stderr
    # Without the unreachable vendor, the known failures pass with --fail-on new.
    fourth = _nightly(
        env, "--quick", "--vendors", "crescendo", "--report-dir", str(out), "--fail-on", "new"
    )
    assert fourth.returncode == 0, fourth.stdout + fourth.stderr


def test_a_ci_matrix_is_merged_into_one_index(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    env = _environment(loopback, mutant=False)
    jobs = []
    for vendor in ("corti", UNREACHABLE):
        job = tmp_path / f"job-{vendor}"
        result = _nightly(env, "--quick", "--vendors", vendor, "--report-dir", str(job))
        assert result.returncode in (0, 2), result.stdout + result.stderr
        jobs.append(job)
    site = tmp_path / "site"
    merged = _nightly(_clean_env(), "--merge", *map(str, jobs), "--report-dir", str(site))
    assert merged.returncode == 2, merged.stdout + merged.stderr  # siro is incomplete
    assert "corti: conforms" in merged.stdout
    assert f"{UNREACHABLE}: incomplete" in merged.stdout
    assert (site / "corti" / "report.json").is_file()
    history = json.loads((site / "history.json").read_text("utf-8"))
    assert set(history["runs"][-1]["vendors"]) == {"corti", UNREACHABLE}
    assert "crescendo: not-run" in merged.stdout


def test_no_sandbox_configured_is_exit_2(tmp_path: Path) -> None:
    result = _nightly(_clean_env(), "--report-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "TAPECHECK_<VENDOR>_BASE_URL" in result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    for vendor in vendors():
        assert f"{vendor}: not-run" in result.stdout


def test_usage_errors_are_exit_2(tmp_path: Path) -> None:
    for args in (["--vendors", "nobody"], ["--merge"], [str(tmp_path)]):
        result = _nightly(_clean_env(), *args, "--report-dir", str(tmp_path / "out"))
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


# -- the pieces ---------------------------------------------------------------------


def test_the_environment_names_each_vendor_of_the_catalogue() -> None:
    environ = {
        "TAPECHECK_CORTI_BASE_URL": "https://example.test/v2",
        "TAPECHECK_CORTI_TOKEN": "t",
        "TAPECHECK_CORTI_PARAMS": "interaction_id=x, other=y",
    }
    configs = {c.vendor: c for c in configured(vendors(), environ)}
    assert set(configs) == set(vendors())
    assert configs["corti"].configured
    assert configs["corti"].env == {"TAPECHECK_TOKEN": "t"}
    assert configs["corti"].params == ("interaction_id=x", "other=y")
    assert not any(c.configured for v, c in configs.items() if v != "corti")


@pytest.mark.parametrize(
    ("verdicts", "status"),
    [
        (["conforms", "conforms", "not-run"], 0),
        (["conforms", "does-not-conform", "incomplete"], 1),
        (["conforms", "incomplete"], 2),
        (["not-run", "not-run"], 2),
    ],
)
def test_the_exit_status(verdicts: list[str], status: int) -> None:
    run = NightlyRun("now", [VendorOutcome(f"v{i}", v) for i, v in enumerate(verdicts)])
    assert run.exit_status() == status


def test_an_exit_status_of_2_is_incomplete_whatever_the_report_says() -> None:
    report = {"vendor": "corti", "conforms": True, "requirements": []}
    assert outcome_from_report("corti", report, exit_code=2).verdict == "incomplete"
    assert outcome_from_report("corti", None, exit_code=0).verdict == "incomplete"
    assert outcome_from_report("corti", report, exit_code=0).verdict == "conforms"


def test_fail_on_new_under_strict_fails_a_new_should_failure() -> None:
    baseline = {
        "vendor": "bota",
        "requirements": [{"id": "S", "status": "passed", "level": "should"}],
    }
    report = {
        "vendor": "bota",
        "verdict": "does-not-conform",
        "strict": True,
        "requirements": [{"id": "S", "status": "failed", "level": "should"}],
    }
    from tapecheck.reports.drift import compute_drift

    report["drift"] = compute_drift(baseline, report)
    outcome = outcome_from_report("bota", report, exit_code=1)
    assert outcome.regressions == ["S"]
    assert outcome.failing == ["S"]
    assert outcome.gate("new") == "fail"
    assert NightlyRun("now", [outcome], fail_on="new").exit_status() == 1


def test_history_keeps_the_last_runs_and_finds_the_streak() -> None:
    history: dict[str, Any] = {}
    for night in range(KEEP + 5):
        status = "failed" if night >= KEEP else "passed"
        history = append_run(history, f"n{night:02d}", {"v": ("x", {"R": status})})
        if night == KEEP + 1:
            history = append_run(history, "skipped-night", {})  # the vendor did not run
    assert len(history["runs"]) == KEEP
    since = failing_since(history, "v", "R")
    assert since is not None
    assert (since.started_at, since.runs) == (f"n{KEEP:02d}", 5)
    assert failing_since(history, "v", "other") is None
    assert parse_history({"runs": "nonsense"}) == {"version": 1, "runs": []}


_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_REPORTISH = st.fixed_dictionaries(
    {},
    optional={
        "vendor": st.just("corti") | st.text(max_size=5),
        "verdict": _JSON,
        "duration_s": _JSON,
        "requirements": _JSON
        | st.lists(
            st.dictionaries(st.sampled_from(["id", "status", "level"]), _JSON) | _JSON, max_size=5
        ),
        "drift": st.dictionaries(st.sampled_from(["new_failures", "added", "baseline"]), _JSON),
        "advisories": _JSON,
        "created": _JSON,
    },
)


@given(_REPORTISH, st.sampled_from([0, 1, 2, None]), _JSON)
def test_a_hostile_report_or_history_never_breaks_the_index(
    report: dict[str, Any], exit_code: int | None, history: Any
) -> None:
    outcome = outcome_from_report("corti", report, exit_code=exit_code)
    run = NightlyRun("now", [outcome])
    assert run.exit_status() in (0, 1, 2)
    assert "<html" in index_html(run, parse_history(history))
    assert "| corti |" in summary_markdown(run, parse_history(history))
