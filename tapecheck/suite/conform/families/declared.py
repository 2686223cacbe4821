"""The declared-size family: an upload holds to the size its request declared.

It applies to an operation whose request declares the audio's size
(``x-tapecheck.audio.declared-size``) and answers a signed URL to PUT the
bytes to (``x-tapecheck.signed-urls``: ``upload``, and ``headers`` where the
answer gives the headers the PUT must carry). The request is the minimal valid
one (:mod:`.examples`), declaring the size of a short audio file and, where
the operation declares the type too (``audio.declared-type``), the type that
file is. Then, each time on a URL of its own:

- a PUT of one byte more than declared is refused (any 4xx: the docs rarely
  say which, and a storage host answers its own);
- a PUT of exactly the declared bytes is stored (any 2xx).

An operation whose path names a resource made before is not called; where the
vendor's folder gives the declaring call's body (``FAMILY_FIXTURES``), the
declared size and type are set in it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import httpx

from tapecheck.suite.conform.families.behaviours import prepared
from tapecheck.suite.conform.families.examples import (
    Unmakeable,
    body_document,
    request_kwargs,
    set_at,
)
from tapecheck.suite.conform.families.facts import id_parameters, required_parameters
from tapecheck.suite.conform.families.identifiers import expect_accepted
from tapecheck.suite.conform.families.scope import EVERYTHING, Scope
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.pointers import follow, split_pointer
from tapecheck.suite.specs import Operation, Spec

__all__ = ["declared_operations", "declared_size", "declared_type"]

#: Formats the media helpers make, most common first.
_MADE = ("wav", "mp3", "aac")


def _pointers(operation: Operation) -> tuple[str, str] | None:
    """The declared-size pointer (into the body) and the upload URL's (into the answer)."""
    audio = operation.audio or {}
    size = audio.get("declared-size")
    signed = operation.ext.get("signed-urls")
    if not isinstance(size, Mapping) or not isinstance(signed, Mapping):
        return None
    if not isinstance(size.get("pointer"), str) or not isinstance(signed.get("upload"), str):
        return None
    return str(size["pointer"]), str(signed["upload"])


def declared_type(operation: Operation) -> tuple[str, dict[str, Any]]:
    """A format to send and the edits that declare its type (none where no type is declared)."""
    audio = operation.audio or {}
    declared = audio.get("declared-type")
    if not isinstance(declared, Mapping) or not isinstance(declared.get("values"), Mapping):
        return _MADE[0], {}
    for fmt in _MADE:
        for value, formats in declared["values"].items():
            if fmt in formats:
                return fmt, {str(declared["pointer"]): value}
    raise Unmakeable("no declared type stands for a format tapecheck makes")


def declared_operations(spec: Spec) -> list[Operation]:
    found = []
    for op in spec.operations.values():
        # A path id would name a resource made before; a fixture may make the body only.
        if _pointers(op) is None or required_parameters(spec, op) or id_parameters(spec, op):
            continue
        try:
            declared_type(op)
            if body_document(spec, op) is None:
                continue
        except Unmakeable:
            continue
        found.append(op)
    return found


def _signed(answer: httpx.Response, operation: Operation) -> tuple[str, dict[str, str]] | None:
    """The URL to PUT to and the headers it wants, from the operation's answer."""
    signed = operation.ext.get("signed-urls") or {}
    try:
        body = answer.json()
    except ValueError:
        return None
    found, url = follow(body, split_pointer(str(signed.get("upload", ""))))
    if not found or not isinstance(url, str):
        return None
    headers: dict[str, str] = {}
    if isinstance(signed.get("headers"), str):
        known, given = follow(body, split_pointer(str(signed["headers"])))
        if known and isinstance(given, Mapping):
            headers = {str(k): str(v) for k, v in given.items() if isinstance(v, (str, int))}
    return url, headers


async def declared_size(s: Session, scope: Scope = EVERYTHING) -> None:
    """A PUT of one byte more than the declared size is refused; one of exactly it is stored."""
    operations = scope.ops(declared_operations(s.spec))
    if not operations:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    for op in operations:
        size_pointer, _ = _pointers(op) or ("", "")
        fmt, edits = declared_type(op)
        content = s.media.audio_bytes(fmt)
        edits = {**edits, size_pointer: len(content)}
        for body, refused in ((content + b"\0", True), (content, False)):
            async with prepared(s, op) as made:
                answer = await _declare(s, op, dict(made or {}), edits)
                expect_accepted(s, answer, op)
                signed = _signed(answer, op)
                if signed is None:
                    s.fail(
                        "response_schema_conformance",
                        "No upload URL",
                        f"the answer has no URL at {(op.ext.get('signed-urls') or {}).get('upload')}",
                        answer,
                    )
                    return
                url, headers = signed
                put = s.client.build_request("PUT", url, headers=headers, content=body)
                _expect_put(s, await s.send(put), len(body), len(content), refused=refused)


async def _declare(
    s: Session, op: Operation, made: dict[str, Any], edits: Mapping[str, Any]
) -> httpx.Response:
    """The declaring call: the fixture's arguments (its body, if it gives one) with ``edits``."""
    if isinstance(made.get("json"), Mapping):
        document = copy.deepcopy(dict(made.pop("json")))
        for pointer, value in edits.items():
            set_at(document, pointer, value)
        return await s.call(op.operation_id, json=document, **made)
    with request_kwargs(s.spec, op, s.media, edits=edits, params=s.credentials.params) as sent:
        return await s.call(op.operation_id, **{**made, **sent})


def _expect_put(
    s: Session, response: httpx.Response, sent: int, declared: int, *, refused: bool
) -> None:
    status = response.status_code
    if refused and not 400 <= status < 500:
        s.fail(
            "status_code_expected",
            "An upload over its declared size was not refused",
            f"a PUT of {sent} bytes where the request declared {declared} got {status}, "
            "expected a refusal (4xx)",
            response,
        )
    if not refused and not 200 <= status < 300:
        s.fail(
            "status_code_expected",
            "An upload of its declared size was not stored",
            f"a PUT of exactly the declared {declared} bytes got {status}, expected a 2xx",
            response,
        )
