"""`tapecheck mock crescendo` against a bare Starlette app on the same uvicorn, in one run.

Both servers run as their own processes on loopback; one keep-alive client
(httpx) times, in turns, a GET (the mock: Crescendo's job status; the bare app:
a JSON answer of the same size) and a small multipart upload (a metadata field
and a 16 KB WAV part; the bare app parses the form and answers 202). Goals
(issue 13): a keep-alive GET within 1.5x of the bare app, the upload under 10 ms
p50.

    python benchmarks/mock_bench.py [--requests N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

TOKEN = "bench-token"
TENANT = "tenant-bench"

_BARE_APP = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def status(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["job"], "status": "completed"})


async def upload(request: Request) -> JSONResponse:
    size = 0
    async with request.form() as form:
        for part in form.values():
            if isinstance(part, UploadFile):
                size += len(await part.read())
    return JSONResponse({"id": "job-1", "bytes": size}, status_code=202)


app = Starlette(routes=[
    Route("/status/{job}", status, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def _wav(size: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack("<h", 0) * ((size - 44) // 2))
    return buffer.getvalue()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def _process(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def mock_server() -> Iterator[str]:
    """`tapecheck mock crescendo` on a free port; yields its base URL."""
    command = [sys.executable, "-m", "tapecheck", "mock", "crescendo", "--port", "0"]
    command += ["--token", TOKEN, "--tenant", TENANT]
    with _process(command) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        if not base_url.startswith("http://"):
            raise RuntimeError(f"tapecheck mock did not start: {line!r}")
        yield base_url


@contextmanager
def bare_server() -> Iterator[str]:
    """A bare Starlette app on uvicorn (its own socket, as `uvicorn app:app` binds)."""
    port = _free_port()
    with _process([sys.executable, "-c", _BARE_APP, str(port)]):
        origin = f"http://127.0.0.1:{port}"
        _wait_for(origin + "/status/x")
        yield origin


def _time_pair(
    calls: dict[str, Callable[[], httpx.Response]], count: int, expect: int
) -> dict[str, list[float]]:
    """Time each call ``count`` times, in turns, so both servers see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(count + max(5, count // 20)):
        for name, call in calls.items():
            started = time.perf_counter()
            response = call()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expect:
                raise RuntimeError(
                    f"{name}: unexpected {response.status_code}: {response.text[:200]}"
                )
            if round_ >= max(5, count // 20):  # the first rounds warm up connections and caches
                times[name].append(elapsed)
    return times


def _p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    args = parser.parse_args()
    audio = _wav(16_000)
    metadata = json.dumps({"id": "call-bench", "kind": "phonecall"})
    headers = {"Authorization": f"Bearer {TOKEN}"}
    mock_name, bare_name = "tapecheck mock crescendo", "bare Starlette on uvicorn"
    files = {"audio": ("call.wav", audio, "audio/wav")}
    form = {"metadata": metadata}
    with (
        mock_server() as mock_url,
        bare_server() as bare_url,
        httpx.Client(base_url=mock_url, headers=headers, timeout=10.0) as mock,
        httpx.Client(base_url=bare_url, timeout=10.0) as bare,
    ):
        upload_path = f"/api/v1/voc/tenants/{TENANT}/recording"
        first = mock.post(upload_path, data=form, files=files)
        first.raise_for_status()
        status_path = f"{upload_path}/{first.json()['id']}/status"
        gets = _time_pair(
            {
                mock_name: lambda: mock.get(status_path),
                bare_name: lambda: bare.get("/status/job-1"),
            },
            args.requests,
            200,
        )
        uploads = _time_pair(
            {
                mock_name: lambda: mock.post(upload_path, data=form, files=files),
                bare_name: lambda: bare.post("/upload", data=form, files=files),
            },
            args.requests,
            202,
        )
    rows = {name: {"get": gets[name], "upload": uploads[name]} for name in gets}
    print(f"{args.requests} keep-alive requests each, one client, pid {os.getpid()}")
    print(f"{'server':<28}{'GET p50':>10}{'GET p95':>10}{'upload p50':>12}{'upload p95':>12}  (ms)")
    for name, times in rows.items():
        print(
            f"{name:<28}{_p(times['get'], 50):>10.2f}{_p(times['get'], 95):>10.2f}"
            f"{_p(times['upload'], 50):>12.2f}{_p(times['upload'], 95):>12.2f}"
        )
    ratio = _p(rows[mock_name]["get"], 50) / _p(rows[bare_name]["get"], 50)
    upload = _p(rows[mock_name]["upload"], 50)
    print(f"GET p50 ratio mock/bare: {ratio:.2f}x (goal <= 1.5x); mock upload p50 {upload:.2f} ms")
    print(f"(goal < 10 ms): {'met' if ratio <= 1.5 and upload < 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
