"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` comes from :attr:`LintResult.rules` (the rule
docstrings, as ``tapecheck rule`` prints them) and each finding is one result
pointing at its rule by ``ruleId`` and ``ruleIndex``. The finding's JSON Pointer
goes in ``properties.pointer``.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from tapecheck.reports.base import LintWriter, register_lint
from tapecheck.reports.model import Finding, LintResult, RuleDoc

__all__ = ["INFORMATION_URI", "SARIF_SCHEMA", "LintSarifWriter", "lint_to_sarif"]

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://pypi.org/project/tapecheck/"

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_WINDOWS_DRIVE = r"^[A-Za-z]:[\\/]"


def _artifact_uri(path: str) -> str:
    """A path as given on the command line, as a SARIF URI (relative stays relative)."""
    from pathlib import PurePosixPath, PureWindowsPath
    from urllib.parse import quote

    if re.match(_WINDOWS_DRIVE, path):
        return PureWindowsPath(path).as_uri()
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    return quote(posix, safe="/")


def _rule_to_dict(rule: RuleDoc) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation, "markdown": rule.explanation},
        "help": {"text": rule.fix_title or rule.summary, "markdown": rule.explanation},
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "warning")},
        "properties": {"severity": rule.severity},
    }
    return entry


def _result_to_dict(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in rule_index:
        entry["ruleIndex"] = rule_index[finding.code]
    entry["level"] = _LEVELS.get(finding.severity, "warning")
    entry["message"] = {"text": finding.message}
    entry["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": _artifact_uri(finding.path)},
                "region": {"startLine": finding.line or 1, "startColumn": finding.column or 1},
            }
        }
    ]
    properties: dict[str, Any] = {"pointer": finding.pointer}
    if finding.fix:
        properties["fix"] = finding.fix
    entry["properties"] = properties
    return entry


def lint_to_sarif(result: LintResult) -> dict[str, Any]:
    """The SARIF log of one lint run."""
    rules: list[RuleDoc] = []
    rule_index: dict[str, int] = {}
    for rule in result.rules:
        if rule.code not in rule_index:
            rule_index[rule.code] = len(rules)
            rules.append(rule)
    driver: dict[str, Any] = {"name": "tapecheck"}
    if result.tool_version:
        driver["version"] = result.tool_version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = [_rule_to_dict(rule) for rule in rules]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": [_result_to_dict(f, rule_index) for f in result.findings],
            }
        ],
    }


@register_lint
class LintSarifWriter(LintWriter):
    name = "sarif"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        json.dump(lint_to_sarif(result), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
