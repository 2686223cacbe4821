"""The proxy's reports: every file free of credentials, HAR 1.2 with big bodies elided."""

from __future__ import annotations

import json
from pathlib import Path

from tapecheck.reports.har import HAR_BODY_LIMIT, traffic_to_har
from tapecheck.reports.model import Finding
from tapecheck.reports.traffic import BodySummary, TrafficExchange, TrafficLog, findings_document
from tapecheck.suite.cli_proxy import write_reports

CANARIES = {
    "authorization": "sk_live_canaryAAAA1111",
    "siro": "siro-canary-BBBB2222",
    "query": "query-canary-CCCC3333",
    "device": "dtok_canaryDDDD4444",
}


def _log() -> TrafficLog:
    echoed = f'{{"token": "{CANARIES["siro"]}", "note": "Bearer {CANARIES["authorization"]}"}}'
    exchanges = [
        TrafficExchange(
            method="POST",
            url=f"/v1/core/recordings/upload?bearer_token={CANARIES['query']}",
            path="/v1/core/recordings/upload",
            operation="upload",
            request_headers=[
                ("authorization", f"Bearer {CANARIES['authorization']}"),
                ("x-siro-auth-token", CANARIES["siro"]),
                ("content-type", "application/json"),
            ],
            request_body=BodySummary(size=len(echoed), sha256="0" * 64, text=echoed),
            status=400,
            response_headers=[("content-type", "application/json")],
            response_body=BodySummary(size=len(echoed), sha256="1" * 64, text=echoed),
            started="2026-12-06T04:00:00.000+00:00",
            findings=[
                Finding(
                    path="POST /v1/core/recordings/upload",
                    code="SEC001",
                    severity="warning",
                    message=f"credential {CANARIES['query']} in the query",
                    pointer="/query/bearer_token",
                )
            ],
        ),
        TrafficExchange(
            method="PUT",
            url="/_tapecheck/storage/k",
            path="/_tapecheck/storage/k",
            request_headers=[("authorization", f"Bearer {CANARIES['device']}")],
            request_body=BodySummary(size=HAR_BODY_LIMIT + 1, sha256="2" * 64),
            status=200,
            index=1,
        ),
    ]
    return TrafficLog(vendor="siro", target="embedded", tool_version="0", exchanges=exchanges)


def test_no_credential_in_any_report(tmp_path: Path) -> None:
    write_reports(_log(), tmp_path, origin="http://127.0.0.1:1")
    assert len(list(tmp_path.iterdir())) == 5
    for path in tmp_path.iterdir():
        text = path.read_text(encoding="utf-8")
        for name, canary in CANARIES.items():
            assert canary not in text, (path.name, name)


def test_har_is_1_2_with_big_bodies_elided_by_size_and_hash() -> None:
    har = traffic_to_har(_log(), origin="http://127.0.0.1:1")
    assert har["log"]["version"] == "1.2"
    first, second = har["log"]["entries"]
    assert first["request"]["url"].startswith("http://127.0.0.1:1/v1/core/recordings/upload?")
    assert first["response"]["content"]["text"]  # small JSON kept (scrubbed)
    posted = second["request"]["postData"]
    assert posted["text"] == ""
    assert f"{HAR_BODY_LIMIT + 1} bytes, sha256 {'2' * 64}" in posted["comment"]
    for entry in har["log"]["entries"]:
        for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
            assert key in entry


def test_findings_document_names_the_exchange() -> None:
    document = findings_document(_log())
    assert document["summary"] == {
        "files": 2,
        "exchanges": 2,
        "errors": 0,
        "warnings": 1,
        "upstream_deviations": 0,
        "dropped_exchanges": 0,
    }
    (diagnostic,) = document["diagnostics"]
    assert diagnostic["exchange"]["index"] == 0
    assert diagnostic["exchange"]["url"] == ("/v1/core/recordings/upload?bearer_token=[REDACTED]")
    assert CANARIES["query"] not in json.dumps(document)
