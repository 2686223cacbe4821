"""``report.html``: the certification report of one conformance run.

A single self-contained page (inline CSS, no script, no external asset) that a
reviewer can open, print or attach: the verdict and the run's identity (vendor,
target, seed, spec sha256, tool version, date, duration), a table of every
requirement with its status and the spec text it comes from, and for each
failed requirement the failing exchanges. Every value is HTML-escaped;
credentials are redacted and bodies cut as in ``report.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from string import Template
from typing import Any, TextIO

from tapecheck.reports.base import RunWriter, register_run
from tapecheck.reports.json import BODY_LIMIT, cut_body, header_items
from tapecheck.reports.model import RequirementResult, RequirementStatus, Run, Verdict
from tapecheck.reports.redact import redact_run
from tapecheck.reports.sections import created_html, drift_html

__all__ = ["RunHtmlWriter", "run_to_html"]

_ANCHOR_UNSAFE = r"[^A-Za-z0-9_.-]"
_STATUSES: tuple[RequirementStatus, ...] = ("passed", "failed", "skipped", "error")
#: The stamp and the masthead class of each verdict.
_VERDICTS = {
    "conforms": ("CONFORMS", " verdict-pass"),
    "does-not-conform": ("DOES NOT CONFORM", ""),
    "incomplete": ("INCOMPLETE", " verdict-incomplete"),
}

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tapecheck $tool_version">
<title>$title</title>
<style>
$style</style>
</head>
<body>
$body</body>
</html>
"""
)

