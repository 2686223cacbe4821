"""What each generic family requests and expects, from the spec's facts alone.

Every function takes a :class:`Session` and the :class:`Scope` of the
requirement that runs it (which cases, which operations), and reads the
operations it applies to from ``session.spec``: the same function serves every
vendor. Where the vendor's folder makes what a call needs first
(``FAMILY_FIXTURES``), each call is made inside that fixture, with the path
parameters it yields.
Requests are fixed (deterministic: a mutant is caught on every seed); audio
travels from disk, streamed, so a limit of 150 MB never sits in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from tapecheck.suite.conform.common import (
    AUTH_REFUSED,
    INVALID,
    NOT_FOUND,
    TOO_LARGE,
    WRONG_TYPE,
    expect_error,
    expect_success,
)
from tapecheck.suite.conform.families.facts import (
    accepted_format,
    fixtures,
    id_parameters,
    max_bytes,
    reachable,
    refused_format,
    required_parameters,
    unknown_path,
    upload_kwargs,
    uploadable,
)
from tapecheck.suite.conform.families.scope import Scope
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "credentials",
    "credentials_operations",
    "error_shape",
    "formats",
    "formats_operations",
    "not_found",
    "not_found_operations",
    "prepared",
    "size_limit",
    "size_operations",
    "success_operations",
    "success_status",
]

ERROR_STATUSES = frozenset(range(400, 500))


def _plain(spec: Spec, operation: Operation) -> bool:
    """No body, no required query parameter: the operation needs nothing the spec cannot give."""
    return operation.request_body is None and not required_parameters(spec, operation)


# -- which operations each family applies to ----------------------------------------------


def credentials_operations(spec: Spec) -> list[Operation]:
    return [
        op
        for op in spec.operations.values()
        if op.security
        and (uploadable(spec, op) or (_plain(spec, op) and unknown_path(spec, op) is not None))
    ]


def size_operations(spec: Spec) -> list[Operation]:
    return [
        op
        for op in spec.operations.values()
        if uploadable(spec, op) and max_bytes(op) and accepted_format(op)
    ]


def formats_operations(spec: Spec) -> list[Operation]:
    return [op for op in spec.operations.values() if uploadable(spec, op) and refused_format(op)]


def success_operations(spec: Spec) -> list[Operation]:
    return [
        op
        for op in spec.operations.values()
        if (uploadable(spec, op) and accepted_format(op))
        or (_plain(spec, op) and reachable(spec, op))
    ]


def not_found_operations(spec: Spec) -> list[Operation]:
    return [
        op
        for op in spec.operations.values()
        if _plain(spec, op) and id_parameters(spec, op) and unknown_path(spec, op) is not None
    ]


def _or_skip(operations: list[Operation]) -> list[Operation]:
    if not operations:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    return operations


Fixture = Callable[[Session], AbstractAsyncContextManager[Mapping[str, str]]]


@asynccontextmanager
async def prepared(s: Session, op: Operation) -> AsyncIterator[dict[str, str] | None]:
    """The path parameters the folder's fixture made for a call of ``op`` (``None``: no fixture)."""
    fixture: Fixture | None = fixtures(s.spec).get(op.operation_id)
    if fixture is None:
        yield None
        return
    async with fixture(s) as path:
        yield dict(path)


def _unknown_in(s: Session, op: Operation, made: Mapping[str, str] | None) -> dict[str, str]:
    """Ids naming nothing: the last id of the path unknown, the ones before it made, if made."""
    unknown = unknown_path(s.spec, op) or {}
    if not made or not unknown:
        return unknown
    last = str(id_parameters(s.spec, op)[-1]["name"])
    return {**made, last: unknown[last]}


#: The credentials family's cases: the ``auth`` of the request each sends.
_CREDENTIAL_CASES = {"missing": "none", "wrong": "wrong"}


# -- the requirements -----------------------------------------------------------------------


async def credentials(s: Session, scope: Scope) -> None:
    """Each operation with a security scheme refuses a request without, or with a wrong, credential."""
    for op in _or_skip(scope.ops(credentials_operations(s.spec))):
        for case, auth in _CREDENTIAL_CASES.items():
            if not scope.case(case):
                continue
            async with prepared(s, op) as made:
                if uploadable(s.spec, op):
                    fmt = accepted_format(op) or "wav"
                    with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                        response = await s.call(op.operation_id, auth=auth, path=made or {}, **sent)
                else:
                    path = made if made is not None else unknown_path(s.spec, op)
                    response = await s.call(op.operation_id, auth=auth, path=path or {})
            expect_error(s, response, op.operation_id, AUTH_REFUSED)


async def size_limit(s: Session, scope: Scope) -> None:
    """Audio of exactly the size limit is accepted; one byte more is refused."""
    for op in _or_skip(scope.ops(size_operations(s.spec))):
        limit, fmt = max_bytes(op) or 0, accepted_format(op) or "wav"
        async with prepared(s, op) as made:
            with upload_kwargs(op, s.media.sized(fmt, size_bytes=limit), fmt) as sent:
                response = await s.call(op.operation_id, path=made or {}, **sent)
            expect_success(s, response, op.operation_id)
        async with prepared(s, op) as made:
            with upload_kwargs(op, s.media.sized(fmt, size_bytes=limit + 1), fmt) as sent:
                response = await s.call(op.operation_id, path=made or {}, **sent)
            expect_error(s, response, op.operation_id, TOO_LARGE)


async def formats(s: Session, scope: Scope) -> None:
    """Sound audio of a format the operation does not list is refused (by its content)."""
    for op in _or_skip(scope.ops(formats_operations(s.spec))):
        fmt = refused_format(op) or "aac"
        async with prepared(s, op) as made:
            with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                response = await s.call(op.operation_id, path=made or {}, **sent)
        expect_error(s, response, op.operation_id, INVALID | WRONG_TYPE)


async def success_status(s: Session, scope: Scope) -> None:
    """A valid minimal request gets the documented success status and a body of the documented schema."""
    for op in _or_skip(scope.ops(success_operations(s.spec))):
        fmt = accepted_format(op)
        async with prepared(s, op) as made:
            if uploadable(s.spec, op) and fmt is not None:
                with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                    response = await s.call(op.operation_id, path=made or {}, **sent)
            else:
                response = await s.call(op.operation_id, path=made or {})
            expect_success(s, response, op.operation_id)


async def error_shape(s: Session, scope: Scope) -> None:
    """An error answer's body follows the spec's ``error-schema``."""
    refusals: list[tuple[Operation, bool]] = [
        (op, True) for op in scope.ops(not_found_operations(s.spec))
    ]
    if not refusals:
        refusals = [(op, False) for op in scope.ops(credentials_operations(s.spec))[:1]]
    _or_skip([op for op, _ in refusals])
    for op, unknown in refusals:
        async with prepared(s, op) as made:
            if unknown:
                response = await s.call(op.operation_id, path=_unknown_in(s, op, made))
            elif uploadable(s.spec, op):
                fmt = accepted_format(op) or "wav"
                with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                    response = await s.call(op.operation_id, auth="none", path=made or {}, **sent)
            else:
                response = await s.call(op.operation_id, auth="none", path=made or {})
        expect_error(s, response, op.operation_id, ERROR_STATUSES)


async def not_found(s: Session, scope: Scope) -> None:
    """A well-formed id that names nothing is answered 404 (the ids before it, where made, exist)."""
    for op in _or_skip(scope.ops(not_found_operations(s.spec))):
        async with prepared(s, op) as made:
            response = await s.call(op.operation_id, path=_unknown_in(s, op, made))
        expect_error(s, response, op.operation_id, NOT_FOUND)
