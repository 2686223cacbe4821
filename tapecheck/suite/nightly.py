"""The nightly run: every configured vendor's sandbox, certified in parallel processes.

For each vendor of the catalogue, the environment names its sandbox:

    TAPECHECK_<V>_BASE_URL      the sandbox's base URL (required; without it the vendor is not run)
    TAPECHECK_<V>_TOKEN         the credential
    TAPECHECK_<V>_TENANT        the tenant, where the vendor's spec names one
    TAPECHECK_<V>_DEVICE_TOKEN  a device token, where the spec has that credential kind
    TAPECHECK_<V>_PARAMS        extra --param values, comma-separated NAME=VALUE pairs

Each vendor runs as its own ``tapecheck conform`` process (credentials travel
in its environment, never on a command line), at most ``jobs`` at a time, and
writes its reports and a ``nightly.json`` (exit status, duration, why it could
not run) under ``DIR/<vendor>/``. The baseline of a vendor is its previous
``report.json`` (in ``--baseline-dir``, by default the report directory
itself, copied aside as ``baseline.json`` before it is overwritten); a previous
run that could not be made passes its own baseline on. :func:`finish` then
writes ``history.json``, ``index.html`` and ``summary.md`` for all vendors;
:func:`merge` does the same from the directories of a CI matrix's jobs.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from tapecheck.reports.history import append_run, empty_history, parse_history
from tapecheck.reports.nightly import (
    NightlyRun,
    VendorOutcome,
    index_html,
    number,
    outcome_from_report,
)
from tapecheck.reports.nightly import summary_markdown as _summary

__all__ = [
    "OUTCOME_FILE",
    "NightlyOptions",
    "VendorConfig",
    "configured",
    "finish",
    "merge",
    "run_nightly",
]

#: Written beside each vendor's reports: how its conform process ended.
OUTCOME_FILE = "nightly.json"
BASELINE_FILE = "baseline.json"
REPORT_FILE = "report.json"
#: The report files linked from the index, by label.
LINKS = {"report": "report.html", "junit": "junit.xml", "json": "report.json", "log": "conform.log"}
#: A report.json larger than this is not read (a hostile or broken file).
_MAX_REPORT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class VendorConfig:
    """A vendor's sandbox as the environment names it."""

    vendor: str
    base_url: str | None
    env: Mapping[str, str] = field(default_factory=dict)
    params: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


def configured(vendors: Sequence[str], environ: Mapping[str, str]) -> list[VendorConfig]:
    """Each vendor's sandbox from ``environ`` (``TAPECHECK_<VENDOR>_*``)."""
    configs = []
    for vendor in vendors:
        prefix = f"TAPECHECK_{vendor.upper().replace('-', '_')}_"
        env = {
            option: environ[prefix + suffix]
            for option, suffix in (
                ("TAPECHECK_TOKEN", "TOKEN"),
                ("TAPECHECK_TENANT", "TENANT"),
                ("TAPECHECK_DEVICE_TOKEN", "DEVICE_TOKEN"),
            )
            if environ.get(prefix + suffix)
        }
        params = tuple(
            p.strip() for p in environ.get(prefix + "PARAMS", "").split(",") if p.strip()
        )
        configs.append(VendorConfig(vendor, environ.get(prefix + "BASE_URL") or None, env, params))
    return configs


@dataclass
class NightlyOptions:
    """What ``tapecheck nightly`` was asked to do."""

    report_dir: Path
    baseline_dir: Path | None = None
    jobs: int = 2
    conform_args: tuple[str, ...] = ()
    fail_on: str = "any"
    vendor_timeout: float = 7200.0


def _read_json(path: Path) -> Any:
    """A JSON file, or None when it is missing, too large or not JSON."""
    try:
        with path.open("rb") as stream:
            data = stream.read(_MAX_REPORT_BYTES + 1)
        if len(data) > _MAX_REPORT_BYTES:
            return None
        return json.loads(data)
    except (OSError, ValueError, RecursionError):
        return None


def _baseline(vendor: str, source: Path) -> Path | None:
    """The previous run's report.json, or what it was compared with when it could not be made."""
    folder = source / vendor
    previous = _read_json(folder / OUTCOME_FILE)
    report = folder / REPORT_FILE
    could_not_run = isinstance(previous, Mapping) and previous.get("exit_code") not in (0, 1)
    if report.is_file() and not could_not_run:
        return report
    carried = folder / BASELINE_FILE
    return carried if carried.is_file() else None


