"""``report.html`` of ``tapecheck proxy``: every exchange with its findings, credentials redacted.

One self-contained page a certification reviewer can read: the vendor, the
target, the counts, then one section per exchange (request line, status,
headers with credentials redacted, body sizes and hashes, and its findings).
"""

from __future__ import annotations

import html
from typing import TextIO

from tapecheck.reports.redact import redact_headers, redact_url, scrub_text
from tapecheck.reports.traffic import TrafficExchange, TrafficLog, log_secrets

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


def _exchange(exchange: TrafficExchange, secrets: set[str]) -> str:
    status = exchange.status if exchange.status is not None else "no response"
    findings = "".join(
        f'<li class="{_e(f.severity)}"><b>{_e(f.code)}</b> ({_e(f.severity)})'
        f"{' at <code>' + _e(f.pointer) + '</code>' if f.pointer else ''}: "
        f"{_e(scrub_text(f.message, secrets))}</li>"
        for f in exchange.findings
    )
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
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>tapecheck proxy: {_e(log.vendor)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>tapecheck proxy: {_e(log.vendor)}</h1>"
        f"<p>target <code>{_e(redact_url(log.target))}</code>, tapecheck {_e(log.tool_version)}: "
        f"{len(log.exchanges)} exchanges, {log.errors} errors, {log.warnings} warnings</p>"
        f"{body}</body></html>\n"
    )


def write_traffic_html(log: TrafficLog, stream: TextIO) -> None:
    stream.write(traffic_to_html(log))
