"""Checking a spec: YAML, OpenAPI 3.0/3.1, the ``x-tapecheck`` extensions and the contract.

``tapecheck specs check`` runs :func:`check_spec` on the bundled specs or on
files given to it; a test runs it on every bundled spec. A problem comes back
as a :class:`SpecProblem` naming the file and the JSON Pointer of the value
at fault. The OpenAPI and JSON Schema validators are imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tapecheck.suite.pointers import escape_token, follow, join_pointer, ref_tokens
from tapecheck.suite.specs import (
    Spec,
    extension_schema,
    parse_yaml,
    text_sha256,
)

__all__ = ["SpecProblem", "check_spec", "check_spec_file"]


@dataclass(frozen=True)
class SpecProblem:
    """One problem found in a spec: the file, where in it, and what."""

    source: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.pointer or '/'}: {self.message}"


def check_spec_file(path: Path | str) -> list[SpecProblem]:
    """Check a spec file on disk; an unreadable file is a problem, not an error."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [SpecProblem(source, "", f"cannot read the file: {exc}")]
    return check_spec(text, source=source)


def check_spec(text: str, *, source: str) -> list[SpecProblem]:
    """Every problem of one spec: YAML, OpenAPI, ``x-tapecheck`` and contract."""
    try:
        raw = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return [SpecProblem(source, "", f"invalid YAML{where}: {problem}")]
    if not isinstance(raw, dict):
        return [SpecProblem(source, "", "a spec must be a YAML mapping (an OpenAPI document)")]
    problems = _openapi_problems(raw, source)
    problems += _extension_problems(raw, source)
    if not problems:
        problems += _consistency_problems(Spec(source=source, raw=raw, sha256=text_sha256(text)))
    return problems


def _openapi_problems(raw: dict[str, Any], source: str) -> list[SpecProblem]:
    from jsonschema_path import SchemaPath
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    version = str(raw.get("openapi", ""))
    if version.startswith("3.0"):
        validator_cls: Any = OpenAPIV30SpecValidator
    elif version.startswith("3.1"):
        validator_cls = OpenAPIV31SpecValidator
    else:
        return [
            SpecProblem(
                source, "/openapi", f"expected an OpenAPI 3.0 or 3.1 version, got {version!r}"
            )
        ]
    problems: list[SpecProblem] = []
    try:
        schema_path = SchemaPath.from_dict(raw, base_uri=f"file:///{source}")
        errors = list(validator_cls(schema_path).iter_errors())
    except Exception as exc:  # the validator raises on refs it cannot follow
        return [SpecProblem(source, _ref_pointer(raw, exc), f"invalid OpenAPI: {_short(exc)}")]
    for error in errors:
        pointer = join_pointer(*error.path)
        problems.append(SpecProblem(source, pointer, f"invalid OpenAPI: {_short(error)}"))
    problems += _broken_refs(raw, source)
    return _dedupe(problems)


