"""The ``tapecheck conform`` and ``tapecheck selftest`` commands: thin subscribers to the engine.

The engine yields events; the handler here shows progress on a terminal
(rich, on stderr) and the writers of :mod:`tapecheck.reports` write the
summary and the reports. Exit codes follow the run's verdict: 0 conforms
(every ``must`` that ran passed, and one did), 1 does-not-conform (a ``must``
failed, or with ``--strict`` a ``should``), 2 incomplete (the run could not be
made, or a ``must`` could not be decided) and usage errors.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from tapecheck.reports import RUN_WRITERS
from tapecheck.suite.cli_spec import spec_option, vendor_or_spec

__all__ = ["conform_command", "selftest_command"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: Every file a report directory gets, and the writer that makes it.
REPORT_FILES = {"report.json": "json", "junit.xml": "junit", "report.html": "html"}


def _fail(message: str) -> NoReturn:
    click.echo(f"tapecheck: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _check_vendor(vendor: str) -> None:
    vendor_or_spec(vendor, None)  # bundled, registered, or from an installed package


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            _fail(f"--param {value!r} must be NAME=VALUE")
        params[name] = rest
    return params


class ProgressHandler:
    """A rich progress bar on stderr while the run goes (only on a terminal)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def start(self) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()

    def handle_event(self, event: Any) -> None:
        if self._progress is None:
            return
        from tapecheck.suite.conform.events import (
            RequirementFinished,
            RequirementStarted,
            RunStarted,
        )

        if isinstance(event, RunStarted):
            self._task = self._progress.add_task(
                f"{event.vendor} @ {event.target}", total=event.total, current=""
            )
        elif isinstance(event, RequirementStarted) and self._task is not None:
            self._progress.update(self._task, current=event.requirement.id)
        elif isinstance(event, RequirementFinished) and self._task is not None:
            self._progress.advance(self._task)

    def shutdown(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _write_reports(run: Any, report_dir: Path) -> None:
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        for name, writer_name in REPORT_FILES.items():
            with (report_dir / name).open("w", encoding="utf-8") as stream:
                RUN_WRITERS[writer_name]().write(run, stream)
    except OSError as exc:
        _fail(f"--report-dir {report_dir}: {exc.strerror or exc}")


@click.command("conform")
@click.argument("vendor", required=False)
@click.option(
    "--base-url",
    help="The target's documented base URL, version prefix included (default: the embedded mock).",
)
@click.option("--token", envvar="TAPECHECK_TOKEN", help="The credential [env: TAPECHECK_TOKEN].")
@click.option(
    "--tenant",
    envvar="TAPECHECK_TENANT",
    help="The tenant (the spec's tenant header or path parameter) [env: TAPECHECK_TENANT].",
)
@click.option(
    "--device-token",
    envvar="TAPECHECK_DEVICE_TOKEN",
    help="A device token, for a vendor with that credential kind [env: TAPECHECK_DEVICE_TOKEN].",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value a real sandbox needs (repeatable).",
)
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=None,
    help="Generated examples per property requirement (depth vs time).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed of the property-based layer (default: random, printed).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Only the deterministic requirements (fixed requests at the edges).",
)
@click.option("--select", "select", help="Comma-separated requirement ids or prefixes to run.")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write report.json, junit.xml and report.html here.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--strict",
    is_flag=True,
    help="A failed should requirement (an advisory) counts as a failed must.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds one request may take, its whole answer read.",
)
@click.option(
    "--max-time",
    type=click.FloatRange(min=1),
    default=None,
    help="Seconds the whole run may take (default 900); past it, what is not decided is "
    "`error` and the reports are still written.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier report.json of the same vendor: the report gains a drift section.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["any", "new"]),
    default="any",
    show_default=True,
    help="Exit 1 for any failed requirement, or only for failures new since --baseline "
    "(without one, every failure is new).",
)
@click.option(
    "--keep",
    is_flag=True,
    help="Leave everything the run creates on the target (for debugging); the report lists it.",
)
@spec_option
def conform_command(
    vendor: str | None,
    base_url: str | None,
    token: str | None,
    tenant: str | None,
    device_token: str | None,
    params: tuple[str, ...],
    examples: int | None,
    seed: int | None,
    quick: bool,
    select: str | None,
    report_dir: Path | None,
    output_format: str,
    strict: bool,
    timeout: float,
    max_time: float | None,
    baseline: Path | None = None,
    fail_on: str = "any",
    keep: bool = False,
    spec_file: Path | None = None,
) -> None:
    """Certify that a target implements VENDOR's upload API.

    With --spec FILE, the API that spec describes (VENDOR may then be left out);
    without --base-url, against the generic mock of that spec, in-process.
    """
    from tapecheck.suite.conform.events import RunAborted, RunFinished, RunInterrupted
    from tapecheck.suite.conform.runner import (
        DEFAULT_EXAMPLES,
        DEFAULT_MAX_TIME,
        ConformOptions,
        execute,
    )

    vendor = vendor_or_spec(vendor, spec_file)
    baseline_document = _load_baseline(baseline, vendor) if baseline is not None else None
    options = ConformOptions(
        vendor=vendor,
        base_url=base_url,
        token=token,
        tenant=tenant,
        device_token=device_token,
        params=_params(params),
        examples=examples or DEFAULT_EXAMPLES,
        seed=seed if seed is not None else random.randrange(2**31),
        quick=quick,
        select=tuple(s.strip() for s in select.split(",") if s.strip()) if select else (),
        timeout=timeout,
        strict=strict,
        report_dir=report_dir,
        max_time=max_time or DEFAULT_MAX_TIME,
        keep=keep,
    )
    try:
        options.target()
    except ValueError as exc:
        _fail(str(exc))
    handler = ProgressHandler(enabled=sys.stderr.isatty())
    handler.start()
    final: Any = None
    events = execute(options)
    try:
        try:
            for event in events:
                handler.handle_event(event)
                if isinstance(event, RunFinished | RunAborted):
                    final = event
        except RunInterrupted:
            raise
        except KeyboardInterrupt:
            # Between two events, outside the engine: it wraps up where it stopped.
            events.throw(KeyboardInterrupt())
            raise  # the engine had finished: nothing to wrap up
    except RunInterrupted as interrupted:
        final = interrupted
    finally:
        handler.shutdown()
    run = final.run
    if baseline_document is not None:
        from tapecheck.reports.drift import compute_drift
        from tapecheck.reports.json import run_to_dict

        run.drift = compute_drift(baseline_document, run_to_dict(run))
    if report_dir is not None:
        _write_reports(run, report_dir)
    RUN_WRITERS[output_format]().write(
        run, sys.stdout, color=output_format == "text" and sys.stdout.isatty()
    )
    if isinstance(final, RunAborted):
        click.echo(f"tapecheck: the run could not be made: {final.reason}", err=True)
    elif isinstance(final, RunInterrupted):
        # Verdict incomplete, exit 2 (CONTRACT.md section 3); the reports hold the run so far.
        click.echo(f"tapecheck: incomplete: {run.incomplete}", err=True)
        sys.exit(run.exit_code)
    elif run.verdict == "incomplete":
        # A requirement could not be decided and none failed (CONTRACT.md section 3).
        click.echo(
            f"tapecheck: incomplete: {run.count('error')} requirement(s) could not be decided",
            err=True,
        )
    if fail_on == "new" and run.drift is not None and run.verdict == "does-not-conform":
        from tapecheck.reports.drift import regressions
        from tapecheck.reports.json import run_to_dict

        # The verdict stays what it is; only the exit status looks at what is new.
        sys.exit(EXIT_FINDINGS if regressions(run.drift, run_to_dict(run)) else EXIT_CLEAN)
    sys.exit(run.exit_code)


