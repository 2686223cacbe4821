"""A 150 MB upload to Corti's mock over real HTTP, streamed both ways, in bounded memory.

The mock runs as ``tapecheck mock corti`` in a subprocess, so its memory is
its own: the peak resident set (``VmHWM`` in ``/proc/PID/status``) is read
before and after the upload. The client streams the file from disk in 1 MB
chunks with no ``Content-Length`` (chunked), so the mock's running size check
is what refuses the 151 MB file; a declared ``Content-Length`` over the limit
is refused before any byte is read. It takes about 4 s (300 MB of files are
written first), so it runs by default.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tapecheck.suite.specs import load_spec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc"),
]

HEADERS = {"Authorization": "Bearer test-token", "Tenant-Name": "tenant-a"}
AUDIO = {**HEADERS, "Content-Type": "application/octet-stream"}
MB = 1_000_000


def peak_rss(pid: int) -> int:
    """The peak resident set of a process, in bytes (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def file_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(size):
            yield chunk


@pytest.fixture
def corti_server(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """``tapecheck mock corti`` in a subprocess: (base URL, pid, its temporary folder)."""
    blobs = tmp_path / "mock-tmp"
    blobs.mkdir()
    command = [
        sys.executable,
        "-c",
        "from tapecheck.suite.cli import main; main()",
        "mock",
        "corti",
    ]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(blobs)},
    ) as process:
        try:
            assert process.stdout is not None
            base = process.stdout.readline().rsplit(" ", 1)[1].strip()
            deadline = time.monotonic() + 60  # a cold start on a loaded 2-core CI
            while True:
                try:
                    httpx.get(base + "/nowhere", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            yield base, process.pid, blobs
        finally:
            process.terminate()
            process.wait(60)


def stored_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_150_mb_upload_in_bounded_memory_and_151_mb_refused(
    corti_server: tuple[str, int, Path], tmp_path: Path, audio: Any
) -> None:
    base, pid, blobs = corti_server
    limit = load_spec("corti").operation("upload").audio["max-bytes"]  # type: ignore[index]
    assert limit == 150 * MB
    at_limit = audio.write_wav(tmp_path / "150mb.wav", limit)
    over_limit = audio.write_wav(tmp_path / "151mb.wav", limit + MB)
    digest = hashlib.sha256()
    for chunk in file_chunks(at_limit):
        digest.update(chunk)

    with httpx.Client(base_url=base, timeout=120) as http:
        interaction = http.post(
            "/interactions/",
            json={"encounter": {"identifier": "big", "status": "planned", "type": "consultation"}},
            headers=HEADERS,
        ).json()["interactionId"]
        path = f"/interactions/{interaction}/recordings/"
        warmup = http.post(path, content=audio.wav(1.0), headers=AUDIO)  # loads the probe
        assert warmup.status_code == 201
        http.delete(path + warmup.json()["recordingId"], headers=HEADERS)
        before = peak_rss(pid)

        started = time.monotonic()
        uploaded = http.post(path, content=file_chunks(at_limit), headers=AUDIO)
        upload_s = time.monotonic() - started
        assert uploaded.status_code == 201, uploaded.text
        growth = peak_rss(pid) - before
        recording = uploaded.json()["recordingId"]

        fetched = hashlib.sha256()
        with http.stream("GET", path + recording, headers=HEADERS) as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(limit)
            for chunk in response.iter_bytes():
                fetched.update(chunk)
        assert fetched.hexdigest() == digest.hexdigest()
        assert stored_bytes(blobs) == limit

        started = time.monotonic()
        refused = http.post(path, content=file_chunks(over_limit), headers=AUDIO)
        refuse_s = time.monotonic() - started
        assert refused.status_code == 400
        assert refused.json()["detail"] == f"the upload is larger than the limit of {limit} bytes"
        declared = http.post(
            path,
            content=file_chunks(over_limit),
            headers={**AUDIO, "Content-Length": str(limit + MB)},
        )
        assert declared.status_code == 400
        assert stored_bytes(blobs) == limit  # nothing of the refused uploads was kept
        assert http.get(path, headers=HEADERS).json() == {"recordings": [recording]}
        growth = max(growth, peak_rss(pid) - before)

    print(
        f"\n150 MB upload: {upload_s:.1f} s; 151 MB refused in {refuse_s:.1f} s; peak RSS growth {growth / MB:.1f} MB"
    )
    assert growth < 64 * MB