def _broken_refs(raw: Any, source: str) -> list[SpecProblem]:
    """Every local ``$ref`` that points nowhere, named by where it is written."""
    problems: list[SpecProblem] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    problems.append(
                        SpecProblem(
                            source,
                            pointer + "/$ref",
                            f"only local references are allowed, got {ref!r}",
                        )
                    )
                elif not _resolves(raw, ref):
                    problems.append(
                        SpecProblem(source, pointer + "/$ref", f"$ref {ref!r} points at nothing")
                    )
            for key, value in node.items():
                walk(value, pointer + join_pointer(str(key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(raw, "")
    return problems


def _resolves(raw: Any, ref: str) -> bool:
    found, _ = follow(raw, ref_tokens(ref))
    return found


def _ref_pointer(raw: Any, exc: Exception) -> str:
    broken = _broken_refs(raw, "")
    return broken[0].pointer if broken else ""


def _short(error: Any) -> str:
    message = str(getattr(error, "message", error))
    return message if len(message) <= 300 else message[:297] + "..."


def _extension_problems(raw: dict[str, Any], source: str) -> list[SpecProblem]:
    from jsonschema import Draft202012Validator

    root = extension_schema()
    problems: list[SpecProblem] = []

    def validate(value: Any, definition: str, pointer: str) -> None:
        validator = Draft202012Validator(
            {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]},
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        for error in sorted(validator.iter_errors(value), key=lambda e: list(e.path)):
            inner = join_pointer(*error.path)
            problems.append(
                SpecProblem(source, pointer + inner, f"invalid x-tapecheck: {_short(error)}")
            )

    if "x-tapecheck" not in raw:
        problems.append(
            SpecProblem(source, "/x-tapecheck", "the document has no x-tapecheck block")
        )
    else:
        validate(raw["x-tapecheck"], "document", "/x-tapecheck")
    for pointer, value in _walk_extensions(raw, ""):
        if pointer == "/x-tapecheck":
            continue
        if pointer.endswith("/x-tapecheck-notes"):
            validate(value, "notes", pointer)
        elif pointer.endswith("/x-tapecheck"):
            validate(value, "operation", pointer)
    return problems


def _walk_extensions(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{escape_token(str(key))}"
            if key in ("x-tapecheck", "x-tapecheck-notes"):
                yield here, value
            else:
                yield from _walk_extensions(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_extensions(value, f"{pointer}/{index}")


def _consistency_problems(spec: Spec) -> list[SpecProblem]:
    """What neither schema can say: the contract's operationIds, one default, known kinds."""
    problems: list[SpecProblem] = []
    source = spec.source
    defaults = [op for op in spec.operations.values() if op.is_default]
    if len(defaults) != 1:
        problems.append(
            SpecProblem(
                source,
                "/paths",
                f"exactly one operation must set x-tapecheck.default: true, found {len(defaults)}",
            )
        )
    required = spec.required_operations
    if required:
        for index, op_id in enumerate(required):
            if op_id not in spec.operations:
                problems.append(
                    SpecProblem(
                        source,
                        f"/x-tapecheck/required-operations/{index}",
                        f"the spec has no operationId {op_id!r}",
                    )
                )
        if defaults and defaults[0].operation_id != required[0]:
            problems.append(
                SpecProblem(
                    source,
                    defaults[0].pointer + "/x-tapecheck/default",
                    f"the default operation of {spec.vendor} must be {required[0]!r}",
                )
            )
    kinds = {str(c.get("kind")) for c in spec.credentials}
    schemes = spec.raw.get("components", {}).get("securitySchemes", {})
    for index, credential in enumerate(spec.credentials):
        if credential.get("scheme") not in schemes:
            problems.append(
                SpecProblem(
                    source,
                    f"/x-tapecheck/credentials/{index}/scheme",
                    f"no securitySchemes entry named {credential.get('scheme')!r}",
                )
            )
    for op in spec.operations.values():
        for index, kind in enumerate(op.ext.get("credentials", [])):
            if kind not in kinds:
                problems.append(
                    SpecProblem(
                        source,
                        f"{op.pointer}/x-tapecheck/credentials/{index}",
                        f"credential kind {kind!r} is not declared in /x-tapecheck/credentials",
                    )
                )
        audio = op.audio
        if (
            audio
            and audio.get("location") == "content"
            and "application/octet-stream" not in op.media_types
        ):
            problems.append(
                SpecProblem(
                    source,
                    f"{op.pointer}/x-tapecheck/audio/location",
                    "audio location 'content' needs an application/octet-stream request body",
                )
            )
        for requirement in op.security:
            for name in requirement:
                if name not in schemes:
                    problems.append(
                        SpecProblem(
                            source,
                            f"{op.pointer}/security",
                            f"security requirement names unknown scheme {name!r}",
                        )
                    )
    error_ref = spec.ext.get("error-schema")
    if isinstance(error_ref, str) and not _resolves(spec.raw, error_ref):
        problems.append(
            SpecProblem(source, "/x-tapecheck/error-schema", f"{error_ref!r} points at nothing")
        )
    return problems


def _dedupe(problems: list[SpecProblem]) -> list[SpecProblem]:
    seen: set[tuple[str, str]] = set()
    unique: list[SpecProblem] = []
    for problem in problems:
        key = (problem.pointer, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique
