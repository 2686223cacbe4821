"""Human-readable text, coloured on a terminal.

Lint findings read ``path:line:col: CODE message``; a conformance run is a
one-screen summary (the target, the counts, the first failure of each failed
requirement) and its verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

from tapecheck.reports.base import LintWriter, RunWriter, register_lint, register_run
from tapecheck.reports.model import LintResult, RequirementResult, Run, Verdict
from tapecheck.reports.redact import redact_run
from tapecheck.reports.sections import created_lines, drift_lines

__all__ = ["LintTextWriter", "RunTextWriter", "verdict_line"]

_STYLES = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_GREEN = "\x1b[32m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


#: C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Continuation lines of a help text line up under its first word.
_HELP_INDENT = "\n" + " " * len("  help: ")


def _escaped(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character written out (``\\x1b``, ``\\n``).

    Messages quote manifest values; a value must not move the cursor, change
    colours or retitle the terminal. Only a help text keeps its newlines.
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if keep_newlines and char == "\n":
            return _HELP_INDENT
        if char in _NAMED:
            return _NAMED[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _CONTROL.sub(escape, text)


@register_lint
class LintTextWriter(LintWriter):
    name = "text"

    def write(self, result: LintResult, stream: TextIO, *, color: bool = False) -> None:
        def paint(text: str, style: str) -> str:
            return f"{style}{text}{_RESET}" if color else text

        for finding in result.findings:
            where = f"{_escaped(finding.path)}:{finding.line or 1}:{finding.column or 1}:"
            code = paint(finding.code, _STYLES.get(finding.severity, _BOLD))
            level = "" if finding.severity == "error" else f" [{finding.severity}]"
            stream.write(f"{paint(where, _BOLD)} {code}{level} {_escaped(finding.message)}\n")
            if finding.fix:
                fix = _escaped(finding.fix, keep_newlines=True)
                stream.write(f"  {paint('help:', _DIM)} {fix}\n")
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


# -- conformance runs -----------------------------------------------------------


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines() or [""])


def _exchange_line(verdict: Verdict) -> str | None:
    if verdict.exchange is None:
        return None
    request = verdict.exchange.request
    line = f"{request.get('method') or ''} {request.get('url') or ''}".strip()
    response = verdict.exchange.response
    status = "no response" if response is None else str(response.get("status"))
    return f"{line} -> {status}"


def _requirement_block(
    stream: TextIO, requirement: RequirementResult, label: str, paint: Callable[[str, str], str]
) -> None:
    stream.write(f"\n{label} {paint(requirement.id, _BOLD)}  {requirement.title}\n")
    if requirement.status == "error":
        stream.write(_indent(f"could not be decided: {requirement.reason}", "  ") + "\n")
        return
    if not requirement.failures:
        return
    first = requirement.failures[0]
    stream.write(_indent(f"[{first.check}] {first.message}", "  ") + "\n")
    exchange = _exchange_line(first)
    if exchange:
        stream.write(f"  {paint(exchange, _DIM)}\n")
    if first.reproduce:  # credentials already redacted (``redact_run``)
        stream.write(f"  {paint('reproduce (from the report folder):', _DIM)}\n")
        stream.write("".join(f"    {_escaped(row)}\n" for row in first.reproduce.splitlines()))
    more = len(requirement.failures) - 1
    if more:
        extra = _plural(more, "more failure")
        stream.write(f"  {paint(f'(+{extra})', _DIM)}\n")


def verdict_line(run: Run) -> str:
    """The verdict in one sentence (without colour): the last line of the text summary."""
    counted = [r for r in run.requirements if run.counts(r)]
    kind = "requirement" if run.strict else "must requirement"
    failed = sum(1 for r in counted if r.status == "failed")
    errors = sum(1 for r in counted if r.status == "error")
    passed = sum(1 for r in counted if r.status == "passed")
    skipped = sum(1 for r in counted if r.status == "skipped")
    notes = []
    if skipped:
        notes.append(f"{skipped} skipped")
    if run.advisories and not run.strict:
        count = len(run.advisories)
        notes.append(f"{count} advisor{'y' if count == 1 else 'ies'}")
    if run.flaky:
        notes.append(f"{len(run.flaky)} flaky")
    note = f" ({', '.join(notes)})" if notes else ""
    verdict = run.verdict
    if verdict == "conforms":
        return f"CONFORMS: all {_plural(passed, kind)} that ran passed{note}."
    if verdict == "does-not-conform":
        return f"DOES NOT CONFORM: {failed} of {_plural(len(counted), kind)} failed{note}."
    if run.incomplete:
        return f"INCOMPLETE: the run could not be made: {run.incomplete}."
    if errors:
        return f"INCOMPLETE: {errors} of {_plural(len(counted), kind)} could not be decided{note}."
    return f"INCOMPLETE: no {kind} ran{note}."


@register_run
class RunTextWriter(RunWriter):
    """A one-screen summary: the target, the counts, each failed requirement's first failure."""

    name = "text"

    def write(self, run: Run, stream: TextIO, *, color: bool = False) -> None:
        def paint(text: str, style: str) -> str:
            return f"{style}{text}{_RESET}" if color and style else text

        run = redact_run(run)
        stream.write(f"{paint('tapecheck conform', _BOLD)} {run.vendor} -> {run.target}\n")
        details = [f"seed {run.seed}"]
        if run.tool_version:
            details.append(f"tapecheck {run.tool_version}")
        if run.examples:
            details.append(_plural(run.examples, "example"))
        if run.duration_s:
            details.append(f"{run.duration_s:.2f} s")
        if run.strict:
            details.append("strict")
        stream.write(paint(", ".join(details), _DIM) + "\n")
        stream.write(paint(f"spec sha256 {run.spec_sha256}", _DIM) + "\n")
        if run.drift is not None:
            stream.write("".join(_escaped(line) + "\n" for line in drift_lines(run.drift)))
        passed, failed, skipped = run.count("passed"), run.count("failed"), run.count("skipped")
        errors = run.count("error")
        counts = [
            paint(f"{passed} passed", _GREEN if passed else ""),
            paint(f"{failed} failed", _STYLES["error"] if failed else ""),
            paint(f"{skipped} skipped", _STYLES["warning"] if skipped else ""),
        ]
        if errors:
            counts.append(paint(f"{errors} error", _STYLES["error"]))
        total = _plural(len(run.requirements), "requirement")
        stream.write(f"{', '.join(counts)} ({total})\n")
        for requirement in run.requirements:
            if run.counts(requirement) and requirement.status in ("failed", "error"):
                label = "FAILED" if requirement.status == "failed" else "ERROR"
                _requirement_block(stream, requirement, paint(label, _STYLES["error"]), paint)
        for requirement in run.requirements:
            if requirement.flaky:
                label = paint("FLAKY", _STYLES["warning"])
                stream.write(
                    f"\n{label} {paint(requirement.id, _BOLD)}  failed, then passed when run "
                    "again\n"
                )
        advisories = [
            r for r in run.requirements if not run.counts(r) and r.status in ("failed", "error")
        ]
        if advisories:
            stream.write(
                "\n"
                + paint("Advisories", _BOLD)
                + ": should requirements (the docs are silent; a reasonable expectation)\n"
                "that did not pass. They do not change the verdict; --strict makes them count.\n"
            )
            for requirement in advisories:
                label = "ADVISORY" if requirement.status == "failed" else "ERROR"
                _requirement_block(stream, requirement, paint(label, _STYLES["warning"]), paint)
        stream.write("\n")
        left = created_lines(run.created, kept=run.kept)
        if left:
            stream.write("".join(_escaped(line) + "\n" for line in left) + "\n")
        line = verdict_line(run)
        head, _, rest = line.partition(":")
        style = {"conforms": _BOLD + _GREEN, "does-not-conform": _STYLES["error"]}.get(
            run.verdict, _STYLES["warning"]
        )
        stream.write(f"{paint(head, style)}:{rest}\n")