def _stage_baseline(vendor: str, options: NightlyOptions, folder: Path) -> Path | None:
    """Copy the baseline to ``folder/baseline.json`` before the run overwrites it."""
    source = _baseline(vendor, options.baseline_dir or options.report_dir)
    if source is None:
        return None
    document = _read_json(source)
    if not isinstance(document, Mapping) or document.get("vendor") != vendor:
        return None  # not a report of this vendor: no drift rather than a failed run
    staged = folder / BASELINE_FILE
    if source.resolve() != staged.resolve():
        shutil.copyfile(source, staged)
    return staged


def _reason(stderr: str) -> str:
    """The line of conform's stderr that says why the run could not be made."""
    for line in reversed(stderr.splitlines()):
        if line.startswith("tapecheck:"):
            return line.removeprefix("tapecheck:").strip().removeprefix("error:").strip()[:300]
    return ""


class _NotStarted(Exception):
    """The nightly run was interrupted before this vendor's run started."""


class _Children:
    """The vendors' ``tapecheck conform`` processes: started, and stopped on Ctrl-C.

    Each runs in a session of its own, so a Ctrl-C at the terminal reaches the
    nightly process alone, which passes it on once to every run (each then
    writes the reports of its run so far, as ``tapecheck conform`` does on
    Ctrl-C) and starts no other.
    """

    #: After Ctrl-C, a run has this long to sweep what it made and write its reports.
    GRACE_S = 120.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self.interrupted = False

    def run(
        self, command: list[str], *, env: Mapping[str, str], log: IO[str], timeout: float
    ) -> tuple[int, str]:
        """Run ``command`` to its end; its exit status and its stderr."""
        with self._lock:
            if self.interrupted:
                raise _NotStarted
            process = subprocess.Popen(
                command,
                env=dict(env),
                stdout=log,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            self._running.add(process)
        try:
            try:
                _, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
            return process.returncode, stderr or ""
        finally:
            with self._lock:
                self._running.discard(process)

    def interrupt(self) -> None:
        """Ctrl-C: pass it on to every run (once), start no other."""
        with self._lock:
            self.interrupted = True
            running = list(self._running)
        for process in running:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGINT)

    def kill(self) -> None:
        with self._lock:
            running = list(self._running)
        for process in running:
            with contextlib.suppress(OSError):
                process.kill()


