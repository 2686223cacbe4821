"""The mock server against hostile and impatient clients: TCP_NODELAY, header and body timeouts.

Every test talks raw sockets or httpx to a real uvicorn on 127.0.0.1 and is
bounded in time by its own deadlines.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tapecheck.suite.mocks.server import base_path, bind, running
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

pytestmark = pytest.mark.e2e


async def _nodelay(request: Request) -> JSONResponse:
    # uvicorn's receive() is a bound method of the request cycle, which holds the transport:
    # the option is read on the very socket the server accepted.
    cycle: Any = request.receive.__self__  # type: ignore[attr-defined]
    sock = cycle.transport.get_extra_info("socket")
    flag = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    return JSONResponse({"nodelay": bool(flag)})


def test_every_accepted_connection_has_tcp_nodelay() -> None:
    app = Starlette(routes=[Route("/nodelay", _nodelay)])
    with running(app) as origin, httpx.Client(base_url=origin, timeout=10) as client:
        for _ in range(3):  # one keep-alive connection, asked three times
            assert client.get("/nodelay").json() == {"nodelay": True}
    with running(app) as origin:
        assert httpx.get(origin + "/nodelay", timeout=10).json() == {"nodelay": True}


def test_the_listening_socket_is_tcp_so_asyncio_sets_nodelay_itself() -> None:
    sock = bind("127.0.0.1", 0)
    with sock:
        assert sock.proto == socket.IPPROTO_TCP


def _closed_within(sock: socket.socket, seconds: float, *, trickle: bytes = b"") -> float | None:
    """Seconds until the server closed ``sock`` (None if it did not within ``seconds``).

    ``trickle`` is sent one byte every 0.2 s meanwhile (a slow-loris client).
    """
    started = time.monotonic()
    sock.settimeout(0.2)
    sent = 0
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            pass
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - started
            sent += 1
    return None


def _connect(origin: str) -> socket.socket:
    host, port = origin.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=5)


@pytest.fixture
def crescendo() -> CrescendoMock:
    return CrescendoMock(token="tok", tenant="tenant-a")


def test_a_slow_loris_client_is_closed_after_the_header_timeout(crescendo: CrescendoMock) -> None:
    app = crescendo.create_app()
    trickle = b"GET /api/v1/voc/tenants/tenant-a/recording/x/status HTTP/1.1\r\nHost: m\r\n" * 20
    with running(app, header_timeout=1.0) as origin, _connect(origin) as sock:
        closed = _closed_within(sock, 8.0, trickle=trickle)
    assert closed is not None, "a header byte every 0.2 s kept the connection open for 8 s"


def test_a_silent_connection_is_closed_after_the_header_timeout(crescendo: CrescendoMock) -> None:
    with running(crescendo.create_app(), header_timeout=1.0) as origin, _connect(origin) as sock:
        closed = _closed_within(sock, 8.0)
    assert closed is not None, "a silent connection stayed open for 8 s"


def test_a_body_shorter_than_its_content_length_is_dropped_after_the_body_timeout(
    crescendo: CrescendoMock,
) -> None:
    app = crescendo.create_app()
    path = base_path(load_spec("crescendo")) + "/api/v1/voc/tenants/tenant-a/recording"
    boundary = "b0undary"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: m\r\nAuthorization: Bearer tok\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Content-Length: 1000000\r\n\r\n"
    ).encode()
    part = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + b"RIFF"
        + b"\0" * 4000
    )
    with running(app, body_timeout=1.0) as origin, _connect(origin) as sock:
        sock.sendall(head + part)
        closed = _closed_within(sock, 8.0)
        # The connection is closed with or without an answer, and nothing of the body is kept.
    assert closed is not None, "a body promised and never sent held the connection for 8 s"
    deadline = time.monotonic() + 5
    while crescendo.blobs.files() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert crescendo.blobs.files() == []


def test_timeouts_leave_a_slow_but_steady_upload_alone(
    crescendo: CrescendoMock, audio: Any
) -> None:
    """A body whose pieces come closer together than the body timeout is read to the end."""
    app = crescendo.create_app()
    path = base_path(load_spec("crescendo")) + "/api/v1/voc/tenants/tenant-a/recording"
    # Pieces every 0.3 s against a 3 s body timeout: a loaded CI delays a piece, not ten.
    with running(app, header_timeout=5.0, body_timeout=3.0) as origin:
        prepared = httpx.Request(
            "POST",
            origin + path,
            data={"metadata": '{"id": "call-1"}'},
            files={"audio": ("a.wav", audio.wav(0.5), "audio/wav")},
        )
        body = prepared.read()

        def slowly() -> Iterator[bytes]:
            for start in range(0, len(body), 2000):
                time.sleep(0.3)
                yield body[start : start + 2000]

        response = httpx.post(
            origin + path,
            headers={
                "Authorization": "Bearer tok",
                "Content-Type": prepared.headers["content-type"],
            },
            content=slowly(),
            timeout=60,
        )
    assert len(body) > 6000  # at least three pauses
    assert response.status_code == 202, response.text
