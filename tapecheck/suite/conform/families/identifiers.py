"""The identifier families: an id's declared charset, and keys no two items may share.

Both vary one value of the minimal valid request (:mod:`.examples`) and read
their facts from the operation's ``x-tapecheck``:

- ``id-charset: {pointer, pattern}``: a value matching the pattern is accepted,
  values that break it (a space, a slash, a ``#``, a letter outside ASCII:
  whichever the pattern refuses) are refused as invalid;
- ``unique-keys: {array, keys}``: items of the array with distinct values are
  accepted; two items sharing a value under one key are refused as invalid,
  for each key (the plain repeat only: whether letter case or another spelling
  of a phone number counts as the same is the vendor's own to say).

An acceptance passes with any success status the operation documents (an
upload the server takes for a re-upload may answer its other 2xx).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from tapecheck.suite.conform.common import INVALID, SUCCESS_CHECKS
from tapecheck.suite.conform.families.behaviours import _refused
from tapecheck.suite.conform.families.examples import (
    Unmakeable,
    body_document,
    buildable,
    request_kwargs,
    value_of,
)
from tapecheck.suite.conform.families.scope import EVERYTHING, Scope
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.pointers import split_pointer
from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "charset_operations",
    "expect_accepted",
    "expect_refused",
    "id_charset",
    "inside",
    "outside",
    "unique_cases",
    "unique_keys",
    "unique_operations",
]

#: Ids a charset commonly allows, tried in order: the first the pattern matches is sent.
_INSIDE = ("Call.2024-01_15.v2", "call-2024-01-15", "call_123", "call123", "123", "c")
#: Ids with one character a charset commonly refuses.
_OUTSIDE = ("call 123", "call/123", "call#1", "appel-\u00e9", "call\u00a0123")


def inside(pattern: str) -> str | None:
    return next((v for v in _INSIDE if re.search(pattern, v)), None)


def outside(pattern: str) -> list[str]:
    return [v for v in _OUTSIDE if re.search(pattern, v) is None]


def _charset(operation: Operation) -> Mapping[str, Any] | None:
    fact = operation.ext.get("id-charset")
    if not isinstance(fact, Mapping) or not isinstance(fact.get("pattern"), str):
        return None
    return fact


def _unique(operation: Operation) -> Mapping[str, Any] | None:
    fact = operation.ext.get("unique-keys")
    if not isinstance(fact, Mapping) or not fact.get("keys"):
        return None
    return fact


def charset_operations(spec: Spec) -> list[Operation]:
    found = []
    for op in spec.operations.values():
        fact = _charset(op)
        if fact is None or not buildable(spec, op):
            continue
        pattern = str(fact["pattern"])
        if inside(pattern) is not None and outside(pattern):
            found.append(op)
    return found


def _item_schema(spec: Spec, operation: Operation, pointer: str) -> Mapping[str, Any] | None:
    """The schema of the items of the array at ``pointer`` (into the body document)."""
    body = operation.request_body or {}
    for media_type, content in body.get("content", {}).items():
        node: Any = spec.resolve(content.get("schema", {}))
        for token in split_pointer(pointer):
            node = spec.resolve(node) if isinstance(node, Mapping) else None
            if not isinstance(node, Mapping):
                break
            field = spec.resolve(node.get("properties", {}).get(token, {}))
            inner = field.get("contentSchema") if isinstance(field, Mapping) else None
            node = inner if media_type == "multipart/form-data" and inner else field
        node = spec.resolve(node) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and isinstance(node.get("items"), Mapping):
            items = spec.resolve(node["items"])
            return items if isinstance(items, Mapping) else None
    return None


def _keyed_item(
    spec: Spec, items: Mapping[str, Any], key: str, n: int, phone_keys: Collection[str] = ()
) -> dict[str, Any]:
    """A minimal item holding, under ``key``, the ``n``-th plain value of the key's schema.

    A key of ``phone-keys`` holds a phone number in E.164 (one a server checking numbers takes).
    """
    if key in phone_keys:
        return {key: f"+1415555{n:04d}"}
    properties: dict[str, Any] = {}
    for branch in (items, *(spec.resolve(b) for b in items.get("anyOf", ()))):
        if isinstance(branch, Mapping):
            properties = {**branch.get("properties", {}), **properties}
    value = value_of(spec, properties.get(key, {"type": "string"}))
    if isinstance(value, str):
        local, at, domain = value.partition("@")
        value = f"{local}{n}{at}{domain}" if at else f"{value}{n}"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = value + n
    return {key: value}


def unique_operations(spec: Spec) -> list[Operation]:
    found = []
    for op in spec.operations.values():
        fact = _unique(op)
        if fact is None or not buildable(spec, op):
            continue
        if _item_schema(spec, op, str(fact.get("array", ""))) is not None:
            found.append(op)
    return found


def unique_cases(spec: Spec) -> dict[str, str]:
    """One case per documented unique key (its name), titled for its requirement."""
    found: dict[str, str] = {}
    for op in unique_operations(spec):
        fact = _unique(op) or {}
        array = str(fact.get("array", "")).strip("/")
        for key in fact["keys"]:
            found.setdefault(
                str(key),
                f"Two items of {array} with the same {key} are refused; distinct ones accepted",
            )
    return found


def _or_skip(operations: list[Operation]) -> list[Operation]:
    if not operations:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    return operations


def expect_accepted(s: Session, response: Any, operation: Operation) -> None:
    """A documented success (any 2xx the operation documents), with a body of its schema."""
    documented = {int(code) for code in operation.responses() if code.isdigit()}
    statuses = {c for c in documented if 200 <= c < 300}
    declared = operation.ext.get("success-status")
    statuses |= set(declared if isinstance(declared, list) else [declared] if declared else [])
    s.expect(response, *SUCCESS_CHECKS, operation=operation.operation_id, status=statuses)


def expect_refused(
    s: Session, response: Any, operation: Operation, statuses: Collection[int]
) -> None:
    """One of ``statuses``, held to the error schema (and members) only where the docs give it.

    Where the spec quotes no source for its ``error-schema`` (the docs describe no
    error body), any JSON body passes: the shape is the reference mock's choice.
    """
    _refused(s, response, operation, frozenset(statuses))


async def _send(s: Session, operation: Operation, edits: Mapping[str, Any]) -> Any:
    params = s.credentials.params
    try:
        with request_kwargs(s.spec, operation, s.media, edits=edits, params=params) as sent:
            return await s.call(operation.operation_id, **sent)
    except Unmakeable as exc:  # checked by the selector; a spec changed under the run
        raise RequirementSkipped(f"{operation.operation_id}: {exc}") from None


async def id_charset(s: Session, scope: Scope = EVERYTHING) -> None:
    """An id inside the declared charset is accepted; one with a character outside it is refused."""
    for op in _or_skip(scope.ops(charset_operations(s.spec))):
        fact = _charset(op) or {}
        pointer, pattern = str(fact["pointer"]), str(fact["pattern"])
        expect_accepted(s, await _send(s, op, {pointer: inside(pattern)}), op)
        for value in outside(pattern):
            response = await _send(s, op, {pointer: value})
            expect_refused(s, response, op, INVALID)


async def unique_keys(s: Session, scope: Scope = EVERYTHING) -> None:
    """Items with distinct keys are accepted; two sharing a value under one key are refused."""
    for op in _or_skip(scope.ops(unique_operations(s.spec))):
        fact = _unique(op) or {}
        array = str(fact["array"])
        items = _item_schema(s.spec, op, array) or {}
        keys = [str(k) for k in fact["keys"]]
        checked = [key for key in keys if scope.case(key)]
        phones = [str(k) for k in fact.get("phone-keys", ())]
        try:
            body_document(s.spec, op)
            # Two items under the first key, then one under each other key: all values distinct.
            distinct = [_keyed_item(s.spec, items, keys[0], n, phones) for n in (0, 1)] + [
                _keyed_item(s.spec, items, key, n, phones)
                for n, key in enumerate(keys[1:], start=2)
            ]
            repeats = [[_keyed_item(s.spec, items, key, 7, phones)] * 2 for key in checked]
        except Unmakeable as exc:
            raise RequirementSkipped(f"{op.operation_id}: {exc}") from None
        expect_accepted(s, await _send(s, op, {array: distinct}), op)
        for pair in repeats:
            response = await _send(s, op, {array: pair})
            expect_refused(s, response, op, INVALID)
