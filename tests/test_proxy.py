"""``tapecheck proxy``: transparent forwarding, storage URLs, flows, and the command itself.

Real HTTP on loopback throughout: the proxy runs with uvicorn (in a thread, or
as the ``tapecheck proxy`` process), and clients are ``httpx``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner
from proxy_flows import FLOWS, TOKEN, normalised

from tapecheck.suite.cli import main
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.proxy.service import Proxy, create_proxy, running_proxy
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors import vendor_module

if TYPE_CHECKING:
    from conftest import AudioSamples


@pytest.fixture(scope="module")
def wav() -> bytes:
    from tapecheck.suite.conform.media import Media

    media = Media()
    try:
        return media.audio_bytes("wav")
    finally:
        media.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as found:
        yield found


def codes(proxy: Proxy) -> list[str]:
    return [f.code for e in proxy.traffic.log().exchanges for f in e.findings]


# -- transparency ------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", sorted(FLOWS))
def test_happy_path_through_the_proxy_is_the_happy_path(
    vendor: str, wav: bytes, client: httpx.Client
) -> None:
    """Same statuses and bodies as straight to the mock (ids and times aside), 0 findings."""
    flow = FLOWS[vendor]
    app = vendor_module(vendor, "mock").create_app(token=TOKEN, tenant="tenant-a")
    with running(app) as origin:
        direct = flow(client, origin + base_path(load_spec(vendor)), wav)
    proxy = create_proxy(vendor, token=TOKEN)
    with running_proxy(proxy) as base:
        via = flow(client, base, wav)
        document = client.get(base[: len(base) - len(proxy.prefix)] + "/_tapecheck/findings").json()
    assert normalised(via) == normalised(direct)
    assert all(status < 300 for status, _body in via)
    assert document["diagnostics"] == []
    assert document["summary"]["exchanges"] == len(proxy.traffic.log().exchanges) >= len(via)


def test_upstream_mode_passes_the_clients_credentials(wav: bytes, client: httpx.Client) -> None:
    app = vendor_module("corti", "mock").create_app(token=TOKEN, tenant="tenant-a")
    with running(app) as origin:
        direct = FLOWS["corti"](client, origin + "/v2", wav)
        proxy = create_proxy("corti", upstream=origin + "/v2")
        with running_proxy(proxy) as base:
            via = FLOWS["corti"](client, base, wav)
    assert normalised(via) == normalised(direct)
    assert codes(proxy) == []


# -- signed storage URLs ------------------------------------------------------------------------


def _signed(client: httpx.Client, base: str, wav: bytes, *, size: int) -> dict[str, Any]:
    answer = client.post(
        f"{base}/v1/core/recordings/signed-urls",
        headers={"x-siro-auth-token": TOKEN},
        json={"fileType": "wav", "fileSize": size},
    )
    assert answer.status_code == 201
    data: dict[str, Any] = answer.json()["data"]
    return data


def test_signed_upload_url_is_rewritten_and_forwarded_byte_for_byte(
    wav: bytes, client: httpx.Client
) -> None:
    proxy = create_proxy("siro", token=TOKEN)
    with running_proxy(proxy) as base:
        data = _signed(client, base, wav, size=len(wav))
        assert data["uploadUrl"].startswith(base + "/_tapecheck/storage/")
        assert client.put(data["uploadUrl"], headers=data["uploadHeaders"], content=wav).is_success
        stored = client.get(data["downloadUrl"])
    assert stored.content == wav
    assert codes(proxy) == []


def test_no_storage_rewrite_leaves_the_signed_url(wav: bytes, client: httpx.Client) -> None:
    proxy = create_proxy("siro", token=TOKEN, storage_rewrite=False)
    with running_proxy(proxy) as base:
        data = _signed(client, base, wav, size=len(wav))
        assert "/_tapecheck/" not in data["uploadUrl"]
        # The embedded mock is its own storage host, so the PUT still passes the proxy.
        assert client.put(data["uploadUrl"], headers=data["uploadHeaders"], content=wav).is_success
    assert codes(proxy) == []


def test_audio_put_to_a_signed_url_is_linted_as_the_manifest_says(
    wav: bytes, client: httpx.Client, tmp_path: Path
) -> None:
    """AUD007 on the PUT, exactly as `tapecheck lint` finds it on the signed-urls manifest."""
    proxy = create_proxy("siro", token=TOKEN)
    with running_proxy(proxy) as base:
        data = _signed(client, base, wav, size=len(wav) + 10)
        client.put(data["uploadUrl"], headers=data["uploadHeaders"], content=wav)
    put = proxy.traffic.log().exchanges[-1]
    got = {(f.code, f.pointer, f.message) for f in put.findings}
    (tmp_path / "content").write_bytes(wav)
    manifest = tmp_path / "signed.request.yaml"
    manifest.write_text(
        "vendor: siro\noperation: signed-urls\n"
        'headers: {x-siro-auth-token: "${SIRO_TOKEN}"}\n'
        f"body: {{fileType: wav, fileSize: {len(wav) + 10}}}\nfiles: {{audio: content}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(manifest)])
    expected = {
        (d["code"], d["pointer"], d["message"])
        for d in json.loads(result.stdout)["diagnostics"]
        if d["code"].startswith("AUD")
    }
    assert ("AUD007", "/files/audio") in {(c, p) for c, p, _m in got}
    assert got == expected


# -- flows --------------------------------------------------------------------------------------


def test_flw001_a_request_no_operation_matches(client: httpx.Client) -> None:
    proxy = create_proxy("corti", token=TOKEN)
    with running_proxy(proxy) as base:
        answer = client.post(f"{base}/interactions/x/recording", headers={"Tenant-Name": "t"})
    assert answer.status_code in (404, 405)
    (finding,) = proxy.traffic.log().exchanges[0].findings
    assert (finding.code, finding.path) == ("FLW001", "POST /v2/interactions/x/recording")


def test_flw101_corti_upload_to_a_deleted_interaction(wav: bytes, client: httpx.Client) -> None:
    proxy = create_proxy("corti", token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}", "Tenant-Name": "tenant-a"}
    with running_proxy(proxy) as base:
        created = client.post(
            f"{base}/interactions/",
            headers=headers,
            json={"encounter": {"identifier": "v", "status": "planned", "type": "consultation"}},
        ).json()["interactionId"]
        assert client.delete(f"{base}/interactions/{created}", headers=headers).is_success
        client.post(
            f"{base}/interactions/{created}/recordings/",
            headers={**headers, "Content-Type": "application/octet-stream"},
            content=wav,
        )
    last = proxy.traffic.log().exchanges[-1]
    assert ("FLW101", "/path/id") in {(f.code, f.pointer) for f in last.findings}


def test_flw102_siro_upload_of_an_unissued_download_url(client: httpx.Client) -> None:
    proxy = create_proxy("siro", token=TOKEN)
    with running_proxy(proxy) as base:
        client.post(
            f"{base}/v1/core/recordings/upload",
            headers={"x-siro-auth-token": TOKEN},
            json={"fileType": "wav", "downloadUrl": "https://storage.example.com/x.wav"},
        )
    (finding,) = proxy.traffic.log().exchanges[-1].findings
    assert (finding.code, finding.pointer, finding.severity) == (
        "FLW102",
        "/body/downloadUrl",
        "warning",
    )


def test_flw103_bota_upload_complete_before_the_put(wav: bytes, client: httpx.Client) -> None:
    proxy = create_proxy("bota", token=TOKEN)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with running_proxy(proxy) as base:
        recording = client.post(
            f"{base}/recordings",
            headers=headers,
            json={"device_id": "dev_a", "end_user_id": "eu_a", "name": "x"},
        ).json()["id"]
        client.post(
            f"{base}/recordings/{recording}/upload-url",
            headers=headers,
            json={"type": "audio", "content_type": "audio/wav", "file_size_bytes": len(wav)},
        )
        client.post(f"{base}/recordings/{recording}/upload-complete", headers=headers)
    last = proxy.traffic.log().exchanges[-1]
    assert ("FLW103", "/path/id") in {(f.code, f.pointer) for f in last.findings}


# -- the command --------------------------------------------------------------------------------


_COMMAND = [sys.executable, "-c", "from tapecheck.suite.cli import main; main()", "proxy"]


class Running:
    """``tapecheck proxy`` as a process: its base URL and its output."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        self.stdout_path = tmp_path / "stdout.txt"
        self.stderr_path = tmp_path / "stderr.txt"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [*_COMMAND, *args],
                stdout=out,
                stderr=err,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.base = self._wait_for_base()

    def _wait_for_base(self) -> str:
        deadline = time.monotonic() + 90  # a cold start on a loaded 2-core CI
        while time.monotonic() < deadline:
            for line in self.stdout_path.read_text(encoding="utf-8").splitlines():
                if "base URL " in line:
                    return line.split("base URL ", 1)[1].strip()
            if self.process.poll() is not None:
                raise AssertionError(self.stderr_path.read_text(encoding="utf-8"))
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError("tapecheck proxy printed no base URL within 90 s")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(90)
        finally:
            if self.process.poll() is None:
                self.process.kill()

    @property
    def output(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8") + self.stderr_path.read_text(
            encoding="utf-8"
        )


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for process in processes:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait(10)


