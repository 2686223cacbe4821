"""Redaction and body cutting: what keeps reports free of credentials and small."""

from __future__ import annotations

import json

import pytest

from tapecheck.reports import REDACTED, cut_body, redact_headers, redact_run, redact_url
from tapecheck.reports.model import Exchange, RequirementResult, Run, Verdict
from tapecheck.reports.redact import collect_secrets, is_sensitive_header, scrub_text


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "x-siro-auth-token",
        "X-SIRO-AUTH-TOKEN",
        "Cookie",
        "Set-Cookie",
        "X-Api-Key",
        "X-Client-Secret",
        "X-Device-Token",
    ],
)
def test_credential_headers_are_sensitive(name: str) -> None:
    assert is_sensitive_header(name)


@pytest.mark.parametrize("name", ["Content-Type", "Tenant-Name", "Content-Length", "Accept"])
def test_ordinary_headers_are_kept(name: str) -> None:
    assert not is_sensitive_header(name)
    assert redact_headers({name: "value"}) == {name: "value"}


def test_redact_headers_keeps_the_scheme_of_an_authorization() -> None:
    headers = {
        "Authorization": "Bearer abc.def-123",
        "x-siro-auth-token": "tok-1234",
        "Cookie": "session=s3cr3t; theme=dark",
        "Content-Type": "application/json",
        "X-Api-Key": "",
    }
    assert redact_headers(headers) == {
        "Authorization": f"Bearer {REDACTED}",
        "x-siro-auth-token": REDACTED,
        "Cookie": REDACTED,
        "Content-Type": "application/json",
        "X-Api-Key": "",
    }
    assert headers["Authorization"] == "Bearer abc.def-123"  # the input is not changed


def test_redact_headers_keeps_repeated_headers_in_order() -> None:
    pairs = [("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("Set-Cookie", "b=2")]
    assert redact_headers(pairs) == [
        ("Set-Cookie", REDACTED),
        ("Content-Type", "text/plain"),
        ("Set-Cookie", REDACTED),
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.siro.ai/v1/x?bearer_token=abc123&page=2",
            f"https://api.siro.ai/v1/x?bearer_token={REDACTED}&page=2",
        ),
        ("https://h/p?token=t1&key=k1", f"https://h/p?token={REDACTED}&key={REDACTED}"),
        ("https://h/p?api_key=k&name=a%20b", f"https://h/p?api_key={REDACTED}&name=a%20b"),
        (
            "https://bucket.s3.amazonaws.com/a.mp3?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=ff00",
            f"https://bucket.s3.amazonaws.com/a.mp3?X-Amz-Credential={REDACTED}&X-Amz-Signature={REDACTED}",
        ),
        ("https://user:pa55@h/p", f"https://user:{REDACTED}@h/p"),
        ("https://h/cb#access_token=xyz&state=1", f"https://h/cb#access_token={REDACTED}&state=1"),
        ("https://h/p?token=", "https://h/p?token="),
        ("https://platform.crescendo.ai", "https://platform.crescendo.ai"),
        ("embedded", "embedded"),
        ("", ""),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", f"sent Bearer {REDACTED}"),
        ("Authorization: Basic dXNlcjpwYXNz", f"Authorization: Basic {REDACTED}"),
        ('{"access_token": "abc", "id": "r1"}', f'{{"access_token": "{REDACTED}", "id": "r1"}}'),
        ("see https://h/p?token=abc&x=1 now", f"see https://h/p?token={REDACTED}&x=1 now"),
        ("device dtok_live1234 refused", f"device dtok_{REDACTED} refused"),
        ("key sk_test_51Habcdef", f"key sk_test_{REDACTED}"),
    ],
)
def test_scrub_text_finds_credentials_by_shape(text: str, expected: str) -> None:
    assert scrub_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "expected a Bearer token in the Authorization header",
        "Authorization: header missing",
        "expected 401 or 403 for a missing credential, got 200",
        "metadata.id 'call-123' is fine; token count 3",
        '{"status": "accepted", "id": "call-123"}',
    ],
)
def test_scrub_text_leaves_prose_alone(text: str) -> None:
    assert scrub_text(text) == text


