"""Load, validate and index the vendor specs in ``specs/``.

The specs ship inside the package (``tapecheck/specs`` is the top-level
``specs/`` folder) and are read from the package folder (through :mod:`importlib.resources` when it is zipped), parsed once
and cached. Everything that needs a limit, a format or a schema asks here, so
each fact is read from the one place it is written: the spec's ``x-tapecheck``
extension.

Importing this module is cheap: no validator is imported. Checking a spec
(OpenAPI, ``x-tapecheck`` and the contract) is :mod:`tapecheck.suite.spec_check`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tapecheck.suite.pointers import join_pointer, ref_tokens

__all__ = [
    "HTTP_METHODS",
    "NoSuchOperationError",
    "NoSuchVendorError",
    "Operation",
    "Spec",
    "bundled_vendors",
    "extension_schema",
    "load_spec",
    "load_spec_text",
    "parse_yaml",
    "spec_text",
    "text_sha256",
    "vendors",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_SPEC_SUFFIX = ".yaml"
_EXTENSION_SCHEMA = "x-tapecheck.schema.json"

#: Where a bundled spec's parsed document is kept, as JSON, beside the specs (as Python
#: keeps byte code): reading it costs a cold start no YAML parser, nor PyYAML's import.
_CACHE_FOLDER = "__pycache__"


class NoSuchVendorError(LookupError):
    """A vendor name that has no spec in ``specs/``."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        super().__init__(f"unknown vendor {vendor!r}; known vendors: {', '.join(vendors())}")


class NoSuchOperationError(LookupError):
    """An operationId that the vendor's spec does not define."""

    def __init__(self, vendor: str, operation_id: str, known: list[str]) -> None:
        self.vendor = vendor
        self.operation_id = operation_id
        super().__init__(
            f"{vendor} has no operation {operation_id!r}; known operations: {', '.join(known)}"
        )


@dataclass(frozen=True)
class Operation:
    """One operation of a vendor's spec, with its references resolved."""

    spec: Spec = field(repr=False, compare=False)
    operation_id: str
    method: str
    path: str
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def ext(self) -> Mapping[str, Any]:
        """The operation's ``x-tapecheck`` block (empty when it has none)."""
        value = self.raw.get("x-tapecheck", {})
        return value if isinstance(value, Mapping) else {}

    @property
    def audio(self) -> Mapping[str, Any] | None:
        """The ``x-tapecheck.audio`` block, or ``None`` when no audio travels."""
        value = self.ext.get("audio")
        return value if isinstance(value, Mapping) else None

    @property
    def is_default(self) -> bool:
        return bool(self.ext.get("default", False))

    @property
    def pointer(self) -> str:
        """The JSON Pointer of this operation inside its spec."""
        return join_pointer("paths", self.path, self.method)

    @functools.cached_property
    def parameters(self) -> tuple[Mapping[str, Any], ...]:
        """Path-level and operation-level parameters, resolved, operation winning."""
        path_item = self.spec.raw["paths"][self.path]
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for entry in [*path_item.get("parameters", []), *self.raw.get("parameters", [])]:
            param = self.spec.resolve(entry)
            merged[(param["in"], param["name"])] = param
        return tuple(merged.values())

    def parameters_in(self, location: str) -> tuple[Mapping[str, Any], ...]:
        return tuple(p for p in self.parameters if p["in"] == location)

    @functools.cached_property
    def request_body(self) -> Mapping[str, Any] | None:
        body = self.raw.get("requestBody")
        return None if body is None else self.spec.resolve(body)

    @property
    def media_types(self) -> tuple[str, ...]:
        body = self.request_body
        return tuple(body.get("content", {})) if body else ()

    @functools.cached_property
    def security(self) -> tuple[Mapping[str, Any], ...]:
        """The security requirements in force (the operation's, else the document's)."""
        value = self.raw.get("security", self.spec.raw.get("security", []))
        return tuple(value)

    @property
    def security_schemes(self) -> dict[str, Mapping[str, Any]]:
        """The security schemes any requirement of this operation names."""
        schemes = self.spec.raw.get("components", {}).get("securitySchemes", {})
        names = {name for requirement in self.security for name in requirement}
        return {name: schemes[name] for name in sorted(names) if name in schemes}

    def responses(self) -> dict[str, Mapping[str, Any]]:
        return {
            str(status): self.spec.resolve(response)
            for status, response in self.raw.get("responses", {}).items()
        }

    def body_schema(self, media_type: str) -> dict[str, Any] | None:
        """A standalone JSON Schema (draft 2020-12) for the request body."""
        body = self.request_body
        if not body or media_type not in body.get("content", {}):
            return None
        schema = body["content"][media_type].get("schema")
        if schema is None:
            return None
        return self.spec.json_schema(schema)

    def response_schema(
        self, status: int | str, media_type: str = "application/json"
    ) -> dict[str, Any] | None:
        """A standalone JSON Schema of a documented response body, or ``None``."""
        response = self.responses().get(str(status))
        if response is None:
            return None
        content = response.get("content", {}).get(media_type)
        if not content or "schema" not in content:
            return None
        return self.spec.json_schema(content["schema"])


