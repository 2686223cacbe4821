"""A YAML text's lines for the line reader, and runs of one-line entries read in C.

:mod:`tapecheck.suite._simple_yaml` reads a manifest line by line. A large
one (400,000 contacts) is mostly one long run of lines of one form, one
entry each: ``- email: sam@example.com``, ``- {email: "sam@example.com"}``,
``- tag`` in a sequence, ``key: value`` in a mapping. Read one by one in
Python such a run costs seconds; here a run is found by one regular
expression, rewritten as JSON by a few more, and parsed by :func:`json.loads`,
all in C.

A run is taken only where it surely reads as the safe loader reads it: plain
keys (words), and scalars double-quoted without escapes or plain without a
quote, backslash, ``#``, colon or comma; one line an entry (a block item's
other pairs below it). The caller then asks every key and value at once
whether an implicit tag would read it as other than a string (``yes``,
``2024-01-15``), and reads the run line by line if one would. Anything else
ends the run, and the line reader reads on.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from collections.abc import Callable
from itertools import accumulate
from typing import Any

__all__ = [
    "BULK_BYTES",
    "BULK_MIN",
    "QUOTED_MARK",
    "LazyLines",
    "Line",
    "Unsure",
    "flow_spaced",
    "line_of",
]

#: A line: its indent, its content (comment cut, trailing spaces cut), its 1-based number.
Line = tuple[int, str, int]
#: A blank line, or a comment alone on its line.
_SKIPPED_LINE = re.compile(r"^ *(?:#|$)", re.MULTILINE)
#: Fewer lines than this are read one by one (the expressions cost more than they save).
BULK_MIN = 64
#: Fewer lines are still a run if they hold more than this (one contact of a million keys).
BULK_BYTES = 64 * 1024
#: Entries one match of a run takes at most.
_ENTRIES_A_MATCH = 256


class Unsure(Exception):
    """Not surely read as PyYAML reads it: the next reader decides."""


def line_of(raw: str, number: int) -> Line | None:
    """One line's ``(indent, content, number)``, or ``None`` for a blank or comment line."""
    content = raw.lstrip(" ")
    if not content or content[0] == "#":
        return None  # a blank line, or a comment alone on its line
    indent = len(raw) - len(content)
    if "#" in content:
        if "'" in content or '"' in content:
            raise Unsure  # a `#` inside quotes is text: left to the parser
        cut = content.find(" #")  # a comment needs a space before it; `a#b` is text
        if cut >= 0:
            content = content[:cut]
    return indent, content.rstrip(" "), number


def _may_skip(text: str) -> bool:
    """Whether ``text`` may hold a blank or comment line (substring searches, in C): a
    line of spaces ends with one."""
    return (
        "#" in text
        or "\n\n" in text
        or " \n" in text
        or text.startswith("\n")
        or text.endswith(" ")
    )


