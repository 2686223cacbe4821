"""``report.html`` of ``tapecheck proxy``: every exchange with its findings, credentials redacted.

One self-contained page a certification reviewer can read: the vendor, the
target, the counts, then one section per exchange (request line, status,
headers with credentials redacted, body sizes and hashes, and its findings).
"""

from __future__ import annotations

import html
from typing import TextIO

from tapecheck.reports.model import Finding
from tapecheck.reports.redact import redact_headers, redact_url, scrub_text
from tapecheck.reports.traffic import TrafficExchange, TrafficLog, about_upstream, log_secrets

__all__ = ["traffic_to_html", "write_traffic_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem} table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
.error{color:#b00020}.warning{color:#a15c00}.info{color:#555}
section{border-top:1px solid #ddd;padding:.5rem 0} code{font-size:.9em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _headers(pairs: list[tuple[str, str]], secrets: set[str]) -> str:
    rows = "".join(
        f"<tr><td>{_e(k)}</td><td><code>{_e(scrub_text(v, secrets))}</code></td></tr>"
        for k, v in redact_headers(pairs)
    )
    return f"<table>{rows}</table>" if rows else "<p>(none)</p>"


def _finding(finding: Finding, secrets: set[str]) -> str:
    whose = "upstream deviation, " if about_upstream(finding) else ""
    where = f" at <code>{_e(finding.pointer)}</code>" if finding.pointer else ""
    return (
        f'<li class="{_e(finding.severity)}"><b>{_e(finding.code)}</b> '
        f"({whose}{_e(finding.severity)}){where}: {_e(scrub_text(finding.message, secrets))}</li>"
    )


def _upstream(log: TrafficLog, secrets: set[str]) -> str:
    """The upstream's deviations, apart: the vendor's to answer for, not the client's."""
    if not log.upstream_deviations:
        return ""
    rows = "".join(
        f'<li><a href="#exchange-{e.index}">#{e.index}</a> <code>{_e(e.name)}</code>: '
        f"<b>{_e(f.code)}</b> {_e(scrub_text(f.message, secrets))}</li>"
        for e, f in log.upstream_findings
    )
    return (
        f"<section><h2>Upstream deviations ({log.upstream_deviations})</h2>"
        "<p>Responses that do not follow the spec: the upstream's (the vendor's) deviations, "
        "reported as warnings: they never fail your client.</p>"
        f"<ul>{rows}</ul></section>"
    )


def _exchange(exchange: TrafficExchange, secrets: set[str]) -> str:
    status = exchange.status if exchange.status is not None else "no response"
    findings = "".join(_finding(f, secrets) for f in exchange.findings)
    request, response = exchange.request_body, exchange.response_body
    return (
        f'<section id="exchange-{exchange.index}"><h2>#{exchange.index} '
        f"<code>{_e(exchange.method)} {_e(redact_url(exchange.url))}</code> &rarr; {_e(status)}</h2>"
        f"<p>operation: <code>{_e(exchange.operation or 'none')}</code>, "
        f"{exchange.duration_ms:.1f} ms; request body {request.size} bytes"
        f"{' sha256 ' + _e(request.sha256) if request.size else ''}; response body "
        f"{response.size} bytes</p>"
        f"<ul>{findings or '<li>no findings</li>'}</ul>"
        f"<details><summary>request headers</summary>"
        f"{_headers(exchange.request_headers, secrets)}</details>"
        f"<details><summary>response headers</summary>"
        f"{_headers(exchange.response_headers, secrets)}</details></section>"
    )


def traffic_to_html(log: TrafficLog) -> str:
    secrets = log_secrets(log)
    body = "".join(_exchange(e, secrets) for e in log.exchanges)
    dropped = (
        f"<p>{log.dropped} earlier exchanges are not kept (a long run keeps its last "
        f"{len(log.exchanges)}); the counts include them.</p>"
        if log.dropped
        else ""
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>tapecheck proxy: {_e(log.vendor)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>tapecheck proxy: {_e(log.vendor)}</h1>"
        f"<p>target <code>{_e(redact_url(log.target))}</code>, tapecheck {_e(log.tool_version)}: "
        f"{log.total} exchanges, {log.errors} errors, {log.warnings} warnings "
        f"({log.upstream_deviations} of them upstream deviations)</p>"
        f"{dropped}{_upstream(log, secrets)}{body}</body></html>\n"
    )


def write_traffic_html(log: TrafficLog, stream: TextIO) -> None:
    stream.write(traffic_to_html(log))