@dataclass(frozen=True)
class Spec:
    """A parsed vendor spec and its index of operations."""

    source: str
    raw: Mapping[str, Any] = field(repr=False)
    sha256: str

    @property
    def vendor(self) -> str:
        ext = self.ext  # asked once a rule: no Path built when the spec names its vendor
        return str(ext["vendor"]) if "vendor" in ext else Path(self.source).stem

    @property
    def ext(self) -> Mapping[str, Any]:
        value = self.raw.get("x-tapecheck", {})
        return value if isinstance(value, Mapping) else {}

    @property
    def title(self) -> str:
        return str(self.ext.get("title", self.vendor))

    @property
    def base_url(self) -> str:
        return str(self.ext.get("base-url", ""))

    @property
    def is_openapi_30(self) -> bool:
        return str(self.raw.get("openapi", "")).startswith("3.0")

    @functools.cached_property
    def operations(self) -> dict[str, Operation]:
        found: dict[str, Operation] = {}
        for path, item in (self.raw.get("paths") or {}).items():
            if not isinstance(item, Mapping):
                continue
            for method in HTTP_METHODS:
                raw = item.get(method)
                if isinstance(raw, Mapping) and "operationId" in raw:
                    op_id = str(raw["operationId"])
                    found[op_id] = Operation(self, op_id, method, str(path), raw)
        return found

    @property
    def default_operation(self) -> Operation:
        for operation in self.operations.values():
            if operation.is_default:
                return operation
        return next(iter(self.operations.values()))

    def operation(self, operation_id: str | None) -> Operation:
        if operation_id is None:
            return self.default_operation
        try:
            return self.operations[operation_id]
        except KeyError:
            raise NoSuchOperationError(self.vendor, operation_id, list(self.operations)) from None

    @property
    def credentials(self) -> list[Mapping[str, Any]]:
        return list(self.ext.get("credentials", []))

    @property
    def required_operations(self) -> tuple[str, ...]:
        """The operationIds manifests may rely on (``x-tapecheck.required-operations``).

        The first is the default operation; a spec that lists none promises none.
        """
        value = self.ext.get("required-operations", ())
        return tuple(str(op) for op in value) if isinstance(value, list) else ()

    @property
    def credential_headers(self) -> tuple[str, ...]:
        """The header names (lower case) its security schemes carry credentials in."""
        schemes = self.raw.get("components", {}).get("securitySchemes", {})
        found: list[str] = []
        for scheme in schemes.values() if isinstance(schemes, Mapping) else ():
            if not isinstance(scheme, Mapping):
                continue
            if scheme.get("type") == "http":
                found.append("authorization")
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                found.append(str(scheme.get("name", "")).lower())
        return tuple(dict.fromkeys(name for name in found if name))

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref`` chains until a node that is not a reference."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"{self.source}: circular $ref {ref}")
            seen.add(ref)
            node = self.pointer_get(ref)
        return node

    def pointer_get(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise ValueError(f"{self.source}: only local $ref are supported, got {ref!r}")
        node: Any = self.raw
        for token in ref_tokens(ref):
            node = node[token] if isinstance(node, Mapping) else node[int(token)]
        return node

    @functools.cached_property
    def _json_components(self) -> dict[str, Any]:
        components = copy.deepcopy(dict(self.raw.get("components", {})))
        return _to_json_schema(components) if self.is_openapi_30 else components

    def json_schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """Turn an OpenAPI schema of this spec into a standalone JSON Schema.

        OpenAPI 3.0's ``nullable`` becomes a ``null`` type; ``#/components/...``
        references keep working because the components travel along.
        """
        converted = copy.deepcopy(dict(schema))
        if self.is_openapi_30:
            converted = _to_json_schema(converted)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [converted],
            "components": self._json_components,
        }


_OAS30_ONLY = ("nullable", "discriminator", "xml", "externalDocs", "example")


