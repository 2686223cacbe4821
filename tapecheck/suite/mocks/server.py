"""Routes from the spec, under the vendor's base path, and serving them with uvicorn.

- :func:`base_path` is the path of the spec's ``x-tapecheck.base-url`` (``/v2``,
  ``/api/v1``, or none); a mock
  answers there and nowhere else, so a client configured with the vendor's base
  URL works against it unchanged.
- :func:`spec_routes` makes one Starlette route per operation of the spec, from
  its path template (OpenAPI and Starlette write ``{id}`` alike) and method, so
  the mock serves exactly the documented operations.
- :func:`serve` runs an app in the foreground (``tapecheck mock``);
  :func:`running` runs one in a background thread on loopback and always stops it
  (tests, in-process conformance over real HTTP). Both serve every connection
  with ``TCP_NODELAY`` and close a connection whose headers or body stall
  (:mod:`tapecheck.suite.mocks.protocol`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import Route
from starlette.types import ASGIApp

from tapecheck.suite.specs import Spec

__all__ = ["base_path", "bind", "origin", "running", "serve", "spec_routes"]

Endpoint = Callable[..., Any]


def base_path(spec: Spec) -> str:
    """The path part of the vendor's base URL, without a trailing slash (``""`` for none)."""
    return urlsplit(spec.base_url).path.rstrip("/")


def spec_routes(spec: Spec, endpoints: Mapping[str, Endpoint]) -> list[Route]:
    """One route per operation of ``spec``, served by ``endpoints[operationId]``.

    Operations sharing a path share one route per method. Every operation of the
    spec must have an endpoint and every endpoint an operation, so a mock can
    neither forget an operation nor serve an undocumented one.
    """
    missing = sorted(set(spec.operations) - set(endpoints))
    unknown = sorted(set(endpoints) - set(spec.operations))
    if missing or unknown:
        raise ValueError(
            f"{spec.vendor} mock: operations without an endpoint {missing}, "
            f"endpoints without an operation {unknown}"
        )
    prefix = base_path(spec)
    return [
        Route(
            prefix + operation.path,
            endpoints[operation.operation_id],
            methods=[operation.method.upper()],
            name=operation.operation_id,
        )
        for operation in spec.operations.values()
    ]


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one).

    The protocol is named (``IPPROTO_TCP``, not 0): asyncio sets ``TCP_NODELAY``
    on an accepted connection only when its socket says it is TCP, and an
    accepted socket inherits the listening socket's protocol. Without it every
    small response waits out the client's delayed ACK (about 40 ms a request).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def origin(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _config(
    app: ASGIApp,
    *,
    log_level: str,
    header_timeout: float | None = None,
    body_timeout: float | None = None,
) -> Any:
    import uvicorn

    from tapecheck.suite.mocks.protocol import (
        DEFAULT_BODY_TIMEOUT,
        DEFAULT_HEADER_TIMEOUT,
        guarded_protocol,
    )

    protocol = guarded_protocol(
        header_timeout=header_timeout or DEFAULT_HEADER_TIMEOUT,
        body_timeout=body_timeout or DEFAULT_BODY_TIMEOUT,
    )
    return uvicorn.Config(
        app,
        http=protocol,
        log_level=log_level,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def serve(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
    header_timeout: float | None = None,
    body_timeout: float | None = None,
) -> None:
    """Serve ``app`` in the foreground until interrupted (Ctrl-C stops it cleanly).

    The socket is bound first, so ``on_ready`` receives the real origin
    (``http://127.0.0.1:PORT``) even for port 0, before serving starts.
    ``header_timeout`` and ``body_timeout`` (seconds) close a connection whose
    request headers take longer, or whose body pauses longer (see
    :mod:`tapecheck.suite.mocks.protocol`; ``None``: the defaults there).
    """
    import uvicorn

    sock = bind(host, port)
    try:
        if on_ready is not None:
            on_ready(origin(sock))
        config = _config(
            app, log_level=log_level, header_timeout=header_timeout, body_timeout=body_timeout
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running(
    app: ASGIApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 10.0,
    log_level: str = "warning",
    header_timeout: float | None = None,
    body_timeout: float | None = None,
) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread; yield its origin; always stop it.

    The timeouts are :func:`serve`'s.
    """
    import uvicorn

    sock = bind(host, port)
    config = _config(
        app, log_level=log_level, header_timeout=header_timeout, body_timeout=body_timeout
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name="tapecheck-mock-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError(
                    f"the mock server did not start: {failure[0] if failure else 'exited'}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"the mock server did not start within {startup_timeout} s")
            time.sleep(0.01)
        yield origin(sock)
    finally:
        server.should_exit = True
        thread.join(shutdown_timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(shutdown_timeout)
        sock.close()
