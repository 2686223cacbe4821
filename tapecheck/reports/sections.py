"""Report sections that every run writer shows alike: the drift and what the run left behind.

The text, JUnit and HTML writers each call one function here, so the drift
reads the same in the three (and first, before the requirements), and what a
run created and could not delete is listed where a team cleaning its sandbox
will look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from tapecheck.reports.drift import DRIFT_KEYS, drift_ids, drift_summary
from tapecheck.reports.model import CreatedResource

__all__ = ["created_html", "created_lines", "drift_html", "drift_lines", "left_behind"]

_TITLES = {
    "new_failures": "New failures",
    "fixed": "Fixed",
    "still_failing": "Still failing",
    "undecided": "Undecided (an error on either side, or failed on one side and skipped on the other)",
    "added": "Added since the baseline",
    "removed": "Not in this run",
}


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _since(drift: Mapping[str, Any]) -> str:
    baseline = drift.get("baseline")
    if not isinstance(baseline, Mapping):
        return "the baseline"
    when = baseline.get("started_at") or "an undated run"
    verdict = baseline.get("verdict")
    return f"the baseline of {when}" + (f" ({verdict})" if verdict else "")


def _warnings(drift: Mapping[str, Any]) -> list[str]:
    found = drift.get("warnings")
    return [str(w) for w in found] if isinstance(found, list) else []


def drift_lines(drift: Mapping[str, Any]) -> list[str]:
    """The drift as plain lines: a headline, then each non-empty list with its ids."""
    lines = [f"Drift since {_since(drift)}: {drift_summary(drift)}"]
    lines.extend(f"  warning: {w}" for w in _warnings(drift))
    for key in DRIFT_KEYS:
        ids = drift_ids(drift, key)
        if ids:
            lines.append(f"  {_TITLES[key].split(' (')[0].lower()}: {', '.join(ids)}")
    return lines


def drift_html(drift: Mapping[str, Any], anchor: Any = None) -> str:
    """The drift section of ``report.html`` (``anchor(id)`` links an id to its requirement)."""
    parts = [
        '<section class="drift">\n<h2>Drift</h2>\n',
        f"<p>Since {_e(_since(drift))}: <strong>{_e(drift_summary(drift))}</strong>.</p>\n",
    ]
    parts.extend(f'<p class="note">Warning: {_e(w)}</p>\n' for w in _warnings(drift))
    rows = []
    for key in DRIFT_KEYS:
        ids = drift_ids(drift, key)
        if not ids:
            continue
        links = ", ".join(
            f'<a href="#{_e(anchor(i))}"><code>{_e(i)}</code></a>'
            if anchor is not None and key in ("new_failures", "still_failing")
            else f"<code>{_e(i)}</code>"
            for i in ids
        )
        rows.append(f"<tr><th>{_e(_TITLES[key])}</th><td>{links}</td></tr>\n")
    if rows:
        parts.append(f"<table>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n")
    parts.append("</section>\n")
    return "".join(parts)


def left_behind(created: Sequence[CreatedResource]) -> list[CreatedResource]:
    """What the run created and did not delete."""
    return [c for c in created if not c.deleted]


def created_lines(created: Sequence[CreatedResource], *, kept: bool = False) -> list[str]:
    """A line for each resource left on the target (empty when the run left nothing)."""
    left = left_behind(created)
    if not left:
        return []
    why = "kept (--keep)" if kept else "could not be deleted"
    lines = [f"Left on the target ({why}): {len(left)} of {len(created)} created"]
    lines.extend(f"  {c.kind} {c.id} created {c.created_at}" for c in left)
    return lines


def created_html(created: Sequence[CreatedResource], *, kept: bool = False) -> str:
    """The section of ``report.html`` listing what the run left on the target."""
    left = left_behind(created)
    if not created and not kept:
        return ""
    if not left:
        return (
            '<section class="created">\n<h2>Left on the target</h2>\n'
            f'<p class="empty">Nothing: the run deleted all {len(created)} things it created.</p>\n'
            "</section>\n"
        )
    why = (
        "kept on purpose (<code>--keep</code>)"
        if kept
        else "that it could not delete (no delete in the vendor's API, or the delete failed)"
    )
    rows = "".join(
        f"<tr><td>{_e(c.kind)}</td><td><code>{_e(c.id)}</code></td>"
        f"<td>{_e(c.created_at)}</td><td><code>{_e(c.requirement)}</code></td></tr>\n"
        for c in left
    )
    return (
        '<section class="created">\n<h2>Left on the target</h2>\n'
        f"<p>{len(left)} of {len(created)} things the run created are left, {why}: "
        "delete them by hand to leave the sandbox as it was.</p>\n"
        "<table>\n<thead><tr><th>Kind</th><th>ID</th><th>Created</th><th>Requirement</th>"
        f"</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )
