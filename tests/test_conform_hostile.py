"""`tapecheck conform` against hostile targets: bounded memory, bounded time, a report.

The targets are served on 127.0.0.1 from the test: a 1 GiB streamed body, a
1 MB gzip bomb that inflates to 1 GiB, a server that trickles a byte every 2 s
and one that accepts connections and never answers. Each run is a real
``tapecheck conform`` process; its peak RSS is measured by a wrapper process
(``resource.getrusage(RUSAGE_CHILDREN)``, the conform process being its only child).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tapecheck.suite.conform.targets import MAX_RESPONSE_BYTES, Undecidable, read_response
from tapecheck.suite.mocks.server import bind, origin

pytestmark = pytest.mark.e2e

GIB = 1 << 30
MIB = 1 << 20
#: Peak RSS a run may reach against the 1 GiB body or the bomb (issue 14).
MAX_RSS_BYTES = 200 * 1000 * 1000

#: Runs a command and prints its exit status and its peak RSS (bytes) as JSON on the last line.
_MEASURE = """
import json, resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=600)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
sys.stderr.write(result.stderr)
sys.stdout.write(result.stdout)
print()
print(json.dumps({"returncode": result.returncode, "peak_rss": peak}))
"""


def _conform(
    base_url: str, report_dir: Path, *extra: str, timeout: float = 300
) -> tuple[int, int, dict[str, Any], str]:
    """Run conform crescendo on ``base_url``: (exit status, peak RSS, report.json, stderr)."""
    command = [sys.executable, "-m", "tapecheck", "conform", "crescendo", "--base-url", base_url]
    command += ["--token", "tok", "--tenant", "tenant-a", "--quick", "--seed", "1"]
    command += ["--report-dir", str(report_dir), "--format", "json", *extra]
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return measured["returncode"], measured["peak_rss"], report, result.stderr


def _every_file_written(report_dir: Path) -> None:
    assert {"report.json", "junit.xml", "report.html"} <= {p.name for p in report_dir.iterdir()}


# -- hostile targets ------------------------------------------------------------------


def _huge_body_app() -> Starlette:
    async def endless(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            block = b"x" * MIB
            for _ in range(GIB // MIB):
                yield block

        return StreamingResponse(chunks(), status_code=400, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", endless, methods=["GET", "POST", "PUT"])])


@pytest.fixture(scope="session")
def bomb() -> bytes:
    """1 GiB of zeros, gzipped: about 1 MB."""
    # Run-length matching only: as small as level 9 on zeros, in a fraction of the time.
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9, zlib.Z_RLE)
    block = bytes(16 * MIB)
    parts = [packer.compress(block) for _ in range(GIB // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def _bomb_app(bomb: bytes) -> Starlette:
    async def answer(request: Request) -> Response:
        headers = {"Content-Encoding": "gzip"}
        return Response(bomb, status_code=400, media_type="application/json", headers=headers)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PUT"])])


def _trickle_app() -> Starlette:
    async def trickle(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"{"
            for _ in range(3600):
                await asyncio.sleep(2)
                yield b" "

        return StreamingResponse(chunks(), status_code=400, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", trickle, methods=["GET", "POST", "PUT"])])


@pytest.fixture
def hanging() -> Iterator[str]:
    """A server that accepts connections (the kernel's backlog) and never reads or answers."""
    sock = bind("127.0.0.1", 0)
    try:
        yield origin(sock)
    finally:
        sock.close()


# -- the runs ---------------------------------------------------------------------------


def test_a_1_gib_body_is_read_to_the_bound_only(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    base_url = loopback(_huge_body_app())
    status, peak, report, stderr = _conform(base_url, tmp_path)
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak / 1e6:.0f} MB"
    assert status == 2, stderr  # nothing could be decided: incomplete
    _every_file_written(tmp_path)
    errors = [r for r in report["requirements"] if r["status"] == "error"]
    assert errors
    assert all("8,000,000-byte bound" in r["reason"] for r in errors)
    assert not [r for r in report["requirements"] if r["status"] == "failed"]
    assert report["conforms"] is False


def test_a_gzip_bomb_is_inflated_to_the_bound_only(
    tmp_path: Path, loopback: Callable[[Any], str], bomb: bytes
) -> None:
    assert len(bomb) < 2 * 1000 * 1000
    base_url = loopback(_bomb_app(bomb))
    status, peak, report, stderr = _conform(base_url, tmp_path)
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak / 1e6:.0f} MB"
    assert status == 2, stderr
    _every_file_written(tmp_path)
    errors = [r for r in report["requirements"] if r["status"] == "error"]
    assert errors
    assert all("8,000,000-byte bound" in r["reason"] for r in errors)


