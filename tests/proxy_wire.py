"""Request manifests put on the wire: the HTTP request a client would send for a manifest.

The proxy tests send each case manifest as a real request through ``tapecheck
proxy`` and compare its findings with ``tapecheck lint``. :func:`wire_request`
builds the request (method, URL path, query, headers, JSON body, multipart form
with its file parts, or the raw content) and says why when a manifest cannot
travel as a request at all (a file that does not exist, an object in a plain
form field, a missing path parameter).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tapecheck.suite.manifest import Manifest, load_manifest
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec

__all__ = ["KIND_TOKENS", "Wire", "send", "wire_request"]

#: A literal credential of each Bota kind: on the wire the token's prefix tells the kind.
KIND_TOKENS = {
    "device-token": "dtok_tapecheck",
    "secret-key": "sk_test_tapecheck",
    "restricted-key": "rk_tapecheck",
}
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Wire:
    """One HTTP request, as httpx sends it."""

    vendor: str
    operation: str
    method: str
    path: str  # under the vendor's base path, path parameters filled in
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    has_json: bool = False
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str | None]] | None = None
    content: bytes | None = None


def _text(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def _scalar(value: Any) -> str | None:
    value = _text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _substitute(text: str, env: Mapping[str, str]) -> str:
    return _REFERENCE.sub(lambda m: env.get(m[1], m[0]), text)


def wire_request(path: Path, *, env: Mapping[str, str] | None = None) -> Wire | str:
    """The request a manifest describes, or why it cannot be sent."""
    env = env or {}
    loaded = load_manifest(path)
    if not isinstance(loaded, Manifest):
        return "the manifest does not parse"
    data = loaded.data
    folder = path.parent
    try:
        spec = load_spec(str(data.get("vendor")))
        operation = spec.operation(data.get("operation"))
    except LookupError:
        return "no such vendor or operation"
    sections = {k: data.get(k) or {} for k in ("path", "query", "headers")}
    if not all(isinstance(v, Mapping) for v in sections.values()):
        return "a section that is not a mapping"
    url = base_path(spec) + operation.path
    for name in re.findall(r"\{([^}/]+)\}", operation.path):
        value = _scalar(sections["path"].get(name))
        if value is None or value == "":
            return f"no value for path parameter {name}"
        url = url.replace("{" + name + "}", quote(value, safe=""))
    wire = Wire(spec.vendor, operation.operation_id, operation.method.upper(), url)
    for key, value in sections["query"].items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = _scalar(item)
            if text is None:
                return f"query {key} is not a scalar"
            wire.params.append((str(key), _substitute(text, env)))
    for key, value in sections["headers"].items():
        text = _scalar(value)
        if text is None or not text.isascii() or "\n" in text:
            return f"header {key} cannot travel"
        wire.headers[str(key)] = _substitute(text, env).strip()  # HTTP trims header values
    kind = data.get("auth")
    if kind in KIND_TOKENS:
        for key in list(wire.headers):
            if key.lower() == "authorization":
                wire.headers[key] = f"Bearer {KIND_TOKENS[kind]}"
    elif kind is not None:
        return "a credential kind the wire cannot carry"
    audio = operation.audio or {}
    files = data.get("files")
    if files is not None and audio.get("location") == "reference":
        files = None  # the file travels later, to a signed URL (tests/test_proxy_flows.py)
    content = data.get("content")
    body = data.get("body")
    media = operation.media_types[0] if operation.media_types else None
    if content is not None:
        if files or body is not None:
            return "content with a body or files"
        if not isinstance(content, str) or not (folder / content).is_file():
            return "the content file does not exist"
        wire.content = (folder / content).read_bytes()
        return wire
    if media == "multipart/form-data" or files:
        if body is not None and not isinstance(body, Mapping):
            return "a form body that is not a mapping"
        json_fields = set(operation.ext.get("json-fields", []) or [])
        wire.data = {}
        for key, value in (body or {}).items():
            if key in json_fields and not isinstance(value, str):
                wire.data[str(key)] = json.dumps(_text(value))
                continue
            text = _scalar(value)
            if text is None:
                return f"form field {key} is not text"
            wire.data[str(key)] = text
        wire.files = {}
        if files is not None:
            if not isinstance(files, Mapping):
                return "files is not a mapping"
            for part, entry in files.items():
                written, content_type = entry, None
                if isinstance(entry, Mapping):
                    written, content_type = entry.get("path"), entry.get("content_type")
                if not isinstance(written, str) or not (folder / written).is_file():
                    return f"file part {part} names no file"
                name = Path(written).name
                wire.files[str(part)] = (name, (folder / written).read_bytes(), content_type)
        return wire
    if files:
        return "files for an operation that takes none"
    if body is not None:
        wire.json_body = _text(body)
        wire.has_json = True
    return wire


def send(client: httpx.Client, base: str, wire: Wire) -> httpx.Response:
    """Send ``wire`` to ``base`` (a base URL with the vendor's base path)."""
    origin = base[: len(base) - len(base_path(load_spec(wire.vendor)))]
    kwargs: dict[str, Any] = {"params": wire.params, "headers": wire.headers}
    if wire.content is not None:
        kwargs["content"] = wire.content
    elif wire.files is not None or wire.data is not None:
        boundary = "tapecheck-wire-boundary"
        kwargs["content"] = _multipart(boundary, wire.data or {}, wire.files or {})
        headers = {k: v for k, v in wire.headers.items() if k.lower() != "content-type"}
        given = next((v for k, v in wire.headers.items() if k.lower() == "content-type"), None)
        if given is None or given.lower().startswith("multipart/form-data"):
            given = f"multipart/form-data; boundary={boundary}"  # a client adds the boundary
        kwargs["headers"] = {"Content-Type": given, **headers}
    elif wire.has_json:
        kwargs["content"] = json.dumps(wire.json_body).encode()
        kwargs["headers"] = {"Content-Type": "application/json", **wire.headers}
    return client.request(wire.method, origin + wire.path, **kwargs)


def _multipart(
    boundary: str, data: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str | None]]
) -> bytes:
    """A multipart/form-data body (httpx sends a form without files url-encoded)."""
    out = bytearray()
    for name, value in data.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, (filename, content, content_type) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\n'
        ).encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)
