"""The facts a generic family reads from a spec: which operations, which requests, which source.

Everything here is read from the spec and its ``x-tapecheck``; nothing names a
vendor. A request that cannot be built from the spec alone (a JSON body with
required fields, a form with required text fields) is not built: the family
does not apply to that operation, and the vendor's folder says the rest.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tapecheck.suite.audio import MIME_BY_FORMAT
from tapecheck.suite.conform.media import stream_file
from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "accepted_format",
    "audio_formats",
    "fact_source",
    "fixtures",
    "id_parameters",
    "max_bytes",
    "prepared_operations",
    "reachable",
    "refused_format",
    "refused_formats",
    "required_parameters",
    "unknown_path",
    "upload_kwargs",
    "uploadable",
]

#: The formats the media helpers can make, most common first: an accepted one is
#: sent where a sound upload is needed, a refused one where a refusal is expected.
_MADE = ("wav", "mp3", "aac")
#: Every format the media helpers can encode: each one an operation does not list is sent
#: where a refusal is expected (a server that takes one more format is caught).
_ENCODED = ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm")


def fact_source(spec: Spec, operation: Operation | None, key: str) -> str | None:
    """The quoted source of the fact ``key``: the operation's ``sources``, then the document's.

    ``audio`` also reads the audio block's own ``source``. ``None`` when the spec
    quotes none: the docs are silent and a requirement of the fact is ``should``.
    """
    for ext in ((operation.ext,) if operation is not None else ()) + (spec.ext,):
        sources = ext.get("sources")
        if isinstance(sources, Mapping) and isinstance(sources.get(key), str):
            return str(sources[key])
    if key == "audio" and operation is not None:
        own = (operation.audio or {}).get("source")
        if isinstance(own, str) and (max_bytes(operation) or audio_formats(operation)):
            return own
    return None


def audio_formats(operation: Operation) -> tuple[str, ...]:
    formats = (operation.audio or {}).get("formats")
    return tuple(str(f) for f in formats) if isinstance(formats, list) else ()


def max_bytes(operation: Operation) -> int | None:
    value = (operation.audio or {}).get("max-bytes")
    return int(value) if isinstance(value, int) and value > 0 else None


def id_parameters(spec: Spec, operation: Operation) -> tuple[Mapping[str, Any], ...]:
    """The operation's path parameters that name a resource (not the tenant)."""
    tenant = spec.ext.get("tenant")
    tenant_name = tenant.get("name") if isinstance(tenant, Mapping) else None
    return tuple(
        p
        for p in operation.parameters_in("path")
        if p.get("name") != tenant_name or not isinstance(tenant, Mapping)
    )


def _unknown_ids(pattern: str | None) -> tuple[str, ...]:
    """Ids that name nothing: a UUID, and the pattern's literal prefix before a UUID's hex."""
    value = uuid.UUID(int=0x7A9EC0DE << 64 | 0x0123456789)
    found = [str(value)]
    prefix = re.match(r"\^([A-Za-z0-9_-]*)", pattern or "")
    if prefix and prefix.group(1):
        found.append(prefix.group(1) + value.hex)
    return tuple(found)


def unknown_path(spec: Spec, operation: Operation) -> dict[str, str] | None:
    """Well-formed ids that name nothing, for every id of the path (``None``: none fits)."""
    found: dict[str, str] = {}
    for parameter in id_parameters(spec, operation):
        schema = spec.resolve(parameter.get("schema", {}))
        schema = schema if isinstance(schema, Mapping) else {}
        pattern = schema.get("pattern")
        pattern = pattern if isinstance(pattern, str) else None
        if schema.get("type") not in (None, "string") or schema.get("enum"):
            return None
        fits = [v for v in _unknown_ids(pattern) if pattern is None or re.search(pattern, v)]
        if not fits:
            return None
        found[str(parameter["name"])] = fits[0]
    return found


def fixtures(spec: Spec) -> Mapping[str, Any]:
    """The folder's ``FAMILY_FIXTURES``: operationId -> what a call of it needs made first."""
    from tapecheck.suite.specs import NoSuchVendorError
    from tapecheck.suite.vendors import optional_vendor_module

    try:
        module = optional_vendor_module(spec.vendor, "requirements")
    except NoSuchVendorError:  # a spec read on its own, not (yet) a vendor of the catalogue
        return {}
    return dict(getattr(module, "FAMILY_FIXTURES", {})) if module is not None else {}


def prepared_operations(spec: Spec) -> frozenset[str]:
    """The operations the vendor's folder makes a call's prerequisites for."""
    return frozenset(fixtures(spec))


def reachable(spec: Spec, operation: Operation) -> bool:
    """No path id, or the folder makes the resources the path names (a fixture)."""
    return not id_parameters(spec, operation) or operation.operation_id in prepared_operations(spec)


def required_parameters(spec: Spec, operation: Operation) -> bool:
    """A required query or header parameter the spec alone cannot fill (the tenant's it can)."""
    tenant = spec.ext.get("tenant")
    tenant_name = tenant.get("name") if isinstance(tenant, Mapping) else None
    return any(
        p.get("required") and p.get("name") != tenant_name
        for where in ("query", "header")
        for p in operation.parameters_in(where)
    )


def _required_text_fields(spec: Spec, operation: Operation) -> bool:
    schema = operation.body_schema("multipart/form-data")
    node = spec.resolve(schema["allOf"][0]) if schema and schema.get("allOf") else schema
    node = spec.resolve(node) if node is not None else None
    if not isinstance(node, Mapping):
        return False
    parts = set((operation.audio or {}).get("parts", ()))
    return any(name not in parts for name in node.get("required", ()))


def uploadable(spec: Spec, operation: Operation) -> bool:
    """The spec alone tells how to send this operation's audio, and nothing else is required."""
    audio = operation.audio or {}
    if required_parameters(spec, operation):
        return False
    if not reachable(spec, operation):
        return False
    if audio.get("location") == "content":
        return "application/octet-stream" in operation.media_types
    if audio.get("location") == "part" and audio.get("parts"):
        return operation.operation_id in prepared_operations(spec) or not _required_text_fields(
            spec, operation
        )
    return False


def accepted_format(operation: Operation) -> str | None:
    allowed = audio_formats(operation)
    return next((f for f in _MADE if not allowed or f in allowed), None)


def refused_formats(operation: Operation) -> tuple[str, ...]:
    """The formats the media helpers can make that the operation does not list."""
    allowed = audio_formats(operation)
    return tuple(f for f in _ENCODED if allowed and f not in allowed)


def refused_format(operation: Operation) -> str | None:
    return next(iter(refused_formats(operation)), None)


@contextmanager
def upload_kwargs(
    operation: Operation, path: Path, fmt: str, *, length: bool = True
) -> Iterator[dict[str, Any]]:
    """The :meth:`Session.call` arguments sending ``path`` as the operation's audio, streamed.

    ``length=False`` sends a raw body without a Content-Length (chunked).
    """
    audio = operation.audio or {}
    if audio.get("location") == "content":
        headers = {"Content-Type": "application/octet-stream"}
        if length:
            headers["Content-Length"] = str(path.stat().st_size)
        yield {"content": stream_file(path), "headers": headers}
        return
    part = str(audio["parts"][0])
    # httpx streams an open file part from disk; it is closed once the request is answered.
    with path.open("rb") as handle:
        yield {
            "files": {
                part: (path.name, handle, MIME_BY_FORMAT.get(fmt, "application/octet-stream"))
            }
        }
