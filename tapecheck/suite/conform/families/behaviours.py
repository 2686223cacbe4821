"""What each generic family requests and expects, from the spec's facts alone.

Every function takes a :class:`Session` and the :class:`Scope` of the
requirement that runs it (which cases, which operations), and reads the
operations it applies to from ``session.spec``: the same function serves every
vendor. Where the vendor's folder makes what a call needs first
(``FAMILY_FIXTURES``), each call is made inside that fixture, with the
:meth:`Session.call` arguments it yields (the path of a resource it made, a
body). Requests are fixed (deterministic: a mutant is caught on every seed);
audio travels from disk, streamed, so a limit of 150 MB never sits in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

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
    prepared_operations,
    reachable,
    refused_format,
    refused_formats,
    required_parameters,
    unknown_path,
    upload_kwargs,
    uploadable,
)
from tapecheck.suite.conform.families.scope import Scope
from tapecheck.suite.conform.families.sizes import at_limit, one_byte_more
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.specs import Operation, Spec

__all__ = [
    "credentials",
    "credentials_operations",
    "damaged_audio",
    "damaged_operations",
    "error_operations",
    "error_shape",
    "formats",
    "formats_operations",
    "invalid_operations",
    "not_found",
    "not_found_operations",
    "prepared",
    "size_limit",
    "size_operations",
    "success_operations",
    "success_status",
]

ERROR_STATUSES = frozenset(range(400, 500))
#: What an error is held to where the docs describe its body.
_ERROR_CHECKS = ("status_code_expected", "error_body_shape", "error_members")
#: Another scheme than the documented bearer token: refused like a wrong token.
_BASIC = {"Authorization": "Basic dGFwZWNoZWNrOndyb25n"}


def _plain(spec: Spec, operation: Operation) -> bool:
    """No body, no required query parameter: the operation needs nothing the spec cannot give."""
    return operation.request_body is None and not required_parameters(spec, operation)


# -- which operations each family applies to ----------------------------------------------


def credentials_operations(spec: Spec) -> list[Operation]:
    made = prepared_operations(spec)
    return [
        op
        for op in spec.operations.values()
        if op.security
        and (
            uploadable(spec, op)
            or (op.operation_id in made and not uploadable(spec, op))
            or (_plain(spec, op) and unknown_path(spec, op) is not None)
        )
    ]


def size_operations(spec: Spec) -> list[Operation]:
    return [
        op
        for op in spec.operations.values()
        if uploadable(spec, op) and max_bytes(op) and accepted_format(op)
    ]


def damaged_operations(spec: Spec) -> list[Operation]:
    return [op for op in spec.operations.values() if uploadable(spec, op)]


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
        if (_plain(spec, op) or op.operation_id in prepared_operations(spec))
        and id_parameters(spec, op)
        and unknown_path(spec, op) is not None
    ]


def invalid_operations(spec: Spec) -> list[Operation]:
    """Operations whose JSON body has required members: an empty object is invalid there."""
    made = prepared_operations(spec)
    found = []
    for op in spec.operations.values():
        schema = op.body_schema("application/json")
        node = spec.resolve(schema) if schema is not None else None
        if (
            isinstance(node, Mapping)
            and node.get("required")
            and not required_parameters(spec, op)
            and (reachable(spec, op) or unknown_path(spec, op) is not None)
        ):
            found.append(op)
    return [op for op in found if op.operation_id in made] or found


def _error_kinds(spec: Spec, op: Operation) -> list[str]:
    """The errors :func:`error_shape` provokes on ``op``."""
    kinds = []
    if op in not_found_operations(spec):
        kinds.append("unknown")
    if op in credentials_operations(spec)[:1]:
        kinds.append("missing")
    if op in invalid_operations(spec)[:1]:
        kinds.append("invalid")
    return kinds


def error_operations(spec: Spec) -> list[Operation]:
    """Where an error can be provoked from the spec: an unknown id, a missing credential, ``{}``."""
    return [op for op in spec.operations.values() if _error_kinds(spec, op)]


def _or_skip(operations: list[Operation]) -> list[Operation]:
    if not operations:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    return operations


# -- the calls ------------------------------------------------------------------------------

#: A folder's fixture: entered around a call, it yields that call's arguments.
Fixture = Callable[[Session], AbstractAsyncContextManager[Mapping[str, Any]]]


@asynccontextmanager
async def prepared(s: Session, op: Operation) -> AsyncIterator[dict[str, Any] | None]:
    """The call arguments the folder's fixture made for ``op`` (``None``: it has no fixture)."""
    fixture: Fixture | None = fixtures(s.spec).get(op.operation_id)
    if fixture is None:
        yield None
        return
    async with fixture(s) as made:
        yield dict(made)


