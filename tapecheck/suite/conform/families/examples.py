"""A minimal valid request of an operation, made from its schema alone, with edits at pointers.

The families that vary one value (an id's charset, a duplicated key, the
tenant a request names) send the smallest request the spec calls valid: every
required member and nothing else, each the plainest value its schema allows
(the first ``enum`` value, a well-formed email, uuid or date-time, a string
matching the ``pattern``). A value at a JSON Pointer into the body, or into the
parsed form (a ``json-fields`` member is the document it holds), is then set
to what the family tests. What the schema alone cannot make (a required query
parameter, an id of a resource made before, a schema too deep or a pattern no
candidate matches) is not made: the family does not apply to that operation.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tapecheck.suite.conform.families.facts import (
    accepted_format,
    id_parameters,
    required_parameters,
)
from tapecheck.suite.conform.media import MIME, Media, stream_file
from tapecheck.suite.pointers import split_pointer
from tapecheck.suite.specs import Operation, Spec

__all__ = ["Unmakeable", "body_document", "buildable", "request_kwargs", "set_at", "value_of"]

#: How deep a schema is followed; deeper required members are not made.
_MAX_DEPTH = 8
#: Plain strings tried, in order, against a ``pattern``.
_PLAIN = ("tapecheck-1", "tapecheck", "abc123", "1", "a", "A1")
_FORMATS = {
    "email": "tapecheck@example.com",
    "uuid": str(uuid.UUID(int=0x7A9EC0DE << 64 | 0x1)),
    "date-time": "2024-01-15T14:30:00Z",
    "date": "2024-01-15",
    "time": "14:30:00Z",
    "uri": "https://example.com/tapecheck",
    "url": "https://example.com/tapecheck",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
}


class Unmakeable(ValueError):
    """The schema alone does not say how to make a valid value."""


def _merged(spec: Spec, schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``allOf`` members, and the first branch of an object's ``anyOf``/``oneOf``."""
    merged: dict[str, Any] = dict(schema)
    parts = [spec.resolve(p) for p in schema.get("allOf", ())]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if branches and ("properties" in schema or schema.get("type") == "object"):
            parts.append(spec.resolve(branches[0]))
            merged.pop(key)
    merged.pop("allOf", None)
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        part = _merged(spec, part)
        properties = dict(part.get("properties", {}))
        properties.update(merged.get("properties", {}))  # the outer schema's are the fuller ones
        merged["properties"] = properties
        merged["required"] = list(
            dict.fromkeys([*merged.get("required", ()), *part.get("required", ())])
        )
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def _string(schema: Mapping[str, Any]) -> str:
    fmt = schema.get("format")
    pattern = schema.get("pattern")
    candidates = [_FORMATS[fmt]] if isinstance(fmt, str) and fmt in _FORMATS else []
    candidates += list(_PLAIN)
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    for text in candidates:
        text = text + "0" * max(0, low - len(text))
        if isinstance(high, int) and len(text) > high:
            continue
        if isinstance(pattern, str) and re.search(pattern, text) is None:
            continue
        return text
    raise Unmakeable(f"no plain string fits {dict(schema)!r}")


def value_of(spec: Spec, schema: Any, depth: int = 0) -> Any:
    """The plainest valid value of ``schema`` (an OpenAPI schema of ``spec``)."""
    node = spec.resolve(schema)
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        raise Unmakeable("the schema is too deep or not a schema")
    node = _merged(spec, node)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return next((v for v in node["enum"] if v is not None), node["enum"][0])
    for key in ("anyOf", "oneOf"):
        if node.get(key):
            return value_of(spec, node[key][0], depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in node):
        properties = node.get("properties", {})
        return {
            str(name): value_of(spec, properties.get(name, {}), depth + 1)
            for name in node.get("required", ())
        }
    if kind == "array":
        count = max(1, int(node.get("minItems", 1)))
        return [value_of(spec, node.get("items", {}), depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0))
        value = max(1, int(low) + (1 if "exclusiveMinimum" in node else 0))
        high = node.get("maximum")
        return min(value, int(high)) if isinstance(high, (int, float)) else value
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "string" or kind is None:
        inner = node.get("contentSchema")
        if isinstance(inner, Mapping):
            return json.dumps(value_of(spec, inner, depth + 1))
        return _string(node)
    raise Unmakeable(f"unknown type {kind!r}")


def _form_schema(spec: Spec, operation: Operation) -> Mapping[str, Any] | None:
    body = operation.request_body or {}
    form = body.get("content", {}).get("multipart/form-data")
    if not isinstance(form, Mapping):
        return None
    schema = spec.resolve(form.get("schema", {}))
    return _merged(spec, schema) if isinstance(schema, Mapping) else None


