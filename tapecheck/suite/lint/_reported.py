"""What the rules reported on one file, kept compact until it is listed.

A flood (400,000 contacts, each wrong) would become 400,000 findings, each
message formatted and each position looked up, before all but the first
:data:`~tapecheck.suite.lint.overflow.MAX_PER_CODE` of a code are counted in
one. Here a rule's violations stay as the rule reported them (a
:class:`~tapecheck.suite.lint.registry.Violations` makes its messages on
demand); replacement, de-duplication and selection work on pointers and
indexes, and only the findings listed, and the first of those counted, are
made. What is listed is exactly what making every finding first would list.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tapecheck.reports.model import Finding
from tapecheck.suite.lint.overflow import MAX_PER_CODE, overflow_summary
from tapecheck.suite.lint.registry import Rule, Violation, Violations

__all__ = ["Reported", "listed"]


@dataclass(eq=False)
class Reported:
    """One rule's violations on one file (or the one finding of its failure), in order."""

    rule: Rule  # whose selection the findings follow
    code: str  # the findings' code: the rule's, or TCK001 when the rule raised
    violations: Sequence[Violation]
    #: A violation as its finding, placed in the file.
    make: Callable[[Violation], Finding]
    #: The indexes of the violations still kept (replacement and repeats drop some).
    kept: Sequence[int] = field(init=False)
    pointers: Sequence[str] = field(init=False)
    _made: list[Finding] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.violations, Violations):
            self.pointers = self.violations.pointers
        else:
            self.pointers = [violation.pointer for violation in self.violations]
        self.kept = range(len(self.pointers))

    def read_ahead(self, count: int) -> None:
        """Make the first ``count`` findings now (where a failure is still the rule's)."""
        self._made = [self.make(violation) for violation in self.violations[:count]]

    def message(self, index: int) -> str:
        if index < len(self._made):
            return self._made[index].message
        if isinstance(self.violations, Violations):
            return self.violations.message(index)
        return self.violations[index].message

    def finding(self, index: int) -> Finding:
        if index < len(self._made):
            return self._made[index]
        return self.make(self.violations[index])


def listed(
    reported: Sequence[Reported], enabled: Callable[[str], bool], bound: int | None = None
) -> list[Finding]:
    """The findings of one file as shown, in the order reported.

    A specific rule's finding replaces the generic ones it supersedes on the
    same value; a finding repeated (code, pointer and message) is shown once;
    ``enabled(code)`` says whether a rule's findings are selected; past the
    first ``bound`` of a code (:data:`MAX_PER_CODE` unless given) one finding
    counts the rest (:func:`~tapecheck.suite.lint.overflow.overflow_summary`).
    """
    if bound is None:
        bound = MAX_PER_CODE
    _replace_generic(reported)
    _drop_repeats(reported)
    shown = [group for group in reported if group.kept and enabled(group.rule.code)]
    findings: list[Finding] = []
    counted: dict[str, int] = {}
    rest: dict[str, _Rest] = {}
    for group in shown:
        code, kept = group.code, group.kept
        room = len(kept) if bound <= 0 else max(0, bound - counted.get(code, 0))
        counted[code] = counted.get(code, 0) + min(room, len(kept))
        findings += [group.finding(index) for index in kept[:room]]
        more = kept[room:]
        if not more:
            continue
        if code not in rest:
            rest[code] = _Rest(group.finding(more[0]))
        rest[code].count += len(more)
        rest[code].last_pointer = group.pointers[more[-1]]
    findings += [
        overflow_summary(more.first, more.count, more.last_pointer, bound) for more in rest.values()
    ]
    return findings


@dataclass
class _Rest:
    """The findings of one code past the bound: the first of them, how many, the last's pointer."""

    first: Finding
    count: int = 0
    last_pointer: str = ""


def _replace_generic(reported: Sequence[Reported]) -> None:
    """Drop each finding that a specific rule's finding on the same value supersedes.

    What a rule supersedes is data on the rule (:attr:`Rule.supersedes`). This
    happens before selection, so ignoring the specific rule never brings the
    generic one back. A rule's own findings (not its failure) replace.
    """
    replacing = [
        group
        for group in reported
        if group.rule.supersedes and group.code == group.rule.code and group.pointers
    ]
    if not replacing:
        return
    for group in reported:
        by = [other for other in replacing if other.rule.replaces(group.code)]
        if not by or not group.kept:
            continue
        if isinstance(group.violations, Violations):
            # Lazy violations find their own (a million pointers are not all made).
            at = group.violations.indexes_at(
                itertools.chain.from_iterable(other.pointers for other in by)
            )
            if at:
                group.kept = [index for index in group.kept if index not in at]
            continue
        mine = set(group.pointers)
        gone: set[str] = set()
        for other in by:
            gone.update(mine.intersection(other.pointers))
        if gone:
            pointers = group.pointers
            group.kept = [index for index in group.kept if pointers[index] not in gone]


def _drop_repeats(reported: Sequence[Reported]) -> None:
    """Keep the first of the findings of one code, pointer and message.

    A message is made only for a pointer that its code reports twice.
    """
    by_code: dict[str, list[Reported]] = {}
    for group in reported:
        if group.kept:
            by_code.setdefault(group.code, []).append(group)
    for groups in by_code.values():
        if len(groups) == 1:
            (group,) = groups
            if isinstance(group.violations, Violations) and group.violations.distinct:
                continue
            kept = group.kept
            pointers = (
                group.pointers
                if len(kept) == len(group.pointers)
                else [group.pointers[index] for index in kept]
            )
            if len(set(pointers)) == len(pointers):
                continue
        counts = collections.Counter(
            group.pointers[index] for group in groups for index in group.kept
        )
        seen: set[tuple[str, str]] = set()
        for group in groups:
            keep: list[int] = []
            for index in group.kept:
                pointer = group.pointers[index]
                if counts[pointer] > 1:
                    key = (pointer, group.message(index))
                    if key in seen:
                        continue
                    seen.add(key)
                keep.append(index)
            group.kept = keep
