"""The ``tapecheck nightly`` command: every configured vendor's sandbox, one summary.

Thin: it parses options, runs :mod:`tapecheck.suite.nightly` (or merges a CI
matrix's report directories with ``--merge``) and prints where the index is.
Exit 0 when every configured vendor conforms, 1 when one does not, 2 otherwise
(none configured, or one could not be certified and none failed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

__all__ = ["nightly_command"]


def _vendors(given: tuple[str, ...]) -> list[str]:
    from tapecheck.suite.specs import vendors

    known = list(vendors())
    if not given:
        return known
    chosen = [v.strip() for value in given for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise click.UsageError(
            f"unknown vendor {', '.join(map(repr, unknown))}; use one of {', '.join(known)}"
        )
    return [v for v in known if v in chosen]


@click.command("nightly")
@click.argument("merged", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--merge",
    is_flag=True,
    help="Merge the report directories given (one CI matrix job a vendor) instead of running.",
)
@click.option(
    "--vendors",
    "vendor_names",
    multiple=True,
    metavar="V",
    help="Vendors to run (repeatable or comma-separated; default: every vendor of the catalogue).",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Vendors at a time."
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: os.environ.get("TAPECHECK_REPORT_DIR", "reports-out"),
    show_default="reports-out, or $TAPECHECK_REPORT_DIR",
    help="DIR/<vendor>/ reports, index.html, summary.md, history.json.",
)
@click.option(
    "--baseline-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the previous run's DIR/<vendor>/report.json are (default: --report-dir).",
)
@click.option("--quick", is_flag=True, help="Only the deterministic requirements.")
@click.option("--examples", type=click.IntRange(min=1), help="Examples per property requirement.")
@click.option("--strict", is_flag=True, help="A failed `should` fails too (passed to conform).")
@click.option(
    "--fail-on",
    type=click.Choice(["any", "new"]),
    default="any",
    show_default=True,
    help="Exit 1 for any failure, or only for failures new since the baseline.",
)
@click.option(
    "--vendor-timeout",
    type=click.FloatRange(min=1),
    default=7200.0,
    show_default=True,
    help="Seconds one vendor's run may take before it is stopped (and incomplete).",
)
def nightly_command(
    merged: tuple[Path, ...],
    merge: bool,
    vendor_names: tuple[str, ...],
    jobs: int,
    report_dir: Path,
    baseline_dir: Path | None,
    quick: bool,
    examples: int | None,
    strict: bool,
    fail_on: str,
    vendor_timeout: float,
) -> None:
    """Certify every vendor whose sandbox is named in the environment (TAPECHECK_<VENDOR>_BASE_URL).

    With --merge DIR...: build the one index, summary and history from the
    report directories of a CI matrix's jobs.
    """
    from tapecheck.suite import nightly

    vendors = _vendors(vendor_names)
    if merged and not merge:
        raise click.UsageError("report directories are given only with --merge")
    if merge:
        if not merged:
            raise click.UsageError("--merge needs the report directories to merge")
        missing = [str(d) for d in merged if not d.is_dir()]
        if missing:
            raise click.UsageError(f"no such directory: {', '.join(missing)}")
        run = nightly.merge(vendors, merged, report_dir, fail_on)
    else:
        configs = nightly.configured(vendors, os.environ)
        if not any(c.configured for c in configs):
            click.echo(
                "tapecheck: no sandbox is configured: set TAPECHECK_<VENDOR>_BASE_URL", err=True
            )
        conform_args: list[str] = []
        if quick:
            conform_args.append("--quick")
        if examples is not None:
            conform_args += ["--examples", str(examples)]
        if strict:
            conform_args.append("--strict")
        options = nightly.NightlyOptions(
            report_dir=report_dir,
            baseline_dir=baseline_dir,
            jobs=jobs,
            conform_args=tuple(conform_args),
            fail_on=fail_on,
            vendor_timeout=vendor_timeout,
        )
        run = nightly.run_nightly(configs, options)
    report_dir.mkdir(parents=True, exist_ok=True)
    nightly.finish(run, report_dir, os.environ)
    for outcome in run.outcomes:
        detail = f" ({outcome.reason})" if outcome.reason else ""
        click.echo(f"{outcome.vendor}: {outcome.verdict}{detail}")
    click.echo(f"index: {report_dir / 'index.html'}")
    if run.interrupted:
        click.echo("tapecheck: interrupted: each vendor's report holds its run so far", err=True)
    sys.exit(run.exit_status())