def body_document(
    spec: Spec, operation: Operation, params: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The minimal body as a document: a JSON body, or a form whose JSON fields are parsed.

    A ``--param NAME=VALUE`` (``params``) naming a top-level member of the body
    fills it, required or not: what a real account needs (its own teammate, a
    playbook) the run is given that way. ``None`` when the operation takes no
    JSON or form body; raises :class:`Unmakeable` when the schema does not say
    how to make one.
    """
    document = _minimal_document(spec, operation)
    schema = _form_schema(spec, operation) or _json_schema(spec, operation)
    properties = schema.get("properties", {}) if schema is not None else {}
    if document is not None:
        for name, value in (params or {}).items():
            if name in properties:
                document[name] = value
    return document


def _json_schema(spec: Spec, operation: Operation) -> Mapping[str, Any] | None:
    content = (operation.request_body or {}).get("content", {})
    schema = spec.resolve(content.get("application/json", {}).get("schema", {}))
    return _merged(spec, schema) if isinstance(schema, Mapping) and schema else None


def _minimal_document(spec: Spec, operation: Operation) -> dict[str, Any] | None:
    audio = operation.audio or {}
    parts = set(audio.get("parts", ())) if audio.get("location") == "part" else set()
    form = _form_schema(spec, operation)
    if form is not None:
        json_fields = set(operation.ext.get("json-fields", ()))
        found: dict[str, Any] = {}
        properties = form.get("properties", {})
        for name in form.get("required", ()):
            if name in parts:
                continue
            field = spec.resolve(properties.get(name, {}))
            inner = field.get("contentSchema") if isinstance(field, Mapping) else None
            if name in json_fields and isinstance(inner, Mapping):
                found[name] = value_of(spec, inner)
            else:
                found[name] = value_of(spec, field)
        return found
    body = operation.request_body or {}
    content = body.get("content", {})
    if "application/json" in content and audio.get("location") != "content":
        value = value_of(spec, content["application/json"].get("schema", {}))
        if not isinstance(value, dict):
            raise Unmakeable("the JSON body is not an object")
        return value
    return None


def buildable(spec: Spec, operation: Operation) -> bool:
    """The spec alone makes a valid request of ``operation`` (no id of a resource made before)."""
    audio = operation.audio or {}
    if required_parameters(spec, operation) or id_parameters(spec, operation):
        return False
    if audio.get("location") == "reference":
        return False
    if audio.get("location") == "content":
        return "application/octet-stream" in operation.media_types
    if audio.get("location") == "part" and not audio.get("parts"):
        return False
    if audio and accepted_format(operation) is None:
        return False
    try:
        document = body_document(spec, operation)
    except Unmakeable:
        return False
    return (
        document is not None
        or audio.get("location") in ("part", "content")
        or (operation.request_body is None)
    )


def set_at(document: Any, pointer: str, value: Any) -> None:
    """Set ``value`` at ``pointer``, making the objects on the way (an array index must exist)."""
    tokens = split_pointer(pointer)
    if not tokens:
        raise Unmakeable("a pointer to the whole body")
    *parents, last = tokens
    for token in parents:
        if isinstance(document, list):
            document = document[int(token)]
        else:
            document = document.setdefault(token, {})
    if isinstance(document, list):
        document[int(last)] = value
    else:
        document[last] = value


def _encoded(operation: Operation, document: Mapping[str, Any]) -> dict[str, str]:
    json_fields = set(operation.ext.get("json-fields", ()))
    fields: dict[str, str] = {}
    for name, value in document.items():
        if name in json_fields or not isinstance(value, (str, int, float, bool)):
            fields[name] = json.dumps(value)
        else:
            fields[name] = value if isinstance(value, str) else json.dumps(value)
    return fields


@contextmanager
def request_kwargs(
    spec: Spec,
    operation: Operation,
    media: Media,
    *,
    edits: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The :meth:`Session.call` arguments of the minimal valid request, with ``edits`` applied.

    ``edits`` maps JSON Pointers into the body document (see :func:`body_document`)
    to the values to put there; ``params`` fill the body members they name. The
    audio, if the operation takes any, is an accepted format, streamed from disk.
    """
    audio = operation.audio or {}
    document = body_document(spec, operation, params)
    for pointer, value in (edits or {}).items():
        if document is None:
            raise Unmakeable(f"{operation.operation_id} has no body to set {pointer} in")
        set_at(document, pointer, value)
    fmt = accepted_format(operation) or "wav"
    if audio.get("location") == "content":
        path = media.audio(fmt)
        yield {
            "content": stream_file(path),
            "headers": {
                "Content-Type": "application/octet-stream",
                "Content-Length": str(path.stat().st_size),
            },
        }
        return
    if audio.get("location") == "part":
        path = media.audio(fmt)
        part = str(audio["parts"][0])
        with path.open("rb") as handle:
            yield {
                "data": _encoded(operation, document or {}),
                "files": {part: (path.name, handle, MIME.get(fmt, "audio/wav"))},
            }
        return
    yield {"json": document} if document is not None else {}
