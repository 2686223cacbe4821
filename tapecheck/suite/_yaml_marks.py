"""Where each value of a YAML manifest starts, kept compactly while it is read.

The full path finds a finding's position by composing the document's node
graph and indexing every value by its JSON Pointer: for 400,000 contacts,
ten seconds and most of a gigabyte, to place a thousand findings. The line
reader (:mod:`tapecheck.suite._simple_yaml`) knows each value's line and
column as it reads it; it keeps them in a tree of tuples and ints beside the
data, and :class:`Located` answers a pointer by walking it.

A value's mark is one int (:func:`pack`). A mapping is ``(mark, key texts,
*marks of its values)``, a sequence ``(mark, None, *marks of its items)``,
where a value's mark is an int for a scalar and such a tuple for a
collection, or an int too for an entry of a run read in C (its members are
read again from its lines when a pointer goes into it, by ``members``). Key
texts are what the full path names a value by: a key's
scalar text (``0x1F``, not ``31``), unique in its mapping (the reader leaves
``1`` beside ``'1'`` to the full path); a key tuple is shared by the mappings
of one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from tapecheck.suite.pointers import split_pointer

__all__ = ["LINE", "Located", "Mark", "Searched", "pack", "unpack"]

#: An int for a scalar, a tuple for a collection (see the module's text), or a collection
#: whose members are found when asked.
Mark: TypeAlias = "int | tuple[Any, ...] | Searched"

_COLUMN_BITS = 25  # a line is at most 16 MiB long (the manifest's cap)
_COLUMN_MASK = (1 << _COLUMN_BITS) - 1
#: A mapping with more keys than this is searched through a dictionary made once.
_INDEXED_FROM = 32


#: One line down, in a mark.
LINE = 1 << _COLUMN_BITS


def pack(line: int, column: int) -> int:
    """One int for a 1-based line and column."""
    return line << _COLUMN_BITS | column


def unpack(mark: int) -> tuple[int, int]:
    """A mark's 1-based line and column."""
    return mark >> _COLUMN_BITS, mark & _COLUMN_MASK


class Searched:
    """A collection marked at ``mark`` whose members' marks are found when asked (a
    mapping of a million members)."""

    __slots__ = ("mark",)

    mark: int

    def child(self, token: str) -> Mark | None:
        """The mark of the member named ``token``, or ``None``."""
        raise NotImplementedError


class Located:
    """A manifest's marks: the position of any value, by JSON Pointer."""

    __slots__ = ("_indexes", "_members", "_root")

    def __init__(self, root: Mark, members: Callable[[int], Mark | None] | None = None) -> None:
        self._root = root
        self._indexes: dict[int, dict[str, int]] = {}
        #: The marks of the members of a collection kept as one mark (``None``: a scalar).
        self._members = members

    def position(self, pointer: str) -> tuple[int, int]:
        """Where ``pointer``'s value starts; for a missing value, its nearest present parent."""
        node = self._root
        for token in split_pointer(pointer):
            if isinstance(node, int):
                expanded = None if self._members is None else self._members(node)
                if expanded is None or isinstance(expanded, int):
                    break  # a scalar has no members
                node = expanded
            child = node.child(token) if isinstance(node, Searched) else self._child(node, token)
            if child is None:
                break
            node = child
        mark: int = (
            node if isinstance(node, int) else node.mark if isinstance(node, Searched) else node[0]
        )
        return unpack(mark)

    def _child(self, node: tuple[Any, ...], token: str) -> Mark | None:
        texts: tuple[str, ...] | None = node[1]
        if texts is None:  # a sequence: an index as the full path writes it
            if not token.isdigit() or (token != "0" and token[0] == "0"):
                return None
            at = int(token)
            return node[2 + at] if at < len(node) - 2 else None
        found: int | None
        if len(texts) > _INDEXED_FROM:
            index = self._indexes.get(id(node))
            if index is None:
                index = self._indexes[id(node)] = dict(zip(texts, range(len(texts)), strict=True))
            found = index.get(token)
        else:
            found = texts.index(token) if token in texts else None
        return None if found is None else node[2 + found]
