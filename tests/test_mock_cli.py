"""``tapecheck mock`` tells a developer what to send, and logs what it answered.

A real ``tapecheck mock`` process on loopback: it prints the base URL, the
tenant it knows and (only when it is the default) the token it accepts, never
a token given on the command line; then one line per request (method, path,
status, time) unless ``--quiet``, never the query string.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tapecheck.suite.mocks.access_log import AccessLog, access_line

pytestmark = pytest.mark.e2e

_COMMAND = [sys.executable, "-c", "from tapecheck.suite.cli import main; main()", "mock"]
_ACCESS = re.compile(r"^(GET|POST|PUT|DELETE|PATCH) (\S+) (\d{3}|-) \d+\.\d ms$")


class _Mock:
    """A running ``tapecheck mock`` and the lines it printed so far."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.head: list[str] = []
        while not self.head or self.head[-1] != "Press Ctrl-C to stop.":
            self.head.append(self.next_line())
        self.base_url = self.head[0].rsplit(" ", 1)[1]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float = 60.0) -> str:
        return self.lines.get(timeout=timeout)


@contextmanager
def mock(*args: str) -> Iterator[_Mock]:
    with subprocess.Popen(
        [*_COMMAND, *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            yield _Mock(process)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(60)


def _get(url: str, **kwargs: object) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=30, **kwargs)  # type: ignore[arg-type]
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_default_token_and_the_tenant_are_printed() -> None:
    with mock("corti") as served:
        head = "\n".join(served.head)
    assert served.head[0].startswith("tapecheck mock corti: base URL http://127.0.0.1:")
    assert "tenant: tenant-a (the Tenant-Name header)" in head
    assert "test-token (the default; --token sets another)" in head


def test_a_token_given_on_the_command_line_is_never_printed() -> None:
    secret = "s3cr3t-given-on-the-command-line"
    with mock("crescendo", "--token", secret, "--tenant", "acme") as served:
        url = f"{served.base_url}/voc/tenants/acme/jobs/nope?bearer_token={secret}"
        status = _get(url).status_code
        logged = served.next_line()
    head = "\n".join(served.head)
    assert "tenant: acme (the tenantId path parameter)" in head
    assert "the one given with --token" in head
    assert secret not in head + logged
    match = _ACCESS.match(logged)
    assert match is not None, logged
    assert match.group(2) == "/voc/tenants/acme/jobs/nope"
    assert match.group(3) == str(status)


def test_each_request_is_one_line_unless_quiet() -> None:
    with mock("siro") as served:
        first = _get(served.base_url + "/nowhere").status_code
        second = _get(served.base_url + "/nowhere", headers={"x-siro-auth-token": "x"})
        lines = [served.next_line(), served.next_line()]
    assert [_ACCESS.match(line) is not None for line in lines] == [True, True], lines
    assert lines[0].split()[2] == str(first)
    assert lines[1].split()[2] == str(second.status_code)
    with mock("siro", "--quiet") as served:
        _get(served.base_url + "/nowhere")
        with pytest.raises(queue.Empty):
            served.next_line(timeout=1.0)


def test_the_access_log_sees_every_status_and_a_crash() -> None:
    async def ok(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok", status_code=202)

    async def boom(request: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    written: list[str] = []
    app = AccessLog(Starlette(routes=[Route("/ok", ok), Route("/boom", boom)]), written.append)

    async def talk() -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            await client.get("/ok?bearer_token=hidden")
            await client.get("/boom")

    asyncio.run(talk())
    assert [line.rsplit(" ", 2)[0] for line in written] == ["GET /ok 202", "GET /boom 500"]
    assert all("hidden" not in line for line in written)
    assert access_line("GET", "/a\nb", None, 0.0123) == "GET /a\\x0ab - 12.3 ms"
