"""Benchmark the latency ``tapecheck proxy`` adds: the same requests direct and through it.

In one run, on loopback: Corti's reference mock served by uvicorn, and the
proxy in front of that same server (``--upstream`` mode, so both paths end at
the same process). Measures

(a) small requests: ``POST /interactions/`` (JSON in, JSON out), ``--requests``
    times each way, median and 95th percentile;
(b) uploads: ``--uploads`` WAV uploads of ``--size-mb`` MB streamed from a
    generator, median time and throughput each way.

The difference is what the proxy adds: forwarding, the bounded capture (the
upload teed to a temporary file), the request lint (the audio probe included)
and the response checks.

    python benchmarks/proxy_bench.py [--requests 200] [--uploads 5] [--size-mb 50]
"""

from __future__ import annotations

import argparse
import statistics
import struct
import time
from collections.abc import Callable, Iterator

import httpx

from tapecheck.suite.mocks.server import running
from tapecheck.suite.proxy.service import create_proxy, running_proxy
from tapecheck.suite.vendors import vendor_module

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Tenant-Name": "tenant-a"}
ENCOUNTER = {"encounter": {"identifier": "bench", "status": "planned", "type": "consultation"}}


def wav_stream(size: int, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    data = size - 44
    fmt = struct.pack("<IHHIIHH", 16, 1, 2, 48000, 192000, 4, 16)
    yield (
        b"RIFF"
        + struct.pack("<I", size - 8)
        + b"WAVEfmt "
        + fmt
        + b"data"
        + struct.pack("<I", data)
    )
    zeros = bytes(chunk)
    while data:
        step = min(chunk, data)
        yield zeros[:step]
        data -= step


def timed(action: Callable[[], object], times: int) -> list[float]:
    found = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        found.append(time.perf_counter() - start)
    return found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def measure(client: httpx.Client, base: str, args: argparse.Namespace) -> dict[str, float]:
    interaction = client.post(f"{base}/interactions/", headers=HEADERS, json=ENCOUNTER).json()[
        "interactionId"
    ]
    small = timed(
        lambda: client.post(f"{base}/interactions/", headers=HEADERS, json=ENCOUNTER),
        args.requests,
    )
    size = int(args.size_mb * 1_000_000)

    def upload() -> None:
        answer = client.post(
            f"{base}/interactions/{interaction}/recordings/",
            headers={
                **HEADERS,
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
            },
            content=wav_stream(size),
        )
        answer.raise_for_status()

    uploads = timed(upload, args.uploads)
    return {
        "small_median_ms": statistics.median(small) * 1000,
        "small_p95_ms": p95(small) * 1000,
        "upload_median_s": statistics.median(uploads),
        "upload_mb_s": args.size_mb / statistics.median(uploads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--size-mb", type=float, default=50.0)
    args = parser.parse_args()
    app = vendor_module("corti", "mock").create_app(token=TOKEN, tenant="tenant-a")
    with running(app) as origin, httpx.Client(timeout=600) as client:
        direct = measure(client, origin + "/v2", args)
        proxy = create_proxy("corti", upstream=origin + "/v2")
        with running_proxy(proxy) as base:
            through = measure(client, base, args)
    print(f"{'':24}{'direct':>12}{'proxy':>12}{'added':>12}")
    for key, unit in [
        ("small_median_ms", "ms"),
        ("small_p95_ms", "ms"),
        ("upload_median_s", "s"),
        ("upload_mb_s", "MB/s"),
    ]:
        added = through[key] - direct[key]
        print(
            f"{key + ' (' + unit + ')':24}{direct[key]:>12.2f}{through[key]:>12.2f}{added:>12.2f}"
        )
    findings = sum(len(e.findings) for e in proxy.traffic.log().exchanges)
    print(f"findings on the benchmark traffic: {findings}")


if __name__ == "__main__":
    main()
