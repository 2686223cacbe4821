"""``--format json``: the contract's machine-readable shapes.

``tapecheck lint --format json`` prints :func:`lint_to_dict`; ``report.json``
(and ``tapecheck conform --format json``) is :func:`run_to_dict`. The helpers
that show one exchange (:func:`cut_body`, :func:`header_items`) are shared with
the other run writers, so that every report cuts and lists alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from tapecheck.reports.base import LintWriter, RunWriter, register_lint, register_run
from tapecheck.reports.model import (
    CreatedResource,
    Finding,
    LintResult,
    RequirementResult,
    Run,
    Verdict,
)
from tapecheck.reports.redact import redact_run

__all__ = [
    "BODY_LIMIT",
    "LintJsonWriter",
    "RunJsonWriter",
    "created_to_dict",
    "cut_body",
    "finding_to_dict",
    "header_items",
    "headers_to_dict",
    "lint_to_dict",
    "requirement_to_dict",
    "run_to_dict",
    "verdict_to_dict",
]

#: Bodies in reports are cut to this many bytes (UTF-8), the marker included.
BODY_LIMIT = 4096


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": finding.path,
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "pointer": finding.pointer,
    }
    if finding.line is not None:
        entry["line"] = finding.line
        entry["column"] = finding.column or 1
    if finding.fix:
        entry["fix"] = finding.fix
    return entry


def lint_to_dict(result: LintResult) -> dict[str, Any]:
    return {
        "tool": "tapecheck",
        "version": result.tool_version,
        "diagnostics": [finding_to_dict(f) for f in result.findings],
        "summary": {
            "files": result.files,
            "errors": result.errors,
            "warnings": result.warnings,
            "info": result.infos,
        },
    }


@register_lint
class LintJsonWriter(LintWriter):
    name = "json"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        json.dump(lint_to_dict(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


# -- conformance runs -----------------------------------------------------------


def cut_body(body: object, limit: int = BODY_LIMIT) -> str | None:
    """A body as a report shows it: text of at most ``limit`` UTF-8 bytes, or None.

    A longer body keeps its head and ends with a marker giving its full size;
    the marker counts toward ``limit`` and no character is split. Bytes that are
    not UTF-8 are shown as their size only; parsed JSON is written back as JSON.
    """
    if body is None:
        return None
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body, ensure_ascii=False, default=str)
    data = text.encode("utf-8", "replace")  # a lone surrogate becomes "?"
    if len(data) <= limit:
        return data.decode("utf-8")
    marker = f"\n[... cut: {len(data)} bytes in all]"
    keep = limit - len(marker.encode("utf-8"))
    if keep <= 0:
        return data[:limit].decode("utf-8", "ignore")
    return data[:keep].decode("utf-8", "ignore") + marker


def header_items(headers: object) -> list[tuple[str, str]]:
    """Headers given as a mapping or as ``(name, value)`` pairs, as string pairs in order."""
    if isinstance(headers, Mapping):
        return [(str(k), "" if v is None else str(v)) for k, v in headers.items()]
    if isinstance(headers, list | tuple):
        return [
            (str(pair[0]), "" if pair[1] is None else str(pair[1]))
            for pair in headers
            if isinstance(pair, list | tuple) and len(pair) == 2
        ]
    return []


def headers_to_dict(headers: object) -> dict[str, str]:
    """Headers as one JSON object; a repeated header's values are joined with ``, ``."""
    merged: dict[str, str] = {}
    for name, value in header_items(headers):
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _request_to_dict(request: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "method": str(request.get("method") or ""),
        "url": str(request.get("url") or ""),
        "headers": headers_to_dict(request.get("headers")),
        "body": cut_body(request.get("body")),
    }
    return entry


def _response_to_dict(response: Mapping[str, Any]) -> dict[str, Any]:
    status = response.get("status")
    return {
        "status": status if isinstance(status, int) else None,
        "headers": headers_to_dict(response.get("headers")),
        "body": cut_body(response.get("body")),
    }


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    exchange = verdict.exchange
    return {
        "check": verdict.check,
        "message": verdict.message,
        "severity": verdict.severity,
        "request": None if exchange is None else _request_to_dict(exchange.request),
        "response": (
            None
            if exchange is None or exchange.response is None
            else _response_to_dict(exchange.response)
        ),
        "reproduce": verdict.reproduce or None,
    }


def requirement_to_dict(requirement: RequirementResult) -> dict[str, Any]:
    return {
        "id": requirement.id,
        "title": requirement.title,
        "level": requirement.level,
        "status": requirement.status,
        "flaky": requirement.flaky,
        "source": requirement.source,
        "reason": requirement.reason,
        "duration_s": round(requirement.duration_s, 3),
        "checks": list(requirement.checks),
        "failures": [verdict_to_dict(v) for v in requirement.failures],
    }


def run_to_dict(run: Run) -> dict[str, Any]:
    """``report.json``: the contract's keys first, then a summary; credentials redacted."""
    run = redact_run(run)
    return {
        "vendor": run.vendor,
        "target": run.target,
        "seed": run.seed,
        "tool_version": run.tool_version,
        "spec_sha256": run.spec_sha256,
        "verdict": run.verdict,
        "conforms": run.passed,
        "advisories": run.advisories,
        "flaky": run.flaky,
        "strict": run.strict,
        "incomplete": run.incomplete or None,
        "started_at": run.started_at,
        "duration_s": round(run.duration_s, 3),
        "examples": run.examples,
        "mode": run.mode,
        "summary": {
            "requirements": len(run.requirements),
            "passed": run.count("passed"),
            "failed": run.count("failed"),
            "skipped": run.count("skipped"),
            "error": run.count("error"),
            "must_failed": sum(
                1 for r in run.requirements if r.status == "failed" and r.level != "should"
            ),
            "skipped_must": sum(
                1 for r in run.requirements if r.status == "skipped" and r.level != "should"
            ),
        },
        "requirements": [requirement_to_dict(r) for r in run.requirements],
        **_extras(run),
    }


def created_to_dict(resource: CreatedResource) -> dict[str, Any]:
    return {
        "kind": resource.kind,
        "id": resource.id,
        "created_at": resource.created_at,
        "requirement": resource.requirement,
        "deleted": resource.deleted,
    }


def _extras(run: Run) -> dict[str, Any]:
    """``drift`` (with ``--baseline``) and ``created`` (against a ``--base-url``)."""
    extras: dict[str, Any] = {}
    if run.drift is not None:
        extras["drift"] = dict(run.drift)
    if run.created or run.kept:
        extras["created"] = [created_to_dict(c) for c in run.created]
        extras["kept"] = run.kept
    return extras


@register_run
class RunJsonWriter(RunWriter):
    name = "json"

    def write(self, run: Run, stream: TextIO, *, color: bool = False) -> None:
        json.dump(run_to_dict(run), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
