"""The validators of the schema rules, built once per spec, operation and media type.

A parameter's validator knows the JSON types its schema allows (a parameter
travels as text and is read as one of them). A body's validator comes with
what the linter reads from its schema: the form fields, which of them are
file parts, and a :class:`SchemaWalker` for the members no schema defines.
Multipart JSON fields (``x-tapecheck.json-fields``) are validated as the
parsed document. Formats are asserted as :mod:`tapecheck.suite.formats`
reads them. ``jsonschema`` is imported when the first validator is built.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tapecheck.suite.formats import FORMATS, format_checker
from tapecheck.suite.lint._email_schema import plain_email_schema
from tapecheck.suite.lint._schema_walk import SchemaWalker, branches, resolve, types
from tapecheck.suite.pointers import join_pointer

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

    from tapecheck.suite.lint.context import LintContext
    from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "MULTIPART",
    "BodySchema",
    "Checker",
    "ParameterSchema",
    "body_schema",
    "parameter_schema",
    "uri_pointers",
]

MULTIPART = "multipart/form-data"


class Checker:
    """One schema's two validators: a fast verdict, and jsonschema's errors when it says no.

    The verdict comes from ``jsonschema-rs`` (compiled once per process) where it
    is installed; only an instance it refuses is validated again by
    ``jsonschema``, whose errors the SCH rules map to findings, so every finding
    is jsonschema's. ``jsonschema-rs`` asserts tapecheck's formats through the
    same functions (:data:`~tapecheck.suite.formats.FORMATS`), and a few of its
    own: it may refuse more, never less (``tests/test_lint_fast_path.py``
    checks this on every manifest of the test corpus). Without it, or when it
    cannot read an instance, jsonschema decides alone.

    E-mail addresses are first read by a compiled ``pattern`` (the plain
    addresses of :data:`~tapecheck.suite.values.PLAIN_EMAIL_SCHEMA`), not by a
    call into Python per address; where that refuses (an unusual address that
    may still be valid), the validator calling the real check decides.
    """

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        plain = plain_email_schema(root)
        self._fast: Any = _fast_validator(plain if plain is not None else root)
        self._rewritten = plain is not None
        self._second: Any = _UNSET  # the validator with the real e-mail check, when needed
        self._slow: Draft202012Validator | None = None

    @property
    def validator(self) -> Draft202012Validator:
        """jsonschema's validator (imports jsonschema on first use)."""
        if self._slow is None:
            self._slow = _validator(self.root)
        return self._slow

    def surely_valid(self, instance: Any) -> bool:
        """True when the fast validator accepts ``instance`` (no error to look for)."""
        if self._fast is None:
            return False
        if _accepts(self._fast, instance):
            return True
        if not self._rewritten:
            return False
        if self._second is _UNSET:
            self._second = _fast_validator(self.root)
        return self._second is not None and _accepts(self._second, instance)

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """jsonschema's errors of ``instance``, skipped when the fast validator accepts it."""
        if self.surely_valid(instance):
            return iter(())
        return self.validator.iter_errors(instance)


_UNSET: Any = object()


def _accepts(fast: Any, instance: Any) -> bool:
    try:
        return bool(fast.is_valid(instance))
    except Exception:  # a value it cannot read (a huge integer, NaN): jsonschema decides
        return False


@dataclass(frozen=True)
class ParameterSchema:
    """A parameter's validator and the JSON types its schema allows."""

    validator: Checker
    types: frozenset[str]


@dataclass(frozen=True)
class BodySchema:
    """A body's validator and what the linter reads from its schema."""

    validator: Checker
    root: Mapping[str, Any]
    properties: Mapping[str, Any]  # top-level property schemas (form fields)
    file_parts: frozenset[str]
    is_object: bool
    walker: SchemaWalker


_PARAMETER_CACHE: dict[tuple[str, str, str, str, str], ParameterSchema | None] = {}
_BODY_CACHE: dict[tuple[str, str, str, str], BodySchema | None] = {}


