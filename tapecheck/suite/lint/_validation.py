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
import importlib.util
import json
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import compress
from operator import not_
from typing import TYPE_CHECKING, Any

from tapecheck.suite.formats import FORMATS, format_checker
from tapecheck.suite.lint._email_schema import plain_email_schema
from tapecheck.suite.lint._schema_walk import SchemaWalker, branches, resolve, types
from tapecheck.suite.lint.overflow import MAX_PER_CODE
from tapecheck.suite.manifest import is_env_reference
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

    E-mail addresses are read by a compiled ``pattern`` (the plain addresses
    of :data:`~tapecheck.suite.values.PLAIN_EMAIL_SCHEMA`), not by a call into
    Python per address; an unusual address (one the pattern refuses, that may
    still be valid) leaves the verdict to jsonschema, as any refusal does.
    """

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        plain = plain_email_schema(root)
        self._fast: Any = _fast_validator(plain if plain is not None else root)
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
        try:
            return bool(self._fast.is_valid(instance))
        except Exception:  # a value it cannot read (a huge integer, NaN): jsonschema decides
            return False

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """jsonschema's errors of ``instance``, skipped when the fast validator accepts it."""
        if self.surely_valid(instance):
            return iter(())
        return self.validator.iter_errors(instance)


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


#: An array this long has its items screened by jsonschema-rs before jsonschema reads them.
LARGE_ARRAY = 1000
#: Items screened in one call.
_SCREEN_SLICE = 4096
#: Of a large array, the refused items jsonschema reads (in order); the rest are counted
#: (one SCH007), as findings of one code past this bound are (lint.overflow).
READ_REFUSED = MAX_PER_CODE
#: The keyword of the one error that stands for the refused items not read.
UNREAD_KEYWORD = "x-tapecheck-unread-items"


def _validator(root: Mapping[str, Any]) -> Draft202012Validator:
    """jsonschema's validator of ``root``; a large array's items are screened first.

    jsonschema reads 400,000 contacts in about 20 seconds. Where an ``items``
    schema applies to an array of at least :data:`LARGE_ARRAY` values,
    jsonschema-rs lists the items it refuses (one call for the whole array), and
    jsonschema descends into those alone: an item jsonschema-rs accepts has no
    error to find (it refuses more, never less), so the errors are the same
    errors, in the same order, with the same paths.

    jsonschema reads the first :data:`READ_REFUSED` refused items only: past
    them, one error (keyword :data:`UNREAD_KEYWORD`, at the first item not
    read, its ``validator_value`` the item indices) stands for the others, each
    refused for a reason other than a ``${...}`` reference (which satisfies
    every constraint). That finding is SCH007. 400,000 refused contacts would
    otherwise take a minute and most of a gigabyte.
    """
    from jsonschema import Draft202012Validator, validators

    screen = _ItemScreen(root)
    plain_items = Draft202012Validator.VALIDATORS["items"]

    def items(validator: Any, items: Any, instance: Any, schema: Any) -> Iterator[Any]:
        screened = None
        if isinstance(instance, list) and len(instance) >= LARGE_ARRAY:
            prefix = len(schema.get("prefixItems", []))
            screened = screen.refused(items, instance, prefix)
        if screened is None:
            yield from plain_items(validator, items, instance, schema)
            return
        refused, unread = screened
        for index in refused:
            yield from validator.descend(instance=instance[index], schema=items, path=index)
        if unread:
            yield _unread_error(instance, unread)

    screened = validators.extend(Draft202012Validator, {"items": items})  # type: ignore[no-untyped-call]
    validator: Draft202012Validator = screened(root, format_checker=format_checker())
    return validator


