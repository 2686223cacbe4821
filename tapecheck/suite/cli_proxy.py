"""The ``tapecheck proxy`` command: serve the validation proxy until SIGINT or SIGTERM.

Findings print as they happen (``METHOD PATH: CODE message``, or JSON Lines
with ``--format json``); on stop the reports go to ``--report-dir``. Exit 0 no
error-level finding, 1 at least one, 2 it could not start (bad option, port
taken, ``--upstream`` unreachable).
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:  # `tapecheck lint` loads this module with the CLI: it imports nothing more
    from tapecheck.reports.model import Finding
    from tapecheck.reports.traffic import TrafficExchange, TrafficLog

__all__ = ["proxy_command", "write_reports"]

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Stop(Exception):
    """SIGTERM: stop serving and write the reports."""


def _fail(message: str) -> NoReturn:
    click.echo(f"tapecheck: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def write_reports(log: TrafficLog, folder: Path, *, origin: str) -> None:
    """findings.json, findings.sarif, junit.xml, report.html and exchanges.har in ``folder``."""
    from tapecheck.reports.har import write_har
    from tapecheck.reports.sarif import LintSarifWriter
    from tapecheck.reports.traffic import findings_document, traffic_to_junit, traffic_to_lint
    from tapecheck.reports.traffic_html import write_traffic_html
    from tapecheck.suite.lint.registry import all_rules

    log.rules = [rule.to_doc() for rule in all_rules()]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "findings.json", "w", encoding="utf-8") as stream:
        json.dump(findings_document(log), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    with open(folder / "findings.sarif", "w", encoding="utf-8") as stream:
        LintSarifWriter().write(traffic_to_lint(log), stream)
    with open(folder / "junit.xml", "w", encoding="utf-8") as stream:
        traffic_to_junit(log, stream)
    with open(folder / "report.html", "w", encoding="utf-8") as stream:
        write_traffic_html(log, stream)
    with open(folder / "exchanges.har", "w", encoding="utf-8") as stream:
        write_har(log, stream, origin=origin)


def _printer(output_format: str) -> Callable[[TrafficExchange, Finding], None]:
    def show(exchange: TrafficExchange, finding: Finding) -> None:
        from tapecheck.reports.json import finding_to_dict
        from tapecheck.reports.redact import scrub_text
        from tapecheck.reports.traffic import about_upstream, exchange_secrets

        message = scrub_text(finding.message, exchange_secrets(exchange))
        if output_format == "json":
            entry = finding_to_dict(finding)
            entry["message"] = message
            entry["exchange"] = exchange.reference()
            entry["about"] = "upstream" if about_upstream(finding) else "client"
            click.echo(json.dumps(entry, ensure_ascii=False))
        else:
            whose = " (upstream deviation)" if about_upstream(finding) else ""
            click.echo(f"{exchange.name}: {finding.code} {message}{whose}")

    return show


@click.command("proxy")
@click.argument("vendor", required=False)
@click.option("--upstream", help="The vendor's sandbox base URL (default: the embedded mock).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=0, show_default=True, type=click.IntRange(0, 65535), help="0: a free port."
)
@click.option("--token", help="The credential the embedded mock accepts (default test-token).")
@click.option("--tenant", help="The tenant the embedded mock knows (default tenant-a).")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the reports when stopped.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: METHOD PATH: CODE message; json: JSON Lines.",
)
@click.option(
    "--no-storage-rewrite",
    is_flag=True,
    help="Leave signed storage URLs in responses as they are (their PUTs are then not checked).",
)
@click.option(
    "--spec",
    "spec_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A spec that is not bundled (the vendor is its x-tapecheck.vendor).",
)
def proxy_command(
    vendor: str | None,
    upstream: str | None,
    host: str,
    port: int,
    token: str | None,
    tenant: str | None,
    report_dir: Path | None,
    output_format: str,
    no_storage_rewrite: bool,
    spec_file: Path | None,
) -> None:
    """Forward a client's traffic to VENDOR (or its mock), checking every request and response."""
    from tapecheck.suite import specs
    from tapecheck.suite.cli_spec import vendor_or_spec

    # --spec: checked and registered under its x-tapecheck.vendor (VENDOR, if given, must be it).
    vendor = vendor_or_spec(vendor, spec_file)
    spec = specs.load_spec(vendor)
    if upstream is not None and (token is not None or tenant is not None):
        _fail(
            "--token and --tenant configure the embedded mock; with --upstream the client's "
            "own credentials pass through"
        )
    from tapecheck.suite.proxy.service import UpstreamUnreachable, check_upstream, create_proxy

    if upstream is not None:
        try:
            check_upstream(upstream)
        except UpstreamUnreachable as exc:
            _fail(str(exc))
    try:
        proxy = create_proxy(
            vendor,
            upstream=upstream,
            token=token or "test-token",
            tenant=tenant or "tenant-a",
            storage_rewrite=not no_storage_rewrite,
            spec=spec,
        )
    except ModuleNotFoundError:
        _fail(f"{vendor} has no reference mock; give --upstream")
    proxy.traffic.listeners.append(_printer(output_format))
    from tapecheck.suite.mocks.server import serve

    origin = f"http://{host}:{port}"

    def ready(found: str) -> None:
        nonlocal origin
        origin = found
        proxy.app.set_public_origin(found)
        click.echo(f"tapecheck proxy {proxy.spec.vendor}: base URL {proxy.base_url(found)}")
        click.echo("Press Ctrl-C to stop.", err=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        serve(proxy.app, host=host, port=port, on_ready=ready)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    log = proxy.traffic.log()
    if report_dir is not None:
        write_reports(log, report_dir, origin=origin)
    click.echo(
        f"tapecheck proxy: {log.total} exchanges, {log.errors} errors, "
        f"{log.warnings} warnings ({log.upstream_deviations} upstream deviations)",
        err=True,
    )
    sys.exit(EXIT_FINDINGS if log.errors else EXIT_CLEAN)
