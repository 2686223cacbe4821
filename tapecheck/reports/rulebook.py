"""The rule catalogue as one Markdown page: ``docs/rules.md``, one section per code.

Generated from the rule docstrings (``tapecheck rule --all --format markdown``),
so the page, ``tapecheck rule CODE`` and SARIF's rule help say the same thing.
Each rule's section is a ``## CODE`` heading, whose anchor (``#crs003``) is
what SARIF's ``helpUri`` points at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tapecheck.reports.model import RuleDoc

__all__ = ["RULEBOOK_PATH", "rule_anchor", "rule_section", "rulebook"]

#: Where the page lives in the repository (SARIF's helpUri points into it).
RULEBOOK_PATH = "docs/rules.md"

_HEADING = re.compile(r"^(#{1,5}) ", re.MULTILINE)


def rule_anchor(code: str) -> str:
    """The anchor a Markdown renderer (GitHub's) gives the heading ``## CODE``."""
    return code.lower()


def _demoted(text: str) -> str:
    """The docstring's ``## What it does`` headings one level down, code fences left alone."""
    out: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        out.append(_HEADING.sub(r"#\1 ", line) if not fenced else line)
    return "\n".join(out)


def rule_section(rule: RuleDoc) -> str:
    """One rule's section: its code as the heading, then name, severity, fix and docs."""
    facts = [f"`{rule.name}`", rule.severity]
    if rule.vendor:
        facts.append(f"vendor: {rule.vendor}")
    if rule.security_severity is not None:
        facts.append(f"security severity: {rule.security_severity:.1f}")
    lines = [f"## {rule.code}", "", " · ".join(facts)]
    if rule.fix_title:
        lines += ["", f"Fix: {rule.fix_title}."]
    return "\n".join([*lines, "", _demoted(rule.explanation).strip(), ""])


def rulebook(rules: Sequence[RuleDoc]) -> str:
    """The whole page: an index table, then every rule's section in catalogue order."""
    lines = [
        "# tapecheck lint rules",
        "",
        "<!-- Generated from the rule docstrings by "
        "`tapecheck rule --all --format markdown > docs/rules.md`; do not edit. -->",
        "",
        "Every rule of `tapecheck lint`, as `tapecheck rule CODE` prints it. SARIF output",
        "links each finding's rule to its section here.",
        "",
        "| code | name | severity | what it flags |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        summary = rule.summary.replace("|", "\\|")
        lines.append(
            f"| [{rule.code}](#{rule_anchor(rule.code)}) | `{rule.name}` | {rule.severity} "
            f"| {summary} |"
        )
    lines.append("")
    return "\n".join(lines) + "\n" + "\n".join(rule_section(rule) for rule in rules)