class _ItemScreen:
    """jsonschema-rs validators of a schema's ``items`` subschemas, found by identity."""

    _ROOT_ID = "urn:tapecheck:screened-root"

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._pointers: dict[int, str] | None = None
        self._compiled: dict[int, tuple[Any, Any]] = {}

    def refused(
        self, items: Any, instance: list[Any], prefix: int
    ) -> tuple[list[int], list[int]] | None:
        """The items (from ``prefix`` on) jsonschema reads, and the refused ones it does not.

        The first are the first :data:`READ_REFUSED` items refused (ascending),
        and any item jsonschema-rs cannot read; the second, past those, the
        items refused for a reason other than a ``${...}`` reference. ``None``:
        jsonschema reads every item.
        """
        if not isinstance(items, Mapping):
            return None
        if id(items) not in self._compiled:
            self._compiled[id(items)] = (self._compile(items, "items"), self._compile(items, ""))
        fast, single = self._compiled[id(items)]
        if fast is None or single is None:
            return None
        refused: list[int] = []
        start = prefix
        # In slices: jsonschema-rs builds each error as a Python object (about 14 µs
        # each), and 400,000 refused items at once would hold a gigabyte of them.
        while start < len(instance) and len(refused) <= READ_REFUSED:
            chunk = instance[start : start + _SCREEN_SLICE]
            try:
                found = {error.instance_path[0] for error in fast.iter_errors(chunk)}
            except Exception:  # a value it cannot read: jsonschema reads every item
                return None
            if not all(isinstance(index, int) for index in found):
                return None
            refused += [start + index for index in sorted(found)]
            start += len(chunk)
        unread: list[int] = []
        extra = refused[READ_REFUSED:]
        del refused[READ_REFUSED:]
        # Without a `${` anywhere in the items, every refusal tells (400,000 walks saved).
        telling = _telling if _mentions_reference(instance, prefix) else _always_telling
        for index in extra:
            if telling(single, instance[index]):
                unread.append(index)
        rest = range(start, len(instance))
        try:  # past the bound: a verdict per item, asked in C
            refusals = list(compress(rest, map(not_, map(single.is_valid, instance[start:]))))
        except Exception:  # a value it cannot read: asked one by one
            refusals = []
            for index in rest:
                try:
                    valid = single.is_valid(instance[index])
                except Exception:  # jsonschema reads the item
                    refused.append(index)
                    continue
                if not valid:
                    refusals.append(index)
        if telling is _always_telling:
            unread += refusals
        else:
            unread += (index for index in refusals if telling(single, instance[index]))
        return refused, unread

    def _compile(self, items: Mapping[str, Any], mode: str) -> Any:
        """jsonschema-rs's validator of an array of such items (``mode`` "items"), or of one."""
        if "$id" in self.root or importlib.util.find_spec("jsonschema_rs") is None:
            return None
        if self._pointers is None:
            self._pointers = _pointers(self.root)
        pointer = self._pointers.get(id(items))
        if pointer is None:
            return None
        plain = plain_email_schema(self.root)
        embedded = {**(plain if plain is not None else self.root), "$id": self._ROOT_ID}
        fragment = urllib.parse.quote(pointer, safe="/~!$&'()*+,;=:@")
        reference = {"$ref": f"{self._ROOT_ID}#{fragment}"}
        if mode == "items":
            return _fast_validator({"$defs": {"root": embedded}, "items": reference})
        return _fast_validator({"$defs": {"root": embedded}, **reference})


def _mentions_reference(values: list[Any], start: int) -> bool:
    """Whether a text in ``values[start:]`` (a key or a value) may hold ``${``.

    Asked of each slice's JSON text, written in C: walking 400,000 contacts in
    Python costs a third of a second. A value JSON cannot write (a date key)
    answers yes: each item is then walked.
    """
    for at in range(start, len(values), _SCREEN_SLICE):
        try:
            text = json.dumps(values[at : at + _SCREEN_SLICE], default=repr, check_circular=False)
        except (TypeError, ValueError, RecursionError):
            return True
        if "${" in text:
            return True
    return False


def _always_telling(single: Any, item: Any) -> bool:
    """No item holds a ``${...}`` reference: every refusal tells."""
    return True


def _telling(single: Any, item: Any) -> bool:
    """A refused item is refused for more than a ``${...}`` reference (which satisfies all)."""
    if not _holds_reference(item):
        return True
    try:
        return any(not is_env_reference(error.instance) for error in single.iter_errors(item))
    except Exception:
        return True


def _holds_reference(value: Any) -> bool:
    """``value`` is, or holds at any depth, a ``${...}`` reference (every one has ``${``)."""
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is str:
            if "${" in node and is_env_reference(node):
                return True
        elif kind is dict:
            stack += node.values()
        elif kind is list:
            stack += node
        elif isinstance(node, str):
            if is_env_reference(node):
                return True
        elif isinstance(node, Mapping):
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return False


def _unread_error(instance: list[Any], unread: list[int]) -> Any:
    """The error standing for the refused items jsonschema did not read."""
    from jsonschema.exceptions import ValidationError

    return ValidationError(
        f"{len(unread)} more refused items",
        validator=UNREAD_KEYWORD,
        validator_value=unread,
        instance=instance,
        path=[unread[0]],
    )


def _pointers(root: Mapping[str, Any]) -> dict[int, str]:
    """The JSON Pointer of every object in ``root``, by identity (the first path to it)."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, Mapping):
            if id(node) in found:
                continue
            found[id(node)] = pointer
            stack += [(value, f"{pointer}/{_escape(str(key))}") for key, value in node.items()]
        elif isinstance(node, list):
            stack += [(value, f"{pointer}/{index}") for index, value in enumerate(node)]
    return found


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


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
