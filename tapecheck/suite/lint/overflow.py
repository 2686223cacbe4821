"""Past a bound of findings of one code in one file, one finding stands for the rest.

A generated manifest with one mistake repeated (400,000 contacts, every
e-mail malformed) would print 400,000 findings, take a minute and hold most
of a gigabyte, in every output format. As compilers stop at "too many
errors", a file lists the first :data:`MAX_PER_CODE` findings of each code (in
the order the rules report them, the document's); the others of that code become one finding, of the same
code and severity, at the first of them, that gives their exact number and
the first and last pointers. Below the bound nothing changes; the exit status
never does (the finding keeps the severity of those it stands for).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tapecheck.reports.model import Finding

__all__ = ["MAX_PER_CODE", "overflow_summary", "summarise_overflow"]

#: Findings of one code listed per file; the rest are counted in one finding.
MAX_PER_CODE = 1000


def summarise_overflow(
    findings: Sequence[Finding],
    bound: int = MAX_PER_CODE,
    *,
    place: Callable[[Finding], Finding] = lambda finding: finding,
) -> list[Finding]:
    """``findings`` of one file, each code's past the first ``bound`` summed up in one.

    The first are the first reported (rules report in document order). A
    finding made without its position is given one by ``place`` when it is
    shown. The engine lists the same from the rules' violations without
    making the findings it does not list (:mod:`~tapecheck.suite.lint._reported`).
    """
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    if bound <= 0 or all(count <= bound for count in counts.values()):
        return [place(finding) for finding in findings]
    kept: list[Finding] = []
    rest: dict[str, list[Finding]] = {}
    seen: dict[str, int] = {}
    for finding in findings:
        code = finding.code
        seen[code] = seen.get(code, 0) + 1
        if seen[code] <= bound:
            kept.append(place(finding))
        else:
            rest.setdefault(code, []).append(finding)
    for more in rest.values():
        kept.append(overflow_summary(place(more[0]), len(more), more[-1].pointer, bound))
    return kept


def overflow_summary(first: Finding, count: int, last_pointer: str, bound: int) -> Finding:
    """The one finding that stands for ``count`` findings of a code past the first ``bound``.

    ``first`` is the first of them (placed), ``last_pointer`` the last one's pointer.
    """
    where = f"`{first.pointer}`" if first.pointer else "the file"
    if count > 1:
        where = f"from {where} to `{last_pointer}`" if last_pointer else f"from {where}"
    else:
        where = f"at {where}"
    return Finding(
        path=first.path,
        code=first.code,
        severity=first.severity,
        message=(
            f"{count:,} more {first.code} finding{'s' if count > 1 else ''} in this "
            f"file, not listed ({where}; "
            f"only the first {bound} of each code are); the first of them: {first.message}"
        ),
        pointer=first.pointer,
        line=first.line,
        column=first.column,
        fix=first.fix,
    )
