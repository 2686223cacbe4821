"""How a finding's message names things: values, pointers, types, choices, sizes, formats.

Shared by the rule families and the vendors' rules, so every message quotes a
value, names a place, lists alternatives and says a size, a duration or an
audio format the same way.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tapecheck.suite.pointers import split_pointer

__all__ = [
    "code_listing",
    "describe_pointer",
    "did_you_mean",
    "distinct_sizes",
    "format_list",
    "format_name",
    "human_bytes",
    "human_duration",
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
#: How messages name the audio probe's formats, in the order messages list them.
_FORMAT_NAMES = {
    "wav": "WAV",
    "mp3": "MP3",
    "aac": "AAC (ADTS)",
    "mp4": "MP4/M4A",
    "opus": "Ogg Opus",
    "vorbis": "Ogg Vorbis",
    "flac": "FLAC",
    "webm": "WebM",
}
_FORMAT_ORDER = {fmt: index for index, fmt in enumerate(_FORMAT_NAMES)}
#: Decimal units, largest first (1 MB = 1,000,000 bytes, as the vendors count).
_UNITS = (("GB", 10**9), ("MB", 10**6), ("kB", 10**3))
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
    tokens = split_pointer(pointer)
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


# -- sizes, durations and audio formats ---------------------------------------------


def human_bytes(count: float, decimals: int = 1, *, trim: bool = False) -> str:
    """A size in decimal units: ``26.2 MB``; ``trim`` drops trailing zeros (``25 MB``)."""
    for unit, scale in _UNITS:
        if count >= scale:
            text = f"{count / scale:,.{decimals}f}"
            if trim and "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{count:,.0f} bytes"


def distinct_sizes(size: int, limit: int) -> tuple[str, str]:
    """A size and a limit in decimal units, with enough decimals that they do not read the same."""
    limit_shown = human_bytes(limit, 6, trim=True)
    shown = human_bytes(size)
    for decimals in range(1, 7):
        shown = human_bytes(size, decimals)
        if human_bytes(size, decimals, trim=True) != limit_shown:
            break
    return shown, limit_shown


def human_duration(seconds: float) -> str:
    """A duration as people say it: ``1 h 2 min 5 s``, ``45 min``, ``12.5 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{secs} s"] if secs else []
    return " ".join(parts)


def format_name(fmt: str) -> str:
    """How a message names a probe format (``mp4`` is ``MP4/M4A``)."""
    return _FORMAT_NAMES.get(fmt, fmt)


def format_list(formats: Iterable[str]) -> str:
    """Probe formats as alternatives, in the usual order: ``WAV, MP3 or AAC (ADTS)``."""
    ordered = sorted(formats, key=lambda f: _FORMAT_ORDER.get(f, len(_FORMAT_ORDER)))
    return or_list([format_name(f) for f in ordered])
