"""JSON Pointers (RFC 6901): escaping, joining, splitting and following them.

Manifests, specs (``$ref`` fragments), the ``x-tapecheck`` extensions and
the mocks name values by JSON Pointer; this is the one reading of them.
``/`` in a token is written ``~1`` and ``~`` is written ``~0``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "escape_token",
    "follow",
    "join_pointer",
    "ref_tokens",
    "split_pointer",
    "unescape_token",
]


def escape_token(token: str) -> str:
    """A member name as a pointer token: ``a/b`` is ``a~1b``."""
    if "~" not in token and "/" not in token:
        return token
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """A pointer token as the member name it stands for: ``a~1b`` is ``a/b``."""
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(*tokens: str | int) -> str:
    """The pointer of a path of member names and indexes: ``("a", 0)`` is ``/a/0``."""
    return "".join("/" + escape_token(str(token)) for token in tokens)


def split_pointer(pointer: str) -> list[str]:
    """The member names of a pointer: ``/a~1b/0`` is ``["a/b", "0"]``; ``""`` is the root."""
    return [unescape_token(token) for token in pointer.split("/")[1:]]


def ref_tokens(ref: str) -> list[str]:
    """The member names a local ``$ref`` (``#/components/schemas/Id``) points through.

    ``#`` alone is the document; the ``/`` after ``#`` may be left out or doubled.
    """
    fragment = ref[1:]
    return [unescape_token(token) for token in fragment.lstrip("/").split("/")] if fragment else []


def follow(document: Any, tokens: Iterable[str]) -> tuple[bool, Any]:
    """``(found, value)`` at the end of ``tokens``, through objects and arrays."""
    node = document
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node
