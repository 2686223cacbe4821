"""What each generic family requests and expects, from the spec's facts alone.

Every function takes only a :class:`Session` and reads the operations it
applies to from ``session.spec``: the same function serves every vendor.
Requests are fixed (deterministic: a mutant is caught on every seed); audio
travels from disk, streamed, so a limit of 150 MB never sits in memory.
"""

from __future__ import annotations

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
    id_parameters,
    max_bytes,
    refused_format,
    required_parameters,
    unknown_path,
    upload_kwargs,
    uploadable,
)
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
        or (_plain(spec, op) and not id_parameters(spec, op))
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


# -- the requirements -----------------------------------------------------------------------


async def credentials(s: Session) -> None:
    """Each operation with a security scheme refuses a request without, or with a wrong, credential."""
    for op in _or_skip(credentials_operations(s.spec)):
        for auth in ("none", "wrong"):
            if uploadable(s.spec, op):
                fmt = accepted_format(op) or "wav"
                with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                    response = await s.call(op.operation_id, auth=auth, **sent)
            else:
                response = await s.call(
                    op.operation_id, auth=auth, path=unknown_path(s.spec, op) or {}
                )
            expect_error(s, response, op.operation_id, AUTH_REFUSED)


async def size_limit(s: Session) -> None:
    """Audio of exactly the size limit is accepted; one byte more is refused."""
    for op in _or_skip(size_operations(s.spec)):
        limit, fmt = max_bytes(op) or 0, accepted_format(op) or "wav"
        with upload_kwargs(op, s.media.sized(fmt, size_bytes=limit), fmt) as sent:
            expect_success(s, await s.call(op.operation_id, **sent), op.operation_id)
        with upload_kwargs(op, s.media.sized(fmt, size_bytes=limit + 1), fmt) as sent:
            expect_error(s, await s.call(op.operation_id, **sent), op.operation_id, TOO_LARGE)


async def formats(s: Session) -> None:
    """Sound audio of a format the operation does not list is refused (by its content)."""
    for op in _or_skip(formats_operations(s.spec)):
        fmt = refused_format(op) or "aac"
        with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
            response = await s.call(op.operation_id, **sent)
        expect_error(s, response, op.operation_id, INVALID | WRONG_TYPE)


async def success_status(s: Session) -> None:
    """A valid minimal request gets the documented success status and a body of the documented schema."""
    for op in _or_skip(success_operations(s.spec)):
        fmt = accepted_format(op)
        if uploadable(s.spec, op) and fmt is not None:
            with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                response = await s.call(op.operation_id, **sent)
        else:
            response = await s.call(op.operation_id)
        expect_success(s, response, op.operation_id)


async def error_shape(s: Session) -> None:
    """An error answer's body follows the spec's ``error-schema``."""
    refusals = [(op, unknown_path(s.spec, op)) for op in not_found_operations(s.spec)]
    if not refusals:
        refusals = [(op, None) for op in credentials_operations(s.spec)[:1]]
    _or_skip([op for op, _ in refusals])
    for op, path in refusals:
        if path is not None:
            response = await s.call(op.operation_id, path=path)
        elif uploadable(s.spec, op):
            fmt = accepted_format(op) or "wav"
            with upload_kwargs(op, s.media.audio(fmt), fmt) as sent:
                response = await s.call(op.operation_id, auth="none", **sent)
        else:
            response = await s.call(op.operation_id, auth="none")
        expect_error(s, response, op.operation_id, ERROR_STATUSES)


async def not_found(s: Session) -> None:
    """A well-formed id that names nothing is answered 404."""
    for op in _or_skip(not_found_operations(s.spec)):
        response = await s.call(op.operation_id, path=unknown_path(s.spec, op) or {})
        expect_error(s, response, op.operation_id, NOT_FOUND)