def _load_baseline(path: Path, vendor: str) -> Any:
    """The ``--baseline`` document; a usage error when it cannot be read or is another vendor's."""
    from tapecheck.reports.drift import MAX_BASELINE_BYTES, BaselineError, load_baseline

    try:
        with path.open("rb") as stream:
            text = stream.read(MAX_BASELINE_BYTES + 1)
        return load_baseline(text, vendor)
    except OSError as exc:
        _fail(f"--baseline {path}: {exc.strerror or exc}")
    except BaselineError as exc:
        _fail(f"--baseline {path}: {exc}")


@click.command("selftest")
@click.argument("vendors", nargs=-1)
@click.option(
    "--full",
    is_flag=True,
    help="Add the property-based layer (slower); default: the deterministic layer.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--examples", type=click.IntRange(min=1), default=None)
@spec_option
def selftest_command(
    vendors: tuple[str, ...], full: bool, seed: int, examples: int | None, spec_file: Path | None
) -> None:
    """Run the suite against each reference mock and every mutant; print the matrix.

    Exit 0 when every mock passes and every mutant is caught.
    """
    from tapecheck.suite.conform.selftest import selftest
    from tapecheck.suite.specs import vendors as all_vendors

    if spec_file is not None:  # the spec's vendor alone (a VENDOR given must be it)
        named = vendor_or_spec(vendors[0] if len(vendors) == 1 else None, spec_file)
        if len(vendors) > 1:
            _fail(f"with --spec, give at most one VENDOR ({named!r})")
        vendors = (named,)
    for vendor in vendors:
        _check_vendor(vendor)
    chosen = vendors or all_vendors()
    ok = True
    for vendor in chosen:
        outcome = selftest(vendor, quick=not full, seed=seed, examples=examples)
        click.echo(outcome.matrix())
        ok = ok and outcome.ok
    sys.exit(EXIT_CLEAN if ok else EXIT_FINDINGS)
