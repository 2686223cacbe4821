"""A run's long entries: one mapping of a million members, its members placed when asked.

The line reader keeps one mark for each entry of a run read in C
(:mod:`tapecheck.suite._yaml_lines`). A finding inside an entry asks for
its members' marks; a small entry is read again, but one of a million
members would cost a second and a hundred megabytes to read again, mark and
index. In a run every pair is written alike (``key: value``, a line each in a
block mapping; ``, key: value`` in a flow one spaced as ``safe_dump`` spaces
it), so a member's value is just after the one place its key is written: a
search in C from the member found last, as findings come in the document's
order. After a few searches that had to wrap round, every member's mark is
counted at once.
"""

from __future__ import annotations

import operator
from itertools import accumulate, repeat
from typing import Any

from tapecheck.suite._yaml_lines import flow_spaced
from tapecheck.suite._yaml_marks import LINE, Mark, Searched, pack, unpack

__all__ = ["LongEntry"]

#: Searches that wrap round before every member's mark is counted at once.
_MISSES = 8


class LongEntry(Searched):
    """A run's mapping ``entry`` written at ``mark`` (its first key) in ``text``, up to
    ``end``: a ``- key: value`` mapping, a pair a line, or a one-line flow one."""

    __slots__ = ("_at", "_end", "_entry", "_flow", "_lead", "_marks", "_misses", "_start", "_text")

    def __init__(self, text: str, start: int, end: int, mark: int, entry: dict[str, Any]) -> None:
        self.mark = mark
        line, column = unpack(mark)
        self._text = text
        self._entry = entry
        self._flow = text.startswith("{", start)
        #: Where the first key starts, and where the entry ends.
        self._start = start + self._flow
        self._end = end
        #: What precedes every key but the first.
        self._lead = ", " if self._flow else "\n" + " " * (column - 1)
        #: Where the last member found was written (its value), and on which line.
        self._at = (self._start, line)
        self._misses = 0
        self._marks: dict[str, int] | None = None
        if self._flow and ('"' in text[start:end] or not flow_spaced(text[start:end])):
            self._marks = self._counted()

    def child(self, token: str) -> Mark | None:
        if token not in self._entry:
            return None
        if self._marks is not None:
            return self._marks.get(token)
        text, start = self._text, self._start
        if text.startswith(token + ": ", start):
            value = start + len(token) + 2
        else:
            needle = self._lead + token + ": "
            after = self._at[0]
            found = text.find(needle, after, self._end)
            if found < 0:
                found = text.find(needle, start, after)
                self._misses += 1
                if found < 0 or self._misses > _MISSES:
                    self._marks = self._counted()
                    return self._marks.get(token)
            value = found + len(needle)
        before, line = self._at
        if value < before:  # wrapped round: lines counted from the first
            before, line = start, unpack(self.mark)[0]
        line += text.count("\n", before, value)
        self._at = (value, line)
        if self._flow:  # one line: columns counted from the opening brace's
            return self.mark + value - (start - 1)
        return pack(line, value - text.rfind("\n", 0, value))

    def _counted(self) -> dict[str, int]:
        """Every member's mark, counted at once (C-speed maps over the members)."""
        mark, entry = self.mark, self._entry
        if not self._flow:  # a pair a line, the value after its key, a colon and a space
            lines_of = range(mark + 2, mark + 2 + len(entry) * LINE, LINE)
            return dict(zip(entry, map(operator.add, lines_of, map(len, entry)), strict=True))
        # One line: no comma nor colon in a scalar, no space before a comma or the brace.
        item = self._text[self._start - 1 : self._end]
        pairs = item[1:-1].split(",")
        # After each pair's end in the item (its comma, or the closing brace), less its value.
        ends = accumulate(map((1).__add__, map(len, pairs)))
        split = map(str.partition, pairs, repeat(":"))
        values = map(len, map(str.lstrip, map(operator.itemgetter(2), split)))
        return dict(zip(entry, map(mark.__add__, map(operator.sub, ends, values)), strict=True))