def test_a_trickling_target_ends_at_the_request_deadline_and_the_run_deadline(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    base_url = loopback(_trickle_app())
    # A byte every 2 s never trips a per-read timeout of 3 s; the whole-read deadline does.
    status, _, report, stderr = _conform(
        base_url, tmp_path, "--timeout", "3", "--max-time", "10", timeout=120
    )
    assert status == 2, stderr
    _every_file_written(tmp_path)
    reasons = [r["reason"] for r in report["requirements"] if r["status"] == "error"]
    assert any("within 3 s" in reason for reason in reasons)
    assert any("--max-time (10 s)" in reason for reason in reasons)
    assert {r["status"] for r in report["requirements"]} <= {"error", "skipped"}


def test_a_target_that_never_answers_ends_by_max_time_with_exit_2(
    tmp_path: Path, hanging: str
) -> None:
    status, _, report, stderr = _conform(hanging, tmp_path, "--max-time", "5", timeout=120)
    assert status == 2, stderr
    _every_file_written(tmp_path)
    statuses = {r["status"] for r in report["requirements"]}
    assert statuses <= {"error", "skipped"}
    assert "error" in statuses
    assert report["conforms"] is False
    assert "incomplete" in stderr
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert '<error message="not decided: the run reached --max-time (5 s)' in junit


# -- the reader itself --------------------------------------------------------------


async def _read(app: Any, **bounds: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        return await read_response(client, client.build_request("GET", "http://t/x"), **bounds)


def test_the_reader_keeps_a_body_under_the_bound_and_decodes_gzip() -> None:
    payload = json.dumps({"message": "refused", "pad": "x" * 50_000}).encode()

    async def answer(request: Request) -> Response:
        return Response(
            zlib.compress(payload, wbits=16 + zlib.MAX_WBITS),
            media_type="application/json",
            headers={"Content-Encoding": "gzip"},
        )

    app = Starlette(routes=[Route("/x", answer)])
    response = asyncio.run(_read(app))
    assert response.content == payload
    assert response.json()["message"] == "refused"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "identity"])
def test_the_reader_stops_at_the_bound_whatever_the_coding(encoding: str) -> None:
    raw = b"a" * (MAX_RESPONSE_BYTES + 1)
    body = {
        "gzip": lambda: zlib.compress(raw, wbits=16 + zlib.MAX_WBITS),
        "deflate": lambda: zlib.compress(raw),
        "identity": lambda: raw,
    }[encoding]()

    async def answer(request: Request) -> Response:
        return Response(body, headers={"Content-Encoding": encoding})

    app = Starlette(routes=[Route("/x", answer)])
    with pytest.raises(Undecidable, match="8,000,000-byte bound") as caught:
        asyncio.run(_read(app))
    assert caught.value.response is not None
    assert caught.value.response.status_code == 200
    # One byte under the bound is read whole.
    raw = raw[:-1]
    assert len(asyncio.run(_read(Starlette(routes=[Route("/x", _plain(raw))]))).content) == len(raw)


def _plain(body: bytes) -> Any:
    async def answer(request: Request) -> Response:
        return Response(body)

    return answer


def _answer_after(delay_s: float) -> Starlette:
    async def answer(request: Request) -> Response:
        async for _ in request.stream():
            pass
        await asyncio.sleep(delay_s)
        return Response(b"{}", media_type="application/json")

    return Starlette(routes=[Route("/x", answer, methods=["POST"])])


async def _slow_upload(origin: str, deadline_s: float) -> httpx.Response:
    async def slowly() -> AsyncIterator[bytes]:
        for _ in range(5):
            await asyncio.sleep(0.5)
            yield b"x" * 100

    async with httpx.AsyncClient(timeout=10) as client:
        request = client.build_request(
            "POST", origin + "/x", content=slowly(), headers={"Content-Length": "500"}
        )
        return await read_response(client, request, deadline_s=deadline_s)


def test_the_answer_deadline_starts_once_the_body_is_sent(
    loopback: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 bytes/s allows 5 s to send the 500 bytes (2.5 s); then the answer has 2 s: a
    # deadline counted from the start would have passed before the body was sent. The
    # margins (2 s and more) hold on a loaded CI.
    monkeypatch.setattr("tapecheck.suite.conform.targets.MIN_SEND_RATE", 100)
    response = asyncio.run(_slow_upload(loopback(_answer_after(0.0)), 2.0))
    assert response.json() == {}
    with pytest.raises(Undecidable, match="within 2 s"):
        asyncio.run(_slow_upload(loopback(_answer_after(5.0)), 2.0))
