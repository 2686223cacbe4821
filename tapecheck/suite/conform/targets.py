"""What the suite talks to: the embedded reference mock (in-process ASGI) or a base URL.

Both are an ``httpx.AsyncClient`` to the caller: the embedded mock through
``httpx.ASGITransport`` (request bodies stream to the app chunk by chunk), a
real target over HTTP. The spec's paths are appended to the base URL, which
carries the vendor's version prefix (Corti ``/v2``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tapecheck.suite.specs import load_spec

__all__ = ["EMBEDDED", "AppFactory", "Target", "embedded", "remote"]

EMBEDDED = "embedded"
#: The origin an embedded mock answers on; never resolved, never contacted.
_EMBEDDED_ORIGIN = "http://embedded.tapecheck.invalid"

AppFactory = Callable[..., Any]


@dataclass(frozen=True)
class Target:
    """Where requests go, and how the report names it."""

    label: str
    base_url: str
    app: Any = None  # the ASGI app for an embedded target

    @property
    def embedded(self) -> bool:
        return self.app is not None

    def client(self, *, timeout: float) -> httpx.AsyncClient:
        transport: httpx.AsyncBaseTransport | None = None
        if self.app is not None:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(
            base_url=self.base_url.rstrip("/") + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )


def embedded(
    vendor: str,
    *,
    token: str,
    tenant: str,
    factory: AppFactory | None = None,
    tenants: Mapping[str, str] | None = None,
) -> Target:
    """The vendor's reference mock (or ``factory``'s app: a mutant), in-process.

    ``tenants`` (``tenant -> token``) are more users the mock knows, passed to a
    factory that takes them (every ``create_app`` does; a mutant's factory may not).
    """
    if factory is None:
        from tapecheck.suite.vendors import mock_factory

        factory = mock_factory(vendor)
    extra = {"tenants": dict(tenants)} if tenants and _takes(factory, "tenants") else {}
    app = factory(token=token, tenant=tenant, **extra)
    prefix = urlsplit(load_spec(vendor).base_url).path.rstrip("/")
    return Target(label=EMBEDDED, base_url=_EMBEDDED_ORIGIN + prefix, app=app)


def _takes(factory: AppFactory, name: str) -> bool:
    """Whether ``factory`` accepts the keyword argument ``name``."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def remote(base_url: str) -> Target:
    """A real target: the vendor's documented base URL, version prefix included."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"--base-url {base_url!r} must be an http(s) URL such as https://api.example.com/v1"
        )
    return Target(label=base_url, base_url=base_url)
