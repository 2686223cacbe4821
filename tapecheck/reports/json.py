"""``--format json``: the contract's machine-readable shape."""

from __future__ import annotations

import json
from typing import Any, TextIO

from tapecheck.reports.base import LintWriter, register_lint
from tapecheck.reports.model import Finding, LintResult

__all__ = ["LintJsonWriter", "finding_to_dict", "lint_to_dict"]


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
        "summary": {"files": result.files, "errors": result.errors, "warnings": result.warnings},
    }


@register_lint
class LintJsonWriter(LintWriter):
    name = "json"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        json.dump(lint_to_dict(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