def test_command_reports_findings_and_writes_every_report_without_credentials(
    started: list[Running], tmp_path: Path, client: httpx.Client, audio: AudioSamples
) -> None:
    canary = "sk_canary_" + "9d8c7b6a5f4e3d2c"
    reports = tmp_path / "reports"
    proxy = Running(
        ["corti", "--token", canary, "--report-dir", str(reports), "--format", "json"], tmp_path
    )
    started.append(proxy)
    assert proxy.base.endswith("/v2")
    headers = {"Authorization": f"Bearer {canary}", "Tenant-Name": "tenant-a"}
    created = client.post(
        f"{proxy.base}/interactions/",
        headers=headers,
        json={"encounter": {"identifier": "v", "status": "planned", "type": "consultation"}},
    ).json()["interactionId"]
    big = audio.wav(5)  # over the HAR's 64 KB: elided with its size and hash
    assert len(big) > 64 * 1024
    upload = f"{proxy.base}/interactions/{created}/recordings/?token={canary}"
    client.post(upload, headers={**headers, "Content-Type": "audio/wav"}, content=big)
    so_far = client.get(proxy.base.removesuffix("/v2") + "/_tapecheck/findings").json()
    assert {d["code"] for d in so_far["diagnostics"]} == {"COR003", "SEC001"}
    assert proxy.stop() == 1
    names = {p.name for p in reports.iterdir()}
    assert names == {"findings.json", "findings.sarif", "junit.xml", "report.html", "exchanges.har"}
    for path in reports.iterdir():
        assert canary not in path.read_text(encoding="utf-8"), path.name
    assert canary not in proxy.output
    findings = json.loads((reports / "findings.json").read_text(encoding="utf-8"))
    for diagnostic in findings["diagnostics"]:
        assert diagnostic["path"] == f"POST /v2/interactions/{created}/recordings/"
        assert diagnostic["exchange"]["index"] == 1
        assert diagnostic["exchange"]["method"] == "POST"
        assert "[REDACTED]" in diagnostic["exchange"]["url"]
    printed = [json.loads(line) for line in proxy.stdout_path.read_text().splitlines()[1:]]
    assert sorted(p["code"] for p in printed) == ["COR003", "SEC001"]
    har = json.loads((reports / "exchanges.har").read_text(encoding="utf-8"))
    assert har["log"]["version"] == "1.2"
    entries = har["log"]["entries"]
    assert len(entries) == 2
    assert entries[0]["response"]["status"] == 201
    posted = entries[1]["request"]["postData"]
    assert "text" not in posted or posted["text"] == ""
    assert str(len(big)) in posted["comment"]
    assert "sha256" in posted["comment"]
    cases = ET.parse(reports / "junit.xml").getroot().findall(".//testcase")
    assert len(cases) == 2
    assert len(cases[1].findall("failure")) == 1
    sarif = json.loads((reports / "findings.sarif").read_text(encoding="utf-8"))
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["COR003", "SEC001"]


