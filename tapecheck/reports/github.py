"""``--format github``: GitHub Actions workflow commands, shown as annotations on a PR.

    ::error file=calls/c1.request.yaml,line=7,col=9,title=CRS003::metadata.id ...

Errors are ``::error``, warnings ``::warning`` and info findings ``::notice``.
Property values and the message are escaped as the Actions toolkit does
(``%``, ``\\r``, ``\\n``; in properties also ``:`` and ``,``), so that a path or a
message can never end the command early. A finding on an audio file (no
position) annotates the whole file.
"""

from __future__ import annotations

from typing import TextIO

from tapecheck.reports.base import LintWriter, register_lint
from tapecheck.reports.model import Finding, LintResult

__all__ = ["LintGithubWriter", "escape_data", "escape_property", "finding_to_command"]

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (actions/toolkit ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value (actions/toolkit ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def finding_to_command(finding: Finding) -> str:
    """One finding as one workflow command line (without the newline)."""
    properties = [f"file={escape_property(finding.path)}"]
    if finding.line is not None:
        properties.append(f"line={finding.line}")
        properties.append(f"col={finding.column or 1}")
    properties.append(f"title={escape_property(finding.code)}")
    message = finding.message
    if finding.pointer:
        message += f" ({finding.pointer})"
    if finding.fix:
        message += f"\nhelp: {finding.fix}"
    command = _COMMANDS.get(finding.severity, "warning")
    return f"::{command} {','.join(properties)}::{escape_data(message)}"


@register_lint
class LintGithubWriter(LintWriter):
    name = "github"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        for finding in result.findings:
            stream.write(finding_to_command(finding) + "\n")
