"""Past a bound of findings of one code in one file, one finding stands for the rest.

A generated manifest with one mistake repeated (400,000 contacts, every
e-mail malformed) would print 400,000 findings, take a minute and hold most
of a gigabyte, in every output format. As compilers stop at "too many
errors", a file lists the first :data:`MAX_PER_CODE` findings of each code (in
the order the rules report them, the document's); the others of that code become one finding, of the same
code and severity, at the first of them, that gives their exact number and
the first and last pointers. Below the bound nothing changes; the exit status
never does (the finding keeps the severity of those it stands for). The
engine lists a file's findings so without making those it does not list
(:func:`~tapecheck.suite.lint._reported.listed`).
"""

from __future__ import annotations

from tapecheck.reports.model import Finding

__all__ = ["MAX_PER_CODE", "overflow_summary"]

#: Findings of one code listed per file; the rest are counted in one finding.
MAX_PER_CODE = 1000


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
