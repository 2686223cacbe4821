"""Scalars and one-line flow collections, as PyYAML's safe loader reads them.

The line reader (:mod:`tapecheck.suite._simple_yaml`) finds a manifest's
structure; this module reads what a line holds: a key, a plain, single- or
double-quoted scalar (its tag from the safe loader's own resolver, its value
from its constructors), or a flow mapping or sequence of such scalars on one
line, with the marks of their values. What it is not sure of raises
:class:`~tapecheck.suite._yaml_lines.Unsure`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from tapecheck.suite._yaml_lines import Unsure
from tapecheck.suite._yaml_marks import _COLUMN_BITS, Mark, pack

__all__ = [
    "INDICATORS",
    "KEPT_CHARS",
    "MAX_KEPT",
    "NOT_TEXT",
    "RESOLVED_FIRST",
    "TAG_EXPRESSIONS",
    "all_text",
    "is_key",
    "plain",
    "read_flow",
    "read_key",
    "read_value",
    "scalar",
    "shape",
]

#: A plain scalar may not start with one of these (YAML's indicators).
INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: A scalar inside a one-line flow collection: quoted, or plain without the characters
#: that end it there or that this reader leaves to the parser (`:`, `#`, quotes).
_FLOW_SCALAR = (
    r"\"[^\"]*\"|'(?:[^']|'')*+'"
    r"|[^\s'\"\[\]{},:#&*!|>%@`?-][^'\"\[\]{},:#]*?"
)
#: A plain key ends with what is not a space: `{a : b}` is left to the parser.
_FLOW_KEY = (
    r"\"[^\"]*\"|'(?:[^']|'')*+'"
    r"|[^\s'\"\[\]{},:#&*!|>%@`?-](?:[^'\"\[\]{},:#]*[^\s'\"\[\]{},:#])?"
)
#: One entry, then a comma or the end: groups key, value, comma (an item's key is empty).
_FLOW_PAIR = re.compile(rf" *({_FLOW_KEY}): +({_FLOW_SCALAR}) *(,|\Z)")
_FLOW_ITEM = re.compile(rf" *()({_FLOW_SCALAR}) *(,|\Z)")
_STR = "tag:yaml.org,2002:str"
#: Longer than this, a plain key is not an implicit key (YAML's limit is 1,024).
_MAX_KEY = 1000

_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR: Any = yaml.constructor.SafeConstructor()
#: The first characters of the texts an implicit tag other than ``str`` may resolve: a
#: plain scalar starting otherwise (``person@example.com``) is a string, unasked.
#: (A resolver for any first character, under ``None``, would leave none unasked.)
RESOLVED_FIRST: frozenset[str] | None = (
    None
    if None in _RESOLVER.yaml_implicit_resolvers
    else frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)
)
#: The tag of each plain scalar text seen (keys and values repeat across manifests).
_TAGS: dict[str, str] = {}
_MAX_TAGS = 65_536
#: What a scalar's text is worth: a thousand manifests repeat most of their values
#: (every value kept is immutable: str, int, float, bool, None, date, datetime).
_VALUES: dict[str, Any] = {}
MAX_KEPT = 65_536
KEPT_CHARS = 256
#: One tuple of a mapping's key texts per shape (400,000 contacts share a few).
_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}
#: A flow mapping key's written text: its text as a pointer names it, and its value.
_FLOW_KEYS: dict[str, tuple[str, Any, tuple[str, ...]]] = {}

#: The resolver's expressions (each written `^...$`), to find a text any of them types.
TAG_EXPRESSIONS = sorted(
    {
        expression.pattern
        for resolvers in _RESOLVER.yaml_implicit_resolvers.values()
        for _, expression in resolvers
    }
)
#: A line, of a text of lines, that an implicit tag other than ``str`` may resolve: a
#: line break, then (only where the first character may start one, searched in C) any
#: of the resolver's expressions up to the next line break.
NOT_TEXT = re.compile(
    "\\n(?=["
    + "".join(map(re.escape, sorted(RESOLVED_FIRST or ())))
    + "]|\\n)(?:"
    + "|".join(f"(?:{pattern[1:-1]})" for pattern in TAG_EXPRESSIONS)
    + ")(?=\\n)",
    re.VERBOSE,
)


def all_text(texts: Iterable[str]) -> bool:
    """Whether each plain scalar of a run is the string it reads (``yes`` is a boolean,
    ``2024-01-15`` a date): asked of them all at once, in C. A quoted one that would not
    be is asked too (the reader reads that run line by line)."""
    return NOT_TEXT.search("\n" + "\n".join(texts) + "\n") is None


def shape(texts: list[str]) -> tuple[str, ...]:
    """The mapping's key texts as one tuple, shared by the mappings of one shape."""
    texts_of = tuple(texts)
    if len(_SHAPES) < MAX_KEPT:
        return _SHAPES.setdefault(texts_of, texts_of)
    return _SHAPES.get(texts_of, texts_of)


def is_key(item: str) -> bool:
    """Whether a sequence item opens a mapping (``- key: value``)."""
    first = item[0]
    if first in "'\"":
        try:
            end = _closing_quote(item)
        except Unsure:
            return False  # the scalar's reading refuses it
        return item[end + 1 : end + 3] in (":", ": ")
    return first not in "[{" and (": " in item or item.endswith(":"))


