"""The declared-type family: audio whose content is another format than its declared type is refused.

It applies where an operation takes audio with a declared type:

- a multipart part (its Content-Type and its file name): sound audio of a
  format the operation does not accept, labelled and named as one it accepts,
  is refused (case ``foreign``). A part labelled as another *accepted* format
  than its content is not judged: where the docs are silent, a server that
  reads the content may take it, correctly labelled;
- a type declared in the JSON body of a call that answers a signed URL
  (``x-tapecheck.audio.declared-type`` and ``signed-urls``): the call declares
  one type, the PUT carries audio of another format, and the PUT or the step
  that names the upload afterwards (``signed-urls.complete``: its operation,
  and where its body names the ``download`` URL) refuses it. The other format
  is one the operation does not accept (``foreign``), or one it accepts that
  the declared type does not stand for (``swapped``: the docs map each declared
  value to its formats, so a mismatch is a mismatch whatever the server reads).

A raw body sent as ``application/octet-stream`` declares no type: the family
does not apply to it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tapecheck.suite.audio import FORMATS
from tapecheck.suite.conform.common import INVALID, WRONG_TYPE
from tapecheck.suite.conform.families.behaviours import _arguments, _pinned, _refused, prepared
from tapecheck.suite.conform.families.declared import _declare, _signed
from tapecheck.suite.conform.families.examples import Unmakeable, body_document, set_at
from tapecheck.suite.conform.families.facts import (
    accepted_format,
    audio_formats,
    prepared_operations,
    reachable,
    refused_format,
    required_parameters,
    uploadable,
)
from tapecheck.suite.conform.families.identifiers import expect_accepted
from tapecheck.suite.conform.families.scope import Scope
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.pointers import follow, split_pointer
from tapecheck.suite.specs import Operation, Spec

__all__ = ["CASES", "declared_type", "typed_operations"]

#: The family's cases, with the title of the requirement each one is.
CASES = {
    "foreign": "Audio of a format the operation does not accept, declared as one it accepts, is refused",
    "swapped": "Audio of an accepted format that its declared type does not stand for is refused",
}
#: A refusal of audio whose content is not what was declared.
_REFUSED = INVALID | WRONG_TYPE


def _declared_values(op: Operation) -> Mapping[str, Any] | None:
    declared = (op.audio or {}).get("declared-type")
    if isinstance(declared, Mapping) and isinstance(declared.get("values"), Mapping):
        return declared
    return None


def _part(spec: Spec, op: Operation) -> bool:
    return (
        (op.audio or {}).get("location") == "part"
        and uploadable(spec, op)
        and accepted_format(op) is not None
        and refused_format(op) is not None
    )


def _complete(spec: Spec, op: Operation) -> Operation | None:
    """The step that names the upload after the PUT (``signed-urls.complete``), if any."""
    complete = (op.ext.get("signed-urls") or {}).get("complete")
    if isinstance(complete, Mapping) and complete.get("operation") in spec.operations:
        return spec.operations[str(complete["operation"])]
    return None


def _declaring(spec: Spec, op: Operation) -> bool:
    signed = op.ext.get("signed-urls")
    if _declared_values(op) is None or not isinstance(signed, Mapping):
        return False
    prepared = op.operation_id in prepared_operations(spec)
    if not reachable(spec, op) or (required_parameters(spec, op) and not prepared):
        return False
    try:
        return prepared or body_document(spec, op) is not None
    except Unmakeable:
        return False


def typed_operations(spec: Spec) -> list[Operation]:
    return [op for op in spec.operations.values() if _part(spec, op) or _declaring(spec, op)]


def _mismatches(op: Operation, case: str) -> list[tuple[str, str]]:
    """(declared value, format of the content) pairs for ``case``: the first that fits."""
    declared = _declared_values(op) or {"values": {}}
    accepted = audio_formats(op)
    for value, stands_for in declared["values"].items():
        for fmt in FORMATS:
            if fmt in stands_for:
                continue
            if (case == "foreign") != (fmt in accepted or not accepted):
                return [(str(value), fmt)]
    return []


async def declared_type(s: Session, scope: Scope) -> None:
    """Audio whose content is another format than its declared type is refused."""
    operations = scope.ops(typed_operations(s.spec))
    if not operations:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    judged = False
    for op in operations:
        if _part(s.spec, op):
            if scope.case("foreign"):
                judged = True
                await _labelled(s, op)
            continue
        for case in CASES:
            if scope.case(case):
                for value, fmt in _mismatches(op, case):
                    judged = True
                    await _put_and_complete(s, op, value, fmt)
    if not judged:
        raise RequirementSkipped("no operation in scope declares a type this case can contradict")


async def _labelled(s: Session, op: Operation) -> None:
    """A part of a refused format, labelled and named as an accepted one."""
    label, fmt = accepted_format(op) or "wav", refused_format(op) or "flac"
    path: Path = s.media.folder / f"declared-{fmt}-as.{label}"
    if not path.exists():
        path.write_bytes(s.media.audio_bytes(fmt))
    async with prepared(s, op) as made:
        with _arguments(op, made, path, label) as kw:
            response = await s.call(op.operation_id, **kw)
        _refused(s, response, op, _pinned(s.spec, "declared-type", _REFUSED))


async def _put_and_complete(s: Session, op: Operation, value: str, fmt: str) -> None:
    """Declare ``value``, PUT audio of ``fmt``: the PUT, or the completing step, refuses it."""
    content = s.media.audio_bytes(fmt)
    audio = op.audio or {}
    edits: dict[str, Any] = {str((_declared_values(op) or {})["pointer"]): value}
    size = audio.get("declared-size")
    if isinstance(size, Mapping) and isinstance(size.get("pointer"), str):
        edits[str(size["pointer"])] = len(content)
    async with prepared(s, op) as made:
        made = dict(made or {})
        answer = await _declare(s, op, copy.deepcopy(made), edits)
        expect_accepted(s, answer, op)
        signed = _signed(answer, op)
        if signed is None:
            s.fail("response_schema_conformance", "No upload URL", "the answer has none", answer)
            return
        url, headers = signed
        put = await s.send(s.client.build_request("PUT", url, headers=headers, content=content))
        if 400 <= put.status_code < 500:
            return  # refused where the bytes arrive
        if not 200 <= put.status_code < 300:
            s.fail(
                "status_code_expected",
                "A PUT was neither stored nor refused",
                f"a PUT of {fmt} audio declared {value!r} got {put.status_code}",
                put,
            )
            return
        complete = _complete(s.spec, op)
        if complete is None:
            s.fail(
                "status_code_expected",
                "Audio of another type than declared was stored",
                f"a PUT of {fmt} audio declared {value!r} got {put.status_code}, and no later "
                "step names the upload (signed-urls.complete)",
                put,
            )
            return
        response = await s.call(
            complete.operation_id, **_completing(s, op, complete, answer.json(), made, value)
        )
        _refused(s, response, complete, _pinned(s.spec, "declared-type", _REFUSED))


def _completing(
    s: Session,
    op: Operation,
    complete: Operation,
    answer: Any,
    made: Mapping[str, Any],
    value: str,
) -> dict[str, Any]:
    """The completing call's arguments: the same path; its body names the upload and its type."""
    fact = (op.ext.get("signed-urls") or {}).get("complete") or {}
    document = body_document(s.spec, complete)
    kwargs: dict[str, Any] = {"path": dict(made.get("path") or {})}
    if document is None:
        return kwargs
    signed = op.ext.get("signed-urls") or {}
    if isinstance(fact.get("url"), str) and isinstance(signed.get("download"), str):
        _, download = follow(answer, split_pointer(str(signed["download"])))
        set_at(document, str(fact["url"]), download)
    declared = _declared_values(complete)
    if declared is not None:
        set_at(document, str(declared["pointer"]), value)
    kwargs["json"] = document
    return kwargs
