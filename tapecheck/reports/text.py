"""Human-readable text: ``path:line:col: CODE message``, coloured on a terminal."""

from __future__ import annotations

from typing import TextIO

from tapecheck.reports.base import LintWriter, register_lint
from tapecheck.reports.model import LintResult

__all__ = ["LintTextWriter"]

_STYLES = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@register_lint
class LintTextWriter(LintWriter):
    name = "text"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        def paint(text: str, style: str) -> str:
            return f"{style}{text}{_RESET}" if color else text

        for finding in result.findings:
            where = f"{finding.path}:{finding.line or 1}:{finding.column or 1}:"
            code = paint(finding.code, _STYLES.get(finding.severity, _BOLD))
            level = "" if finding.severity == "error" else f" [{finding.severity}]"
            stream.write(f"{paint(where, _BOLD)} {code}{level} {finding.message}\n")
            if finding.fix:
                stream.write(f"  {paint('help:', _DIM)} {finding.fix}\n")
        counts = [
            _plural(result.errors, "error"),
            _plural(result.warnings, "warning"),
        ]
        if result.infos:
            counts.append(_plural(result.infos, "note"))
        files = _plural(result.files, "file")
        if result.findings:
            stream.write(f"Found {', '.join(counts)} in {files}.\n")
        else:
            stream.write(f"All checks passed ({files}).\n")