def read_key(content: str) -> tuple[str, Any, str, int]:
    """``(text, key, rest, colon)`` of a ``key: rest`` line; ``colon`` is the colon's index."""
    if content[0] in "'\"":
        end = _closing_quote(content)
        after = content[end + 1 :]
        if after != ":" and not after.startswith(": "):
            raise Unsure  # no `: ` after the quoted key
        written = _unquote(content[: end + 1])
        return written, written, after[1:].lstrip(" "), end + 1
    colon = content.find(": ")
    if colon < 0:
        if not content.endswith(":"):
            raise Unsure  # a scalar alone on its line (a continuation, or no mapping)
        colon = len(content) - 1
    written = content[:colon]
    if not written or written[-1] == " " or len(written) > _MAX_KEY:
        raise Unsure
    return written, plain(written), content[colon + 1 :].lstrip(" "), colon


def read_value(written: str, line: int, column: int, locate: bool) -> tuple[Any, Mark]:
    """The value written from ``column`` (1-based) of ``line`` to the line's end."""
    if written[0] in "{[":
        return read_flow(written, line, column, locate)
    return scalar(written), (pack(line, column) if locate else 0)


def read_flow(written: str, line: int, column: int, locate: bool) -> tuple[Any, Mark]:
    """A one-line flow mapping or sequence of scalars: ``{a: b, c: 'd'}``, ``[1, x]``.

    Written for speed (400,000 contacts, one a line): one match per entry, values
    from the match's own groups."""
    is_map = written[0] == "{"
    end = len(written) - 1
    if written[end] != ("}" if is_map else "]"):
        raise Unsure  # it goes on on the next line, or something follows it
    entry = (_FLOW_PAIR if is_map else _FLOW_ITEM).match
    found = entry(written, 1, end)
    if is_map and found is not None and not found[3]:  # one pair, as most contacts are
        text, key, alone = _flow_key(found[1])
        value = _flow_value(found[2])
        if not locate:
            return {key: value}, 0
        mark = line << _COLUMN_BITS | (column + found.start(2))
        return {key: value}, (line << _COLUMN_BITS | column, alone, mark)
    texts: list[str] = []
    keys: list[Any] = []
    values: list[Any] = []
    marks: list[Mark] = []
    while True:
        if found is None:
            if not texts and not values and not written[1:end].strip(" "):
                break  # `{}`, `[ ]`
            raise Unsure  # a collection inside, an empty entry, a trailing comma, `{a:1}`...
        key_text, value_text, comma = found.groups()
        if is_map:
            text, key, _ = _flow_key(key_text)
            texts.append(text)
            keys.append(key)
        values.append(_flow_value(value_text))
        if locate:
            marks.append(line << _COLUMN_BITS | (column + found.start(2)))
        if not comma:
            break
        found = entry(written, found.end(), end)
    own = line << _COLUMN_BITS | column
    if not is_map:
        return values, ((own, None, *marks) if locate else 0)
    mapping = dict(zip(keys, values, strict=True))
    if len(mapping) != len(texts) or (len(texts) > 1 and len(set(texts)) != len(texts)):
        raise Unsure  # a duplicate key, or `1` beside `'1'`
    return mapping, ((own, shape(texts), *marks) if locate else 0)


def _flow_key(written: str) -> tuple[str, Any, tuple[str, ...]]:
    """A flow mapping key's text (as a pointer names it), its value, and the shape of a
    mapping of it alone."""
    known = _FLOW_KEYS.get(written)
    if known is None:
        text = _unquote(written) if written[0] in "'\"" else written
        key = text if written[0] in "'\"" else plain(written)
        known = (text, key, shape([text]))
        if len(_FLOW_KEYS) < MAX_KEPT and len(written) <= KEPT_CHARS:
            _FLOW_KEYS[written] = known
    return known


def _flow_value(written: str) -> Any:
    """A scalar the flow expressions matched: a quoted one is whole, with no escape."""
    quote = written[0]
    if quote == '"':
        return written[1:-1]
    if quote == "'":
        return written[1:-1].replace("''", "'")
    return scalar(written)


def scalar(written: str) -> Any:
    value = _VALUES.get(written, _VALUES)  # the dict itself: nothing kept
    if value is _VALUES:
        value = _read_scalar(written)
        if len(_VALUES) < MAX_KEPT and len(written) <= KEPT_CHARS:
            _VALUES[written] = value
    return value


def _read_scalar(written: str) -> Any:
    if written[0] in "'\"":
        if _closing_quote(written) != len(written) - 1:
            raise Unsure  # text after the closing quote: a key, a comment, garbage
        return _unquote(written)
    return plain(written)


def _closing_quote(content: str) -> int:
    """Where the quoted scalar opening ``content`` closes; a lone quote mark inside is unsure."""
    quote = content[0]
    at = 1
    while True:
        end = content.find(quote, at)
        if end < 0:
            raise Unsure  # it goes on on the next line
        if quote == "'" and content[end + 1 : end + 2] == "'":
            at = end + 2  # '' is one quote mark
            continue
        return end


def _unquote(written: str) -> str:
    inner = written[1:-1]
    return inner.replace("''", "'") if written[0] == "'" else inner


def plain(written: str) -> Any:
    """The value of a plain scalar, as the safe loader resolves and constructs it."""
    if written[0] in INDICATORS or ": " in written or written.endswith(":"):
        raise Unsure
    if RESOLVED_FIRST is not None and written[0] not in RESOLVED_FIRST:
        return written  # no implicit tag starts with this character: a string
    tag = _TAGS.get(written)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, written, (True, False))
        if len(_TAGS) < _MAX_TAGS and len(written) <= 256:
            _TAGS[written] = tag
    if tag == _STR:
        return written
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise Unsure  # `=` (the value tag): the full path refuses it
    return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, written))