def test_command_exits_0_on_clean_traffic(
    started: list[Running], tmp_path: Path, client: httpx.Client
) -> None:
    proxy = Running(["alpharun", "--report-dir", str(tmp_path / "r")], tmp_path)
    started.append(proxy)
    assert client.get(proxy.base + "/nothing").status_code == 404  # FLW001: an error
    assert proxy.stop(signal.SIGINT) == 1
    assert "GET /api/v1/nothing: FLW001" in proxy.output
    (tmp_path / "clean").mkdir()
    clean = Running(["alpharun"], tmp_path / "clean")
    started.append(clean)
    assert clean.stop(signal.SIGINT) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["corti", "--upstream", "http://127.0.0.1:9/v2", "--token", "x"], "--token"),
        (["corti", "--upstream", "http://127.0.0.1:9/v2"], "does not answer"),
        (["nope"], "unknown vendor"),
        (["corti", "--upstream", "ftp://example.com"], "http(s)"),
    ],
)
def test_command_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run(
        [*_COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# -- hostile traffic ----------------------------------------------------------------------------


def test_a_client_that_goes_away_mid_upload_leaves_the_proxy_serving(
    wav: bytes, client: httpx.Client
) -> None:
    import socket
    from urllib.parse import urlsplit

    proxy = create_proxy("corti", token=TOKEN)
    with running_proxy(proxy) as base:
        parts = urlsplit(base)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
            raw.sendall(
                b"POST /v2/interactions/f47ac10b-58cc-4372-a567-0e02b2c3d479/recordings/ HTTP/1.1\r\n"
                b"Host: x\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Length: 10000000\r\n\r\n" + wav[:1000]
            )
        answer = client.post(
            f"{base}/interactions/",
            headers={"Authorization": f"Bearer {TOKEN}", "Tenant-Name": "tenant-a"},
            json={"encounter": {"identifier": "v", "status": "planned", "type": "consultation"}},
        )
    assert answer.status_code == 201


def test_a_malformed_multipart_body_is_forwarded_and_judged_without_a_traceback(
    client: httpx.Client,
) -> None:
    proxy = create_proxy("crescendo", token=TOKEN)
    with running_proxy(proxy) as base:
        answer = client.post(
            f"{base}/api/v1/voc/tenants/tenant-a/recording",
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "multipart/form-data; boundary=xyz",
            },
            content=b'--xyz\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"id',
        )
    assert answer.status_code == 400
    (exchange,) = proxy.traffic.log().exchanges
    assert exchange.status == 400
    assert {f.code for f in exchange.findings} <= {"CRS001", "CRS004", "SCH001", "FLW004"}


def test_an_upstream_that_stops_answering_is_a_502_and_an_exchange(client: httpx.Client) -> None:
    app = vendor_module("corti", "mock").create_app(token=TOKEN, tenant="tenant-a")
    with running(app) as origin:
        proxy = create_proxy("corti", upstream=origin + "/v2")
    with running_proxy(proxy) as base:  # the upstream has stopped by now
        answer = client.post(f"{base}/interactions/", json={})
    assert answer.status_code == 502
    assert "did not answer" in answer.json()["error"]
    (exchange,) = proxy.traffic.log().exchanges
    assert exchange.status is None


def test_captured_bodies_are_removed_when_the_proxy_stops(
    wav: bytes, client: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    proxy = create_proxy("siro", token=TOKEN)
    with running_proxy(proxy) as base:
        FLOWS["siro"](client, base, wav, TOKEN)
        kept = list(tmp_path.glob("tapecheck-proxy-*"))
        assert len(kept) == 1  # the PUT's audio, for a later upload naming its downloadUrl
    assert list(tmp_path.glob("tapecheck-proxy-*")) == []


def _raw_post(base: str, path: str, head: bytes, body: bytes) -> bytes:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        raw.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode() + head + b"\r\n" + body)
        return raw.recv(65536)


def test_an_early_answer_to_a_client_waiting_for_100_continue_comes_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Were the proxy to wait for a body that a 100-continue client never sends, it would
    # wait this long: far past the socket's 10 s timeout, so no clock is read here.
    monkeypatch.setattr("tapecheck.suite.proxy.app._IDLE_READ_S", 120.0)
    proxy = create_proxy("corti", token=TOKEN)
    with running_proxy(proxy) as base:
        answer = _raw_post(
            base,
            "/v2/interactions/f47ac10b-58cc-4372-a567-0e02b2c3d479/recordings/",
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nTenant-Name: tenant-a\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: 5000000\r\n"
            b"Expect: 100-continue\r\n",
            b"",
        )
    assert answer.startswith(b"HTTP/1.1 404")
    (exchange,) = proxy.traffic.log().exchanges
    assert exchange.findings == []  # no body arrived: nothing to judge in it


def test_a_body_the_upstream_left_unread_is_still_checked(wav: bytes) -> None:
    proxy = create_proxy("corti", token=TOKEN)
    with running_proxy(proxy) as base:
        junk = b"\x13\x37" * 50_000
        answer = _raw_post(
            base,
            "/v2/interactions/not-a-uuid/recordings/",
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nTenant-Name: tenant-a\r\n"
            b"Content-Type: application/octet-stream\r\n"
            + f"Content-Length: {len(junk)}\r\n".encode(),
            junk,
        )
    assert answer.startswith(b"HTTP/1.1 4")
    (exchange,) = proxy.traffic.log().exchanges
    assert {f.code for f in exchange.findings} == {"COR001", "AUD005"}


def test_a_port_in_use_exits_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*_COMMAND, "corti", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert "cannot listen" in result.stderr
    assert "Traceback" not in result.stderr