@contextmanager
def _arguments(
    op: Operation,
    made: Mapping[str, Any] | None,
    audio: Path | None = None,
    fmt: str = "wav",
    *,
    length: bool = True,
) -> Iterator[dict[str, Any]]:
    """The fixture's arguments, with ``audio`` sent as the operation's audio."""
    base = dict(made or {})
    if audio is None:
        yield base
        return
    with upload_kwargs(op, audio, fmt, length=length) as sent:
        headers = {**base.pop("headers", {}), **sent.pop("headers", {})}
        yield {**base, **sent, **({"headers": headers} if headers else {})}


def _unknown_in(s: Session, op: Operation, made: Mapping[str, Any] | None) -> dict[str, str]:
    """Ids naming nothing: the last id of the path unknown, the ones before it made, if made."""
    unknown = unknown_path(s.spec, op) or {}
    path = dict((made or {}).get("path") or {})
    if not path or not unknown:
        return unknown
    last = str(id_parameters(s.spec, op)[-1]["name"])
    return {**path, last: unknown[last]}


async def _unchanged(s: Session, op: Operation, made: Mapping[str, Any] | None) -> None:
    """After a refused change of a resource the fixture made, the resource still reads."""
    path = (made or {}).get("path")
    if op.method.lower() == "get" or not path:
        return
    reader = next(
        (o for o in s.spec.operations.values() if o.path == op.path and o.method.lower() == "get"),
        None,
    )
    if reader is not None:
        response = await s.call(reader.operation_id, path=path)
        expect_success(s, response, reader.operation_id, json=False)


def _schemes(op: Operation) -> list[Mapping[str, Any]]:
    return list(op.security_schemes.values()) if op.security else []


def _refused(s: Session, response: Any, op: Operation, statuses: frozenset[int]) -> None:
    """One of ``statuses`` with a JSON body, in the error schema where the docs are quoted for it.

    Where the spec quotes no source for its ``error-schema`` (the docs describe no
    error body), the schema is the mock's choice: a JSON body is all a family asks.
    """
    expect_error(s, response, op.operation_id, statuses)


def _pinned(spec: Spec, key: str, statuses: frozenset[int]) -> frozenset[int]:
    """The statuses the docs pin for a family case (``x-tapecheck.statuses``), else ``statuses``.

    ``key`` is ``family.case`` or ``family``; the case's entry wins over the family's.
    """
    table = spec.ext.get("statuses")
    if isinstance(table, Mapping):
        for name in (key, key.split(".")[0]):
            pinned = table.get(name)
            if isinstance(pinned, list) and pinned:
                return frozenset(int(p) for p in pinned)
    return statuses


#: The credentials family's cases: the ``auth`` of the request each sends.
_CREDENTIAL_CASES = {"missing": "none", "wrong": "wrong"}


# -- the requirements -----------------------------------------------------------------------


async def credentials(s: Session, scope: Scope) -> None:
    """Each secured operation refuses a request without, or with a wrong, credential.

    A wrong credential is a wrong token, and, for a bearer scheme, another scheme
    (Basic). Where the folder makes the resource a call names, the refused call
    leaves it as it was: it still reads.
    """
    for op in _or_skip(scope.ops(credentials_operations(s.spec))):
        fmt = accepted_format(op) or "wav"
        audio = s.media.audio(fmt) if uploadable(s.spec, op) else None
        for case, auth in _CREDENTIAL_CASES.items():
            if not scope.case(case):
                continue
            attempts: list[dict[str, Any]] = [{"auth": auth}]
            if case == "wrong" and any(sc.get("type") == "http" for sc in _schemes(op)):
                attempts.append({"auth": "none", "headers": _BASIC})
            for attempt in attempts:
                async with prepared(s, op) as made:
                    if audio is None and not (made or {}).get("path"):
                        made = {**(made or {}), "path": unknown_path(s.spec, op) or {}}
                    with _arguments(op, made, audio, fmt) as kw:
                        headers = {**kw.pop("headers", {}), **attempt.get("headers", {})}
                        response = await s.call(
                            op.operation_id, auth=attempt["auth"], headers=headers, **kw
                        )
                    _refused(s, response, op, _pinned(s.spec, f"credentials.{case}", AUTH_REFUSED))
                    await _unchanged(s, op, made)


async def size_limit(s: Session, scope: Scope) -> None:
    """Audio of exactly the size limit is accepted; one byte more is refused.

    The audio at the limit is sound and within any duration limit; one byte
    more is the same audio with one byte of audio data added (its header still
    tells the truth). A raw body over the limit is refused with or without a
    Content-Length (chunked: 411 passes too).
    """
    for op in _or_skip(scope.ops(size_operations(s.spec))):
        limit, fmt = max_bytes(op) or 0, accepted_format(op) or "wav"
        exact = at_limit(s.media, op, fmt, limit)
        async with prepared(s, op) as made:
            with _arguments(op, made, exact, fmt) as kw:
                response = await s.call(op.operation_id, **kw)
            expect_success(s, response, op.operation_id)
        over = one_byte_more(exact, fmt)
        async with prepared(s, op) as made:
            with _arguments(op, made, over, fmt) as kw:
                response = await s.call(op.operation_id, **kw)
            _refused(s, response, op, _pinned(s.spec, "size-limit", TOO_LARGE))
        if (op.audio or {}).get("location") == "content":
            async with prepared(s, op) as made:
                with _arguments(op, made, over, fmt, length=False) as kw:
                    response = await s.call(op.operation_id, **kw)
                _refused(s, response, op, _pinned(s.spec, "size-limit", TOO_LARGE) | {411})


