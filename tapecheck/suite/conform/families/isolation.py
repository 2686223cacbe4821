"""The tenant-isolation family: a request naming another tenant reaches none of its data.

It applies to a spec whose ``x-tapecheck.tenant`` says where a request names
its tenant (a header or a path parameter). With the run's valid credential:

- each operation that creates something (one whose minimal valid request the
  spec alone makes, :mod:`.examples`) is refused when the request names
  another tenant;
- a resource created in the run's own tenant, read by each GET operation that
  takes one id, is served in the own tenant and refused under another;
- each operation on a resource the vendor's folder makes (``FAMILY_FIXTURES``:
  an upload to it, a read, a delete) is refused under another tenant.

A refusal is any of 401, 403 or 404: the docs rarely pin which, and "not
yours" and "no such thing" are both faithful answers. A read whose id the run
cannot tell from the create's answer (no id-like member the own tenant serves)
is not checked, never failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tapecheck.suite.conform.common import AUTH_REFUSED, OTHER_TENANT
from tapecheck.suite.conform.families.behaviours import prepared
from tapecheck.suite.conform.families.examples import Unmakeable, buildable, request_kwargs
from tapecheck.suite.conform.families.facts import (
    accepted_format,
    id_parameters,
    prepared_operations,
    required_parameters,
    upload_kwargs,
)
from tapecheck.suite.conform.families.identifiers import expect_accepted, expect_refused
from tapecheck.suite.conform.families.scope import EVERYTHING, Scope
from tapecheck.suite.conform.media import Media
from tapecheck.suite.conform.requirements import RequirementSkipped
from tapecheck.suite.conform.session import Session
from tapecheck.suite.specs import Operation, Spec

__all__ = ["FOREIGN", "isolation_operations", "read_operations", "tenant_isolation"]

#: What another tenant's request may be answered.
FOREIGN = OTHER_TENANT | AUTH_REFUSED
#: Added to the run's tenant to name a tenant that is not the credential's.
_OTHER = "-tapecheck-other"


def _tenant(spec: Spec) -> Mapping[str, Any] | None:
    fact = spec.ext.get("tenant")
    if isinstance(fact, Mapping) and fact.get("in") in ("header", "path") and fact.get("name"):
        return fact
    return None


def _creates(spec: Spec) -> list[Operation]:
    return [op for op in spec.operations.values() if op.security and buildable(spec, op)]


def _reached(spec: Spec) -> list[Operation]:
    """Secured operations on resources the folder's fixtures make (``FAMILY_FIXTURES``)."""
    return [
        op
        for op in spec.operations.values()
        if op.security
        and id_parameters(spec, op)
        and op.operation_id in prepared_operations(spec)
        and not required_parameters(spec, op)
    ]


def isolation_operations(spec: Spec) -> list[Operation]:
    """What the family calls under another tenant (a tenant declared): creates the spec
    alone makes, and operations on resources the folder's fixtures make."""
    if _tenant(spec) is None:
        return []
    return list({op.operation_id: op for op in (*_creates(spec), *_reached(spec))}.values())


def read_operations(spec: Spec) -> list[Operation]:
    """GET operations that read one resource by one id (and need nothing else)."""
    return [
        op
        for op in spec.operations.values()
        if op.method == "get"
        and op.security
        and len(id_parameters(spec, op)) == 1
        and not required_parameters(spec, op)
    ]


@contextmanager
def _arguments(
    op: Operation, made: Mapping[str, Any] | None, media: Media
) -> Iterator[dict[str, Any]]:
    """The fixture's call arguments, with audio of an accepted format where the call takes it."""
    base = dict(made or {})
    location = (op.audio or {}).get("location")
    if location not in ("content", "part") or (location == "part" and "files" in base):
        yield base
        return
    fmt = accepted_format(op) or "wav"
    with upload_kwargs(op, media.audio(fmt), fmt) as sent:
        headers = {**base.pop("headers", {}), **sent.pop("headers", {})}
        yield {**base, **sent, **({"headers": headers} if headers else {})}


def _ids(value: Any) -> Iterator[str]:
    """The id-like string members of a JSON answer (``id``, ``…Id``, ``…_id``), depth first."""
    if isinstance(value, Mapping):
        for key, member in value.items():
            name = str(key)
            if isinstance(member, str) and (
                name.lower() == "id" or name.endswith("Id") or name.endswith("_id")
            ):
                yield member
        for member in value.values():
            if isinstance(member, (Mapping, list)):
                yield from _ids(member)
    elif isinstance(value, list):
        for member in value:
            yield from _ids(member)


async def tenant_isolation(s: Session, scope: Scope = EVERYTHING) -> None:
    """Under another tenant the credential creates nothing and reads nothing of its own tenant."""
    if not scope.ops(isolation_operations(s.spec)):
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
    creates = scope.ops(_creates(s.spec))
    other = s.credentials.tenant + _OTHER
    made: list[str] = []
    params = s.credentials.params
    for op in creates:
        try:
            with request_kwargs(s.spec, op, s.media, params=params) as sent:
                response = await s.call(op.operation_id, tenant=other, **sent)
            expect_refused(s, response, op, FOREIGN)
            with request_kwargs(s.spec, op, s.media, params=params) as sent:
                own = await s.call(op.operation_id, **sent)
        except Unmakeable as exc:
            raise RequirementSkipped(f"{op.operation_id}: {exc}") from None
        expect_accepted(s, own, op)
        try:
            made.extend(dict.fromkeys(_ids(own.json())))
        except ValueError:
            continue
    for op in scope.ops(_reached(s.spec)):
        # The own tenant's resource, made by the folder's fixture, under another tenant.
        async with prepared(s, op) as fixture:
            with _arguments(op, fixture, s.media) as sent:
                response = await s.call(op.operation_id, tenant=other, **sent)
            expect_refused(s, response, op, FOREIGN)
    for op in read_operations(s.spec):
        name = str(id_parameters(s.spec, op)[0]["name"])
        for resource in made:
            path = {name: resource}
            if not (await s.call(op.operation_id, path=path)).is_success:
                continue  # not this read's id: nothing to compare
            foreign = await s.call(op.operation_id, path=path, tenant=other)
            expect_refused(s, foreign, op, FOREIGN)
            break
