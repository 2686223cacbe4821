"""Schema rules (SCH): the request checked against the vendor's OpenAPI spec.

Path and query parameters, headers (names case-insensitive) and the body are
validated against the operation's schemas with ``jsonschema`` (draft 2020-12).
Validators are built once per spec, operation and media type and reused for
every manifest. Each validation error becomes exactly one finding under one
code; one value is never reported twice. The request is read as it travels:

- form fields and parameters are text: a YAML number or boolean is fine where
  text is expected (and text is fine where the spec wants a number);
- JSON form fields (``x-tapecheck.json-fields``) are checked as the parsed
  document, whether the manifest writes them as a string or as YAML;
- ``${NAME}`` references stand for values the linter never needs: they
  satisfy every constraint;
- a missing value is reported where it should be: ``/body/metadata``,
  ``/files/audio`` for a file part, ``/headers/Tenant-Name``, ``/content``.

All six rules share one pass over the request (``ctx.memo("schema", ...)``).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tapecheck.suite.lint.context import LintContext, scalar_text
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.manifest import is_env_reference, join_pointer

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

    from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "describe_pointer",
    "invalid_format",
    "missing_required",
    "not_in_enum",
    "out_of_bounds",
    "show_value",
    "undefined_property",
    "uri_pointers",
    "wrong_type",
]

_OCTET_STREAM = "application/octet-stream"
_MULTIPART = "multipart/form-data"
_FILE_PLACEHOLDER = "<file>"

#: Turns the path of a value inside the validated instance into a manifest pointer.
_Locate = Callable[[Sequence[str | int]], str]

#: Which code a jsonschema keyword's error becomes.
_CODE_FOR_KEYWORD: Mapping[str, str] = {
    "required": "SCH001",
    "dependentRequired": "SCH001",
    "type": "SCH002",
    "enum": "SCH003",
    "const": "SCH003",
    "not": "SCH003",
    "format": "SCH004",
    "pattern": "SCH004",
    "propertyNames": "SCH004",
    **dict.fromkeys(
        (
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minProperties",
            "maxProperties",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
        ),
        "SCH005",
    ),
}
#: Keywords whose errors SCH006 reports from its own walk (it also sees open objects).
_UNKNOWN_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})
#: When one value breaks several keywords, the first code in this order is the finding.
_RANK = {
    code: rank
    for rank, code in enumerate(("SCH001", "SCH002", "SCH003", "SCH004", "SCH005", "SCH006"))
}


# -- the rules ----------------------------------------------------------------


@rule("SCH001", "missing-required", fix_title="Add the missing value")
def missing_required(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that every value the spec requires is present.

    That covers body fields, form fields and file parts, headers, path and
    query parameters, and the raw body.

    The finding points where the value should be: `/body/metadata`,
    `/files/audio` for a file part, `/headers/Tenant-Name`, `/path/id`, or
    `/content` for a raw-body upload that names no file. An object that must
    hold one of several fields (an `anyOf` of `required` branches) gets one
    finding, at the object, naming the alternatives.

    ## Why is this bad?
    The vendor refuses a request without a required value (400, or 401/403 for
    a missing tenant header), often with a message that does not say which
    value is missing. A missing path parameter leaves an empty URL segment,
    which routes to another endpoint or to 404.

    ## Example
    ```yaml
    vendor: crescendo
    path: {tenantId: tenant-alpha}
    files: {audio: call.mp3}
    ```

    Use instead:
    ```yaml
    vendor: crescendo
    path: {tenantId: tenant-alpha}
    body:
      metadata: {id: call-123}
    files: {audio: call.mp3}
    ```

    ## Fix safety
    There is no automatic fix: a required value carries meaning (an id, a
    tenant, a file) that only the request's author knows. Do not fill it with
    a placeholder to silence the rule; the vendor would accept the request and
    store wrong data.

    ## References
    - The operation's `required` lists and `parameters` in `specs/<vendor>.yaml`
    - JSON Schema 2020-12 Validation, section 6.5.3 (`required`)
    - CONTRACT.md, section 2: "Missing things are SCH001"
    """
    yield from _violations(ctx, "SCH001")


