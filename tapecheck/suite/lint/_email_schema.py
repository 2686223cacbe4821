"""A copy of a schema whose e-mail formats a compiled validator reads without Python.

``format: email`` is asserted by :func:`~tapecheck.suite.values.is_email`, a
Python function: jsonschema-rs calls it once per address, which is most of
the time a 400,000-contact manifest takes. :func:`plain_email_schema` gives a
copy where each such format is the schema
:data:`~tapecheck.suite.values.PLAIN_EMAIL_SCHEMA` instead (a ``pattern`` and
a length, no Python): it accepts only
addresses ``is_email`` accepts, so a validator of the copy refuses more than
one of the original, never less, provided the format sits where failing more
can only make the whole instance fail more.

That holds under ``properties``, ``items``, ``allOf``, ``anyOf``, ``$ref`` and
the other applicators whose result is monotone in their subschemas'. It does
not hold under ``not``, ``if``, ``oneOf`` or ``contains`` (failing more can
make those pass): a format reached through one of them keeps the real check.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tapecheck.suite.lint._schema_walk import resolve
from tapecheck.suite.values import PLAIN_EMAIL_SCHEMA

__all__ = ["plain_email_schema"]

#: Applicators whose verdict can only get worse when a subschema refuses more.
_MONOTONE_ONE = (
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "unevaluatedItems",
    "propertyNames",
    "then",
    "else",
    "contentSchema",
)
_MONOTONE_MAPS = ("properties", "patternProperties", "dependentSchemas")
_MONOTONE_LISTS = ("allOf", "anyOf", "prefixItems")
#: Applicators that can pass because a subschema fails.
_OTHER_ONE = ("not", "if", "contains")
_OTHER_LISTS = ("oneOf",)
#: Keywords that reach subschemas in ways this walk does not follow: no rewrite.
_UNFOLLOWED = ("$dynamicRef", "$recursiveRef", "$id", "$anchor", "$dynamicAnchor")


def plain_email_schema(root: Mapping[str, Any]) -> dict[str, Any] | None:
    """A copy of ``root`` with each monotone ``format: email`` as a pattern; ``None`` if none is."""
    rewritten: dict[str, Any] = copy.deepcopy(dict(root))
    monotone: dict[int, Mapping[str, Any]] = {}
    other: set[int] = set()
    stack: list[tuple[Any, bool]] = [(rewritten, True)]
    seen: set[tuple[int, bool]] = set()
    while stack:
        node, positive = stack.pop()
        if not isinstance(node, Mapping) or (id(node), positive) in seen:
            continue
        seen.add((id(node), positive))
        if any(key in node for key in _UNFOLLOWED) and node is not rewritten:
            return None
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                return None
            stack.append((resolve(rewritten, {"$ref": ref}), positive))
        if node.get("format") == "email":
            if positive:
                monotone[id(node)] = node
            else:
                other.add(id(node))
        stack += [(node[key], positive) for key in _MONOTONE_ONE if key in node]
        stack += [(node[key], False) for key in _OTHER_ONE if key in node]
        for key in _MONOTONE_MAPS:
            if isinstance(node.get(key), Mapping):
                stack += [(sub, positive) for sub in node[key].values()]
        for key in (*_MONOTONE_LISTS, *_OTHER_LISTS):
            if isinstance(node.get(key), list):
                keep = positive and key in _MONOTONE_LISTS
                stack += [(sub, keep) for sub in node[key]]
    changed = False
    for identity, node in monotone.items():
        if identity in other or not isinstance(node, dict):
            continue
        del node["format"]
        node["allOf"] = [*node.get("allOf", []), copy.deepcopy(dict(PLAIN_EMAIL_SCHEMA))]
        changed = True
    return rewritten if changed else None
