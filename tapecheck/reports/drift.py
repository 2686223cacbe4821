"""Drift: what changed between an earlier ``report.json`` (the baseline) and this run.

A team reading a nightly run wants to know what changed since the last one, not
the same known failures again. :func:`compute_drift` compares two ``report.json``
documents, requirement by requirement, and sorts every id into one of six
disjoint lists:

- ``new_failures``: a ``must`` that fails now and passed in the baseline;
- ``fixed``: a ``must`` that failed in the baseline and passes now;
- ``still_failing``: a ``must`` that failed in both;
- ``undecided``: an id that errored on either side (``status: error``), or that
  failed on one side and was skipped on the other: whether it changed cannot be
  told, so it is neither new nor fixed (a verdict is never wrong);
- ``added`` / ``removed``: ids in this run only / in the baseline only (a newer
  catalogue, another ``--select``).

Ids on both sides that pass (or fail only as ``should``) on both are in none of
them. Only ``must`` requirements count as failures, as in the verdict, unless
this run is ``--strict`` (its report says ``strict: true``): then a failed
``should`` counts too, on both sides, as it does in the verdict. A baseline
written before requirements had levels has no ``level``, which reads as
``must``. Everything here is pure: documents in, a document out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "DRIFT_KEYS",
    "MAX_BASELINE_BYTES",
    "BaselineError",
    "check_baseline",
    "compute_drift",
    "drift_ids",
    "drift_summary",
    "is_strict",
    "load_baseline",
    "regressions",
    "states",
]

#: The lists of a drift section, in the order reports show them.
DRIFT_KEYS = ("new_failures", "fixed", "still_failing", "undecided", "added", "removed")

#: What one requirement's outcome means for drift.
State = Literal["fail", "ok", "error", "skipped"]

#: A baseline larger than this is not a report.json tapecheck wrote (bounded memory).
MAX_BASELINE_BYTES = 64 * 1024 * 1024


class BaselineError(ValueError):
    """The baseline cannot be used: unreadable, not a report.json, another vendor's."""


def _state(entry: Mapping[str, Any], strict: bool) -> State:
    status = entry.get("status")
    if status == "error":
        return "error"
    if status == "skipped":
        return "skipped"
    if status == "failed" and (strict or entry.get("level", "must") != "should"):
        return "fail"
    return "ok"


def is_strict(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` is the report of a ``--strict`` run (a failed should counts)."""
    return document.get("strict") is True


def states(document: Mapping[str, Any], *, strict: bool | None = None) -> dict[str, State]:
    """Each requirement id of a ``report.json`` document and its drift state.

    ``strict`` (by default the document's own ``strict``) counts a failed
    ``should`` as a failure, as ``--strict`` does in the verdict.
    """
    strict = is_strict(document) if strict is None else strict
    found: dict[str, State] = {}
    requirements = document.get("requirements")
    if not isinstance(requirements, list):
        return found
    for entry in requirements:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            found[entry["id"]] = _state(entry, strict)
    return found


def _bucket(before: State, now: State) -> str | None:
    if "error" in (before, now):
        return "undecided"
    if {before, now} == {"fail", "skipped"}:
        return "undecided"
    if before == "fail":
        return "still_failing" if now == "fail" else "fixed"
    if now == "fail":
        return "new_failures"
    return None


def compute_drift(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The ``drift`` section of ``current`` against ``baseline`` (both ``report.json`` documents).

    The lists hold requirement ids, sorted. ``baseline`` names the document
    compared with; ``warnings`` says what makes the comparison less exact (a
    baseline made from another spec).
    """
    # Both sides read as this run counts: under --strict, a should that failed in a
    # baseline made without it was failing already (not new), and one failing now is new.
    strict = is_strict(current)
    before, now = states(baseline, strict=strict), states(current, strict=strict)
    drift: dict[str, Any] = {key: [] for key in DRIFT_KEYS}
    for requirement_id in sorted(before.keys() | now.keys()):
        if requirement_id not in before:
            drift["added"].append(requirement_id)
        elif requirement_id not in now:
            drift["removed"].append(requirement_id)
        else:
            bucket = _bucket(before[requirement_id], now[requirement_id])
            if bucket is not None:
                drift[bucket].append(requirement_id)
    drift["baseline"] = {
        key: baseline.get(key)
        for key in ("started_at", "tool_version", "spec_sha256", "seed", "verdict", "target")
        if key in baseline
    }
    warnings: list[str] = []
    if baseline.get("spec_sha256") != current.get("spec_sha256"):
        warnings.append(
            f"the baseline was made from another spec (sha256 {baseline.get('spec_sha256')}, "
            f"this run {current.get('spec_sha256')}): requirements may have changed meaning"
        )
    drift["warnings"] = warnings
    return drift


def regressions(drift: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """What ``--fail-on new`` fails on: new failures, and failing ids the baseline did not have.

    A requirement added since the baseline that fails now was not known to
    fail, so it counts as new.
    """
    now = states(current)
    added = [i for i in drift_ids(drift, "added") if now.get(i) == "fail"]
    return sorted({*drift_ids(drift, "new_failures"), *added})


def check_baseline(document: object, vendor: str) -> Mapping[str, Any]:
    """``document`` as a baseline of ``vendor``'s runs, or :class:`BaselineError` saying why not."""
    if not isinstance(document, Mapping) or not isinstance(document.get("requirements"), list):
        raise BaselineError("it is not a tapecheck report.json (no requirements list)")
    other = document.get("vendor")
    if other != vendor:
        raise BaselineError(f"it is a report of vendor {other!r}, not {vendor!r}")
    return document


def load_baseline(text: str | bytes, vendor: str) -> Mapping[str, Any]:
    """Parse and check a baseline ``report.json``; :class:`BaselineError` when it cannot be used."""
    import json

    if len(text) > MAX_BASELINE_BYTES:
        raise BaselineError(f"it is larger than {MAX_BASELINE_BYTES // 1_000_000} MB")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"it is not JSON ({exc})") from None
    return check_baseline(document, vendor)


def drift_ids(drift: Mapping[str, Any], key: str) -> Sequence[str]:
    """One list of a drift section (empty when absent or malformed)."""
    value = drift.get(key)
    return [i for i in value if isinstance(i, str)] if isinstance(value, list) else []


_LABELS = {
    "new_failures": "new failure",
    "fixed": "fixed",
    "still_failing": "still failing",
    "undecided": "undecided",
    "added": "added",
    "removed": "removed",
}


def drift_summary(drift: Mapping[str, Any]) -> str:
    """One line: ``2 new failures, 1 fixed, 3 still failing`` (the empty lists left out)."""
    parts = []
    for key in DRIFT_KEYS:
        count = len(drift_ids(drift, key))
        if count or key == "new_failures":
            label = _LABELS[key]
            if key == "new_failures" and count != 1:
                label += "s"
            parts.append(f"{count} {label}")
    return ", ".join(parts)