_STYLE = """\
:root {
  --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --pass-line: #aceebb;
  --fail: #cf222e; --fail-bg: #ffebe9; --fail-line: #ffcecb;
  --skip: #9a6700; --skip-bg: #fff8c5; --skip-line: #f5e0a0;
  --sans: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", "Liberation Sans",
    "DejaVu Sans", Helvetica, Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.5 var(--sans); }
code, pre { font-family: var(--mono); font-size: 12px; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 32px; }
.masthead { background: var(--soft); border-bottom: 1px solid var(--border);
  border-top: 6px solid var(--fail); padding: 20px 0 18px; }
.masthead.verdict-pass { border-top-color: var(--pass); }
.masthead.verdict-incomplete { border-top-color: var(--skip); }
.eyebrow { margin: 0; color: var(--muted); font-size: 12px; font-weight: 600;
  letter-spacing: .08em; text-transform: uppercase; }
.headline { display: flex; align-items: center; justify-content: space-between;
  gap: 16px; margin: 6px 0 14px; }
h1 { margin: 0; font-size: 26px; line-height: 1.25; font-weight: 600; }
.stamp { flex: none; padding: 6px 14px; border: 2px solid var(--fail); border-radius: 6px;
  color: var(--fail); background: #fff; font-weight: 700; font-size: 15px; letter-spacing: .06em; }
.verdict-pass .stamp { border-color: var(--pass); color: var(--pass); }
.verdict-incomplete .stamp { border-color: var(--skip); color: var(--skip); }
.why { margin: 0 0 12px; font-weight: 600; }
.badge.error { color: var(--fail); background: #fff; border-color: var(--fail-line); }
.badge.should { color: var(--muted); background: #fff; border-color: var(--border); }
.badge.must { color: var(--fg); background: var(--soft); border-color: var(--border); }
.badge.flaky { color: var(--skip); background: var(--skip-bg); border-color: var(--skip-line); }
.stat.error b { color: var(--fail); }
.bar .error { background: #8c1d18; }
details.requirement.advisory { border-left-color: #d4a72c; }
.meta { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px 24px; margin: 0; }
.meta div { min-width: 0; }
.meta .wide { grid-column: span 2; }
.meta dt { color: var(--muted); font-size: 11px; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; }
.meta dd { margin: 1px 0 0; overflow-wrap: anywhere; }
main.wrap { padding-top: 24px; padding-bottom: 40px; }
h2 { font-size: 17px; font-weight: 600; margin: 28px 0 10px; padding-bottom: 6px;
  border-bottom: 1px solid var(--border); }
.stats { display: flex; align-items: center; gap: 28px; flex-wrap: wrap; }
.stat { display: flex; align-items: baseline; gap: 6px; }
.stat b { font-size: 24px; font-weight: 600; }
.stat span { color: var(--muted); }
.stat.passed b { color: var(--pass); } .stat.failed b { color: var(--fail); }
.stat.skipped b { color: var(--skip); }
.stat.zero b { color: var(--muted); }
.bar { display: flex; flex: 1 1 240px; height: 8px; border-radius: 4px; overflow: hidden;
  background: var(--soft); }
.bar .passed { background: var(--pass); } .bar .failed { background: var(--fail); }
.bar .skipped { background: #d4a72c; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-size: 11px; font-weight: 600;
  letter-spacing: .04em; text-transform: uppercase; background: var(--soft);
  border-bottom: 1px solid var(--border); padding: 6px 10px; }
td { border-bottom: 1px solid var(--border); padding: 6px 10px; vertical-align: top; }
tbody tr:hover { background: #fafbfc; }
td.id { white-space: nowrap; }
td.status { white-space: nowrap; }
td.source { color: var(--muted); font-size: 12px; width: 38%; }
.note { color: var(--muted); font-size: 12px; margin-top: 2px; }
.badge { display: inline-block; min-width: 58px; text-align: center; padding: 0 8px;
  border: 1px solid; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 20px; }
.badge.passed { color: var(--pass); background: var(--pass-bg); border-color: var(--pass-line); }
.badge.failed { color: var(--fail); background: var(--fail-bg); border-color: var(--fail-line); }
.badge.skipped { color: var(--skip); background: var(--skip-bg); border-color: var(--skip-line); }
details.requirement { border: 1px solid var(--border); border-left: 4px solid var(--fail);
  border-radius: 6px; margin: 12px 0; background: #fff; }
details.requirement > summary { cursor: pointer; padding: 10px 14px; font-weight: 600;
  display: flex; align-items: center; gap: 10px; list-style: none; }
details.requirement > summary::-webkit-details-marker { display: none; }
details.requirement > summary::before { content: "\\25B8"; color: var(--muted); width: 10px; }
details.requirement[open] > summary::before { content: "\\25BE"; }
details.requirement[open] > summary { border-bottom: 1px solid var(--border); }
summary .count { margin-left: auto; color: var(--muted); font-weight: 400; font-size: 12px; }
.requirement-body { padding: 4px 14px 14px; }
blockquote.source { margin: 10px 0; padding: 6px 12px; border-left: 3px solid var(--border);
  color: var(--muted); font-size: 13px; }
.check { margin-top: 14px; }
.check h3 { margin: 0 0 4px; font-size: 13px; font-weight: 600; }
.check .message { margin: 0 0 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
.exchange { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.http h4 { margin: 0 0 4px; color: var(--muted); font-size: 11px; font-weight: 600;
  letter-spacing: .04em; text-transform: uppercase; }
pre { margin: 0 0 6px; padding: 8px 10px; background: var(--soft); border: 1px solid var(--border);
  border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 22em;
  overflow: auto; }
pre.line { font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
footer code { white-space: nowrap; }
footer { margin-top: 36px; padding-top: 12px; border-top: 1px solid var(--border);
  color: var(--muted); font-size: 12px; }
@media (max-width: 760px) {
  .meta { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .exchange { grid-template-columns: minmax(0, 1fr); }
  th.source, td.source { display: none; }
}
@media print {
  .masthead { background: none; }
  pre { max-height: none; overflow: visible; }
  details.requirement { break-inside: avoid-page; }
  a { color: inherit; }
}
"""


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _inline(text: str) -> str:
    """A title as HTML: escaped, with its Markdown `code` spans as <code> (never literal backticks)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _anchor(requirement_id: str) -> str:
    return "req-" + re.sub(_ANCHOR_UNSAFE, "-", requirement_id)


def _meta(label: str, value: str, *, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return f"<div{cls}><dt>{label}</dt><dd>{value}</dd></div>\n"


def _header(run: Run) -> str:
    verdict, masthead = _VERDICTS[run.verdict]
    meta = [
        _meta("Vendor", _e(run.vendor)),
        _meta("Target", f"<code>{_e(run.target)}</code>"),
        _meta("Seed", f"<code>{_e(run.seed)}</code>"),
        _meta("Tool version", f"tapecheck {_e(run.tool_version or 'unknown')}"),
        _meta("Date", _e(run.started_at or "not recorded")),
        _meta("Duration", f"{run.duration_s:.2f} s"),
        _meta(
            "Examples",
            f"{_e(run.examples)} per requirement" if run.examples else "none (deterministic only)",
        ),
        _meta("Mode", _e(run.mode + (", strict" if run.strict else ""))),
        _meta("Spec sha256", f"<code>{_e(run.spec_sha256)}</code>", wide=True),
    ]
    items = "".join(meta)
    return (
        f'<header class="masthead{masthead}">\n<div class="wrap">\n'
        f'<p class="eyebrow">tapecheck conformance report</p>\n'
        f'<div class="headline"><h1>{_e(run.vendor)}</h1>'
        f'<div class="stamp" role="status">{verdict}</div></div>\n'
        + (
            f'<p class="why">The run could not be made: {_e(run.incomplete)}</p>\n'
            if run.incomplete
            else ""
        )
        + f'<dl class="meta">\n{items}</dl>\n</div>\n</header>\n'
    )


def _stats(run: Run) -> str:
    total = len(run.requirements)
    parts = [f'<div class="stat"><b>{total}</b><span>requirements</span></div>']
    segments = []
    for status in _STATUSES:
        count = run.count(status)
        zero = "" if count else " zero"
        parts.append(f'<div class="stat {status}{zero}"><b>{count}</b><span>{status}</span></div>')
        if count and total:
            width = f"{100 * count / total:.2f}".rstrip("0").rstrip(".")
            segments.append(f'<span class="{status}" style="width:{width}%"></span>')
    bar = f'<div class="bar" aria-hidden="true">{"".join(segments)}</div>'
    return f'<section class="stats">\n{"".join(parts)}\n{bar}\n</section>\n'


def _row(requirement: RequirementResult) -> str:
    status = requirement.status
    ident = f"<code>{_e(requirement.id)}</code>"
    if status == "failed" or requirement.flaky:
        ident = f'<a href="#{_anchor(requirement.id)}">{ident}</a>'
    title = _inline(requirement.title)
    if status in ("skipped", "error") and requirement.reason:
        label = "Skipped" if status == "skipped" else "Could not be decided"
        title += f'<div class="note">{label}: {_e(requirement.reason)}</div>'
    elif status == "failed" and requirement.failures:
        first = requirement.failures[0]
        title += f'<div class="note">{_e(first.check)}: {_e(first.message)}</div>'
    source = _e(requirement.source) if requirement.source else '<span class="empty">none</span>'
    flaky = ' <span class="badge flaky">flaky</span>' if requirement.flaky else ""
    level = _e(requirement.level)
    return (
        f'<tr class="{status}"><td class="id">{ident}</td><td>{title}</td>'
        f'<td class="level"><span class="badge {level}">{level}</span></td>'
        f'<td class="status"><span class="badge {status}">{status}</span>{flaky}</td>'
        f'<td class="source">{source}</td></tr>\n'
    )


def _table(run: Run) -> str:
    rows = "".join(_row(r) for r in run.requirements)
    return (
        "<section>\n<h2>Requirements</h2>\n<table>\n"
        "<thead><tr><th>ID</th><th>Requirement</th><th>Level</th><th>Status</th>"
        '<th class="source">Source</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )


def _pre(text: str | None, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    if not text:
        return f'<pre{attr}><span class="empty">(empty)</span></pre>'
    return f"<pre{attr}>{_e(text)}</pre>"


def _message_block(title: str, line: str, message: Mapping[str, Any]) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in header_items(message.get("headers")))
    parts = [f'<div class="http"><h4>{title}</h4>', _pre(line, "line"), _pre(headers)]
    if title == "Response" or message.get("body") is not None:
        parts.append(_pre(cut_body(message.get("body"))))
    parts.append("</div>")
    return "".join(parts)


def _verdict(verdict: Verdict) -> str:
    severity = (
        ""
        if verdict.severity == "error"
        else f' <span class="note">({_e(verdict.severity)})</span>'
    )
    html = [
        f'<div class="check"><h3>Check <code>{_e(verdict.check)}</code>{severity}</h3>',
        f'<p class="message">{_e(verdict.message)}</p>',
    ]
    exchange = verdict.exchange
    if exchange is not None:
        request = exchange.request
        line = f"{request.get('method') or ''} {request.get('url') or ''}".strip()
        html.append('<div class="exchange">')
        html.append(_message_block("Request", line, request))
        if exchange.response is None:
            html.append(
                '<div class="http"><h4>Response</h4><pre class="empty">no response</pre></div>'
            )
        else:
            status = exchange.response.get("status")
            html.append(_message_block("Response", f"HTTP {status}", exchange.response))
        html.append("</div>")
    if verdict.reproduce:
        html.append(
            '<div class="http reproduce"><h4>Reproduce (bash + curl, from the report folder)</h4>'
            f"{_pre(verdict.reproduce, 'commands')}</div>"
        )
    html.append("</div>\n")
    return "".join(html)


def _failure(requirement: RequirementResult, kind: str = "failed") -> str:
    count = len(requirement.failures)
    checks = f"{count} failed check{'' if count == 1 else 's'}"
    if kind == "flaky":
        checks += ", then passed when run again"
    body = []
    if requirement.source:
        body.append(f'<blockquote class="source">{_e(requirement.source)}</blockquote>\n')
    if requirement.status == "error":
        checks = "could not be decided"
        body.append(f'<p class="message">{_e(requirement.reason)}</p>\n')
    body.extend(_verdict(v) for v in requirement.failures)
    cls = " advisory" if kind in ("advisory", "flaky") else ""
    badge = {"failed": "failed", "advisory": "skipped", "flaky": "flaky"}.get(kind, "failed")
    label = requirement.status if kind == "failed" else kind
    return (
        f'<details class="requirement{cls}" id="{_anchor(requirement.id)}" open>\n'
        f'<summary><span class="badge {badge}">{_e(label)}</span> '
        f"<code>{_e(requirement.id)}</code> "
        f'{_inline(requirement.title)}<span class="count">{checks}</span></summary>\n'
        f'<div class="requirement-body">\n{"".join(body)}</div>\n</details>\n'
    )


def run_to_html(run: Run) -> str:
    """The whole page; credentials redacted, bodies cut to 4 KB."""
    run = redact_run(run)
    undone = ("failed", "error")
    failed = [r for r in run.requirements if r.status in undone and run.counts(r)]
    advisories = [r for r in run.requirements if r.status in undone and not run.counts(r)]
    flaky = [r for r in run.requirements if r.flaky]
    sections = [_header(run), '<main class="wrap">\n']
    if run.drift is not None:
        sections.append(drift_html(run.drift, _anchor))
    sections.extend([_stats(run), _table(run)])
    sections.append("<section>\n<h2>Failures</h2>\n")
    if failed:
        sections.extend(_failure(r) for r in failed)
    else:
        sections.append('<p class="empty">No requirement that counts failed.</p>\n')
    sections.append("</section>\n")
    sections.append(created_html(run.created, kept=run.kept))
    sections.append(
        '<section class="advisories">\n<h2>Advisories</h2>\n'
        '<p class="note">Requirements of level <em>should</em>: the vendor\'s docs are silent '
        "and the behaviour is a reasonable expectation. They do not change the verdict "
        "(<code>--strict</code> makes them count).</p>\n"
    )
    if advisories:
        sections.extend(_failure(r, "advisory") for r in advisories)
    else:
        sections.append('<p class="empty">No advisory.</p>\n')
    sections.append("</section>\n")
    if flaky:
        sections.append('<section class="flaky">\n<h2>Flaky</h2>\n')
        sections.extend(_failure(r, "flaky") for r in flaky)
        sections.append("</section>\n")
    sections.append(
        f"<footer>Generated by tapecheck {_e(run.tool_version)} from the spec with sha256 "
        f"<code>{_e(run.spec_sha256)}</code>. Credentials are redacted; bodies are cut to "
        f"{BODY_LIMIT // 1024} KB. Replay with <code>--seed {_e(run.seed)}</code>.</footer>\n"
    )
    sections.append("</main>\n")
    verdict = _VERDICTS[run.verdict][0].lower()
    return _PAGE.substitute(
        tool_version=_e(run.tool_version),
        title=_e(f"tapecheck: {run.vendor} {verdict}"),
        style=_STYLE,
        body="".join(sections),
    )


@register_run
class RunHtmlWriter(RunWriter):
    name = "html"

    def write(self, run: Run, stream: TextIO, *, color: bool = False) -> None:
        stream.write(run_to_html(run))
