"""The quickest reader of YAML manifests: block mappings and sequences, line by line.

Most manifests written by hand or by ``yaml.safe_dump`` are lines of ``key:
value``, nested mappings, sequences of scalars or of mappings, and one-line
flow collections (``{email: sam@example.com}``). For those, even the event
reader of :mod:`tapecheck.suite._plain_yaml` spends most of its time creating
libyaml's events (400,000 contacts: 2 s); this module reads the lines
themselves, and gives each scalar its tag and value through PyYAML's own
resolver and constructors, so a value is what the safe loader makes of it.

It decides only what it surely reads as PyYAML does: lines of ``key: value``
(plain, single-quoted or double-quoted scalars on one line, or a flow mapping
or sequence of such scalars), ``key:`` opening a more indented mapping or a
sequence (indented or not), ``- scalar`` and ``- key: value`` items. Anything
else (a flow collection inside another or over lines, a block scalar, an
anchor, a tag, a multi-line scalar, an escape, a tab, a duplicate key, a value
its constructor refuses) returns ``None``, and the next reader decides.
``tests/test_lint_fast_path.py`` checks that it agrees with the full path on
the test corpus and on mutated manifests.

Asked to (:func:`read_simple`'s ``locate``), it also keeps where each value
starts, as libyaml marks it, in a compact tree (:class:`Located`): a large
manifest's findings are then placed without composing its node graph again.
"""

from __future__ import annotations

import functools
import operator
import re
from collections import deque
from collections.abc import Callable, Iterable
from itertools import accumulate, chain, compress, islice, repeat
from typing import Any

from tapecheck.suite._yaml_entries import LongEntry
from tapecheck.suite._yaml_lines import (
    BULK_BYTES,
    BULK_MIN,
    QUOTED_MARK,
    LazyLines,
    Line,
    Unsure,
    line_of,
    run_forms,
)
from tapecheck.suite._yaml_marks import LINE, Located, Mark, pack, unpack
from tapecheck.suite._yaml_scalars import (
    INDICATORS,
    KEPT_CHARS,
    MAX_KEPT,
    NOT_TEXT,
    RESOLVED_FIRST,
    TAG_EXPRESSIONS,
    all_text,
    is_key,
    plain,
    read_flow,
    read_key,
    read_value,
    scalar,
    shape,
)

__all__ = ["Located", "read_simple"]