def test_scrub_text_wipes_known_secrets_anywhere() -> None:
    assert scrub_text("echo: my-secret-value!", {"my-secret-value"}) == f"echo: {REDACTED}!"
    assert scrub_text("abc", {"abc"}) == "abc"  # too short to scrub safely


def _run_with(exchange: Exchange, message: str = "failed") -> Run:
    verdict = Verdict(check="status_code", message=message, exchange=exchange)
    requirement = RequirementResult(id="X-1", title="t", status="failed", failures=[verdict])
    return Run(
        vendor="siro",
        target="https://api.siro.ai",
        seed=1,
        tool_version="0.1.0",
        spec_sha256="0" * 64,
        requirements=[requirement],
    )


def test_redact_run_wipes_a_credential_the_suite_forgot() -> None:
    secret = "zz-token-98765"
    run = _run_with(
        Exchange(
            request={
                "method": "POST",
                "url": f"https://api.siro.ai/v1/signed-urls?bearer_token={secret}",
                "headers": {"x-siro-auth-token": secret},
                "body": {"fileType": "mp3", "auth": {"api_key": "k-123456"}},
            },
            response={"status": 401, "headers": {}, "body": f"bad token {secret}".encode()},
        ),
        message=f"the server echoed {secret}",
    )
    assert secret in collect_secrets(run)
    redacted = redact_run(run)
    assert secret not in repr(redacted)
    assert "k-123456" not in repr(redacted)
    assert secret in repr(run)  # the original is untouched
    (verdict,) = redacted.requirements[0].failures
    assert verdict.message == f"the server echoed {REDACTED}"
    assert verdict.exchange is not None
    assert verdict.exchange.response is not None
    assert verdict.exchange.response["body"] == f"bad token {REDACTED}"
    assert verdict.exchange.request["body"] == {"fileType": "mp3", "auth": {"api_key": REDACTED}}


def test_redact_run_is_idempotent(run: Run) -> None:
    once = redact_run(run)
    assert redact_run(once) == once


def test_redact_run_keeps_binary_bodies_out_of_reach() -> None:
    run = _run_with(
        Exchange(
            request={"method": "PUT", "url": "https://h/u", "body": b"\xff\xfe\x00"}, response=None
        )
    )
    (verdict,) = redact_run(run).requirements[0].failures
    assert verdict.exchange is not None
    assert cut_body(verdict.exchange.request["body"]) == "<3 bytes of binary data>"


# -- cut_body ----------------------------------------------------------------------


def test_cut_body_keeps_a_short_body() -> None:
    assert cut_body(None) is None
    assert cut_body("") == ""
    assert cut_body("x" * 4096) == "x" * 4096
    assert cut_body(b'{"a": 1}') == '{"a": 1}'
    assert json.loads(cut_body({"a": [1, "é"]}) or "") == {"a": [1, "é"]}


@pytest.mark.parametrize("text", ["x" * 10_000, "é" * 3000, "🎙" * 2000, "a" + "€" * 5000])
def test_cut_body_cuts_to_the_limit_without_splitting_a_character(text: str) -> None:
    cut = cut_body(text)
    assert cut is not None
    size = len(text.encode("utf-8"))
    assert len(cut.encode("utf-8")) <= 4096
    assert cut.endswith(f"[... cut: {size} bytes in all]")
    head = cut.rpartition("\n[... cut:")[0]
    assert text.startswith(head)
    assert len(head.encode("utf-8")) > 4000


def test_cut_body_honours_a_small_limit() -> None:
    assert cut_body("abcdef", limit=3) == "abc"
    assert len((cut_body("y" * 100, limit=50) or "").encode()) <= 50