@rule("SCH002", "wrong-type", fix_title="Write the value with the type the spec declares")
def wrong_type(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that each value has the JSON type the spec declares.

    A string where the spec wants an object is flagged, and so is an object
    where it wants a string.

    Form fields and parameters travel as text, so a YAML number or boolean is
    fine where the spec expects a string; an object or a list in a form field
    that is not a JSON field (`x-tapecheck.json-fields`) is flagged. So are a
    JSON form field whose text is not JSON, manifest sections that must be
    mappings (`path`, `query`, `headers`, `body`, `files`) and a `body` given
    to an operation that takes raw bytes.

    ## Why is this bad?
    The vendor parses the value with the type of its schema and refuses the
    request (400) when it cannot, or, worse, stores a stringified object such
    as `[object Object]`.

    ## Example
    ```yaml
    vendor: corti
    operation: create-interaction
    body:
      encounter: first visit
    ```

    Use instead:
    ```yaml
    vendor: corti
    operation: create-interaction
    body:
      encounter: {identifier: visit-1, status: planned, type: consultation}
    ```

    ## Fix safety
    There is no automatic fix. Quoting a number is always safe where the spec
    wants a string; turning a string into an object is not, since its fields
    must be chosen.

    ## References
    - JSON Schema 2020-12 Validation, section 6.1.1 (`type`)
    - OpenAPI 3.1, "Encoding Object" (how form fields travel)
    - CONTRACT.md, section 2: "Form fields travel as text"
    """
    yield from _violations(ctx, "SCH002")


@rule("SCH003", "not-in-enum", fix_title="Use one of the values the spec lists")
def not_in_enum(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that a value the spec restricts to a list (`enum`, `const`) is
    one of the listed values.

    Values are compared exactly (case matters). The manifest's own `auth`
    must be one of the vendor's credential kinds.

    ## Why is this bad?
    Enumerated values select behaviour on the vendor's side (a file type, an
    encounter status). A value outside the list is refused (400); a near miss
    such as `MP3` for `mp3` is still a miss.

    ## Example
    ```yaml
    vendor: siro
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: MP3
    ```

    Use instead:
    ```yaml
    vendor: siro
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    ## Fix safety
    There is no automatic fix. The message suggests the listed value closest to
    the one written; check that it means what you meant (`aac` and `mp3` are
    both valid and not interchangeable).

    ## References
    - JSON Schema 2020-12 Validation, sections 6.1.2 and 6.1.3 (`enum`, `const`)
    - The operation's schemas in `specs/<vendor>.yaml`
    """
    yield from _violations(ctx, "SCH003")


@rule("SCH004", "invalid-format", fix_title="Write the value in the format the spec declares")
def invalid_format(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks string values against the spec's `format` (uuid, email,
    date-time, uri) and `pattern`.

    Dates (`format: date`, `YYYY-MM-DD`) are checked as well.

    UUIDs are the hyphenated 8-4-4-4-12 form in any case (braces, `urn:uuid:`
    and the form without hyphens are flagged); e-mail addresses are checked by
    syntax, without a DNS look-up; date-times are RFC 3339 with `T`, `t` or a
    space between date and time and an offset (`Z`, `+02:00`). A `${NAME}`
    reference satisfies every format and pattern.

    ## Why is this bad?
    The vendor validates these formats and refuses the request (400) when one
    does not parse; an id in the wrong shape can also route the request to
    the wrong resource or to 404.

    ## Example
    ```yaml
    vendor: alpharun
    body:
      teammate_email: ada@
    ```

    Use instead:
    ```yaml
    vendor: alpharun
    body:
      teammate_email: ada@example.com
    ```

    ## Fix safety
    There is no automatic fix. Reformatting a date-time is safe only when its
    offset is known: adding `Z` to a local time moves the instant.

    ## References
    - JSON Schema 2020-12 Validation, sections 6.3.3 (`pattern`) and 7 (`format`)
    - RFC 3339, section 5.6 (date-time); RFC 9562, section 4 (UUID string form)
    - RFC 5321/5322 (e-mail address syntax); RFC 3986, section 4.3 (absolute URI)
    """
    yield from _violations(ctx, "SCH004")


@rule("SCH005", "out-of-bounds", fix_title="Bring the value within the spec's bounds")
def out_of_bounds(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks values against the spec's size keywords (`minItems`, `maxLength`,
    `minimum`, ...).

    These are `minItems`/`maxItems`, `minLength`/`maxLength`,
    `minimum`/`maximum` and their exclusive forms, `multipleOf`,
    `minProperties`/`maxProperties` and `uniqueItems`.

    ## Why is this bad?
    The vendor refuses values outside these bounds (400). An empty list where
    one item is required (Alpharun's `contacts`) or a size of 0 bytes
    (`fileSize`) is a request that cannot succeed.

    ## Example
    ```yaml
    vendor: alpharun
    body:
      contacts: []
    ```

    Use instead:
    ```yaml
    vendor: alpharun
    body:
      contacts:
        - {email: ada@example.com}
    ```

    ## Fix safety
    There is no automatic fix: truncating a string or a list loses data, and a
    number clamped to a bound is another number.

    ## References
    - JSON Schema 2020-12 Validation, sections 6.2 to 6.5
    - The operation's schemas in `specs/<vendor>.yaml`
    """
    yield from _violations(ctx, "SCH005")


@rule(
    "SCH006",
    "undefined-property",
    severity="warning",
    fix_title="Remove the property, or use the name the spec defines",
)
def undefined_property(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns about a body property, form field or file part that the spec does
    not define.

    This holds even where the schema allows extra properties; objects that
    declare `additionalProperties`, or list no `properties` at all, stay
    open.

    Fields from another version of the vendor's docs (`x-tapecheck.later-fields`,
    such as Siro's `fileUrl`) are named with the version that defines them:
    the linter holds a request to the version of the docs the spec follows.

    ## Why is this bad?
    Most vendors ignore properties they do not know, so a misspelt optional
    field (`titel`) is silently dropped, and a field renamed between versions
    of the docs works against one server and not against another.

    ## Example
    ```yaml
    vendor: siro
    body:
      fileUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    Use instead:
    ```yaml
    vendor: siro
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    ## Fix safety
    There is no automatic fix. Renaming a later-version field to the name this
    version uses is safe when the meaning is the same (`fileUrl` and
    `downloadUrl`); removing a field may drop data the vendor would have used.

    ## References
    - JSON Schema 2020-12 Core, section 10.3.2 (`properties`, `additionalProperties`)
    - The operation's `x-tapecheck.later-fields` in `specs/<vendor>.yaml`
    - CONTRACT.md, section 2: fields from later versions of a vendor's docs
    """
    yield from _violations(ctx, "SCH006")


# -- one pass, six codes --------------------------------------------------------


@dataclass(frozen=True)
class _Issue:
    code: str
    pointer: str
    message: str
    fix: str | None = None


@dataclass
class _Issues:
    """The findings of one request: one per pointer, and none under a value already judged."""

    found: dict[str, _Issue] = field(default_factory=dict)
    covered: list[str] = field(default_factory=list)

    def add(self, code: str, pointer: str, message: str, fix: str | None = None) -> None:
        if pointer in self.found or self.is_covered(pointer):
            return
        self.found[pointer] = _Issue(code, pointer, message, fix)

    def cover(self, pointer: str) -> None:
        """Nothing at or under ``pointer`` is reported from now on."""
        self.covered.append(pointer)

    def is_covered(self, pointer: str) -> bool:
        return any(pointer == p or pointer.startswith(p + "/") for p in self.covered)

    def add_ranked(self, issues: Iterable[_Issue]) -> None:
        """Add a batch of one validation: the most telling code of a value first."""
        for issue in sorted(issues, key=lambda i: _RANK[i.code]):
            self.add(issue.code, issue.pointer, issue.message, issue.fix)
            if issue.code == "SCH002":
                self.cover(issue.pointer)


def _violations(ctx: LintContext, code: str) -> Iterator[Violation]:
    for issue in ctx.memo("schema", lambda: _check_request(ctx)):
        if issue.code == code:
            yield Violation(issue.pointer, issue.message, issue.fix)


def _check_request(ctx: LintContext) -> list[_Issue]:
    if ctx.fatal or ctx.manifest is None or ctx.operation is None or ctx.spec is None:
        return []
    issues = _Issues()
    _check_sections(ctx, issues)
    for location, key in (("path", "path"), ("query", "query"), ("header", "headers")):
        _check_parameters(ctx, location, key, issues)
    _check_body(ctx, issues)
    return list(issues.found.values())


def _request_label(ctx: LintContext) -> str:
    title = ctx.spec.title if ctx.spec else str(ctx.vendor)
    operation = ctx.operation.operation_id if ctx.operation else "?"
    return f"{title}'s `{operation}` request"


# -- the manifest's own shape ----------------------------------------------------


def _check_sections(ctx: LintContext, issues: _Issues) -> None:
    """Sections that must be mappings, `files` entries, `content` and `auth`."""
    for key in ("path", "query", "headers", "files"):
        value = ctx.data.get(key)
        if value is not None and not isinstance(value, Mapping):
            issues.add(
                "SCH002",
                f"/{key}",
                f"`{key}` is {_typed(value)}; write it as a mapping of name: value",
            )
            issues.cover(f"/{key}")
    files = ctx.data.get("files")
    if isinstance(files, Mapping):
        for name, entry in files.items():
            _check_file_entry(join_pointer("files", str(name)), str(name), entry, issues)
    content = ctx.data.get("content")
    if content is not None and not isinstance(content, str):
        issues.add(
            "SCH002",
            "/content",
            f"`content` is {_typed(content)}; write the path of the "
            "file that is the raw body (relative to the manifest)",
        )
    _check_auth(ctx, issues)


def _check_file_entry(pointer: str, name: str, entry: Any, issues: _Issues) -> None:
    if isinstance(entry, str):
        return
    if isinstance(entry, Mapping):
        path = entry.get("path")
        if path is None:
            issues.add(
                "SCH001",
                pointer + "/path",
                f"`files.{name}` has no `path`; write `{name}: {{path: FILE, content_type: TYPE}}`",
            )
        elif not isinstance(path, str):
            issues.add(
                "SCH002",
                pointer + "/path",
                f"`files.{name}.path` is {_typed(path)}; write the file's path",
            )
        content_type = entry.get("content_type")
        if content_type is not None and not isinstance(content_type, str):
            issues.add(
                "SCH002",
                pointer + "/content_type",
                f"`files.{name}.content_type` is {_typed(content_type)}; write a media type "
                "such as `audio/mpeg`",
            )
        return
    issues.add(
        "SCH002",
        pointer,
        f"`files.{name}` is {_typed(entry)}; write a path, or `{{path: FILE, content_type: TYPE}}`",
    )


def _check_auth(ctx: LintContext, issues: _Issues) -> None:
    if "auth" not in ctx.data or ctx.data["auth"] is None or ctx.spec is None:
        return
    value = ctx.data["auth"]
    kinds = [str(c.get("kind")) for c in ctx.spec.credentials]
    if not isinstance(value, str):
        issues.add(
            "SCH002",
            "/auth",
            f"`auth` is {_typed(value)}; write one of {_listing(kinds)}",
        )
    elif kinds and value not in kinds:
        issues.add(
            "SCH003",
            "/auth",
            f"`auth` {show_value(value)} is not a credential kind of {ctx.spec.title}; "
            f"use one of {_listing(kinds)}",
            _did_you_mean(value, kinds),
        )


# -- parameters --------------------------------------------------------------------

_LOCATION_LABEL = {"path": "path parameter", "query": "query parameter", "header": "header"}


def _check_parameters(ctx: LintContext, location: str, key: str, issues: _Issues) -> None:
    operation = ctx.operation
    if operation is None or ctx.spec is None:
        return
    if ctx.data.get(key) is not None and not isinstance(ctx.data.get(key), Mapping):
        return  # reported by _check_sections
    label = _LOCATION_LABEL[location]
    for param in operation.parameters_in(location):
        name = str(param["name"])
        if location == "header":
            found = ctx.header(name)
            pointer = found[0] if found else join_pointer(key, name)
            present, value = (found is not None), (found[1] if found else None)
        else:
            section = ctx.section(key)
            pointer = join_pointer(key, name)
            present, value = name in section, section.get(name)
        required = bool(param.get("required")) or location == "path"
        if not present or value is None:
            if required:
                what = "is missing" if not present else "has no value"
                issues.add(
                    "SCH001",
                    pointer,
                    f"required {label} `{name}` {what}; add it under `{key}`",
                )
            continue
        value = scalar_text(value)
        if location == "path" and value == "":
            issues.add(
                "SCH001",
                pointer,
                f"path parameter `{name}` is empty, which leaves an empty segment in the URL; "
                "give it a value",
            )
            continue
        if isinstance(value, Mapping | list):
            issues.add(
                "SCH002",
                pointer,
                f"{label} `{name}` is {_typed(value)}; "
                f"{label}s travel as text, so write a single value",
            )
            continue
        checker = _parameter_validator(ctx.spec, operation, location, name)
        if checker is not None:
            instance = _coerce_text(value, checker.types)
            errors = checker.validator.iter_errors(instance)
            issues.add_ranked(_map_errors(errors, functools.partial(_fixed, pointer)))


def _fixed(pointer: str, _tokens: Sequence[str | int]) -> str:
    """A parameter is a single value: every error is at its pointer."""
    return pointer


@dataclass(frozen=True)
class _ParameterSchema:
    validator: Draft202012Validator
    types: frozenset[str]


_PARAMETER_CACHE: dict[tuple[str, str, str, str, str], _ParameterSchema | None] = {}


def _parameter_validator(
    spec: Spec, operation: Operation, location: str, name: str
) -> _ParameterSchema | None:
    key = (spec.sha256, spec.source, operation.operation_id, location, name)
    if key not in _PARAMETER_CACHE:
        built: _ParameterSchema | None = None
        for param in operation.parameters_in(location):
            if param["name"] == name and isinstance(param.get("schema"), Mapping):
                root = spec.json_schema(param["schema"])
                built = _ParameterSchema(_validator(root), _types(root, root))
        _PARAMETER_CACHE[key] = built
    return _PARAMETER_CACHE[key]


# -- the body ----------------------------------------------------------------------


@dataclass(frozen=True)
class _BodySchema:
    """A body's validator and what the linter reads from its schema."""

    validator: Draft202012Validator
    root: Mapping[str, Any]
    properties: Mapping[str, Any]  # top-level property schemas (form fields)
    file_parts: frozenset[str]
    is_object: bool
    walker: _Walker


_BODY_CACHE: dict[tuple[str, str, str, str], _BodySchema | None] = {}


def _body_schema(spec: Spec, operation: Operation, media_type: str) -> _BodySchema | None:
    key = (spec.sha256, spec.source, operation.operation_id, media_type)
    if key not in _BODY_CACHE:
        _BODY_CACHE[key] = _build_body_schema(operation, media_type)
    return _BODY_CACHE[key]


def _build_body_schema(operation: Operation, media_type: str) -> _BodySchema | None:
    import copy

    standalone = operation.body_schema(media_type)
    if standalone is None:
        return None
    root: dict[str, Any] = copy.deepcopy(standalone)  # the components are shared: copy first
    top = _resolve(root, root)
    object_schemas = [s for s in _branches(root, top) if "properties" in s]
    properties: dict[str, Any] = {}
    for schema in object_schemas:
        properties.update(schema["properties"])
    json_fields = set(operation.ext.get("json-fields", []) or [])
    if media_type == _MULTIPART:
        for schema in object_schemas:
            for name in json_fields & set(schema["properties"]):
                declared = _resolve(root, schema["properties"][name])
                if isinstance(declared, Mapping) and "contentSchema" in declared:
                    schema["properties"][name] = declared["contentSchema"]
                elif _types(root, declared) == {"string"}:
                    schema["properties"][name] = {}  # any JSON document
                properties[name] = schema["properties"][name]
    file_parts = {
        name
        for name, schema in properties.items()
        if name not in json_fields and _is_binary(_resolve(root, schema))
    }
    audio = operation.audio or {}
    if media_type == _MULTIPART and audio.get("location") == "part":
        file_parts.update(str(part) for part in audio.get("parts", []))
    return _BodySchema(
        validator=_validator(root),
        root=root,
        properties=properties,
        file_parts=frozenset(file_parts),
        is_object="object" in _types(root, root) or bool(object_schemas),
        walker=_Walker(root),
    )


def _is_binary(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (
        schema.get("format") in ("binary", "byte")
        or "contentEncoding" in schema
        or ("contentMediaType" in schema and "json" not in str(schema["contentMediaType"]))
    )


def _check_body(ctx: LintContext, issues: _Issues) -> None:
    operation, spec, media_type = ctx.operation, ctx.spec, ctx.media_type
    if operation is None or spec is None:
        return
    body_given = ctx.data.get("body") is not None
    if media_type is None:
        if body_given:
            issues.add(
                "SCH006",
                "/body",
                f"{_request_label(ctx)} takes no body; remove `body`",
            )
        return
    if media_type not in (_MULTIPART,) and not media_type.endswith("json"):
        _check_raw_body(ctx, issues)
        return
    schema = _body_schema(spec, operation, media_type)
    if schema is None:
        return
    required = bool((operation.request_body or {}).get("required"))
    origins: dict[str, str] = {}
    if media_type == _MULTIPART:
        form = _form(ctx, schema, issues, origins)
        if form is None:
            return
        instance: Any = form
    elif not body_given:
        if not required:
            return
        if not schema.is_object:
            issues.add("SCH001", "/body", f"{_request_label(ctx)} needs a body; add `body`")
            return
        instance = {}
    else:
        instance = _texts(ctx.body)

    def locate(tokens: Sequence[str | int]) -> str:
        if tokens and origins.get(str(tokens[0])) == "files":
            return "/files" + join_pointer(*tokens)
        if media_type == _MULTIPART and len(tokens) == 1 and str(tokens[0]) in schema.file_parts:
            return "/files" + join_pointer(*tokens)  # a missing file part
        return "/body" + join_pointer(*tokens)

    issues.add_ranked(_map_errors(schema.validator.iter_errors(instance), locate))
    later = operation.ext.get("later-fields", {}) or {}
    unknown: list[_Issue] = []
    for tokens, known in schema.walker.undefined(schema.root, instance):
        pointer = locate(tokens)
        name = str(tokens[-1])
        if len(tokens) == 1 and name in later:
            message = (
                f"{describe_pointer(pointer)} comes from {later[name]}; this spec holds the "
                f"request to the version of the docs it follows, which does not define it"
            )
        else:
            message = (
                f"{describe_pointer(pointer)} is not defined by {_request_label(ctx)}; check "
                "the spelling, or remove it (the vendor ignores or refuses it)"
            )
        unknown.append(_Issue("SCH006", pointer, message, _did_you_mean(name, known)))
    issues.add_ranked(unknown)


def _check_raw_body(ctx: LintContext, issues: _Issues) -> None:
    """A raw-body upload: the bytes are the file named by `content`."""
    operation = ctx.operation
    if operation is None:
        return
    if ctx.data.get("body") is not None:
        issues.add(
            "SCH002",
            "/body",
            f"{_request_label(ctx)} takes the raw audio as its body, not fields; name the "
            "file in `content` and remove `body`",
        )
    files = ctx.data.get("files")
    has_files = isinstance(files, Mapping) and bool(files)
    required = bool((operation.request_body or {}).get("required"))
    if required and ctx.data.get("content") is None and not has_files:
        issues.add(
            "SCH001",
            "/content",
            f"{_request_label(ctx)} sends a file as the raw body, and the manifest names "
            "none; add `content: FILE` (relative to the manifest)",
        )


def _form(
    ctx: LintContext, schema: _BodySchema, issues: _Issues, origins: dict[str, str]
) -> dict[str, Any] | None:
    """The multipart form as the vendor reads it: text fields, parsed JSON fields, file parts."""
    body = ctx.data.get("body")
    if body is not None and not isinstance(body, Mapping):
        issues.add(
            "SCH002",
            "/body",
            f"`body` is {_typed(body)}; write the form fields as a mapping of name: value",
        )
        return None
    form: dict[str, Any] = {}
    json_fields = ctx.json_fields
    for raw_name, value in (body or {}).items():
        name = str(raw_name)
        pointer = join_pointer("body", name)
        origins[name] = "body"
        parsed = json_fields.get(name)
        if parsed is not None:
            if is_env_reference(parsed.raw):
                issues.cover(pointer)  # its document is not known: anything goes
                form[name] = parsed.raw
            elif parsed.error is not None:
                issues.add(
                    "SCH002",
                    pointer,
                    f"form field `{name}` is not valid JSON ({parsed.error}); write a JSON "
                    "document, or the value as YAML",
                )
                issues.cover(pointer)
                form[name] = parsed.raw
            else:
                form[name] = _texts(parsed.value)
            continue
        value = scalar_text(value)
        if isinstance(value, Mapping | list):
            issues.add(
                "SCH002",
                pointer,
                f"form field `{name}` is {_kind(value)}, but form fields travel as text and "
                f"`{name}` is not a JSON field; write it as a single value",
            )
            issues.cover(pointer)
            form[name] = value
            continue
        form[name] = _coerce_text(value, _types(schema.root, schema.properties.get(name)))
    files = ctx.data.get("files")
    if isinstance(files, Mapping):
        for raw_name in files:
            name = str(raw_name)
            if name not in form:
                form[name] = _FILE_PLACEHOLDER
                origins[name] = "files"
    return form


# -- errors into findings ----------------------------------------------------------


def _map_errors(errors: Iterable[ValidationError], locate: _Locate) -> list[_Issue]:
    """Each error as one finding, after choosing the telling branch of anyOf/oneOf."""
    found: list[_Issue] = []
    for error in errors:
        found += _map_error(error, locate)
    return found


def _map_error(error: ValidationError, locate: _Locate) -> list[_Issue]:
    if isinstance(error.instance, str) and is_env_reference(error.instance):
        return []
    tokens = list(error.absolute_path)
    pointer: str = locate(tokens)
    keyword = str(error.validator) if error.validator is not None else "false"
    if keyword in ("anyOf", "oneOf"):
        return _map_alternatives(error, locate, pointer)
    if keyword in _UNKNOWN_KEYWORDS:
        return []
    expected: Any = error.validator_value
    instance: Any = error.instance if isinstance(error.instance, Mapping) else {}
    if keyword == "required":
        return [_missing(locate([*tokens, name])) for name in expected if name not in instance]
    if keyword == "dependentRequired":
        return [
            _missing(locate([*tokens, name]))
            for trigger, names in dict(expected).items()
            if trigger in instance
            for name in names
            if name not in instance
        ]
    code = _CODE_FOR_KEYWORD.get(keyword, "SCH003")
    return [_Issue(code, pointer, _message(keyword, error, pointer), _enum_fix(keyword, error))]


def _missing(pointer: str) -> _Issue:
    parent, _, name = pointer.rpartition("/")
    name = name.replace("~1", "/").replace("~0", "~")
    if parent == "/files":
        message = f"required file part `{name}` is missing; add it under `files` ({name}: FILE)"
    elif parent == "/body":
        message = f"required field `{name}` is missing; add it under `body`"
    else:
        message = f"{describe_pointer(parent)} is missing its required field `{name}`; add it"
    return _Issue("SCH001", pointer, message)


def _map_alternatives(error: ValidationError, locate: _Locate, pointer: str) -> list[_Issue]:
    """An anyOf/oneOf failure: one finding for "none of these is there", else the closest branch."""
    context = list(error.context or [])
    what = describe_pointer(pointer)
    if not context:  # oneOf: valid under more than one branch
        return [
            _Issue(
                "SCH003",
                pointer,
                f"{what} matches more than one of the shapes the spec allows; make it match one",
            )
        ]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if all(_lacking(errors) for errors in branches.values()):
        names = _unique(name for errors in branches.values() for name in _absent_names(errors))
        return [
            _Issue("SCH001", pointer, f"{what} needs at least one of {_listing(names)}; add one")
        ]
    if all(e.validator == "type" and not e.relative_path for e in context):
        expected = _unique(t for e in context for t in _as_list(e.validator_value))
        return [
            _Issue(
                "SCH002",
                pointer,
                f"{what} is {_typed(error.instance)}; expected {_type_names(expected)}",
            )
        ]
    from jsonschema.exceptions import best_match

    def wrong_shape(errors: list[ValidationError]) -> bool:
        return any(e.validator == "type" and not e.relative_path for e in errors)

    candidates = (
        [i for i, errors in branches.items() if not _lacking(errors) and not wrong_shape(errors)]
        or [i for i, errors in branches.items() if not wrong_shape(errors)]
        or list(branches)
    )
    best = best_match(e for index in candidates for e in branches[index])
    chosen = branches[best.relative_schema_path[0]] if best is not None else context
    found: list[_Issue] = []
    for sub in chosen:
        found += _map_error(sub, locate)
    return found


def _lacking(errors: Sequence[ValidationError]) -> bool:
    """A branch that fails only because the members it needs are absent or null."""
    return all(
        (e.validator == "required" and not e.relative_path)
        or (e.instance is None and len(e.relative_path) == 1)
        for e in errors
    )


def _absent_names(errors: Sequence[ValidationError]) -> Iterator[str]:
    for e in errors:
        if e.validator == "required":
            instance: Any = e.instance if isinstance(e.instance, Mapping) else {}
            yield from (str(n) for n in _as_list(e.validator_value) if n not in instance)
        else:
            yield str(e.relative_path[0])


def _message(keyword: str, error: ValidationError, pointer: str) -> str:
    what = describe_pointer(pointer)
    value: Any = error.instance
    expected: Any = error.validator_value
    shown = show_value(value)
    if keyword == "type":
        return f"{what} is {_typed(value)}; expected {_type_names(_as_list(expected))}"
    if keyword == "enum":
        return f"{what} {shown} is not one of {_listing([_plain(v) for v in expected])}"
    if keyword == "const":
        return f"{what} {shown} must be {_plain(expected)}"
    if keyword == "format":
        return f"{what} {shown} {_FORMAT_HINTS.get(str(expected), f'is not a valid {expected}')}"
    if keyword == "pattern":
        return f"{what} {shown} does not match the pattern `{expected}`"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return f"{what} {shown} has {len(value)} characters; it must have {bound} {expected}"
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return f"{what} has {len(value)} item(s); it must have {bound} {expected}"
    if keyword in ("minProperties", "maxProperties"):
        bound = "at least" if keyword == "minProperties" else "at most"
        return f"{what} has {len(value)} member(s); it must have {bound} {expected}"
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
        "multipleOf": "a multiple of",
    }
    if keyword in bounds:
        return f"{what} is {shown}; it must be {bounds[keyword]} {expected}"
    if keyword == "uniqueItems":
        return f"{what} repeats an item; each item must be different"
    return f"{what} {shown} is not allowed here ({error.message})"


_FORMAT_HINTS = {
    "uuid": "is not a UUID; write the hyphenated 8-4-4-4-12 form, such as "
    "`f47ac10b-58cc-4372-a567-0e02b2c3d479` (no braces, no `urn:uuid:`)",
    "email": "is not a valid e-mail address; write one such as `ada@example.com`",
    "date-time": "is not an RFC 3339 date-time; write date, time and offset, such as "
    "`2024-01-15T14:30:00Z` or `2024-01-15T14:30:00+02:00`",
    "date": "is not a date; write `YYYY-MM-DD`, such as `2024-01-15`",
    "uri": "is not an absolute URI; write the scheme and host, such as `https://example.com/file`",
}


def _enum_fix(keyword: str, error: ValidationError) -> str | None:
    if keyword == "enum" and isinstance(error.instance, str):
        return _did_you_mean(error.instance, [str(v) for v in _as_list(error.validator_value)])
    return None


# -- formats ---------------------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _check_uuid(value: object) -> bool:
    from tapecheck.suite.values import is_uuid

    return not isinstance(value, str) or is_uuid(value)


@functools.lru_cache(maxsize=4096)
def _email_ok(value: str) -> bool:
    from tapecheck.suite.values import is_email

    return is_email(value)


def _check_email(value: object) -> bool:
    return not isinstance(value, str) or _email_ok(value)


def _check_date_time(value: object) -> bool:
    from tapecheck.suite.values import has_offset, parse_datetime

    if not isinstance(value, str):
        return True
    moment = parse_datetime(value)
    return moment is not None and has_offset(moment)


def _check_date(value: object) -> bool:
    import datetime

    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_uri(value: object) -> bool:
    return not isinstance(value, str) or (
        _URI.fullmatch(value) is not None and _PCT.search(value) is None
    )


@functools.cache
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in (
        ("uuid", _check_uuid),
        ("email", _check_email),
        ("date-time", _check_date_time),
        ("date", _check_date),
        ("uri", _check_uri),
    ):
        checker.checks(name)(check)
    return checker


def _validator(root: Mapping[str, Any]) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(root, format_checker=_format_checker())


# -- walking schemas ---------------------------------------------------------------------


def _resolve(root: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` chains inside a standalone schema."""
    for _ in range(64):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node
        ref = node["$ref"]
        if not ref.startswith("#"):
            return {}
        target: Any = root
        for token in ref[1:].lstrip("/").split("/") if ref != "#" else []:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                return {}
        node = target
    return {}


def _branches(root: Mapping[str, Any], schema: Any) -> Iterator[Mapping[str, Any]]:
    """A schema and every subschema that applies to the same instance."""
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node.get("$ref"), str):
            stack.append(_resolve(root, node))
        for key in ("allOf", "anyOf", "oneOf"):
            stack += list(node.get(key, []) or [])
        stack += [node[key] for key in ("then", "else") if key in node]


def _types(root: Mapping[str, Any], schema: Any) -> frozenset[str]:
    """Every JSON type a schema names, through references and combinators."""
    found: set[str] = set()
    for node in _branches(root, schema):
        declared = node.get("type")
        found.update(_as_list(declared) if declared is not None else [])
    return frozenset(str(t) for t in found)


class _Walker:
    """Walks one cached schema beside an instance; each schema's branches are listed once."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._branches: dict[int, tuple[Mapping[str, Any], ...]] = {}
        self.has_uri = '"format": "uri' in json.dumps(root, default=str)

    def branches(self, schema: Any) -> tuple[Mapping[str, Any], ...]:
        found = self._branches.get(id(schema))
        if found is None:
            found = self._branches[id(schema)] = tuple(_branches(self.root, schema))
        return found

    def undefined(
        self, schema: Any, instance: Any, tokens: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[tuple[str | int, ...], list[str]]]:
        """``(tokens, known names)`` of each member that no applicable schema defines."""
        nodes = self.branches(schema)
        if isinstance(instance, Mapping):
            properties: dict[str, list[Any]] = {}
            extra: list[Any] = []
            listed, open_ = False, False
            for node in nodes:
                if isinstance(node.get("properties"), Mapping):
                    listed = True
                    for name, sub in node["properties"].items():
                        properties.setdefault(str(name), []).append(sub)
                for key in ("additionalProperties", "unevaluatedProperties"):
                    if node.get(key) is True or isinstance(node.get(key), Mapping):
                        open_ = True
                        if isinstance(node.get(key), Mapping):
                            extra.append(node[key])
                if "patternProperties" in node:
                    open_ = True
            for raw_name, value in instance.items():
                name = str(raw_name)
                if name in properties:
                    for sub in properties[name]:
                        yield from self.undefined(sub, value, (*tokens, name))
                elif listed and not open_:
                    yield (*tokens, name), sorted(properties)
                else:
                    for sub in extra:
                        yield from self.undefined(sub, value, (*tokens, name))
        elif isinstance(instance, list):
            items = [node["items"] for node in nodes if isinstance(node.get("items"), Mapping)]
            for index, value in enumerate(instance):
                for sub in items:
                    yield from self.undefined(sub, value, (*tokens, index))

    def uri_values(
        self, schema: Any, instance: Any, tokens: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[str | int, ...]]:
        """The tokens of each string whose schema declares ``format: uri`` (or ``uri-*``)."""
        nodes = self.branches(schema)
        if isinstance(instance, str):
            if any(str(node.get("format", "")).startswith("uri") for node in nodes):
                yield tokens
        elif isinstance(instance, Mapping):
            for node in nodes:
                properties = node.get("properties")
                if isinstance(properties, Mapping):
                    for name, sub in properties.items():
                        if name in instance:
                            yield from self.uri_values(sub, instance[name], (*tokens, name))
        elif isinstance(instance, list):
            for node in nodes:
                if isinstance(node.get("items"), Mapping):
                    for index, value in enumerate(instance):
                        yield from self.uri_values(node["items"], value, (*tokens, index))


def uri_pointers(ctx: LintContext) -> set[str]:
    """Pointers (``/body/...``) of the request body's strings declared ``format: uri``."""
    operation, spec, media_type = ctx.operation, ctx.spec, ctx.media_type
    if operation is None or spec is None or media_type is None:
        return set()
    schema = _body_schema(spec, operation, media_type)
    if schema is None or not schema.walker.has_uri:
        return set()
    return {
        "/body" + join_pointer(*tokens)
        for tokens in schema.walker.uri_values(schema.root, ctx.request_body)
    }


# -- values --------------------------------------------------------------------------------


def _texts(value: Any) -> Any:
    """A manifest value with YAML dates as their text and every key a string (as JSON has)."""
    if isinstance(value, Mapping):
        return {str(k): _texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v) for v in value]
    return scalar_text(value)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def _coerce_text(value: Any, types: frozenset[str]) -> Any:
    """A value that travels as text, read as the type the schema wants."""
    if not types:
        return value
    if isinstance(value, bool):
        if "boolean" not in types and "string" in types:
            return "true" if value else "false"
        return value
    if isinstance(value, int | float):
        numeric = "number" in types or ("integer" in types and float(value).is_integer())
        if not numeric and "string" in types:
            return str(value)
        return value
    if isinstance(value, str) and "string" not in types:
        text = value.strip()
        if "integer" in types and _INTEGER.fullmatch(text):
            return int(text)
        if "number" in types:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number == number and abs(number) != float("inf"):
                    return number
        if "boolean" in types and text.lower() in ("true", "false"):
            return text.lower() == "true"
    return value


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
    labels = {
        "headers": "header",
        "path": "path parameter",
        "query": "query parameter",
        "files": "file part",
    }
    if section in labels and len(rest) == 1:
        return f"{labels[section]} `{rest[0]}`"
    if section == "body" and not rest:
        return "the body"
    if section != "body":
        rest = tokens
    dotted = ""
    for token in rest:
        dotted += f"[{token}]" if token.isdigit() else (f".{token}" if dotted else token)
    return f"`{dotted}`"


def _typed(value: Any) -> str:
    """A value with its JSON type, as messages name it: ``a string "abc"``, ``null``."""
    return "null" if value is None else f"{_kind(value)} {show_value(value)}"


def _kind(value: Any) -> str:
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


_TYPE_NAMES = {
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _type_names(types: Sequence[Any]) -> str:
    names = [_TYPE_NAMES.get(str(t), str(t)) for t in types]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _listing(values: Sequence[Any]) -> str:
    named = [f"`{v}`" for v in values]
    if not named:
        return "nothing"
    return ", ".join(named[:-1]) + f" or {named[-1]}" if len(named) > 1 else named[0]


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _did_you_mean(value: str, choices: Sequence[str]) -> str | None:
    lowered = {choice.lower(): choice for choice in choices}
    if value.lower() in lowered:
        return f"Did you mean `{lowered[value.lower()]}`?"
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f"Did you mean `{close[0]}`?" if close else None
