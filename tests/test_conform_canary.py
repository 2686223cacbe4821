"""A canary credential given on the command line appears in no report, log or output.

The target below is hostile: it echoes the Authorization header and the query
string back in every error body and header, as a careless server might.
"""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

CANARY = "canary-SECRET-9f3b2c"


class EchoingCrescendo(CrescendoMock):
    """Answers every error with the caller's credential in the body and a header."""

    def authenticate(self, request: Request, operation_id: str) -> str:
        self.last_seen = f"{request.headers.get('authorization')} {request.url.query}"
        return super().authenticate(request, operation_id)

    def error_response(self, error: MockError) -> Response:
        seen = getattr(self, "last_seen", "")
        return JSONResponse(
            {"code": "BadRequest", "message": f"{error} (you sent {seen})"},
            status_code=error.status,
            headers={"X-Echo": seen.strip()},  # h11 refuses a value ending in a space
        )


def test_the_canary_token_never_leaves_the_process(
    tmp_path: Path, loopback: Callable[[Any], str]
) -> None:
    app = EchoingCrescendo(token=CANARY, tenant="tenant-a").create_app()
    base_url = loopback(app) + base_path(load_spec("crescendo"))
    reports = tmp_path / "reports"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapecheck",
            "conform",
            "crescendo",
            "--base-url",
            base_url,
            "--token",
            CANARY,
            "--tenant",
            "tenant-a",
            "--quick",
            "--seed",
            "7",
            "--report-dir",
            str(reports),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["target"] == base_url
    assert {"report.json", "junit.xml", "report.html"} <= {p.name for p in reports.iterdir()}
    # The echoing target fails some requirements, so failing exchanges are in the reports.
    assert any(r["failures"] for r in report["requirements"])
    assert CANARY not in result.stdout
    assert CANARY not in result.stderr
    for path in reports.rglob("*"):  # the reports and the files of the reproduce commands
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path.name


# -- every encoding of every credential ---------------------------------------------

#: Credentials with the characters whose encodings differ (``/``, ``+``, ``=``, ``~``).
TOKEN = "sk_test_canary/SECRET+9f3b=2c~x"
DEVICE_TOKEN = "dtok_canary/DEVICE+77ab=1~q"


def _forms(secret: str) -> list[str]:
    """Every encoding issue 14 lists, made with the standard library."""
    raw = secret.encode()
    percent = quote(secret, safe="")
    forms = [
        secret,
        percent,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), percent),
        quote_plus(secret.replace("~", " "), safe=""),  # a space, sent as +
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
        raw.hex().upper(),
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
    ]
    for lead in range(3):  # inside a longer base64 string, at each alignment
        forms.append(base64.b64encode(b"<" * lead + raw + b">>").decode())
        forms.append(base64.urlsafe_b64encode(b"?" * lead + raw + b"??").decode())
    return forms


def _base64_core(raw: bytes, lead: int, encode: Callable[[bytes], bytes]) -> str:
    """The characters of ``raw`` at ``lead`` bytes into a longer base64 string (two surroundings agree)."""
    one = encode(b"A" * lead + raw + b"AA").decode()
    two = encode(b"\xff" * lead + raw + b"\xff\xff").decode()
    start = next(i for i, (a, b) in enumerate(zip(one, two, strict=True)) if a == b)
    end = len(one) - next(
        i for i, (a, b) in enumerate(zip(one[::-1], two[::-1], strict=True)) if a == b
    )
    return one[start:end]


def _leaked(text: str, secret: str) -> list[str]:
    raw = secret.encode()
    plain = [f for f in _forms(secret)[:12] if not f.startswith(base64.b64encode(raw[:3]).decode())]
    cores = [
        _base64_core(raw, lead, encode)
        for lead in range(3)
        for encode in (base64.b64encode, base64.urlsafe_b64encode)
    ]
    return [form for form in [*plain, *cores] if form in text]


class EchoEverything:
    """ASGI middleware: every answer carries every encoding of the credential it was sent.

    In headers always, and as the whole body of every error (which breaks the
    error shape, so failures, with their exchanges, reach the reports).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        seen = [headers.get("authorization", "").removeprefix("Bearer ").strip()]
        seen += parse_qs(scope.get("query_string", b"").decode()).get("bearer_token", [])
        forms = [form for secret in seen if secret for form in _forms(secret)]
        replaced = False

        async def echo(message: Any) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                extra = [(f"x-echo-{i}".encode(), f.encode()) for i, f in enumerate(forms)]
                if message["status"] >= 400 and forms:
                    replaced = True
                    body = json.dumps({"message": "you sent " + " ".join(forms), "echo": forms})
                    message = {
                        **message,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body.encode())).encode()),
                            *extra,
                        ],
                    }
                    await send(message)
                    await send({"type": "http.response.body", "body": body.encode()})
                    return
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif message["type"] == "http.response.body" and replaced:
                return
            await send(message)

        await self.app(scope, receive, echo)


@pytest.mark.parametrize(
    ("vendor", "tenant", "device_token"),
    [("crescendo", "tenant-a", None), ("bota", "tenant-a", DEVICE_TOKEN)],
)
def test_no_encoding_of_any_credential_leaves_the_process(
    tmp_path: Path,
    loopback: Callable[[Any], str],
    vendor: str,
    tenant: str,
    device_token: str | None,
) -> None:
    from tapecheck.suite.vendors import vendor_module

    app = vendor_module(vendor, "mock").create_app(token=TOKEN, tenant=tenant)
    base_url = loopback(EchoEverything(app)) + base_path(load_spec(vendor))
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "tapecheck", "conform", vendor, "--base-url", base_url]
    command += ["--token", TOKEN, "--tenant", tenant, "--quick", "--seed", "7"]
    command += ["--report-dir", str(reports), "--format", "json"]
    if device_token:
        command += ["--device-token", device_token]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    failures = [f for r in report["requirements"] for f in r["failures"] if f.get("response")]
    assert failures  # the echoing target fails requirements: exchanges reach the reports
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    texts["stdout (parsed)"] = json.dumps(report, ensure_ascii=False).replace("\\\\", "\\")
    for path in reports.iterdir():
        if path.is_dir():  # reproduce/: the files the commands send (the run's own audio)
            assert not any(
                CANARY.encode() in f.read_bytes() for f in path.rglob("*") if f.is_file()
            )
            continue
        text = path.read_text(encoding="utf-8")
        texts[path.name] = text
        texts[f"{path.name} (unescaped)"] = html.unescape(text)
    parsed = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    texts["report.json (parsed)"] = json.dumps(parsed, ensure_ascii=False).replace("\\\\", "\\")
    secrets = [TOKEN] + ([device_token] if device_token else [])
    leaks = {
        (name, secret): found
        for name, text in texts.items()
        for secret in secrets
        if (found := _leaked(text, secret))
    }
    assert leaks == {}
