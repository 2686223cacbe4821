"""TCK: findings about tapecheck itself, not about the linted file.

The engine reports these; no rule function finds them. A rule that raises is a
bug in tapecheck: it costs no other rule's finding and no other file's, it
becomes one TCK001 finding on the file it failed on, and the command exits 2.
"""

from __future__ import annotations

from collections.abc import Iterator

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule

__all__ = ["INTERNAL_ERROR", "internal_error", "internal_error_message"]

#: The code of a rule (or of the engine) failing on a file.
INTERNAL_ERROR = "TCK001"


@rule(
    INTERNAL_ERROR,
    "internal-error",
    fix_title="Report this bug in tapecheck, with the command, the manifest and this message",
)
def internal_error(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports that tapecheck itself failed on a file: a rule (or the engine
    reading the file) raised an exception instead of returning its findings.
    This is a bug in tapecheck, never a problem of the file.

    The finding names the rule that failed, the exception and where it was
    raised (the last frame of the traceback). Every other rule still runs on
    the file and every other file is still linted, so the rest of the output
    is complete; the command exits 2 (an internal error) instead of 0 or 1, so
    that a CI job or a pre-commit hook does not pass silently. It is shown
    whenever the rule that failed is selected for the file: ignoring `TCK`
    does not hide it, ignoring the failed rule does.

    ## Why is this bad?
    The failed rule could not say whether the file breaks it: the file may
    hold exactly the error the rule exists to catch. Until the bug is fixed,
    that rule's verdict on the file is unknown.

    ## Example
    A manifest that made a vendor rule `ACM003` fail (a rule comparing two
    times, before the calendar's ends were handled):
    ```yaml
    vendor: acme
    body: {started_at: "9999-12-31T23:59:59-01:00", ended_at: "2024-05-01T08:00:00Z"}
    ```

    ```text
    c1.request.yaml:1:1: TCK001 rule ACM003 (ended-before-started) failed on this
    file: OverflowError: date value out of range (at rules.py:221 in
    ended_before_started); this is a bug in tapecheck: ...
    ```

    Use instead, until a release fixes it (after reporting it), the other
    rules alone, for example in `.pre-commit-config.yaml`:
    ```yaml
    hooks:
      - id: tapecheck-lint
        args: [--ignore, ACM003]
    ```

    ## Fix safety
    Nothing to fix in the file. Report the bug: open an issue in tapecheck's
    issue tracker (where you got tapecheck from) with
    - the command you ran (`tapecheck --version` and the `tapecheck lint ...` line),
    - the manifest (or a copy with its secrets and personal data replaced: the
      smallest one that still fails is best), and the audio file if the rule is
      an AUD rule,
    - the TCK001 message, which holds the traceback's summary
      (the exception and the frame it was raised in).

    Meanwhile, `--ignore` the failing rule's code (or list it in
    `per-file-ignores`) to get a clean run of the others.

    ## References
    - `tapecheck rule --all` (the rule that failed)
    - CONTRACT.md, section 1: exit status 2 when the command could not do its job
    """
    return iter(())


def internal_error_message(failed: str, exc: BaseException) -> str:
    """What a TCK001 finding says: what failed, the exception, and the frame that raised it."""
    import traceback  # only when a rule failed: not on lint's cold path

    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name})"
    detail = str(exc)
    if len(detail) > 200:  # a hostile value inside the message stays bounded
        detail = detail[:200] + "..."
    return (
        f"{failed} failed on this file: {type(exc).__name__}: {detail}{where}; this is a bug in "
        f"tapecheck: please report it with the command, the manifest and "
        "this message (`tapecheck rule TCK001`)"
    )