async def formats(s: Session, scope: Scope) -> None:
    """Sound audio of each format the operation does not list is refused (by its content)."""
    for op in _or_skip(scope.ops(formats_operations(s.spec))):
        for fmt in refused_formats(op):
            async with prepared(s, op) as made:
                with _arguments(op, made, s.media.audio(fmt), fmt) as kw:
                    response = await s.call(op.operation_id, **kw)
                _refused(s, response, op, _pinned(s.spec, "formats", INVALID | WRONG_TYPE))


def _damaged(s: Session, case: str) -> Path:
    """The file of a damaged-audio case, on disk."""
    if case == "corrupt":
        return s.media.lying_wav()
    path = s.media.folder / f"damaged-{case}.wav"
    if not path.exists():
        path.write_bytes(b"" if case == "empty" else s.media.garbage())
    return path


#: Each damaged-audio case and what refuses it: empty or no audio format is invalid data or
#: the wrong type; a WAV whose header lies is invalid data.
_DAMAGED = {
    "empty": INVALID | WRONG_TYPE,
    "garbage": INVALID | WRONG_TYPE,
    "corrupt": INVALID,
}


async def damaged_audio(s: Session, scope: Scope) -> None:
    """Audio that is empty, in no audio format, or damaged (a lying WAV header) is refused."""
    for op in _or_skip(scope.ops(damaged_operations(s.spec))):
        for case, statuses in _DAMAGED.items():
            if not scope.case(case):
                continue
            async with prepared(s, op) as made:
                with _arguments(op, made, _damaged(s, case), "wav") as kw:
                    response = await s.call(op.operation_id, **kw)
                _refused(s, response, op, _pinned(s.spec, f"damaged-audio.{case}", statuses))


async def success_status(s: Session, scope: Scope) -> None:
    """A valid minimal request gets the documented success status and a body of the documented schema."""
    for op in _or_skip(scope.ops(success_operations(s.spec))):
        fmt = accepted_format(op)
        audio = s.media.audio(fmt) if uploadable(s.spec, op) and fmt is not None else None
        async with prepared(s, op) as made:
            with _arguments(op, made, audio, fmt or "wav") as kw:
                response = await s.call(op.operation_id, **kw)
            expect_success(s, response, op.operation_id)


async def error_shape(s: Session, scope: Scope) -> None:
    """Every error the family provokes follows the spec's ``error-schema`` and ``error-members``.

    The errors: an unknown id on each operation that names one, a missing
    credential, and an empty JSON body where the body has required members. A
    missing credential or an empty body that is not refused is not judged here
    (the credentials family, or the schema layer, reports it).
    """
    judged = False
    for op in _or_skip(scope.ops(error_operations(s.spec))):
        async with prepared(s, op) as made:
            for kind in _error_kinds(s.spec, op):
                if kind == "unknown":
                    named = {**(made or {}), "path": _unknown_in(s, op, made)}
                    response = await s.call(op.operation_id, **named)
                elif kind == "invalid":
                    path = (made or {}).get("path") or unknown_path(s.spec, op) or {}
                    response = await s.call(op.operation_id, path=path, json={})
                else:
                    fmt = accepted_format(op) or "wav"
                    audio = s.media.audio(fmt) if uploadable(s.spec, op) else None
                    with _arguments(op, made, audio, fmt) as kw:
                        if "path" not in kw and id_parameters(s.spec, op):
                            kw["path"] = unknown_path(s.spec, op) or {}
                        response = await s.call(op.operation_id, auth="none", **kw)
                if kind != "unknown" and response.status_code < 400:
                    continue  # not refused: the credentials family, or the schema, says so
                judged = True
                s.expect(response, *_ERROR_CHECKS, operation=op.operation_id, status=ERROR_STATUSES)
    if not judged:
        raise RequirementSkipped("no request the spec makes possible was refused")


async def not_found(s: Session, scope: Scope) -> None:
    """A well-formed id that names nothing is answered 404 (the ids before it, where made, exist)."""
    for op in _or_skip(scope.ops(not_found_operations(s.spec))):
        async with prepared(s, op) as made:
            unknown = {**(made or {}), "path": _unknown_in(s, op, made)}
            response = await s.call(op.operation_id, **unknown)
            _refused(s, response, op, _pinned(s.spec, "not-found", NOT_FOUND))
