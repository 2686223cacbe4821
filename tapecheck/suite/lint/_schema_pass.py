"""One pass over a request, against its operation's schemas: every issue of the six SCH rules.

The manifest's own sections come first (mappings, ``files`` entries,
``content``, ``auth``), then the path, query and header parameters, then the
body. The request is read as it travels (see :mod:`tapecheck.suite.lint.schema`):
parameters and form fields as text, JSON form fields as their documents,
``${NAME}`` references as values that satisfy every constraint.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from tapecheck.suite.lint._schema_issues import Issue, IssueRun, Issues, Locate, map_errors
from tapecheck.suite.lint._schema_walk import types
from tapecheck.suite.lint._validation import MULTIPART, BodySchema, body_schema, parameter_schema
from tapecheck.suite.lint.context import LintContext, scalar_text
from tapecheck.suite.lint.wording import (
    code_listing,
    describe_pointer,
    did_you_mean,
    kind_of,
    show_value,
    typed,
)
from tapecheck.suite.manifest import is_env_reference
from tapecheck.suite.pointers import escape_token, join_pointer

__all__ = ["check_request"]

#: What a file part holds in the form that is validated: the file is not read here.
_FILE_PLACEHOLDER = "<file>"
_LOCATION_LABEL = {"path": "path parameter", "query": "query parameter", "header": "header"}
_INTEGER = re.compile(r"[+-]?[0-9]+")


def check_request(ctx: LintContext) -> list[Issue | IssueRun]:
    """Every issue of the request, at most one per pointer (runs of issues made when read)."""
    if ctx.fatal or ctx.manifest is None or ctx.operation is None or ctx.spec is None:
        return []
    issues = Issues()
    _check_sections(ctx, issues)
    for location, key in (("path", "path"), ("query", "query"), ("header", "headers")):
        _check_parameters(ctx, location, key, issues)
    _check_body(ctx, issues)
    return issues.listed()


def _request_label(ctx: LintContext) -> str:
    title = ctx.vendor_title
    operation = ctx.operation.operation_id if ctx.operation else "?"
    return f"{title}'s `{operation}` request"


# -- the manifest's own shape ----------------------------------------------------


def _check_sections(ctx: LintContext, issues: Issues) -> None:
    """Sections that must be mappings, `files` entries, `content` and `auth`."""
    for key in ("path", "query", "headers", "files"):
        value = ctx.data.get(key)
        if value is not None and not isinstance(value, Mapping):
            issues.add(
                "SCH002",
                f"/{key}",
                f"`{key}` is {typed(value)}; write it as a mapping of name: value",
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
            f"`content` is {typed(content)}; write the path of the "
            "file that is the raw body (relative to the manifest)",
        )
    _check_auth(ctx, issues)


def _check_file_entry(pointer: str, name: str, entry: Any, issues: Issues) -> None:
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
                f"`files.{name}.path` is {typed(path)}; write the file's path",
            )
        content_type = entry.get("content_type")
        if content_type is not None and not isinstance(content_type, str):
            issues.add(
                "SCH002",
                pointer + "/content_type",
                f"`files.{name}.content_type` is {typed(content_type)}; write a media type "
                "such as `audio/mpeg`",
            )
        return
    issues.add(
        "SCH002",
        pointer,
        f"`files.{name}` is {typed(entry)}; write a path, or `{{path: FILE, content_type: TYPE}}`",
    )


def _check_auth(ctx: LintContext, issues: Issues) -> None:
    if "auth" not in ctx.data or ctx.data["auth"] is None or ctx.spec is None:
        return
    value = ctx.data["auth"]
    kinds = [str(c.get("kind")) for c in ctx.spec.credentials]
    if not isinstance(value, str):
        issues.add(
            "SCH002",
            "/auth",
            f"`auth` is {typed(value)}; write one of {code_listing(kinds)}",
        )
    elif kinds and value not in kinds:
        issues.add(
            "SCH003",
            "/auth",
            f"`auth` {show_value(value)} is not a credential kind of {ctx.spec.title}; "
            f"use one of {code_listing(kinds)}",
            did_you_mean(value, kinds),
        )


# -- parameters --------------------------------------------------------------------


def _check_parameters(ctx: LintContext, location: str, key: str, issues: Issues) -> None:
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
                f"{label} `{name}` is {typed(value)}; "
                f"{label}s travel as text, so write a single value",
            )
            continue
        checker = parameter_schema(ctx.spec, operation, location, name)
        if checker is not None:
            instance = _coerce_text(value, checker.types)
            errors = checker.validator.iter_errors(instance)
            issues.add_ranked(map_errors(errors, functools.partial(_fixed, pointer)))


def _fixed(pointer: str, _tokens: Sequence[str | int]) -> str:
    """A parameter is a single value: every error is at its pointer."""
    return pointer


# -- the body ----------------------------------------------------------------------


def _check_body(ctx: LintContext, issues: Issues) -> None:
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
    if media_type not in (MULTIPART,) and not media_type.endswith("json"):
        _check_raw_body(ctx, issues)
        return
    schema = body_schema(spec, operation, media_type)
    if schema is None:
        return
    required = bool((operation.request_body or {}).get("required"))
    origins: dict[str, str] = {}
    if media_type == MULTIPART:
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
        # JSON already holds string keys and no dates: a 600,000-key body is not copied.
        instance = ctx.body if _strict_json(ctx) else _texts(ctx.body)

    def locate(tokens: Sequence[str | int]) -> str:
        if tokens and origins.get(str(tokens[0])) == "files":
            return "/files" + join_pointer(*tokens)
        if media_type == MULTIPART and len(tokens) == 1 and str(tokens[0]) in schema.file_parts:
            return "/files" + join_pointer(*tokens)  # a missing file part
        return "/body" + join_pointer(*tokens)

    issues.add_ranked(map_errors(schema.validator.iter_errors(instance), locate))
    # The members of the root that `locate` puts under /files.
    in_files = {name for name, origin in origins.items() if origin == "files"}
    if media_type == MULTIPART:
        in_files.update(schema.file_parts)
    later = operation.ext.get("later-fields", {}) or {}
    label = _request_label(ctx)

    def unknown_message(pointer: str, name: str, alone: bool) -> str:
        if alone and name in later:
            return (
                f"{describe_pointer(pointer)} comes from {later[name]}; this spec holds the "
                f"request to the version of the docs it follows, which does not define it"
            )
        return (
            f"{describe_pointer(pointer)} is not defined by {label}; check "
            "the spelling, or remove it (the vendor ignores or refuses it)"
        )

    for run in schema.walker.undefined_runs(schema.root, instance, batch_from=_RUN_FROM):
        if len(run.names) < _RUN_FROM:
            for name in run.names:
                pointer = locate((*run.tokens, name))
                message = unknown_message(pointer, name, not run.tokens)
                issues.add("SCH006", pointer, message, did_you_mean(name, run.known))
            continue
        # A closed object with many undefined members: one run per object pointer,
        # whose findings are made only when listed.
        fix = functools.partial(_did_you_mean, run.known)
        told = functools.partial(_unknown_message, unknown_message, not run.tokens)
        for names in _by_object(run.tokens, run.names, locate, in_files):
            prefix = locate((*run.tokens, names[0]))[: -len(escape_token(names[0])) - 1]
            issues.add_run(IssueRun("SCH006", prefix, names, told, fix, run.walk))


#: A run of this many undefined members of one object is kept as names, not issues.
_RUN_FROM = 4_096


def _did_you_mean(known: list[str], name: str) -> str | None:
    return did_you_mean(name, known)


def _unknown_message(
    message: Callable[[str, str, bool], str], alone: bool, pointer: str, name: str
) -> str:
    return message(pointer, name, alone)


def _by_object(
    tokens: tuple[str | int, ...], names: list[str], locate: Locate, in_files: set[str]
) -> Iterator[list[str]]:
    """A run's names in stretches that share the pointer of their object.

    Below the body's root the object's tokens decide where its members are; at the
    root a file part (one of ``in_files``) is under ``/files``, a field under ``/body``.
    """
    if tokens or in_files.isdisjoint(names):
        yield names
        return
    for _, group in itertools.groupby(names, key=lambda name: locate((name,)).rpartition("/")[0]):
        yield list(group)


def _check_raw_body(ctx: LintContext, issues: Issues) -> None:
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
    ctx: LintContext, schema: BodySchema, issues: Issues, origins: dict[str, str]
) -> dict[str, Any] | None:
    """The multipart form as the vendor reads it: text fields, parsed JSON fields, file parts."""
    body = ctx.data.get("body")
    if body is not None and not isinstance(body, Mapping):
        issues.add(
            "SCH002",
            "/body",
            f"`body` is {typed(body)}; write the form fields as a mapping of name: value",
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
                from_json = isinstance(parsed.raw, str) or _strict_json(ctx)
                form[name] = parsed.value if from_json else _texts(parsed.value)
            continue
        value = scalar_text(value)
        if isinstance(value, Mapping | list):
            issues.add(
                "SCH002",
                pointer,
                f"form field `{name}` is {kind_of(value)}, but form fields travel as text and "
                f"`{name}` is not a JSON field; write it as a single value",
            )
            issues.cover(pointer)
            form[name] = value
            continue
        form[name] = _coerce_text(value, types(schema.root, schema.properties.get(name)))
    files = ctx.data.get("files")
    if isinstance(files, Mapping):
        for raw_name in files:
            name = str(raw_name)
            if name not in form:
                form[name] = _FILE_PLACEHOLDER
                origins[name] = "files"
    return form


# -- values as they travel ---------------------------------------------------------


def _texts(value: Any) -> Any:
    """A manifest value with YAML dates as their text and every key a string (as JSON has)."""
    if isinstance(value, list) and _plain_records(value):
        return value  # nothing to change: 100,000 YAML contacts are not copied
    if isinstance(value, Mapping):
        return {str(k): _texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v) for v in value]
    return scalar_text(value)


#: The exact types of values ``_texts`` leaves as they are (a YAML date is not one).
_PLAIN_SCALARS = frozenset((str, int, float, bool, type(None)))


def _plain_records(items: list[Any]) -> bool:
    """A long list of dicts with text keys and plain scalar values, told in C passes."""
    if len(items) < 64 or set(map(type, items)) != {dict}:
        return False
    if not set(map(type, itertools.chain.from_iterable(items))) <= {str}:
        return False
    values = itertools.chain.from_iterable(map(dict.values, items))
    return _PLAIN_SCALARS.issuperset(map(type, values))


def _coerce_text(value: Any, wanted: frozenset[str]) -> Any:
    """A value that travels as text, read as the type the schema wants."""
    if not wanted:
        return value
    if isinstance(value, bool):
        if "boolean" not in wanted and "string" in wanted:
            return "true" if value else "false"
        return value
    if isinstance(value, int | float):
        numeric = "number" in wanted or ("integer" in wanted and float(value).is_integer())
        if not numeric and "string" in wanted:
            return str(value)
        return value
    if isinstance(value, str) and "string" not in wanted:
        text = value.strip()
        if "integer" in wanted and _INTEGER.fullmatch(text):
            return int(text)
        if "number" in wanted:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number == number and abs(number) != float("inf"):
                    return number
        if "boolean" in wanted and text.lower() in ("true", "false"):
            return text.lower() == "true"
    return value


def _strict_json(ctx: LintContext) -> bool:
    return ctx.manifest is not None and ctx.manifest.strict_json