def _run_vendor(
    config: VendorConfig, options: NightlyOptions, children: _Children
) -> VendorOutcome:
    folder = options.report_dir / config.vendor
    folder.mkdir(parents=True, exist_ok=True)
    baseline = _stage_baseline(config.vendor, options, folder)
    for stale in (*LINKS.values(), OUTCOME_FILE):
        (folder / stale).unlink(missing_ok=True)  # the last run's: never shown as tonight's
    command = [sys.executable, "-m", "tapecheck", "conform", config.vendor]
    command += ["--base-url", str(config.base_url), "--report-dir", str(folder)]
    for pair in config.params:
        command += ["--param", pair]
    if baseline is not None:
        command += ["--baseline", str(baseline)]
    command += list(options.conform_args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPECHECK_")}
    env.update(config.env)
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    exit_code: int | None
    with (folder / "conform.log").open("w", encoding="utf-8") as log:
        try:
            exit_code, stderr = children.run(
                command, env=env, log=log, timeout=options.vendor_timeout
            )
            reason = _reason(stderr)
            log.write(stderr)
        except subprocess.TimeoutExpired:
            exit_code, reason = None, f"no result in {options.vendor_timeout:.0f} s"
        except _NotStarted:
            exit_code, reason = None, "the nightly run was interrupted before it started"
    duration = time.perf_counter() - started
    if exit_code not in (0, 1, 2):
        reason = reason or f"tapecheck conform ended with status {exit_code}"
    outcome = {
        "vendor": config.vendor,
        "exit_code": exit_code,
        "duration_s": round(duration, 3),
        "started_at": started_at,
        "reason": reason,
    }
    (folder / OUTCOME_FILE).write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")
    return _outcome(config.vendor, folder, options.report_dir)


def _outcome(vendor: str, folder: Path, index_dir: Path) -> VendorOutcome:
    """A vendor's outcome from the files of its folder (a run of ours or a merged one)."""
    recorded = _read_json(folder / OUTCOME_FILE)
    recorded = recorded if isinstance(recorded, Mapping) else {}
    exit_code = recorded.get("exit_code")
    document = _read_json(folder / REPORT_FILE)
    report = (
        document if isinstance(document, Mapping) and document.get("vendor") == vendor else None
    )
    links = {
        label: os.path.relpath(folder / name, index_dir)
        for label, name in LINKS.items()
        if (folder / name).is_file()
    }
    reason = str(recorded.get("reason") or "")
    if report is None and not reason:
        reason = "no report was written"
    return outcome_from_report(
        vendor,
        report,
        exit_code=exit_code if isinstance(exit_code, int) else None,
        duration_s=number(recorded.get("duration_s")),
        reason=reason,
        links=links,
    )


def _not_run(config: VendorConfig) -> VendorOutcome:
    prefix = f"TAPECHECK_{config.vendor.upper().replace('-', '_')}_BASE_URL"
    return VendorOutcome(config.vendor, "not-run", reason=f"{prefix} is not set")


def run_nightly(configs: Sequence[VendorConfig], options: NightlyOptions) -> NightlyRun:
    """Run every configured vendor, ``options.jobs`` at a time; the outcomes in catalogue order."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    options.report_dir.mkdir(parents=True, exist_ok=True)
    chosen = [c for c in configs if c.configured]
    children = _Children()
    pool = ThreadPoolExecutor(max_workers=max(1, options.jobs))
    futures = [pool.submit(_run_vendor, c, options, children) for c in chosen]
    try:
        ran = [future.result() for future in futures]
    except KeyboardInterrupt:
        # Ctrl-C (or SIGINT from a CI cancelling the job): each run writes what it has.
        children.interrupt()
        try:
            _, waiting = wait(futures, timeout=_Children.GRACE_S)
        except KeyboardInterrupt:  # a second Ctrl-C: stop them now
            waiting = set(futures)
        if waiting:
            children.kill()
            wait(futures)
        ran = [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True)
    results = {outcome.vendor: outcome for outcome in ran}
    outcomes = [results.get(c.vendor) or _not_run(c) for c in configs]
    return NightlyRun(
        started_at,
        outcomes,
        options.fail_on,
        time.perf_counter() - started,
        interrupted=children.interrupted,
    )


def merge(
    vendors: Sequence[str], sources: Sequence[Path], report_dir: Path, fail_on: str
) -> NightlyRun:
    """One nightly run from the report directories of a CI matrix (one vendor a job).

    Each source holds ``<vendor>/nightly.json`` (or is such a folder itself); its
    files are copied to ``report_dir/<vendor>/``. A vendor found in none is not run.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for source in sources:
        for vendor in vendors:
            for folder in (source / vendor, source):
                recorded = _read_json(folder / OUTCOME_FILE)
                if isinstance(recorded, Mapping) and recorded.get("vendor") == vendor:
                    found[vendor] = folder
                    break
    outcomes = []
    for vendor in vendors:
        if vendor not in found:
            outcomes.append(VendorOutcome(vendor, "not-run", reason="no report in the merged runs"))
            continue
        target = report_dir / vendor
        if found[vendor].resolve() != target.resolve():
            for name in (*LINKS.values(), OUTCOME_FILE):
                (target / name).unlink(missing_ok=True)  # last night's, not to be mistaken
            shutil.copytree(found[vendor], target, dirs_exist_ok=True)
        outcomes.append(_outcome(vendor, target, report_dir))
    started = [o.started_at for o in outcomes if o.started_at]
    started_at = min(started) if started else datetime.now(UTC).isoformat(timespec="seconds")
    return NightlyRun(started_at, outcomes, fail_on)


def finish(run: NightlyRun, report_dir: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """Write history.json, index.html and summary.md; append the summary to a CI step summary."""
    previous = _read_json(report_dir / "history.json")
    history = parse_history(previous) if previous is not None else empty_history()
    ran = {o.vendor: (o.verdict, o.statuses) for o in run.outcomes if o.verdict != "not-run"}
    history = append_run(history, run.started_at, ran)
    (report_dir / "history.json").write_text(json.dumps(history, indent=2) + "\n", "utf-8")
    (report_dir / "index.html").write_text(index_html(run, history), "utf-8")
    summary = _summary(run, history)
    (report_dir / "summary.md").write_text(summary, "utf-8")
    step_summary = environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as stream:
                stream.write(summary + "\n")
        except OSError:
            pass  # the CI's summary is a convenience; the files above are the record
    return history
