"""The quickest reader of small YAML manifests: block mappings of scalars, line by line.

Most manifests written by hand or by ``yaml.safe_dump`` are a few lines of
``key: value``, nested mappings, and sequences of scalars. For those, even the
event reader of :mod:`tapecheck.suite._plain_yaml` spends most of its time
creating libyaml's events; this module reads the lines themselves, and gives
each scalar its tag and value through PyYAML's own resolver and constructors,
so a value is what the safe loader makes of it.

It decides only what it surely reads as PyYAML does: lines of ``key: value``
(plain, single-quoted or double-quoted scalars on one line), ``key:`` opening
a more indented mapping or a sequence (indented or not), and ``- scalar``
items. Anything else (a comment, a flow collection, a block scalar, an
anchor, a tag, a multi-line scalar, an escape, a tab, a duplicate key, a value
its constructor refuses) returns ``None``, and the next reader decides.
``tests/test_lint_fast_path.py`` checks that it agrees with the full path on
the test corpus and on mutated manifests.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["read_simple"]

#: What this reader leaves to the others wherever it is: comments, escapes, merge keys,
#: complex keys, document markers, and every character that is not printable ASCII
#: (tabs, CR, controls; a text with any other character is left whole, see read_simple).
#: Flow collections, block scalars, anchors, aliases, tags and directives start a
#: scalar with an indicator (below); after its first character, `{`, `&`, `@`... are
#: text in a block's plain scalar (`${TOKEN}`, `sam@example.com`).
#: Searched as a few C scans (see _not_simple): one expression of six alternatives tries
#: each at every character, 14 us for a 13-line manifest against 4.
_NOT_PRINTABLE = re.compile(r"[^\n\x20-\x7e]")
_COMPLEX_KEY = re.compile(r"\?(?:\s|$)", re.MULTILINE)
#: A plain scalar may not start with one of these (YAML's indicators).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_STR = "tag:yaml.org,2002:str"
#: Longer than this, a plain key is not an implicit key (YAML's limit is 1,024).
_MAX_KEY = 1000

_RESOLVER: Any = yaml.resolver.Resolver()
_CONSTRUCTOR: Any = yaml.constructor.SafeConstructor()
#: The tag of each plain scalar text seen (keys and values repeat across manifests).
_TAGS: dict[str, str] = {}
_MAX_TAGS = 65_536
#: What a `key: rest` line reads as, and what a scalar's text is worth: a thousand
#: manifests repeat most of their lines (every value kept is immutable: str, int,
#: float, bool, None, date, datetime).
_KEYS: dict[str, tuple[str, str, Any, str]] = {}
_VALUES: dict[str, Any] = {}
_MAX_KEPT = 65_536
_KEPT_CHARS = 256


class _Unsure(Exception):
    """Not surely read as PyYAML reads it: the next reader decides."""


def read_simple(text: str) -> tuple[dict[Any, Any]] | None:
    """``(mapping,)`` for a simple block document, else ``None`` (another reader decides)."""
    if not text.isascii() or _not_simple(text):
        return None  # (YAML's printable Unicode is a class that costs ms to compile)
    try:
        lines = _lines(text)
        if not lines or lines[0][0] != 0:
            return None
        data, end = _mapping(lines, 0, 0)
    except _Unsure:
        return None
    except Exception:  # a constructor refusing a value: the full path says why
        return None
    return (data,) if end == len(lines) else None


def _not_simple(text: str) -> bool:
    """Whether ``text`` holds what this reader leaves to the others (listed above): a
    character that is not printable ASCII, a backslash, ``<<``, a line opening with
    ``---`` or ``...``, or a ``?`` before a space or a line's end."""
    return (
        _NOT_PRINTABLE.search(text) is not None
        or "\\" in text
        or "<<" in text
        or text.startswith(("---", "..."))
        or "\n---" in text
        or "\n..." in text
        or ("?" in text and _COMPLEX_KEY.search(text) is not None)
    )


def _lines(text: str) -> list[tuple[int, str]]:
    """``(indent, content)`` of each line that holds something, comments cut off."""
    lines: list[tuple[int, str]] = []
    for line in text.split("\n"):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue  # a blank line, or a comment alone on its line
        indent = len(line) - len(content)
        if "#" in content:
            if "'" in content or '"' in content:
                raise _Unsure  # a `#` inside quotes is text: left to the parser
            cut = content.find(" #")  # a comment needs a space before it; `a#b` is text
            if cut >= 0:
                content = content[:cut]
        lines.append((indent, content.rstrip(" ")))
    return lines