def parameter_schema(
    spec: Spec, operation: Operation, location: str, name: str
) -> ParameterSchema | None:
    """The validator of one parameter (``None`` when it declares no schema), cached."""
    key = (spec.sha256, spec.source, operation.operation_id, location, name)
    if key not in _PARAMETER_CACHE:
        built: ParameterSchema | None = None
        for param in operation.parameters_in(location):
            if param["name"] == name and isinstance(param.get("schema"), Mapping):
                root = spec.json_schema(param["schema"])
                built = ParameterSchema(Checker(root), types(root, root))
        _PARAMETER_CACHE[key] = built
    return _PARAMETER_CACHE[key]


def body_schema(spec: Spec, operation: Operation, media_type: str) -> BodySchema | None:
    """The validator of one body media type (``None`` when it has no schema), cached."""
    key = (spec.sha256, spec.source, operation.operation_id, media_type)
    if key not in _BODY_CACHE:
        _BODY_CACHE[key] = _build_body_schema(operation, media_type)
    return _BODY_CACHE[key]


def _build_body_schema(operation: Operation, media_type: str) -> BodySchema | None:
    standalone = operation.body_schema(media_type)
    if standalone is None:
        return None
    root: dict[str, Any] = copy.deepcopy(standalone)  # the components are shared: copy first
    top = resolve(root, root)
    object_schemas = [s for s in branches(root, top) if "properties" in s]
    properties: dict[str, Any] = {}
    for schema in object_schemas:
        properties.update(schema["properties"])
    json_fields = set(operation.ext.get("json-fields", []) or [])
    if media_type == MULTIPART:
        for schema in object_schemas:
            for name in json_fields & set(schema["properties"]):
                declared = resolve(root, schema["properties"][name])
                if isinstance(declared, Mapping) and "contentSchema" in declared:
                    schema["properties"][name] = declared["contentSchema"]
                elif types(root, declared) == {"string"}:
                    schema["properties"][name] = {}  # any JSON document
                properties[name] = schema["properties"][name]
    file_parts = {
        name
        for name, schema in properties.items()
        if name not in json_fields and _is_binary(resolve(root, schema))
    }
    audio = operation.audio or {}
    if media_type == MULTIPART and audio.get("location") == "part":
        file_parts.update(str(part) for part in audio.get("parts", []))
    return BodySchema(
        validator=Checker(root),
        root=root,
        properties=properties,
        file_parts=frozenset(file_parts),
        is_object="object" in types(root, root) or bool(object_schemas),
        walker=SchemaWalker(root),
    )


def _is_binary(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (
        schema.get("format") in ("binary", "byte")
        or "contentEncoding" in schema
        or ("contentMediaType" in schema and "json" not in str(schema["contentMediaType"]))
    )


def _validator(root: Mapping[str, Any]) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(root, format_checker=format_checker())


def _fast_validator(root: Mapping[str, Any]) -> Any:
    """jsonschema-rs's validator of ``root`` with tapecheck's formats, or ``None``."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    formats: dict[str, Callable[..., bool]] = {
        name: functools.partial(_holds, check) for name, check in FORMATS.items()
    }
    try:
        return jsonschema_rs.Draft202012Validator(
            dict(root), formats=formats, validate_formats=True, ignore_unknown_formats=True
        )
    except Exception:  # a schema it cannot compile: jsonschema decides alone
        return None


def _holds(check: Callable[[str], bool], value: object) -> bool:
    return not isinstance(value, str) or check(value)


def uri_pointers(ctx: LintContext) -> set[str]:
    """Pointers (``/body/...``) of the request body's strings declared ``format: uri``."""
    operation, spec, media_type = ctx.operation, ctx.spec, ctx.media_type
    if operation is None or spec is None or media_type is None:
        return set()
    schema = body_schema(spec, operation, media_type)
    if schema is None or not schema.walker.has_uri:
        return set()
    return {
        "/body" + join_pointer(*tokens)
        for tokens in schema.walker.uri_values(schema.root, ctx.request_body)
    }
