"""Building and running one proxy: the upstream (a sandbox, or the embedded mock) and the server.

:func:`create_proxy` builds the app for a vendor: with ``upstream`` it forwards
there (and :func:`check_upstream` says whether it answers at all); without, the
vendor's reference mock sits behind it in-process (``httpx.ASGITransport``,
bodies still streamed chunk by chunk). :func:`running_proxy` serves it on
loopback in a background thread with the server helper of ``tapecheck mock``,
for the pytest fixture and the tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.proxy.app import ProxyApp, ProxyOptions
from tapecheck.suite.proxy.traffic import Traffic
from tapecheck.suite.specs import Spec, load_spec

__all__ = [
    "EMBEDDED_ORIGIN",
    "Proxy",
    "UpstreamUnreachable",
    "check_upstream",
    "create_proxy",
    "running_proxy",
]

#: The origin the embedded mock answers on (never resolved: the transport is in-process).
EMBEDDED_ORIGIN = "http://embedded.tapecheck.invalid"


class UpstreamUnreachable(Exception):
    """``--upstream`` does not answer at start (exit 2)."""


@dataclass
class Proxy:
    """A built proxy: the app, what it saw, and how to name it."""

    app: ProxyApp
    traffic: Traffic
    spec: Spec

    @property
    def prefix(self) -> str:
        return base_path(self.spec)

    def base_url(self, origin: str) -> str:
        """The base URL a client uses: the proxy's origin and the vendor's base path."""
        return origin.rstrip("/") + self.prefix


def check_upstream(url: str, *, timeout: float = 5.0) -> None:
    """Raise :class:`UpstreamUnreachable` unless ``url``'s host answers HTTP at all."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UpstreamUnreachable(f"--upstream {url!r} must be an http(s) URL")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            client.head(url)
    except httpx.HTTPError as exc:
        raise UpstreamUnreachable(
            f"--upstream {url} does not answer ({type(exc).__name__}: {exc})"
        ) from exc


def create_proxy(
    vendor: str,
    *,
    upstream: str | None = None,
    token: str = "test-token",
    tenant: str = "tenant-a",
    storage_rewrite: bool = True,
    config: LintConfig | None = None,
    spec: Spec | None = None,
    factory: Callable[..., Any] | None = None,
) -> Proxy:
    """The proxy for ``vendor``, in front of ``upstream`` or of the embedded reference mock.

    ``factory`` builds another embedded app in the mock's place (a selftest mutant).
    """
    spec = spec or load_spec(vendor)
    embedded: Callable[[str], httpx.AsyncBaseTransport] | None = None
    if upstream is None:
        if factory is None:
            from tapecheck.suite.vendors import vendor_module

            factory = vendor_module(spec.vendor, "mock").create_app
        embedded = _embedded(factory, token=token, tenant=tenant)
        target = EMBEDDED_ORIGIN + base_path(spec)
        label = "embedded"
    else:
        target = upstream.rstrip("/")
        label = target
    traffic = Traffic(vendor=spec.vendor, target=label)
    options = ProxyOptions(
        spec=spec,
        upstream=target,
        embedded=embedded,
        storage_rewrite=storage_rewrite,
        forward_host=upstream is None,
        config=config or LintConfig(),
    )
    return Proxy(ProxyApp(options, traffic), traffic, spec)


def _embedded(
    factory: Callable[..., Any], *, token: str, tenant: str
) -> Callable[[str], httpx.AsyncBaseTransport]:
    """The embedded mock's transport, built once the proxy knows its own address.

    A mock that plays a storage host signs URLs on its public base URL: the
    proxy's, so a client's PUT to a signed URL comes back through the proxy.
    """

    def build(public_origin: str) -> httpx.AsyncBaseTransport:
        extra = {"public_base_url": public_origin} if public_origin and _takes(factory) else {}
        app = factory(token=token, tenant=tenant, **extra)
        return httpx.ASGITransport(app=app, raise_app_exceptions=False)

    return build


def _takes(factory: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.name == "public_base_url" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )


@contextmanager
def running_proxy(proxy: Proxy, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``proxy`` on loopback in a background thread; yield its base URL; always stop it."""
    with running(proxy.app, host=host, port=port) as origin:
        proxy.app.set_public_origin(origin)
        yield proxy.base_url(origin)