class LazyLines:
    """A large text's lines as the reader lists them, each made when it is read.

    The reader reads each line once or twice, in order, and replaces one line (an
    item's ``- key: value``) just before it reads it again: a list of 400,000
    lines would hold 100 MB, and a list of their texts 30 MB; the lines' starts
    hold 3.
    """

    __slots__ = ("_count", "_keep", "_last", "_replaced", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        raw = text.split("\n")
        self._starts = array("q", accumulate(map((1).__add__, map(len, raw)), initial=0))
        end = len(text) - 1 if text.endswith("\n") else len(text)
        self._keep: list[int] | None = None  # every line holds something
        self._count = len(raw) - text.endswith("\n")
        if _may_skip(text) and _SKIPPED_LINE.search(text, 0, end) is not None:
            self._keep = [
                index
                for index, line in enumerate(raw)
                if (content := line.lstrip(" ")) and content[0] != "#"
            ]
        self._last: tuple[int, Line] = (-1, (0, "", 0))
        self._replaced: tuple[int, Line] = (-1, (0, "", 0))

    def __len__(self) -> int:
        return self._count if self._keep is None else len(self._keep)

    def __getitem__(self, at: int) -> Line:
        if self._replaced[0] == at:
            return self._replaced[1]
        if self._last[0] == at:
            return self._last[1]
        index = at if self._keep is None else self._keep[at]
        line = line_of(self.text[self._starts[index] : self._starts[index + 1] - 1], index + 1)
        assert line is not None  # kept lines hold something
        self._last = (at, line)
        return line

    def __setitem__(self, at: int, line: Line) -> None:
        self._replaced = (at, line)

    def length(self, at: int) -> int:
        """Line ``at``'s length in characters (as the reader counts lines)."""
        index = at if self._keep is None else self._keep[at]
        return self._starts[index + 1] - self._starts[index] - 1

    def index_of(self, number: int) -> int:
        """The index (as the reader counts lines) of the line numbered ``number``."""
        return number - 1 if self._keep is None else bisect.bisect_left(self._keep, number - 1)

    def number(self, at: int) -> int:
        """Line ``at``'s 1-based number in the text (blank and comment lines count)."""
        return (at if self._keep is None else self._keep[at]) + 1

    def starts(self) -> array[int]:
        """Where each line of the text starts (blank and comment lines too), and its end."""
        return self._starts

    def start(self, at: int) -> int:
        """Where line ``at`` (as the reader counts lines) starts in the text."""
        return self.starts()[at if self._keep is None else self._keep[at]]

    def run(self, at: int, form: Run) -> tuple[Any, int, str] | None:
        """The values of the run of ``form`` lines from line ``at`` (every scalar a string),
        its length, and its text (for :meth:`Run.read` to read it again, marked)."""
        start = end = self.start(at)
        # A bounded count of lines a match: a repeated group keeps state per repetition
        # (a run of 400,000 lines in one match holds over a gigabyte).
        while (found := form.lines.match(self.text, end)) is not None:
            end = found.end()
            if end == len(self.text):
                break
        if end == start:
            return None
        count = self.text.count("\n", start, end) + (not self.text.endswith("\n", start, end))
        if at + count < len(self) and self[at + count][0] > form.indent:
            # The last entry goes on below (`- a: 1` then `  b: {c: 2}`): the reader reads it.
            end = self.text.rfind(form.entry, start, end - 1) + 1
            if end <= start:
                return None
            count = self.text.count("\n", start, end)
        if count < BULK_MIN and end - start < BULK_BYTES:
            return None
        region = self.text[start:end]
        region = region if region.endswith("\n") else region + "\n"
        value = form.read(region)
        if form.opening == "{" and len(value) != count:
            raise Unsure  # a mapping repeats a key: the parser reports it
        return value, count, region


class Run:
    """Entries of one form at one indent, and how to rewrite them as one JSON value.

    Every rewrite is a literal replacement (Python 3.11 expands a replacement
    that names a group in Python, a microsecond a line), and every expression
    starts with a character it searches for (one that starts with a space or a
    lookbehind is tried at each character: 0.2 s for 14 MB). A run without a
    quote (and, in flow, spaced as ``safe_dump`` spaces it) is rewritten by
    ``str.replace`` alone, about three times quicker: ``literals``.
    """

    __slots__ = (
        "close_last",
        "count_pairs",
        "entry",
        "indent",
        "lines",
        "literals",
        "marked",
        "opening",
        "rewrites",
    )

    def __init__(
        self,
        indent: int,
        entry: str,
        pattern: str,
        rewrites: list[tuple[str, str]],
        opening: str,
        *,
        literals: list[tuple[str, str]],
        close_last: bool = True,
    ) -> None:
        #: Whether the last line's plain value is closed here (the rewrites close each one
        #: when the next entry opens).
        self.close_last = close_last
        self.indent = indent
        #: How each entry starts, after a line break.
        self.entry = "\n" + " " * indent + entry
        self.lines = re.compile(rf"(?:{pattern}(?:\n|\Z)){{1,{_ENTRIES_A_MATCH}}}", re.MULTILINE)
        #: With a quoted scalar's text marked (:data:`QUOTED_MARK`), and without.
        self.marked = [(re.compile(found), literal) for found, literal in rewrites]
        self.rewrites = [
            (found, literal.replace(QUOTED_MARK, "")) for found, literal in self.marked
        ]
        #: The rewrites of a text without a quote, as literal replacements: the first entry's
        #: opening gets the closing quote of a value before it, dropped.
        self.literals = literals
        self.opening = opening
        #: A mapping may repeat a key; JSON would keep the last silently.
        self.count_pairs = opening == "[" and any('": ' in literal for _, literal in rewrites)

    def read(self, text: str, *, marked: bool = False) -> Any:
        """The value of the run's lines (each ending with a line break); ``marked``, each
        quoted scalar's text starts with :data:`QUOTED_MARK`."""
        text = "\n" + text  # every line starts after a line break
        if self.close_last and text[-2:-1] != '"':
            text = text[:-1] + '"\n'  # the last value, plain: no entry after it closes it
        if self._literal(text):
            # A closed run's last line break opens no entry (a mapping's at indent 0 would).
            end = "\n" if self.close_last else ""
            text = text.removesuffix(end)
            for old, new in self.literals:
                text = text.replace(old, new)
            text = text.removeprefix('"') + end
        else:
            for found, literal in self.marked if marked else self.rewrites:
                text = found.sub(literal, text)
        # Each entry's rewrite opened with the separator after the one before it.
        text = text.strip().removeprefix("},").removeprefix(",").strip().removesuffix(",")
        if text.startswith("{") and not text.endswith("}"):
            text += "}"
        value = json.loads(
            f"{self.opening}{text}{']' if self.opening == '[' else '}'}", strict=False
        )
        if self.count_pairs and sum(map(len, value)) != text.count('": '):
            raise Unsure  # an entry repeats a key: the parser reports it
        return value

    def _literal(self, text: str) -> bool:
        """Whether ``text`` (closed) may be rewritten by :attr:`literals`: no quote but the
        closing one, and in flow a space after each comma and colon and nowhere else."""
        if '"' in text[:-2]:
            return False
        if self.close_last:
            return True
        return flow_spaced(text)


def flow_spaced(text: str) -> bool:
    """Whether a run's flow text (no comma or colon in a scalar) has one space after each
    comma and colon, and none after an opening brace, as ``safe_dump`` writes it."""
    return (
        ",  " not in text
        and ":  " not in text
        and "{ " not in text
        and text.count(",") == text.count(", ")
        and text.count(":") == text.count(": ")
    )


#: What a quoted scalar's text starts with in a run's JSON (a control character, which
#: JSON takes when not strict and no manifest's text holds), so that a plain one is told
#: from it: only a plain one may be typed.
QUOTED_MARK = "\x01"
#: A key's closing quote, and a value's opening one (no value holds a colon).
_CLOSE_KEY = [(r': "', f'": "{QUOTED_MARK}'), (r': (?!")', '": "')]
#: After a plain value (a line not ending with a quote), the next entry's opening also
#: closes it: one pass for both.
_AFTER_PLAIN = '\n(?<=[^"]\n)'


def run_forms(first_excluded: frozenset[str]) -> Callable[[int, str], Run]:
    """A maker of the :class:`Run` of a form at an indent: in a sequence, ``"block"``
    (``- key: value`` and more pairs below it), ``"flow"`` (``- {key: value}``) or
    ``"item"`` (``- value``); in a mapping, ``"key"`` (``key: value``). Plain scalars
    may not start with a character of ``first_excluded``."""
    first = "[^" + "".join(map(re.escape, sorted(first_excluded | set(" \"'\\\n")))) + "]"
    # No quote, backslash (JSON's), `#` (a comment's), colon (a pair's) or comma (a flow
    # separator) in any scalar, and no bracket inside a flow collection; a space inside
    # only before more text. Written as runs of text and runs of spaces each before more
    # text, each a loop in C (a choice at each character costs three times as much).
    text = r"[^\"'\\#:,\n ]"
    plain = rf"{first}{text}*+(?: +{text}++)*+"
    quoted = r'"[^"\\\n#:,]*"'
    flow_text = r"[^\"'\\#:,\n \[\]{}]"
    flow_plain = rf"{first}{flow_text}*+(?: +{flow_text}++)*+"
    flow_quoted = r'"[^"\\\n#:,\[\]{}]*"'
    key = r"[A-Za-z_][A-Za-z0-9_-]*"
    pair = f"{key}: (?:{quoted}|{plain})"
    kept: dict[tuple[int, str], Run] = {}

    def make(indent: int, form: str) -> Run:
        found = kept.get((indent, form))
        if found is not None:
            return found
        at, start = f"^ {{{indent}}}", f"\n {{{indent}}}"
        if form == "block":  # - key: value / key: value  ->  {"key": "value", "key": "value"},
            more = f"\n {{{indent + 2}}}"
            rewrites = [
                (f"{_AFTER_PLAIN} {{{indent}}}- ", '"},\n{"'),
                (f"{start}- ", '},\n{"'),
                (f"{_AFTER_PLAIN} {{{indent + 2}}}", '", "'),
                (more, ', "'),
                *_CLOSE_KEY,
            ]
            literals = [
                (f"\n{' ' * indent}- ", '"},\n{"'),
                (f"\n{' ' * (indent + 2)}", '", "'),
                (": ", '": "'),
            ]
            pattern = rf"{at}- {pair}(?:{more}{pair})*+"
            run = Run(indent, "- ", pattern, rewrites, "[", literals=literals)
        elif form == "item":  # - value  ->  "value",
            rewrites = [
                (f'{_AFTER_PLAIN} {{{indent}}}- (?!")', '",\n"'),
                (f'{_AFTER_PLAIN} {{{indent}}}- "', f'",\n"{QUOTED_MARK}'),
                (f'{start}- (?!")', ',\n"'),
                (f'{start}- "', f',\n"{QUOTED_MARK}'),
            ]
            literals = [(f"\n{' ' * indent}- ", '",\n"')]
            run = Run(
                indent, "- ", rf"{at}- (?:{quoted}|{plain})", rewrites, "[", literals=literals
            )
        elif form == "key":  # key: value  ->  "key": "value",
            rewrites = [
                (f"{_AFTER_PLAIN} {{{indent}}}(?=[A-Za-z_])", '",\n"'),
                (f"{start}(?=[A-Za-z_])", ',\n"'),
                *_CLOSE_KEY,
            ]
            literals = [(f"\n{' ' * indent}", '",\n"'), (": ", '": "')]
            run = Run(indent, "", rf"{at}{pair}", rewrites, "{", literals=literals)
        else:  # - {key: value, key: value}  ->  {"key": "value", "key": "value"},
            flow_pair = rf"{key}: +(?:{flow_quoted}|{flow_plain})"
            # A plain value gets its quotes where it ends (a quoted one has its own) and
            # where it starts: no value holds a quote, a comma or a colon.
            rewrites = [
                ('"\\}\n', '"},\n'),
                ("\\}\n", '"},\n'),
                ('", *(?=[A-Za-z_])', '", "'),
                (", *(?=[A-Za-z_])", '", "'),
                ("- \\{ *", '{"'),
                (': +"', f'": "{QUOTED_MARK}'),
                (': +(?!")', '": "'),
            ]
            pattern = rf"{at}- \{{ *{flow_pair}(?:, *{flow_pair})*+\}}"
            literals = [("}\n", '"},\n'), (", ", '", "'), ("- {", '{"'), (": ", '": "')]
            run = Run(indent, "- ", pattern, rewrites, "[", literals=literals, close_last=False)
        kept[(indent, form)] = run
        return run

    return make
