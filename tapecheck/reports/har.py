"""``exchanges.har``: the proxy's traffic as HAR 1.2, credentials redacted, big bodies elided.

Every exchange is one HAR entry. Credentials are redacted from headers, query
strings and any body text (the values of the credential headers are scrubbed
wherever they appear). A body over :data:`HAR_BODY_LIMIT` bytes, or one that is
not text, is elided: the entry keeps its size, media type and sha256 in a
comment, so a reviewer can match it to a file without the file being copied.
"""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from tapecheck.reports.redact import is_sensitive_param, redact_headers, redact_url, scrub_text
from tapecheck.reports.traffic import BodySummary, TrafficExchange, TrafficLog, log_secrets

__all__ = ["HAR_BODY_LIMIT", "traffic_to_har", "write_har"]

#: Bodies up to this many bytes are kept whole.
HAR_BODY_LIMIT = 64 * 1024


def _headers(pairs: list[tuple[str, str]], secrets: set[str]) -> list[dict[str, str]]:
    return [
        {"name": name, "value": scrub_text(value, secrets)} for name, value in redact_headers(pairs)
    ]


def _content(body: BodySummary, secrets: set[str]) -> dict[str, Any]:
    content: dict[str, Any] = {"size": body.size, "mimeType": body.media_type or ""}
    if body.text is not None and body.size <= HAR_BODY_LIMIT:
        content["text"] = scrub_text(body.text, secrets)
    elif body.size:
        content["comment"] = f"elided: {body.size} bytes, sha256 {body.sha256}"
    return content


def _entry(exchange: TrafficExchange, origin: str, secrets: set[str]) -> dict[str, Any]:
    url = redact_url(origin.rstrip("/") + exchange.url)
    query = [
        {"name": k, "value": "[redacted]" if is_sensitive_param(k) else scrub_text(v, secrets)}
        for k, v in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
    ]
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(exchange.request_headers, secrets),
        "queryString": query,
        "headersSize": -1,
        "bodySize": exchange.request_body.size,
    }
    if exchange.request_body.size:
        posted = _content(exchange.request_body, secrets)
        request["postData"] = {
            "mimeType": posted["mimeType"],
            "text": posted.get("text", ""),
            **({"comment": posted["comment"]} if "comment" in posted else {}),
        }
    response = {
        "status": exchange.status or 0,
        "statusText": "" if exchange.status else "no response from the upstream",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(exchange.response_headers, secrets),
        "content": _content(exchange.response_body, secrets),
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": exchange.response_body.size,
    }
    return {
        "startedDateTime": exchange.started,
        "time": round(exchange.duration_ms, 3),
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": round(exchange.duration_ms, 3), "receive": 0},
        "comment": "; ".join(f"{f.code} {f.pointer}".strip() for f in exchange.findings),
    }


def traffic_to_har(log: TrafficLog, *, origin: str = "http://proxy") -> dict[str, Any]:
    """The HAR 1.2 document of ``log``; URLs are shown on ``origin`` (the proxy's)."""
    secrets = log_secrets(log)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "tapecheck proxy", "version": log.tool_version},
            "entries": [_entry(e, origin, secrets) for e in log.exchanges],
        }
    }


def write_har(log: TrafficLog, stream: TextIO, *, origin: str = "http://proxy") -> None:
    json.dump(traffic_to_har(log, origin=origin), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