def _to_json_schema(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 schema keywords into their JSON Schema meaning, in place."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.pop("nullable", False) is True:
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            node["type"] = [*kind, "null"]
        elif kind is None and ("anyOf" in node or "oneOf" in node):
            key = "anyOf" if "anyOf" in node else "oneOf"
            node[key] = [*node[key], {"type": "null"}]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(node.get(key), bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if node.pop(key) and bound in node:
                node[key] = node.pop(bound)
    for key in _OAS30_ONLY:
        if key != "nullable":
            node.pop(key, None)
    for key, value in list(node.items()):
        if key == "properties" and isinstance(value, dict):
            node[key] = {name: _to_json_schema(sub) for name, sub in value.items()}
        elif key.startswith("x-"):
            continue
        else:
            node[key] = _to_json_schema(value)
    return node


# -- loading ------------------------------------------------------------------


def _specs_dir() -> Any:
    """The bundled specs: a folder beside this package, else (a zipped install) a resource."""
    here = Path(__file__).resolve().parent.parent / "specs"
    if here.is_dir():  # importlib.resources and its readers cost a cold start some 5 ms
        return here
    from importlib import resources

    return resources.files("tapecheck").joinpath("specs")


@functools.cache
def bundled_vendors() -> tuple[str, ...]:
    """The vendors with a spec in ``specs/``, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(_SPEC_SUFFIX)
            for entry in _specs_dir().iterdir()
            if entry.name.endswith(_SPEC_SUFFIX)
        )
    )


def vendors() -> tuple[str, ...]:
    """The bundled vendors and those registered in this process, sorted.

    Installed third-party packages are not scanned here (that would cost an
    entry-point scan on every lint run): :func:`tapecheck.suite.catalogue.all_vendors` does.
    """
    from tapecheck.suite.catalogue import registered

    extra = registered()
    return tuple(sorted({*bundled_vendors(), *extra})) if extra else bundled_vendors()


def spec_text(vendor: str) -> str:
    """The spec's text (bundled, or registered in this process: ``--spec``, a package)."""
    if vendor in bundled_vendors():
        return str(_specs_dir().joinpath(vendor + _SPEC_SUFFIX).read_text(encoding="utf-8"))
    from tapecheck.suite.catalogue import extra

    found = extra(vendor)
    if found is None:
        raise NoSuchVendorError(vendor)
    return found.text


@functools.cache
def load_spec(vendor: str) -> Spec:
    """The spec of ``vendor``, parsed once and cached."""
    if vendor not in bundled_vendors():
        from tapecheck.suite.catalogue import extra

        found = extra(vendor)
        if found is not None:
            return load_spec_text(found.text, source=found.source)
    text = spec_text(vendor)
    source = f"specs/{vendor}{_SPEC_SUFFIX}"
    folder = _specs_dir()
    if not isinstance(folder, Path):  # a zipped install: no cache
        return load_spec_text(text, source=source)
    return bundled_spec(text, source=source, cache_folder=folder / _CACHE_FOLDER, name=vendor)


def bundled_spec(text: str, *, source: str, cache_folder: Path, name: str) -> Spec:
    """:func:`load_spec_text`, through the parsed document kept in ``cache_folder``.

    The file is named by the text's digest, so a changed spec is parsed anew; it is
    written (atomically) only where JSON gives the document back exactly, and read
    only when it holds a mapping: anything else parses the YAML as before.
    """
    sha256 = text_sha256(text)
    cache = cache_folder / f"{name}.{sha256[:32]}.json"
    raw = _cached(cache)
    if raw is None:
        spec = load_spec_text(text, source=source)
        _keep(cache, spec.raw)
        return spec
    return Spec(source=source, raw=raw, sha256=sha256)


def _cached(cache: Path) -> dict[str, Any] | None:
    """The parsed document kept for this very text (its digest names the file), if any."""
    try:
        raw = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, unreadable, or damaged: parse the YAML
        return None
    return raw if isinstance(raw, dict) else None


def _keep(cache: Path, raw: Mapping[str, Any]) -> None:
    """Keep ``raw`` as JSON when JSON gives it back exactly (every key a string, no date),
    unless byte code is not written either (``PYTHONDONTWRITEBYTECODE``)."""
    import sys

    if sys.dont_write_bytecode:
        return
    try:
        text = json.dumps(raw, ensure_ascii=False, allow_nan=False)
        if not _same(json.loads(text), raw):
            return
        cache.parent.mkdir(exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, cache)  # a reader sees the whole file or none
    except (OSError, ValueError, TypeError, RecursionError):
        return  # a read-only install, a value JSON cannot hold: parse each time


def _same(copy: Any, original: Any) -> bool:
    """Equal, with the same types all the way down (1 is not True, "200" is not 200)."""
    if type(copy) is not type(original):
        return False
    if isinstance(copy, dict):
        return list(copy) == list(original) and all(_same(copy[key], original[key]) for key in copy)
    if isinstance(copy, list):
        return len(copy) == len(original) and all(
            _same(a, b) for a, b in zip(copy, original, strict=True)
        )
    return bool(copy == original)


def load_spec_text(text: str, *, source: str) -> Spec:
    raw = parse_yaml(text)
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: a spec must be a YAML mapping")
    return Spec(source=source, raw=raw, sha256=text_sha256(text))


def parse_yaml(text: str) -> Any:
    """A spec's YAML (safe loader); raises :class:`yaml.YAMLError`."""
    import yaml  # imported here: a spec read from its cache needs no YAML parser

    # The C loader is ten times faster; the Python one where libyaml is missing.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def text_sha256(text: str) -> str:
    """The sha256 of a spec's UTF-8 text, as every report quotes it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def extension_schema() -> dict[str, Any]:
    """The JSON Schema of the ``x-tapecheck`` extensions."""
    text = _specs_dir().joinpath(_EXTENSION_SCHEMA).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
