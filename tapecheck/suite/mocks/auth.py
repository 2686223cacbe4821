"""Credentials a mock accepts: which token belongs to which tenant, and how it travels.

A mock knows one or more tenants, each with its own token (``tapecheck mock``
gives one: ``--token T --tenant N``). :class:`Credentials` answers "which
tenant does this token open?" in constant time per known token, so that a
mock can refuse a missing or wrong credential and keep each tenant's data
apart. The helpers read a token where a vendor sends it: the
``Authorization: Bearer`` header, a custom header, or a query parameter.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.requests import Request

__all__ = ["Credentials", "bearer_token", "header_token", "query_token"]


@dataclass(frozen=True)
class Credentials:
    """Known tokens and the tenant each opens (``token -> tenant``)."""

    tenants_by_token: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, token: str, tenant: str, others: Mapping[str, str] | None = None) -> Credentials:
        """One tenant and its token, plus ``others`` (``tenant -> token``)."""
        known = {token: tenant}
        for other_tenant, other_token in (others or {}).items():
            if other_token in known:
                raise ValueError(
                    f"tenant {other_tenant!r} reuses the token of {known[other_token]!r}"
                )
            known[other_token] = other_tenant
        return cls(known)

    def tenant_of(self, token: str | None) -> str | None:
        """The tenant ``token`` belongs to, or ``None`` for a missing or unknown token."""
        if not token:
            return None
        found: str | None = None
        given = token.encode("utf-8", "surrogateescape")
        for known, tenant in self.tenants_by_token.items():
            if hmac.compare_digest(given, known.encode("utf-8")):
                found = tenant
        return found

    @property
    def tenants(self) -> frozenset[str]:
        return frozenset(self.tenants_by_token.values())


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; ``None`` when absent or another scheme."""
    value = request.headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def header_token(request: Request, name: str) -> str | None:
    """A token sent in a header of its own (an ``apiKey`` scheme ``in: header``)."""
    value = request.headers.get(name)
    return value.strip() or None if value is not None else None


def query_token(request: Request, name: str) -> str | None:
    """A token sent as a query parameter (an ``apiKey`` scheme ``in: query``)."""
    value = request.query_params.get(name)
    return value or None
