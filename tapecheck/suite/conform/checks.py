"""Registered checks: small functions that decide one thing about one response.

Like schemathesis's checks, a check takes the context of the exchange and the
response, and returns ``None`` or raises :class:`ConformanceFailure` (an
``AssertionError``). Checks are registered by name in :data:`CHECKS`; a
requirement lists the checks that decide it, and a failure names its check.
Vendor checks live in ``suite/vendors/<vendor>/checks.py``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from tapecheck.reports.model import Exchange
from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "CHECKS",
    "NOT_JSON",
    "CheckContext",
    "CheckFunction",
    "ConformanceFailure",
    "body_json",
    "check",
    "media_type",
]


class ConformanceFailure(AssertionError):
    """A target deviates from the vendor's documented behaviour."""

    def __init__(self, code: str, title: str, message: str, severity: str = "error") -> None:
        super().__init__(f"{title}: {message}")
        self.code = code
        self.title = title
        self.message = message
        self.severity = severity
        #: the request and response that showed the deviation, set by the session
        self.exchange: Exchange | None = None


@dataclass(frozen=True)
class CheckContext:
    """What a check knows besides the response: the spec, the operation, what is acceptable."""

    spec: Spec
    operation: Operation | None = None
    #: statuses that are acceptable here (the contract's "any 4xx of the right meaning")
    expected: Collection[int] = ()
    #: free-form values a vendor check may need (the uploaded file's name, a job id...)
    extra: Mapping[str, Any] = field(default_factory=dict)


CheckFunction = Callable[[CheckContext, httpx.Response], None]

CHECKS: dict[str, CheckFunction] = {}


def check(func: CheckFunction) -> CheckFunction:
    """Register ``func`` under its ``__name__``; a second module using the name fails at import."""
    name = func.__name__
    existing = CHECKS.get(name)
    if existing is not None and existing.__module__ != func.__module__:
        raise RuntimeError(f"check {name!r} is already registered by {existing.__module__}")
    CHECKS[name] = func
    return func


def _fail(name: str, title: str, message: str) -> ConformanceFailure:
    return ConformanceFailure(name, title, message)


#: What :func:`body_json` gives for a body that is not JSON (``None`` is JSON's ``null``).
NOT_JSON: Final = object()


def body_json(response: httpx.Response) -> Any:
    """The body parsed as JSON, or :data:`NOT_JSON`."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


def media_type(response: httpx.Response) -> str:
    """The response's media type, lower case and without parameters (``""`` when none)."""
    return str(response.headers.get("content-type", "")).split(";", 1)[0].strip().lower()


def _is_json_media(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


@functools.lru_cache(maxsize=256)
def _validator(spec_sha: str, spec_source: str, schema_json: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_json)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _validate(spec: Spec, schema: Mapping[str, Any], instance: Any) -> list[str]:
    validator = _validator(spec.sha256, spec.source, json.dumps(schema, sort_keys=True))
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path))[:5]:
        where = "/" + "/".join(str(p) for p in error.path)
        problems.append(f"{where}: {error.message}")
    return problems


# -- generic checks -------------------------------------------------------------


@check
def status_code_expected(ctx: CheckContext, response: httpx.Response) -> None:
    """The status is one of those acceptable here."""
    if ctx.expected and response.status_code not in ctx.expected:
        allowed = " or ".join(str(s) for s in sorted(ctx.expected))
        raise _fail(
            "status_code_expected",
            "Unexpected status",
            f"expected {allowed}, got {response.status_code}",
        )


@check
def not_a_server_error(ctx: CheckContext, response: httpx.Response) -> None:
    """No 5xx for anything a client can send."""
    if response.status_code >= 500:
        raise _fail("not_a_server_error", "Server error", f"got {response.status_code}")


@check
def json_content_type(ctx: CheckContext, response: httpx.Response) -> None:
    """The body is JSON and says so."""
    media = media_type(response)
    if not _is_json_media(media):
        raise _fail(
            "json_content_type",
            "Not JSON",
            f"Content-Type is {media or 'missing'!r}, expected application/json",
        )
    if body_json(response) is NOT_JSON:
        raise _fail("json_content_type", "Not JSON", "the body does not parse as JSON")


@check
def response_schema_conformance(ctx: CheckContext, response: httpx.Response) -> None:
    """A JSON body matches the schema documented for its status."""
    if ctx.operation is None:
        return
    schema = ctx.operation.response_schema(response.status_code)
    if schema is None:
        return
    body = body_json(response)
    if body is NOT_JSON:
        raise _fail("response_schema_conformance", "Not JSON", "the body does not parse as JSON")
    problems = _validate(ctx.spec, schema, body)
    if problems:
        raise _fail(
            "response_schema_conformance",
            "Response violates the schema",
            f"{response.status_code} body: " + "; ".join(problems),
        )


@check
def error_body_shape(ctx: CheckContext, response: httpx.Response) -> None:
    """An error body is JSON in the vendor's documented error shape."""
    json_content_type(ctx, response)
    ref = ctx.spec.ext.get("error-schema")
    schema: Mapping[str, Any] | None = None
    if ctx.operation is not None:
        schema = ctx.operation.response_schema(response.status_code)
    if schema is None and isinstance(ref, str):
        schema = ctx.spec.json_schema({"$ref": ref})
    if schema is None:
        return  # the vendor documents no error body: JSON is all that is required
    problems = _validate(ctx.spec, schema, body_json(response))
    if problems:
        raise _fail(
            "error_body_shape",
            "Error body in the wrong shape",
            f"{response.status_code} body: " + "; ".join(problems),
        )
