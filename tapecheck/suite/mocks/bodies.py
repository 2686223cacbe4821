"""Small request bodies: the Content-Type check, capped JSON reading and schema validation.

JSON bodies are read from ``request.stream()`` with a running cap (never
``request.body()``), parsed strictly (no ``NaN``, no invalid UTF-8) and checked
against the operation's JSON Schema from the spec. Every failure is a
:class:`MockError` 400 naming what is wrong, never a framework page.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Collection, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from python_multipart.multipart import parse_options_header

from tapecheck.suite.formats import format_checker
from tapecheck.suite.mocks.errors import MockError

__all__ = [
    "DEFAULT_MAX_JSON_BYTES",
    "SchemaValidator",
    "media_type",
    "parse_json",
    "read_json",
    "require_media_type",
]

#: A JSON request body larger than this is refused.
DEFAULT_MAX_JSON_BYTES = 1_000_000


def media_type(content_type: str | None) -> str:
    """The lower-case media type of a Content-Type header, without parameters."""
    value, _ = parse_options_header(content_type or "")
    return value.decode("latin-1")


def require_media_type(content_type: str | None, expected: Collection[str]) -> str:
    """Refuse (400) a body whose media type is not one of ``expected``."""
    found = media_type(content_type)
    if found not in expected:
        wanted = " or ".join(sorted(expected))
        raise MockError(400, f"expected Content-Type {wanted}, got {content_type or 'none'}")
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes | str, what: str = "the body") -> Any:
    """Parse strict JSON (no ``NaN``/``Infinity``); a 400 naming ``what`` otherwise.

    Also refused: nesting too deep for the parser, and ``\\ud800``-style escapes
    of lone surrogates, which are no Unicode text (a mock that echoes such a
    string could not encode its answer).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_no_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MockError(400, f"{what} is not valid JSON: it escapes a lone surrogate") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MockError(400, f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise MockError(400, f"{what} is not valid JSON: it is nested too deeply") from None
    return value


async def read_json(
    chunks: AsyncIterable[bytes],
    content_type: str | None,
    *,
    max_bytes: int = DEFAULT_MAX_JSON_BYTES,
) -> Any:
    """Read an ``application/json`` body from a stream of chunks, capped at ``max_bytes``."""
    kind = media_type(content_type)
    if kind != "application/json" and not kind.endswith("+json"):
        raise MockError(
            400, f"expected Content-Type application/json, got {content_type or 'none'}"
        )
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        if len(buffer) > max_bytes:
            raise MockError(400, f"the JSON body is larger than {max_bytes} bytes")
    if not buffer:
        raise MockError(400, "the body is empty; a JSON document is required")
    return parse_json(bytes(buffer))


#: The formats a mock reads as the linter does; jsonschema's other checks stay, ``uri`` is not asserted.
_ASSERTED_FORMATS = ("uuid", "email", "date-time", "date")


class SchemaValidator:
    """Validates a value against one JSON Schema, reporting ``{pointer: problem}``.

    Formats are asserted as the linter reads them (:mod:`tapecheck.suite.formats`):
    ``uuid`` hyphenated, ``email`` by syntax, ``date-time`` RFC 3339 with an
    offset, ``date`` a calendar day.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        checker = format_checker(_ASSERTED_FORMATS, keep_jsonschema_formats=True)
        self._validator = Draft202012Validator(dict(schema), format_checker=checker)

    def problems(self, value: Any) -> dict[str, str]:
        """Each invalid value's JSON Pointer and the first problem found there."""
        found: dict[str, str] = {}
        errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        for error in errors:
            leaf = _leaf(error)
            pointer = "".join(
                "/" + str(p).replace("~", "~0").replace("/", "~1") for p in leaf.absolute_path
            )
            message = str(leaf.message)
            found.setdefault(
                pointer or "/", message if len(message) <= 200 else message[:197] + "..."
            )
        return found


def _leaf(error: ValidationError) -> ValidationError:
    """The most specific error under ``anyOf``/``oneOf`` (the deepest, first of equals)."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error
