"""Where a value of a large JSON manifest starts, found without indexing the whole document.

A manifest's positions are read from YAML's node graph (JSON is YAML), every
value at once: for 400,000 contacts that is 12 seconds and 800 MB, paid as
soon as one finding needs a line. :class:`JsonPositions` reads only the
containers on the way to the value asked for: their members' start offsets
are listed once per container (the members themselves skipped by the
standard library's C scanner), so the next finding in the same array costs a
look-up. Lines and columns are counted as YAML counts them: a line ends at
``\\r\\n``, ``\\r``, ``\\n``, NEL, LS or PS, and a column counts characters.
"""

from __future__ import annotations

import array
import bisect
import json
import re
from typing import Any

from tapecheck.suite.pointers import escape_token

__all__ = ["JsonPositions"]

_SPACE = re.compile(r"[ \t\n\r]*")
_SPACE_CHARS = (" ", "\t", "\n", "\r")
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_SEPARATOR = re.compile(r"[ \t\n\r]*([,}\]])[ \t\n\r]*")
#: What YAML reads as a line break besides ``\r``, ``\n`` and ``\r\n`` (one break).
_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")
_ANY_OTHER_BREAK = re.compile("[\x85\u2028\u2029]")
_ALL_BREAKS = ("\r", "\n", *_OTHER_BREAKS)


class _Container:
    """An object's or array's members read so far, and where reading resumes."""

    __slots__ = ("at", "closer", "names", "pending", "starts")

    def __init__(self, opener: str, at: int) -> None:
        self.closer = "}" if opener == "{" else "]"
        self.names: dict[str, int] = {}
        self.starts = array.array("q")  # 8 bytes a member, not an int object each
        self.at: int | None = at  # None: every member read
        self.pending = False  # ``at`` is a value read (its start kept) and not yet skipped


class JsonPositions:
    """Positions (1-based line, column) of values of one strict-JSON text, by pointer."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._scan: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
        #: pointer -> the container there (None: a scalar, or text json.loads would refuse)
        self._containers: dict[str, _Container | None] = {}
        #: offsets already counted, ascending, and their (line, line's start): counting
        #: starts from the nearest one before
        self._known: list[int] = [0]
        self._lines: list[tuple[int, int]] = [(1, 0)]
        self._root = _skip_space(text, 0)

    def position(self, tokens: list[str]) -> tuple[int, int]:
        """Where the deepest value present on the way to ``tokens`` starts."""
        offset, here = self._root, ""
        for token in tokens:
            if here not in self._containers:
                self._containers[here] = self._open(offset)
            container = self._containers[here]
            found = None if container is None else self._member(container, token)
            if found is None:
                break
            offset, here = found, f"{here}/{escape_token(token)}"
        return self._line_column(offset)

    def _open(self, offset: int) -> _Container | None:
        opener = self.text[offset : offset + 1]
        if opener not in ("{", "["):
            return None
        return _Container(opener, _skip_space(self.text, offset + 1))

    def _member(self, container: _Container, token: str) -> int | None:
        """The start of member ``token``, reading on (members skipped in C) until it is read."""
        if container.closer == "}":
            if token not in container.names and container.at is not None:
                self._read(container, token, 0)
            return container.names.get(token)
        if not (token.isdigit() and str(int(token)) == token):
            return None
        index = int(token)
        if index >= len(container.starts) and container.at is not None:
            self._read(container, None, index + 1)
        return container.starts[index] if index < len(container.starts) else None

    def _read(self, container: _Container, name: str | None, count: int) -> None:
        """Read members until ``name`` (an object's) or ``count`` members (an array's) are read.

        One loop, no call per member but the C scanner's (400,000 contacts); the
        member asked for is not skipped until a later member is (it may be the
        whole body).
        """
        text, scan, separator = self.text, self._scan, _SEPARATOR
        names, starts, closer = container.names, container.starts, container.closer
        at = container.at
        assert at is not None
        try:
            if not container.pending and text[at] == closer and not names and not starts:
                container.at = None
                return
            while True:
                if container.pending:  # skip the value read last, then its separator
                    _, at = scan(text, at)
                    after = separator.match(text, at)
                    if after is None or after.group(1) not in (",", closer):
                        raise ValueError("',' expected")
                    if after.group(1) == closer:
                        container.at = None
                        return
                    at = after.end()
                if closer == "}":
                    key, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
                    colon = _COLON.match(text, at)
                    if colon is None:
                        raise ValueError("':' expected")
                    at = colon.end()
                    names.setdefault(key, at)
                    done = key == name
                else:
                    starts.append(at)
                    done = len(starts) >= count
                container.at, container.pending = at, True
                if done:
                    return
        except (ValueError, IndexError, StopIteration):  # not what json.loads read: stop here
            container.at = None

    def _line_column(self, offset: int) -> tuple[int, int]:
        """Counted from the nearest position already known before ``offset``, at C speed."""
        text, known = self.text, self._known
        index = bisect.bisect_right(known, offset) - 1
        start = known[index]
        line, line_start = self._lines[index]
        breaks = (
            text.count("\n", start, offset)
            + text.count("\r", start, offset)
            - text.count("\r\n", start, offset)
        )
        if _ANY_OTHER_BREAK.search(text, start, offset) is not None:
            breaks += sum(text.count(mark, start, offset) for mark in _OTHER_BREAKS)
        if breaks:
            line += breaks
            line_start = max(text.rfind(mark, start, offset) for mark in _ALL_BREAKS) + 1
        if known[index] != offset:
            known.insert(index + 1, offset)
            self._lines.insert(index + 1, (line, line_start))
        return line, offset - line_start + 1


def _skip_space(text: str, at: int) -> int:
    if text[at : at + 1] in _SPACE_CHARS:
        return _SPACE.match(text, at).end()  # type: ignore[union-attr]
    return at
