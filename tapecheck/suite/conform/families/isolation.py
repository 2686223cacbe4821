"""The tenant-isolation family: a request naming another tenant reaches none of its data.

It applies to a spec whose ``x-tapecheck.tenant`` says where a request names
its tenant (a header or a path parameter). With the run's valid credential:

- each operation that creates something (one whose minimal valid request the
  spec alone makes, :mod:`.examples`) is refused when the request names
  another tenant;
- a resource created in the run's own tenant, read by each GET operation that
  takes one id, is served in the own tenant and refused under another.

A refusal is any of 401, 403 or 404: the docs rarely pin which, and "not
yours" and "no such thing" are both faithful answers. A read whose id the run
cannot tell from the create's answer (no id-like member the own tenant serves)
is not checked, never failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tapecheck.suite.conform.common import AUTH_REFUSED, OTHER_TENANT
from tapecheck.suite.conform.families.examples import Unmakeable, buildable, request_kwargs
from tapecheck.suite.conform.families.facts import id_parameters, required_parameters
from tapecheck.suite.conform.families.identifiers import expect_accepted, expect_refused
from tapecheck.suite.conform.families.scope import EVERYTHING, Scope
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


def isolation_operations(spec: Spec) -> list[Operation]:
    """The secured operations that create something from the spec alone (a tenant declared)."""
    if _tenant(spec) is None:
        return []
    return [op for op in spec.operations.values() if op.security and buildable(spec, op)]


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
    creates = scope.ops(isolation_operations(s.spec))
    if not creates:
        raise RequirementSkipped("no operation of the spec can be called from the spec alone")
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
    for op in read_operations(s.spec):
        name = str(id_parameters(s.spec, op)[0]["name"])
        for resource in made:
            path = {name: resource}
            if not (await s.call(op.operation_id, path=path)).is_success:
                continue  # not this read's id: nothing to compare
            foreign = await s.call(op.operation_id, path=path, tenant=other)
            expect_refused(s, foreign, op, FOREIGN)
            break