def _mapping(lines: list[tuple[int, str]], at: int, indent: int) -> tuple[dict[Any, Any], int]:
    data: dict[Any, Any] = {}
    seen: set[tuple[str, str]] = set()
    count = len(lines)
    while at < count:
        here, content = lines[at]
        if here < indent:
            break
        if here > indent or _is_item(content):
            raise _Unsure  # a continuation line, or a sequence where a key belongs
        read = _KEYS.get(content)
        if read is None:
            read = _key(content)
            if len(_KEYS) < _MAX_KEPT and len(content) <= _KEPT_CHARS:
                _KEYS[content] = read
        written, tag, key, rest = read
        if (tag, written) in seen:
            raise _Unsure  # a duplicate key: the full path reports it
        seen.add((tag, written))
        at += 1
        value: Any
        if rest:
            value = _scalar(rest)
        elif at < count and lines[at][0] > indent:
            inner = lines[at][0]
            if _is_item(lines[at][1]):
                value, at = _sequence(lines, at, inner)
            else:
                value, at = _mapping(lines, at, inner)
        elif at < count and lines[at][0] == indent and _is_item(lines[at][1]):
            value, at = _sequence(lines, at, indent)  # a sequence beside its key
        else:
            value = None  # `key:` and nothing: null
        data[key] = value
    return data, at


def _sequence(lines: list[tuple[int, str]], at: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    count = len(lines)
    while at < count:
        here, content = lines[at]
        if here < indent or (here == indent and not _is_item(content)):
            break
        if here > indent:
            raise _Unsure  # a continuation line
        item = content[1:].lstrip(" ")
        if not item:
            raise _Unsure  # `-` alone opens a block
        items.append(_scalar(item))
        at += 1
    return items, at


def _is_item(content: str) -> bool:
    return content[0] == "-" and (len(content) == 1 or content[1] == " ")


def _key(content: str) -> tuple[str, str, Any, str]:
    """``(text, tag, key, rest)`` of a ``key: rest`` line."""
    if content[0] in "'\"":
        end = _closing_quote(content)
        after = content[end + 1 :]
        if after != ":" and not after.startswith(": "):
            raise _Unsure  # no `: ` after the quoted key
        written = _unquote(content[: end + 1])
        return written, _STR, written, after[1:].lstrip(" ")
    colon = content.find(": ")
    if colon < 0:
        if not content.endswith(":"):
            raise _Unsure  # a scalar alone on its line (a continuation, or no mapping)
        colon = len(content) - 1
    written = content[:colon]
    if not written or written[-1] == " " or len(written) > _MAX_KEY:
        raise _Unsure
    tag, key = _plain(written)
    return written, tag, key, content[colon + 1 :].lstrip(" ")


def _scalar(written: str) -> Any:
    value = _VALUES.get(written, _VALUES)  # the dict itself: nothing kept
    if value is _VALUES:
        value = _read_scalar(written)
        if len(_VALUES) < _MAX_KEPT and len(written) <= _KEPT_CHARS:
            _VALUES[written] = value
    return value


def _read_scalar(written: str) -> Any:
    if written[0] in "'\"":
        if _closing_quote(written) != len(written) - 1:
            raise _Unsure  # text after the closing quote: a key, a comment, garbage
        return _unquote(written)
    return _plain(written)[1]


def _closing_quote(content: str) -> int:
    """Where the quoted scalar opening ``content`` closes; a lone quote mark inside is unsure."""
    quote = content[0]
    at = 1
    while True:
        end = content.find(quote, at)
        if end < 0:
            raise _Unsure  # it goes on on the next line
        if quote == "'" and content[end + 1 : end + 2] == "'":
            at = end + 2  # '' is one quote mark
            continue
        return end


def _unquote(written: str) -> str:
    inner = written[1:-1]
    return inner.replace("''", "'") if written[0] == "'" else inner


def _plain(written: str) -> tuple[str, Any]:
    """The tag and value of a plain scalar, as the safe loader resolves and constructs it."""
    if written[0] in _INDICATORS or ": " in written or written.endswith(":"):
        raise _Unsure
    tag = _TAGS.get(written)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, written, (True, False))
        if len(_TAGS) < _MAX_TAGS and len(written) <= 256:
            _TAGS[written] = tag
    if tag == _STR:
        return tag, written
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise _Unsure  # `=` (the value tag): the full path refuses it
    return tag, construct(_CONSTRUCTOR, yaml.ScalarNode(tag, written))
