"""The nightly run of every vendor: its model, and ``index.html`` and ``summary.md``.

One :class:`VendorOutcome` a vendor of the catalogue, configured or not; a
vendor that was not configured is ``not-run``, never passed. The outcome is
read from the vendor's ``report.json`` and the exit status of its
``tapecheck conform`` (:func:`outcome_from_report`), so the nightly command and
``--merge`` of a CI matrix's reports build the same page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

from tapecheck.reports.drift import drift_ids, drift_summary, regressions, states
from tapecheck.reports.history import Since, failing_since, vendor_verdicts

__all__ = [
    "Gate",
    "NightlyRun",
    "VendorOutcome",
    "index_html",
    "number",
    "outcome_from_report",
    "summary_markdown",
]

#: What a vendor's outcome does to the nightly's exit status.
Gate = Literal["pass", "fail", "incomplete", "not-run"]

#: The verdict a conform exit status stands for, where report.json names none.
_VERDICT_OF_EXIT = {0: "conforms", 1: "does-not-conform", 2: "incomplete"}


@dataclass
class VendorOutcome:
    """One vendor's part of the nightly run."""

    vendor: str
    verdict: str  # conforms | does-not-conform | incomplete | not-run
    reason: str = ""
    target: str = ""
    exit_code: int | None = None
    duration_s: float = 0.0
    started_at: str = ""
    drift: Mapping[str, Any] | None = None
    advisories: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    left_behind: int = 0
    #: report files, relative to the index: label -> path
    links: dict[str, str] = field(default_factory=dict)

    def gate(self, fail_on: str = "any") -> Gate:
        if self.verdict == "not-run":
            return "not-run"
        if self.verdict == "does-not-conform":
            if fail_on == "new" and self.drift is not None and not self.regressions:
                return "pass"
            return "fail"
        if self.verdict == "conforms":
            return "pass"
        return "incomplete"


@dataclass
class NightlyRun:
    """Every vendor's outcome, and what the exit status is."""

    started_at: str
    outcomes: list[VendorOutcome]
    fail_on: str = "any"
    duration_s: float = 0.0
    #: Ctrl-C stopped it: the vendors' runs so far are reported, incomplete
    interrupted: bool = False

    def exit_status(self) -> int:
        """0 every configured vendor conforms, 1 one does not, 2 otherwise (none ran, incomplete)."""
        gates = [o.gate(self.fail_on) for o in self.outcomes if o.verdict != "not-run"]
        if "fail" in gates:
            return 1
        if not gates or "incomplete" in gates:
            return 2
        return 0


def number(value: object) -> float:
    """A duration read from a file: a finite number of seconds, else 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if 0 <= value < 1e9 else 0.0


def _verdict(document: Mapping[str, Any], exit_code: int | None) -> str:
    if exit_code == 2 or exit_code is None:
        return "incomplete"  # the run could not be made, whatever report.json says
    named = document.get("verdict")
    if isinstance(named, str) and named:
        return named
    if exit_code in _VERDICT_OF_EXIT:
        return _VERDICT_OF_EXIT[exit_code]
    return "incomplete"


def outcome_from_report(
    vendor: str,
    document: Mapping[str, Any] | None,
    *,
    exit_code: int | None,
    duration_s: float = 0.0,
    reason: str = "",
    links: Mapping[str, str] | None = None,
) -> VendorOutcome:
    """A configured vendor's outcome from its ``report.json`` (None: no report was written)."""
    doc: Mapping[str, Any] = document or {}
    verdict = _verdict(doc, exit_code) if document is not None else "incomplete"
    drift = doc.get("drift") if isinstance(doc.get("drift"), Mapping) else None
    advisories = doc.get("advisories")
    created = doc.get("created")
    requirement_states = states(doc)
    statuses = {
        str(r["id"]): str(r.get("status", ""))
        for r in (doc["requirements"] if isinstance(doc.get("requirements"), list) else ())
        if isinstance(r, Mapping) and isinstance(r.get("id"), str)
    }
    return VendorOutcome(
        vendor=vendor,
        verdict=verdict,
        reason=reason,
        target=str(doc.get("target", "")),
        exit_code=exit_code,
        duration_s=duration_s or number(doc.get("duration_s")),
        started_at=str(doc.get("started_at", "")),
        drift=drift,
        advisories=[str(a) for a in advisories] if isinstance(advisories, list) else [],
        failing=sorted(i for i, s in requirement_states.items() if s == "fail"),
        regressions=regressions(drift, doc) if drift is not None else [],
        statuses=statuses,
        left_behind=sum(1 for c in created if isinstance(c, Mapping) and not c.get("deleted"))
        if isinstance(created, list)
        else 0,
        links=dict(links or {}),
    )


# -- writers ----------------------------------------------------------------------

_LABEL = {
    "conforms": "conforms",
    "does-not-conform": "does not conform",
    "incomplete": "incomplete",
    "not-run": "not run",
}


#: A verdict in the index's row of last runs.
_MARK = {"conforms": "✓", "does-not-conform": "✗", "incomplete": "?"}


def _since_text(since: Since | None) -> str:
    if since is None:
        return "new in this run"
    runs = f"{since.runs} run{'' if since.runs == 1 else 's'}"
    return f"since {since.started_at} ({'at least ' if since.at_least else ''}{runs})"


def _drift_text(outcome: VendorOutcome) -> str:
    if outcome.drift is None:
        return "no baseline" if outcome.verdict != "not-run" else ""
    return drift_summary(outcome.drift)


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 16px 32px; }
table { border-collapse: collapse; width: 100%; margin: 12px 0 24px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { color: #59636e; font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; border: 1px solid; }
.conforms { color: #1a7f37; } .does-not-conform { color: #cf222e; }
.incomplete { color: #9a6700; } .not-run { color: #59636e; }
.note { color: #59636e; font-size: 12px; }
code { font-size: 12px; }
"""


def _links_html(outcome: VendorOutcome) -> str:
    return " ".join(
        f'<a href="{_e(path)}">{_e(label)}</a>' for label, path in outcome.links.items()
    )


def index_html(run: NightlyRun, history: Mapping[str, Any]) -> str:
    """``index.html``: a row per vendor, then each failing requirement and since when it fails."""
    rows = []
    for o in run.outcomes:
        note = f'<div class="note">{_e(o.reason)}</div>' if o.reason else ""
        left = (
            f'<div class="note">{o.left_behind} left on the target</div>' if o.left_behind else ""
        )
        advisories = ", ".join(f"<code>{_e(a)}</code>" for a in o.advisories) or (
            "" if o.verdict == "not-run" else "none"
        )
        recent = " ".join(
            f'<span class="{_e(v)}" title="{_e(when)}">{_MARK.get(v, "?")}</span>'
            for when, v in vendor_verdicts(history, o.vendor)[-10:]
        )
        rows.append(
            f'<tr><td><b>{_e(o.vendor)}</b><div class="note">{_e(o.target)}</div></td>'
            f'<td><span class="badge {_e(o.verdict)}">{_e(_LABEL.get(o.verdict, o.verdict))}</span>'
            f"{note}{left}</td><td>{_e(_drift_text(o))}</td><td>{advisories}</td>"
            f"<td>{'' if o.verdict == 'not-run' else f'{o.duration_s:.1f} s'}</td>"
            f"<td>{_links_html(o)}</td><td>{recent}</td></tr>\n"
        )
    failing = []
    for o in run.outcomes:
        new = set(drift_ids(o.drift, "new_failures")) if o.drift is not None else set()
        for requirement in o.failing:
            since = _since_text(failing_since(history, o.vendor, requirement))
            mark = " <b>new</b>" if requirement in new else ""
            failing.append(
                f"<tr><td>{_e(o.vendor)}</td><td><code>{_e(requirement)}</code>{mark}</td>"
                f"<td>{_e(since)}</td></tr>\n"
            )
    failing_section = (
        "<table><thead><tr><th>Vendor</th><th>Failing requirement</th><th>Failing</th></tr>"
        f"</thead><tbody>\n{''.join(failing)}</tbody></table>\n"
        if failing
        else '<p class="note">No requirement fails.</p>\n'
    )
    status = {0: "every configured vendor conforms", 1: "a vendor does not conform"}.get(
        run.exit_status(), "incomplete: a vendor could not be certified, or none is configured"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>tapecheck nightly {_e(run.started_at)}</title>\n<style>{_STYLE}</style>\n"
        f'</head>\n<body>\n<main class="wrap">\n<h1>tapecheck nightly</h1>\n'
        f"<p>{_e(run.started_at)}: {_e(status)} (fail on {_e(run.fail_on)}).</p>\n"
        "<table><thead><tr><th>Vendor</th><th>Verdict</th><th>Drift</th><th>Advisories</th>"
        f"<th>Duration</th><th>Reports</th><th>Last runs</th></tr></thead><tbody>\n{''.join(rows)}</tbody></table>\n"
        f"<h2>Failing requirements</h2>\n{failing_section}"
        f'<p class="note">History keeps the last runs in history.json.</p>\n'
        "</main>\n</body>\n</html>\n"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(
    run: NightlyRun, history: Mapping[str, Any], outcomes: Sequence[VendorOutcome] | None = None
) -> str:
    """``summary.md``, fit for GitHub's ``$GITHUB_STEP_SUMMARY``."""
    icon = {"conforms": "✅", "does-not-conform": "❌", "incomplete": "⚠️", "not-run": "⏸️"}
    lines = [
        f"## tapecheck nightly ({run.started_at})",
        "",
        "| vendor | verdict | drift | advisories | duration |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes or run.outcomes:
        verdict = f"{icon.get(o.verdict, '')} {_LABEL.get(o.verdict, o.verdict)}".strip()
        if o.reason:
            verdict += f" ({o.reason})"
        duration = "" if o.verdict == "not-run" else f"{o.duration_s:.1f} s"
        lines.append(
            f"| {_md(o.vendor)} | {_md(verdict)} | {_md(_drift_text(o))} "
            f"| {'' if o.verdict == 'not-run' else len(o.advisories)} | {duration} |"
        )
    failing = [
        f"- {o.vendor} `{r}`: {_since_text(failing_since(history, o.vendor, r))}"
        for o in run.outcomes
        for r in o.failing
    ]
    if failing:
        lines += ["", "### Failing requirements", "", *failing]
    lines.append("")
    return "\n".join(lines)