#: What this reader leaves to the others wherever it is (see _not_simple): escapes,
#: merge keys, complex keys, document markers, and every character that is not
#: printable ASCII (tabs, CR, controls). Flow collections, block scalars, anchors,
#: aliases, tags and directives start a scalar with an indicator (below); after its
#: first character, `{`, `&`, `@`... are text in a block's plain scalar (`${TOKEN}`,
#: `sam@example.com`). A text over :data:`_UNICODE_FROM` characters may also hold YAML's
#: printable Unicode (names, places), but no line break other than LF (NEL, LS and PS
#: break lines in YAML 1.1) and no byte-order mark; compiling that class costs ms, so a
#: smaller text with any character past ASCII is left whole to the others.
_NOT_PRINTABLE_UNICODE = (
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_UNICODE_FROM = 64 * 1024
#: What a `key: rest` line reads as: a thousand manifests repeat most of their lines.
_KEYS: dict[str, tuple[str, Any, str, int]] = {}
_COMPLEX_KEY = re.compile(r"\?(?:\s|$)", re.MULTILINE)
#: Larger texts make each line as it is read, and read long runs of one-line entries in C
#: (:mod:`tapecheck.suite._yaml_lines`).
_LAZY_FROM = 256 * 1024
#: What a typed scalar's line becomes, in a text of a run's scalars (no scalar holds it,
#: and no implicit tag reads it), and a decimal integer's.
_TYPED_MARK = "\n\x02"
_DECIMAL_MARK = "\n\x03"
#: A decimal integer as the safe loader reads one (a leading 0 makes it octal), and the
#: line of one in a text of lines.
_DECIMAL_TEXT = "[+]?(?:[1-9][0-9]*+|0)"
_DECIMAL = re.compile(_DECIMAL_TEXT)
_DECIMAL_LINE = re.compile(f"\n{_DECIMAL_TEXT}(?=\n)")
#: A run's mapping of more members than this keeps its value beside its mark, for its
#: members' marks to be counted from its keys and values rather than read again.
_LONG_MEMBERS = 1024
#: The runs' forms (none if a resolver may resolve text of any first character, or one
#: is not written as ``^...$``: :func:`all_text` could not ask it).
_RUNS = (
    run_forms(INDICATORS)
    if RESOLVED_FIRST is not None
    and all(pattern[:1] == "^" and pattern[-1:] == "$" for pattern in TAG_EXPRESSIONS)
    else None
)


def read_simple(text: str, *, locate: bool = False) -> tuple[Any, Located | None] | None:
    """``(mapping, located)`` for a simple block document, else ``None`` (another reader
    decides); ``located`` is ``None`` unless asked for."""
    if _not_simple(text):
        return None
    try:
        lines = _lines(text, lazy=locate)
        if not lines or lines[0][0] != 0:
            return None
        reader = _Reader(lines, locate)
        data, end, mark = reader.mapping(0, 0)
    except Unsure:
        return None
    except Exception:  # a constructor refusing a value: the full path says why
        return None
    if end != len(lines):
        return None
    if not isinstance(lines, LazyLines) or not locate:
        return data, None
    return data, Located(mark, _members(lines, reader.long_entries))


def _not_simple(text: str) -> bool:
    """Whether ``text`` holds what this reader leaves to the others (listed above): a
    character that is not printable, a backslash, ``<<``, a line opening with ``---`` or
    ``...``, or a ``?`` before a space or a line's end."""
    if text.isascii():
        # ASCII's printable characters are YAML's: one C scan (a search of the class
        # costs 0.1 s for 14 MB).
        if not text.replace("\n", "").isprintable():
            return True
    elif len(text) < _UNICODE_FROM or re.search(_NOT_PRINTABLE_UNICODE, text) is not None:
        return True
    return (
        "\\" in text
        or "<<" in text
        or text.startswith(("---", "..."))
        or "\n---" in text
        or "\n..." in text
        or ("?" in text and _COMPLEX_KEY.search(text) is not None)
    )


def _lines(text: str, *, lazy: bool = False) -> list[Line] | LazyLines:
    """``(indent, content, number)`` of each line that holds something, comments cut off;
    for a large text (or when ``lazy``), made as each is read (a list of 400,000 would
    hold 100 MB), with where each line starts, for marks read again."""
    if lazy or len(text) > _LAZY_FROM:
        return LazyLines(text)
    lines: list[Line] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = line_of(raw, number)
        if line is not None:
            lines.append(line)
    return lines


class _Reader:
    """One document's lines, read into values (and, when ``locate``, their marks)."""

    __slots__ = ("count", "lazy", "lines", "locate", "long_entries", "next_run")

    def __init__(self, lines: list[Line] | LazyLines, locate: bool) -> None:
        self.lines = lines
        self.count = len(lines)
        self.locate = locate
        #: A large text's lines, whose long runs of one-line entries are read in C.
        self.lazy = lines if isinstance(lines, LazyLines) and _RUNS is not None else None
        #: The first line a run is looked for at (after a miss, a run's length later), but
        #: for a long line (one entry of a million members).
        self.next_run = 0
        #: A run's long mappings by their mark (see :data:`_LONG_MEMBERS`).
        self.long_entries: dict[int, dict[str, Any]] = {}

    def run(self, at: int, indent: int, form: str) -> tuple[Any, int] | None:
        """The values of a run of one-line entries of ``form`` from line ``at``, if long."""
        if self.lazy is None or _RUNS is None:
            return None
        if at < self.next_run and self.lazy.length(at) < BULK_BYTES:
            return None
        run = _RUNS(indent, form)
        found = self.lazy.run(at, run)
        if found is None:
            self.next_run = at + BULK_MIN
            return None
        value, length, region = found
        keys: Iterable[str] = (
            () if form == "item" else value if form == "key" else set().union(*value)
        )
        if form == "item":
            texts: Iterable[str] = value
        elif form == "key":
            texts = value.values()
        else:
            texts = chain.from_iterable(map(dict.values, value))
        if all_text(chain(keys, texts)):
            return value, length
        if all_text(keys):
            # A value an implicit tag reads (`yes`, `14155552671`): read again with the
            # quoted ones marked (if any), and each plain one given its type.
            if '"' in region:
                value = run.read(region, marked=True)
            _settle(value, form)
            return value, length
        # A key that is not its text (`on: 1`): these lines are read one by one, and no
        # run is looked for among them (each look would read them all again).
        self.next_run = at + length
        return None

    def run_marks(self, values: list[Any], form: str, first: int, length: int) -> list[int]:
        """The marks of a run's ``values`` in a sequence, the first at ``first``; a long
        mapping's value is kept beside its mark (:data:`_LONG_MEMBERS`)."""
        if form == "block":  # a line a pair
            lines_before = accumulate(map(len, values), initial=0)
            marks = list(map(first.__add__, map(LINE.__mul__, lines_before)))
            marks.pop()  # the line after the last
        else:  # a line an item
            marks = list(range(first, first + length * LINE, LINE))
        if form != "item" and max(map(len, values)) > _LONG_MEMBERS:
            for mark, entry in zip(marks, values, strict=True):
                if len(entry) > _LONG_MEMBERS:
                    self.long_entries[mark] = entry
        return marks

    def mapping(self, at: int, indent: int) -> tuple[dict[Any, Any], int, Mark]:
        """The block mapping whose keys start at column ``indent`` from line ``at``."""
        lines, count, locate = self.lines, self.count, self.locate
        data: dict[Any, Any] = {}
        texts: list[str] = []
        marks: list[Mark] = []
        own = pack(lines[at][2], indent + 1)
        while at < count:
            here, content, number = lines[at]
            if here < indent:
                break
            if here > indent or _is_item(content):
                raise Unsure  # a continuation line, or a sequence where a key belongs
            if self.lazy is not None and (run := self.run(at, indent, "key")) is not None:
                pairs, length = run
                if not data.keys().isdisjoint(pairs):
                    raise Unsure  # a duplicate key: the full path reports it
                data.update(pairs)
                texts += pairs
                if locate:  # `key: value`: the value one space after the colon, a line each
                    first = pack(self.lazy.number(at), indent + 3)
                    lines_of = range(first, first + length * LINE, LINE)
                    marks += map(operator.add, lines_of, map(len, pairs))
                at += length
                continue
            read = _KEYS.get(content)
            if read is None:
                read = read_key(content)
                if len(_KEYS) < MAX_KEPT and len(content) <= KEPT_CHARS:
                    _KEYS[content] = read
            written, key, rest, colon = read
            at += 1
            value: Any
            mark: Mark = 0
            if rest:
                column = here + len(content) - len(rest) + 1
                value, mark = read_value(rest, number, column, locate)
            elif at < count and lines[at][0] > indent:
                inner = lines[at][0]
                if _is_item(lines[at][1]):
                    value, at, mark = self.sequence(at, inner)
                else:
                    value, at, mark = self.mapping(at, inner)
            elif at < count and lines[at][0] == indent and _is_item(lines[at][1]):
                value, at, mark = self.sequence(at, indent)  # a sequence beside its key
            else:
                value = None  # `key:` and nothing: null, marked just after the colon
                mark = pack(number, here + colon + 2)
            data[key] = value
            texts.append(written)
            if locate:
                marks.append(mark)
        if len(set(texts)) != len(texts):
            # A duplicate key (the full path reports it), or `1` beside `'1'`.
            raise Unsure
        if not locate:
            return data, at, 0
        return data, at, (own, shape(texts), *marks)

    def sequence(self, at: int, indent: int) -> tuple[list[Any], int, Mark]:
        """The block sequence whose dashes are at column ``indent`` from line ``at``."""
        lines, count, locate = self.lines, self.count, self.locate
        items: list[Any] = []
        marks: list[Mark] = []
        own = pack(lines[at][2], indent + 1)
        while at < count:
            here, content, number = lines[at]
            if here != indent:
                if here < indent:
                    break
                raise Unsure  # a continuation line
            if content[0] != "-":
                break  # the next key of the mapping around
            item = content[2:]
            if content[1:2] != " " or not item:
                if len(content) == 1:
                    raise Unsure  # `-` alone opens a block
                break  # `-x`: not an item
            if item[0] == " ":
                item = item.lstrip(" ")
            elif self.lazy is not None and (
                at >= self.next_run or self.lazy.length(at) >= BULK_BYTES
            ):
                form = "flow" if item[0] == "{" else "block" if is_key(item) else "item"
                if (run := self.run(at, indent, form)) is not None:
                    values, length = run
                    items += values
                    if locate:  # `- item`: the item two columns after the dash
                        first = pack(self.lazy.number(at), indent + 3)
                        marks += self.run_marks(values, form, first, length)
                    at += length
                    continue
            column = here + len(content) - len(item)  # where the item starts, 0-based
            value: Any
            mark: Mark
            if item[0] in "{[":
                value, mark = read_flow(item, number, column + 1, locate)
                at += 1
            elif is_key(item):
                # `- key: value`: a mapping whose keys start at the item's column.
                lines[at] = (column, item, number)
                value, at, mark = self.mapping(at, column)
            else:
                value, mark = scalar(item), number * LINE + column + 1  # pack(), inline
                at += 1
            items.append(value)
            if locate:
                marks.append(mark)
        if not locate:
            return items, at, 0
        return items, at, (own, None, *marks)


def _settle(value: Any, form: str) -> None:
    """Give each scalar of a run read marked its reading: a quoted one its text, a plain
    one the type an implicit tag gives it. The ones to settle are found in C (a run of
    180,000 phone numbers written plain), and decimal integers made by ``int`` in C."""
    if form == "item":
        flat: list[Any] = value
    elif form == "key":
        flat = list(value.values())
    else:
        flat = list(chain.from_iterable(map(dict.values, value)))
    # Each typed scalar's line emptied but for a mark, a decimal integer's (phone numbers
    # written plain) by a simpler expression first: which lines are typed, in C.
    joined = _DECIMAL_LINE.sub(_DECIMAL_MARK, "\n" + "\n".join(flat) + "\n")
    lines = NOT_TEXT.sub(_TYPED_MARK, joined).split("\n")[1:-1]
    if len(lines) != len(flat):
        raise Unsure  # a scalar of lines: not a run's
    decimal = list(map(_DECIMAL_MARK[1:].__eq__, lines))
    typed = list(map(_TYPED_MARK[1:].__eq__, lines))
    quoted = list(map(str.startswith, flat, repeat(QUOTED_MARK)))
    if not any(decimal) and not any(typed) and not any(quoted):
        return
    settled = list(flat)
    for mask, values in (
        (decimal, map(int, compress(flat, decimal))),  # no other reading
        (typed, map(_typed, compress(flat, typed))),
    ):
        for index, settled_value in zip(compress(range(len(flat)), mask), values, strict=True):
            settled[index] = settled_value
    for index in compress(range(len(flat)), quoted):
        settled[index] = flat[index][1:]
    if form == "item":
        value[:] = settled
    elif form == "key":
        value.update(zip(list(value), settled, strict=True))
    else:  # each mapping's values replaced in place, in C (a value set is no key added)
        values_of = map(islice, repeat(iter(settled)), map(len, value))
        deque(map(dict.update, value, map(zip, value, values_of)), maxlen=0)


def _typed(text: str) -> Any:
    """A plain scalar's value; a decimal number (a phone number written plain) at once."""
    if _DECIMAL.fullmatch(text) is not None:
        return int(text)
    return plain(text)


def _members(
    lines: LazyLines, long_entries: dict[int, dict[str, Any]]
) -> Callable[[int], Mark | None]:
    """The marks of the members of the collection a run's entry starts at a mark, read
    again from the document's ``lines`` when a finding needs one (a run keeps one mark
    per entry), or counted from a long entry's keys and values (``long_entries``)."""
    text, starts = lines.text, lines.starts()

    @functools.lru_cache(maxsize=16)  # a thousand findings in one entry read it once
    def members(mark: int) -> Mark | None:
        line, column = unpack(mark)
        if line >= len(starts):
            return None
        begin = starts[line - 1] + column - 1
        end = text.find("\n", begin)
        item = text[begin : len(text) if end < 0 else end].rstrip(" ")
        try:
            if (entry := long_entries.get(mark)) is not None:
                end = begin + len(item) if item[:1] == "{" else starts[line - 1 + len(entry)]
                return LongEntry(text, begin, end, mark, entry)
            if item[:1] in ("{", "["):
                return read_flow(item, line, column, True)[1]
            if not item or not is_key(item):
                return None  # a scalar: no members
            # A mapping from the mark on, its other keys below it (a run's `- key: value`),
            # read as the document was: a long one's runs of pairs in C.
            at = lines.index_of(line)
            lines[at] = (column - 1, item, line)
            return _Reader(lines, True).mapping(at, column - 1)[2]
        except Exception:  # read as the reader read it; a line it did not read: no members
            return None

    return members


def _is_item(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")
