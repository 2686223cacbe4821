"""A live request as the request manifest that describes it, linted by the linter itself.

:func:`match_operation` finds the spec's operation from the method and the URL
path (the vendor's base path stripped, path parameters read from the
template). :func:`request_manifest` writes what the request carried as a
manifest document: ``headers``, ``path``, ``query``, the JSON ``body`` or the
form fields, ``files`` (each file part by its file name, with its part
Content-Type) and ``content`` (a raw body). :func:`lint_request` writes that
document beside the captured files and runs the linter's own engine on it
(:func:`tapecheck.suite.lint.live.lint_document`): the same rules, codes,
severities, messages and pointers as ``tapecheck lint`` on the same manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from tapecheck.reports.model import Finding
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.live import lint_document
from tapecheck.suite.proxy.capture import BodyCapture
from tapecheck.suite.specs import Operation, Spec

__all__ = ["Matched", "lint_request", "match_operation", "request_manifest"]


@dataclass(frozen=True)
class Matched:
    """The operation a request calls, and its path parameters."""

    operation: Operation
    path_params: dict[str, str]


_TEMPLATES: dict[tuple[str, str, str], tuple[tuple[re.Pattern[str], Operation], ...]] = {}
_SPELLINGS: dict[tuple[str, str], Mapping[str, str]] = {}


def _templates(spec: Spec, prefix: str) -> tuple[tuple[re.Pattern[str], Operation], ...]:
    key = (spec.source, spec.sha256, prefix)
    cached = _TEMPLATES.get(key)
    if cached is None:
        cached = _TEMPLATES[key] = _compile_templates(spec, prefix)
    return cached


def _compile_templates(spec: Spec, prefix: str) -> tuple[tuple[re.Pattern[str], Operation], ...]:
    found = []
    for operation in spec.operations.values():
        pattern = ""
        for piece in re.split(r"(\{[^}/]+\})", prefix + operation.path):
            if piece.startswith("{") and piece.endswith("}"):
                pattern += f"(?P<{_group(piece[1:-1])}>[^/]+)"
            else:
                pattern += re.escape(piece)
        found.append((re.compile(pattern + r"\Z"), operation))
    # Literal paths first: `/recordings/list` before `/recordings/{id}`.
    found.sort(key=lambda item: item[0].pattern.count("(?P<"))
    return tuple(found)


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def match_operation(spec: Spec, prefix: str, method: str, path: str) -> Matched | None:
    """The operation of ``spec`` that ``method`` on ``path`` (base path included) calls."""
    from urllib.parse import unquote

    for pattern, operation in _templates(spec, prefix):
        if operation.method.upper() != method.upper():
            continue
        found = pattern.match(path)
        if found is None:
            continue
        names = re.findall(r"\{([^}/]+)\}", operation.path)
        params = {name: unquote(found.group(_group(name))) for name in names}
        return Matched(operation, params)
    return None


def _query(raw: str) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        if key in query:
            existing = query[key]
            query[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            query[key] = value
    return query


def request_manifest(
    spec: Spec,
    matched: Matched,
    *,
    headers: Sequence[tuple[str, str]],
    query_string: str,
    capture: BodyCapture,
    referenced: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """The manifest document of one request; file paths are relative to ``capture.folder``.

    ``referenced`` names files the request refers to without carrying them
    (an upload whose audio was PUT earlier to a signed URL): part -> file on disk.
    """
    document: dict[str, Any] = {
        "vendor": spec.vendor,
        "operation": matched.operation.operation_id,
    }
    header_map: dict[str, str] = {}
    spelling = _header_spelling(spec)
    for name, value in headers:
        header_map.setdefault(_header_name(name, spelling), value)
    document["headers"] = header_map
    if matched.path_params:
        document["path"] = dict(matched.path_params)
    query = _query(query_string)
    if query:
        document["query"] = query
    body, files, content = _body_parts(capture)
    if body is not _ABSENT:
        document["body"] = body
    if referenced:
        files = {**files, **{part: str(path) for part, path in referenced.items()}}
    if files:
        document["files"] = files
    if content is not None:
        document["content"] = content
    return document


def _header_spelling(spec: Spec) -> Mapping[str, str]:
    """Header names as the spec writes them (lower case -> spelling)."""
    key = (spec.source, spec.sha256)
    cached = _SPELLINGS.get(key)
    if cached is not None:
        return cached
    names = {"authorization": "Authorization", "content-type": "Content-Type"}
    for operation in spec.operations.values():
        for param in operation.parameters_in("header"):
            names[str(param["name"]).lower()] = str(param["name"])
    schemes = spec.raw.get("components", {}).get("securitySchemes", {}) or {}
    for scheme in schemes.values():
        if isinstance(scheme, Mapping) and scheme.get("in") == "header" and "name" in scheme:
            names[str(scheme["name"]).lower()] = str(scheme["name"])
    _SPELLINGS[key] = names
    return names


def _header_name(name: str, spelling: Mapping[str, str]) -> str:
    """A header as the spec spells it; others as words (the ASGI server lower-cases names)."""
    known = spelling.get(name.lower())
    if known is not None:
        return known
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


_ABSENT: Any = object()


def _body_parts(capture: BodyCapture) -> tuple[Any, dict[str, Any], str | None]:
    files: dict[str, Any] = {}
    if capture.media_type == "multipart/form-data":
        form: dict[str, Any] = dict(capture.fields)
        for name, captured in capture.files.items():
            files[name] = (
                {"path": captured.filename, "content_type": captured.content_type}
                if captured.content_type
                else captured.filename
            )
        return (form if form or not files else _ABSENT), files, None
    if capture.raw is not None:
        return _ABSENT, files, capture.raw.filename
    if not capture.size:
        return _ABSENT, files, None
    text = bytes(capture.text).decode("utf-8", "replace")
    if capture.text_truncated:
        return _ABSENT, files, None
    try:
        return json.loads(text), files, None
    except (ValueError, RecursionError):
        return text, files, None


def lint_request(
    document: Mapping[str, Any],
    *,
    folder: Path,
    display: str,
    config: LintConfig | None = None,
    skip_audio: Sequence[str] = (),
) -> list[Finding]:
    """The linter's findings on ``document`` (files relative to ``folder``), shown as ``display``.

    ``skip_audio`` names file pointers whose copy was cut at the spool limit:
    their audio is not judged.
    """
    found = lint_document(document, folder=folder, display=display, config=config)
    if skip_audio:
        found = [f for f in found if not (f.code.startswith("AUD") and f.pointer in skip_audio)]
    return found
