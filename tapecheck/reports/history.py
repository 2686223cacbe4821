"""``history.json``: the last runs' verdicts, per vendor and per requirement.

A nightly run appends one entry; the file keeps the last :data:`KEEP` of them,
so the index can say of each failing requirement since when it fails. The
document::

    {"version": 1,
     "runs": [{"started_at": "2026-12-06T04:00:00+00:00",
               "vendors": {"acme": {"verdict": "does-not-conform",
                                     "requirements": {"ACME-UPLOAD-...": "failed", ...}}}}]}

A vendor that was not run is absent from its entry; it neither starts nor
breaks a streak. Everything here is pure, and a history file that is not this
shape is read as empty history (never a traceback): it is rebuilt from now on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KEEP",
    "Since",
    "append_run",
    "empty_history",
    "failing_since",
    "parse_history",
    "vendor_verdicts",
]

#: How many runs history.json keeps.
KEEP = 30


def empty_history() -> dict[str, Any]:
    return {"version": 1, "runs": []}


def parse_history(document: object) -> dict[str, Any]:
    """A history document with only well-formed runs (the rest dropped)."""
    history = empty_history()
    runs = document.get("runs") if isinstance(document, Mapping) else None
    if not isinstance(runs, list):
        return history
    for run in runs[-KEEP:]:
        if not isinstance(run, Mapping) or not isinstance(run.get("vendors"), Mapping):
            continue
        vendors: dict[str, Any] = {}
        for vendor, entry in run["vendors"].items():
            if not isinstance(entry, Mapping):
                continue
            requirements = entry.get("requirements")
            vendors[str(vendor)] = {
                "verdict": str(entry.get("verdict", "")),
                "requirements": {
                    str(k): str(v)
                    for k, v in (requirements.items() if isinstance(requirements, Mapping) else ())
                },
            }
        history["runs"].append({"started_at": str(run.get("started_at", "")), "vendors": vendors})
    return history


def append_run(
    history: Mapping[str, Any],
    started_at: str,
    vendors: Mapping[str, tuple[str, Mapping[str, str]]],
) -> dict[str, Any]:
    """``history`` with one more run (``vendor -> (verdict, {requirement: status})``), last KEEP."""
    updated = parse_history(history)
    updated["runs"].append(
        {
            "started_at": started_at,
            "vendors": {
                vendor: {"verdict": verdict, "requirements": dict(statuses)}
                for vendor, (verdict, statuses) in vendors.items()
            },
        }
    )
    updated["runs"] = updated["runs"][-KEEP:]
    return updated


@dataclass(frozen=True)
class Since:
    """A failing requirement's streak: the first run of it, and how many runs it spans."""

    started_at: str
    runs: int
    #: True when the streak reaches the oldest run kept: it may be older still
    at_least: bool = False


def failing_since(history: Mapping[str, Any], vendor: str, requirement: str) -> Since | None:
    """Since when ``requirement`` of ``vendor`` fails, counting back from the newest run.

    None when it did not fail in the newest run that ran it. Runs in which the
    vendor or the requirement was not run are passed over.
    """
    runs: Sequence[Mapping[str, Any]] = parse_history(history)["runs"]
    first: str | None = None
    count = 0
    reached_end = True
    for run in reversed(runs):
        entry = run["vendors"].get(vendor)
        status = entry["requirements"].get(requirement) if entry else None
        if status is None:
            continue
        if status != "failed":
            reached_end = False
            break
        first = run["started_at"]
        count += 1
    if first is None:
        return None
    return Since(first, count, at_least=reached_end and len(runs) >= KEEP)


def vendor_verdicts(history: Mapping[str, Any], vendor: str) -> list[tuple[str, str]]:
    """``(started_at, verdict)`` of each kept run that ran ``vendor``, oldest first."""
    return [
        (run["started_at"], run["vendors"][vendor]["verdict"])
        for run in parse_history(history)["runs"]
        if vendor in run["vendors"]
    ]
