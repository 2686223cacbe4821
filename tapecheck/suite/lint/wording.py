"""How a finding's message names things: values, manifest pointers, JSON types and choices.

Shared by the rule families and the vendors' rules, so every message quotes a
value, names a place and lists alternatives the same way.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "code_listing",
    "describe_pointer",
    "did_you_mean",
    "kind_of",
    "or_list",
    "plain",
    "show_value",
    "type_names",
    "typed",
]

#: How messages name the JSON Schema types.
_TYPE_NAMES = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}
#: How :func:`describe_pointer` names a single value of a manifest section.
_SECTION_LABELS = {
    "headers": "header",
    "path": "path parameter",
    "query": "query parameter",
    "files": "file part",
}


def show_value(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: JSON, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_pointer(pointer: str) -> str:
    """A manifest pointer as a message names it: `contacts[0].email`, header `Tenant-Name`."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    if not tokens:
        return "the manifest"
    section, rest = tokens[0], tokens[1:]
    if section in _SECTION_LABELS and len(rest) == 1:
        return f"{_SECTION_LABELS[section]} `{rest[0]}`"
    if section == "body" and not rest:
        return "the body"
    if section != "body":
        rest = tokens
    dotted = ""
    for token in rest:
        dotted += f"[{token}]" if token.isdigit() else (f".{token}" if dotted else token)
    return f"`{dotted}`"


def typed(value: Any) -> str:
    """A value with its JSON type, as messages name it: ``a string "abc"``, ``null``."""
    return "null" if value is None else f"{kind_of(value)} {show_value(value)}"


def kind_of(value: Any) -> str:
    """The JSON type of a value, with its article: ``an object``, ``a list``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def or_list(names: Sequence[str]) -> str:
    """Alternatives as a sentence says them: ``a, b or c``; ``nothing`` for none."""
    if not names:
        return "nothing"
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def code_listing(values: Sequence[Any]) -> str:
    """Values written as code, as alternatives: `` `mp3`, `wav` or `aac` ``."""
    return or_list([f"`{v}`" for v in values])


def type_names(types: Sequence[Any]) -> str:
    """JSON Schema types as alternatives: ``a string or null``."""
    return or_list([_TYPE_NAMES.get(str(t), str(t)) for t in types])


def plain(value: Any) -> str:
    """A listed value as written: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def did_you_mean(value: str, choices: Sequence[str]) -> str | None:
    """A fix naming the choice ``value`` was probably meant to be (case first, then spelling)."""
    lowered = {choice.lower(): choice for choice in choices}
    if value.lower() in lowered:
        return f"Did you mean `{lowered[value.lower()]}`?"
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f"Did you mean `{close[0]}`?" if close else None
