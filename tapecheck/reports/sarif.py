"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` comes from :attr:`LintResult.rules` (the rule
docstrings, as ``tapecheck rule`` prints them) and each finding is one result
pointing at its rule by ``ruleId`` and ``ruleIndex``. The finding's JSON Pointer
goes in ``properties.pointer``.

What code scanning needs beyond that:

- ``partialFingerprints``: a hash of the file, the rule and the JSON Pointer
  (never the line), so an alert stays the same alert when lines move above it.
  The algorithm is sarif-kit's ``base_fingerprint`` with the pointer as the
  context, plus a per-group index as CodeQL does (the tests check the two agree).
- ``helpUri``: the rule's section of ``docs/rules.md`` in the repository, at the
  tag of this version; ``informationUri``: the repository's README. Both come
  from the ``Repository`` URL of the package metadata (``[project.urls]``) and
  are left out when it has none: never a link to a page that does not exist.
- ``automationDetails.id``: the category ``tapecheck/lint/``.
- ``security-severity`` and the ``security`` tag on rules that flag a security
  problem (the SEC family), from the rule's own ``security_severity``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from typing import Any, TextIO

from tapecheck.reports.base import LintWriter, register_lint
from tapecheck.reports.model import Finding, LintResult, RuleDoc
from tapecheck.reports.rulebook import RULEBOOK_PATH, rule_anchor

__all__ = [
    "AUTOMATION_ID",
    "FINGERPRINT_KEY",
    "SARIF_SCHEMA",
    "LintSarifWriter",
    "fingerprint",
    "lint_to_sarif",
    "repository_url",
]

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: The key of ``partialFingerprints``; bump the suffix only when the algorithm changes
#: (doing so re-opens every existing alert once).
FINGERPRINT_KEY = "tapecheck/v1"
#: ``runs[].automationDetails.id``: a category (it ends with ``/``) that keeps tapecheck's
#: alerts apart from other tools' in one repository.
AUTOMATION_ID = "tapecheck/lint/"

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


@functools.cache
def repository_url() -> str | None:
    """The ``Repository`` URL of the installed package's metadata, or None."""
    from importlib import metadata

    try:
        urls = metadata.metadata("tapecheck").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("repository", "source") and url.strip().startswith("https://"):
            return url.strip().rstrip("/")
    return None


def fingerprint(uri: str, rule_id: str, pointer: str) -> str:
    """The stable identity of a finding: file, rule and JSON Pointer, not the line."""
    digest = hashlib.sha256()
    for part in (uri, rule_id, pointer):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _help_uri(repository: str | None, version: str, code: str) -> str | None:
    if repository is None or not version:
        return None
    return f"{repository}/blob/v{version}/{RULEBOOK_PATH}#{rule_anchor(code)}"


def _rule_to_dict(rule: RuleDoc, help_uri: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation, "markdown": rule.explanation},
        "help": {"text": rule.fix_title or rule.summary, "markdown": rule.explanation},
    }
    if help_uri is not None:
        entry["helpUri"] = help_uri
    entry["defaultConfiguration"] = {"level": _LEVELS.get(rule.severity, "warning")}
    properties: dict[str, Any] = {"severity": rule.severity}
    if rule.security_severity is not None:
        # GitHub reads this string (0.0-10.0) and ranks the alert low/medium/high/critical.
        properties["security-severity"] = f"{rule.security_severity:.1f}"
        properties["tags"] = ["security"]
    entry["properties"] = properties
    return entry


def _result_to_dict(
    finding: Finding, rule_index: dict[str, int], fingerprints: Counter[str]
) -> dict[str, Any]:
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
    # Two findings of one rule on one value (messages differ) get :1, :2 in order, as CodeQL does.
    base = fingerprint(_artifact_uri(finding.path), finding.code, finding.pointer)
    fingerprints[base] += 1
    entry["partialFingerprints"] = {FINGERPRINT_KEY: f"{base}:{fingerprints[base]}"}
    properties: dict[str, Any] = {"pointer": finding.pointer}
    if finding.fix:
        properties["fix"] = finding.fix
    entry["properties"] = properties
    return entry


def lint_to_sarif(result: LintResult, *, repository: str | None = None) -> dict[str, Any]:
    """The SARIF log of one lint run; ``repository`` (an https URL) gives the help links."""
    rules: list[RuleDoc] = []
    rule_index: dict[str, int] = {}
    for rule in result.rules:
        if rule.code not in rule_index:
            rule_index[rule.code] = len(rules)
            rules.append(rule)
    driver: dict[str, Any] = {"name": "tapecheck"}
    if result.tool_version:
        driver["version"] = result.tool_version
    if repository is not None:
        driver["informationUri"] = f"{repository}#readme"
    driver["rules"] = [
        _rule_to_dict(rule, _help_uri(repository, result.tool_version, rule.code)) for rule in rules
    ]
    fingerprints: Counter[str] = Counter()
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": AUTOMATION_ID},
                "columnKind": "unicodeCodePoints",
                "results": [_result_to_dict(f, rule_index, fingerprints) for f in result.findings],
            }
        ],
    }


@register_lint
class LintSarifWriter(LintWriter):
    name = "sarif"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        log = lint_to_sarif(result, repository=repository_url())
        json.dump(log, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
