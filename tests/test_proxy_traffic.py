"""What the proxy remembers: exchanges numbered as requests arrived, bounded, exact totals.

And whose fault a finding is: a response off the spec is the upstream's
deviation (the vendor's), reported apart and never failing the team's client.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from tapecheck.reports.model import Finding
from tapecheck.reports.traffic import TrafficExchange, findings_document, traffic_to_junit
from tapecheck.reports.traffic_html import traffic_to_html
from tapecheck.suite.mocks.server import running
from tapecheck.suite.proxy.service import create_proxy, running_proxy
from tapecheck.suite.proxy.traffic import Traffic

TOKEN = "test-token"


class _Upstream:
    """An upstream that holds its answer to ``/v2/slow`` until the test releases it."""

    def __init__(self) -> None:
        self.slow_arrived = threading.Event()
        self.release = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].endswith("/slow"):
            self.slow_arrived.set()
            for _ in range(3000):  # bounded: 30 s at most
                if self.release.is_set():
                    break
                await asyncio.sleep(0.01)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"ok": true}'})


def test_exchanges_are_numbered_in_the_order_their_requests_arrived() -> None:
    upstream = _Upstream()
    with running(upstream) as origin:
        proxy = create_proxy("corti", upstream=origin + "/v2")
        with (
            running_proxy(proxy) as base,
            httpx.Client(timeout=60) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            slow = pool.submit(client.get, f"{base}/slow")
            try:
                assert upstream.slow_arrived.wait(30), "the first request never reached upstream"
                # The second request is answered (and recorded) while the first still waits.
                assert client.get(f"{base}/fast").status_code == 200
            finally:
                upstream.release.set()
            assert slow.result(timeout=60).status_code == 200
    exchanges = proxy.traffic.log().exchanges
    assert [(e.index, e.path) for e in exchanges] == [(0, "/v2/slow"), (1, "/v2/fast")]
    references = [d["exchange"] for d in findings_document(proxy.traffic.log())["diagnostics"]]
    assert [(r["index"], r["url"]) for r in references] == [(0, "/v2/slow"), (1, "/v2/fast")]


def _exchange(number: int, *findings: Finding) -> TrafficExchange:
    return TrafficExchange(
        method="GET", url=f"/v2/x/{number}", path=f"/v2/x/{number}", findings=list(findings)
    )


def _finding(code: str, severity: Any, pointer: str = "/headers/Authorization") -> Finding:
    return Finding(path="GET /v2/x", code=code, severity=severity, message="m", pointer=pointer)


def test_the_exchanges_kept_are_bounded_and_the_totals_stay_exact() -> None:
    traffic = Traffic(vendor="corti", target="embedded", max_exchanges=3)
    for number in range(10):
        index = traffic.reserve_index()
        exchange = _exchange(number, _finding("SEC004", "error"), _finding("FLW002", "warning"))
        exchange.index = index
        traffic.add(exchange)
    log = traffic.log()
    assert [e.index for e in log.exchanges] == [7, 8, 9]  # the last ones
    assert (log.dropped, log.errors, log.warnings, log.total) == (7, 10, 10, 10)
    assert traffic.errors == 10
    document = findings_document(log)
    assert document["summary"]["exchanges"] == 10
    assert document["summary"]["dropped_exchanges"] == 7
    assert (document["summary"]["errors"], document["summary"]["warnings"]) == (10, 10)
    assert len(document["diagnostics"]) == 6  # only the kept exchanges' findings are listed
    assert "7 earlier exchanges" in traffic_to_html(log)


def test_a_response_off_the_spec_is_the_upstreams_deviation_not_the_clients_error() -> None:
    # The Corti mock's create-interaction answered with a body off its schema.
    async def deviant(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"interactionId": 7}'})

    with running(deviant) as origin:
        proxy = create_proxy("corti", upstream=origin + "/v2")
        with running_proxy(proxy) as base, httpx.Client(timeout=30) as client:
            answer = client.post(
                f"{base}/interactions/",
                headers={"Authorization": f"Bearer {TOKEN}", "Tenant-Name": "tenant-a"},
                json={
                    "encounter": {"identifier": "v", "status": "planned", "type": "consultation"}
                },
            )
    assert answer.status_code == 201
    log = proxy.traffic.log()
    ((_exchange_seen, finding),) = log.upstream_findings
    assert (finding.code, finding.severity) == ("FLW003", "warning")
    assert log.errors == 0  # the client did nothing wrong
    document = findings_document(log)
    assert document["summary"]["upstream_deviations"] == 1
    assert [d["about"] for d in document["diagnostics"]] == ["upstream"]
    assert "upstream deviations" in traffic_to_html(log).lower()


def test_the_junit_case_of_an_exchange_is_not_failed_by_the_upstreams_deviation(
    tmp_path: Path,
) -> None:
    traffic = Traffic(vendor="corti", target="embedded")
    exchange = _exchange(0, _finding("FLW003", "warning", pointer="/response/body"))
    exchange.index = traffic.reserve_index()
    traffic.add(exchange)
    out = tmp_path / "junit.xml"
    with out.open("w", encoding="utf-8") as stream:
        traffic_to_junit(traffic.log(), stream)
    text = out.read_text(encoding="utf-8")
    assert 'failures="0"' in text
    assert "upstream" in text
