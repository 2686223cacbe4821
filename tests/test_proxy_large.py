"""A 150 MB Corti upload through ``tapecheck proxy`` to its embedded mock, in bounded memory.

The proxy runs as its own process (so its memory is its own); the client
streams a 149 MB WAV from a generator, chunk by chunk. The proxy's resident
memory may grow by less than 64 MB between before the upload and the peak
during it, and the upload is checked (no finding for a sound WAV under the
limit) like any other.
"""

from __future__ import annotations

import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

SIZE = 149_000_000  # under Corti's 150 MB
CHUNK = 1024 * 1024
MAX_GROWTH = 64 * 1024 * 1024


def wav_stream(size: int) -> Iterator[bytes]:
    """A 48 kHz stereo WAV of ``size`` bytes (silence), in chunks: never held whole."""
    data = size - 44
    yield (
        b"RIFF"
        + struct.pack("<I", size - 8)
        + b"WAVEfmt "
        + struct.pack(
            "<IHHIIHH",
            16,
            1,
            2,
            48000,
            192000,
            4,
            16,  # 13 min: under 60
        )
        + b"data"
        + struct.pack("<I", data)
    )
    zeros = bytes(CHUNK)
    left = data
    while left:
        step = min(CHUNK, left)
        yield zeros[:step]
        left -= step


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_150_mb_upload_through_the_proxy_in_bounded_memory(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tapecheck.suite.cli import main; main()",
                "proxy",
                "corti",
                "--format",
                "json",
            ],
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
    try:
        base = ""
        deadline = time.monotonic() + 90  # a cold start on a loaded 2-core CI
        while not base and time.monotonic() < deadline:
            for line in out.read_text().splitlines():
                if "base URL " in line:
                    base = line.split("base URL ", 1)[1].strip()
            time.sleep(0.05)
        assert base, "the proxy did not start"
        headers = {"Authorization": "Bearer test-token", "Tenant-Name": "tenant-a"}
        with httpx.Client(timeout=600) as client:
            interaction = client.post(
                f"{base}/interactions/",
                headers=headers,
                json={
                    "encounter": {"identifier": "v", "status": "planned", "type": "consultation"}
                },
            ).json()["interactionId"]
            before = _kib(process.pid, "VmRSS")
            answer = client.post(
                f"{base}/interactions/{interaction}/recordings/",
                headers={
                    **headers,
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(SIZE),
                },
                content=wav_stream(SIZE),
            )
            peak = _kib(process.pid, "VmHWM")
            findings = client.get(base.removesuffix("/v2") + "/_tapecheck/findings").json()
        assert answer.status_code == 201, answer.text
        assert findings["diagnostics"] == []
        growth = peak - before
        print(f"proxy RSS before {before / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB")
        assert growth < MAX_GROWTH, f"RSS grew by {growth / 1e6:.1f} MB"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0  # a clean upload: no error-level finding
