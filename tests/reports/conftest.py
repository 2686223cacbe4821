"""The shared fixtures every writer's golden file is built from.

One lint result and one conformance run, rich enough to exercise each writer:
every severity, a file without findings, an audio finding without a position,
characters that need escaping in every format (``%``, ``,``, ``:``, ``<``, ``&``,
quotes, a newline, a control character), a passed, a failed and a skipped
requirement, and exchanges carrying a fake credential that must never reach a
report.
"""

from __future__ import annotations

import pytest

from tapecheck.reports.model import (
    Exchange,
    Finding,
    LintResult,
    RequirementResult,
    RuleDoc,
    Run,
    Verdict,
)

#: The fake credential the run's exchanges carry; no run writer may print it.
CANARY = "canary-SECRET-123"

_C1 = "calls/c1.request.yaml"
_SIRO = "calls/siro, 100%: retry.request.yaml"
_CLEAN = "calls/clean.request.yaml"
_AUDIO = "audio/empty.wav"


def _doc(code: str, name: str, severity: str, summary: str, why: str) -> RuleDoc:
    explanation = (
        f"## What it does\n{summary}.\n\n## Why is this bad?\n{why}\n\n"
        f"## Example\n```yaml\nvendor: crescendo  # {name}\n```\n"
    )
    return RuleDoc(
        code=code,
        name=name,
        severity=severity,  # type: ignore[arg-type]
        summary=summary,
        explanation=explanation,
    )


def make_lint_result() -> LintResult:
    """Four files linted: two with findings, one clean manifest, one empty audio file."""
    findings = [
        Finding(_AUDIO, "AUD006", "error", "the audio is empty (0 bytes)", pointer=""),
        Finding(
            _C1,
            "SEC001",
            "warning",
            "the credential travels in the query string (bearer_token)",
            pointer="/query/bearer_token",
            line=4,
            column=3,
        ),
        Finding(
            _C1,
            "CRS003",
            "error",
            "metadata.id 'call 123/x' has a character other than letters, digits, '.', '-', '_'",
            pointer="/body/metadata/id",
            line=7,
            column=9,
            fix="Use only ASCII letters, digits, '.', '-' and '_'",
        ),
        Finding(
            _C1,
            "SCH006",
            "warning",
            "property 'note' is not defined by the spec",
            pointer="/body/note",
            line=12,
            column=3,
        ),
        Finding(
            _SIRO,
            "SCH001",
            "error",
            'required field "fileType" is missing: <body> & friends\nsee the 100% list',
            pointer="/body/fileType",
            line=5,
            column=3,
        ),
        Finding(
            _SIRO,
            "SIR001",
            "info",
            "customerPhone is ignored beside crmObjects",
            pointer="/body/customerPhone",
            line=8,
            column=18,
        ),
        Finding(
            _SIRO,
            "SIR001",
            "info",
            "customerName is ignored beside crmObjects\x07",
            pointer="/body/customerName",
            line=9,
            column=17,
        ),
    ]
    rules = [
        _doc(
            "MAN001",
            "manifest-not-parsed",
            "error",
            "The manifest does not parse",
            "Nothing can be checked.",
        ),
        _doc(
            "SCH001",
            "missing-required",
            "error",
            "A required value is missing",
            "The vendor answers 400.",
        ),
        _doc(
            "SCH006",
            "undefined-property",
            "warning",
            "A body property the spec does not define",
            "It is ignored or refused.",
        ),
        _doc("AUD006", "empty-audio", "error", "The audio is empty", "An empty upload is refused."),
        _doc(
            "SEC001",
            "credential-in-query",
            "warning",
            "A credential travels in the query string",
            "URLs are logged.",
        ),
        _doc(
            "CRS003",
            "metadata-id-charset",
            "error",
            "metadata.id has a forbidden character",
            "Crescendo rejects it.",
        ),
        _doc(
            "SIR001",
            "ignored-customer-fields",
            "info",
            "Customer fields ignored beside crmObjects",
            "They are dropped silently.",
        ),
    ]
    return LintResult(
        findings=findings,
        files=4,
        rules=rules,
        tool_version="0.1.0",
        paths=[_AUDIO, _C1, _CLEAN, _SIRO],
    )


_BASE = "https://platform.crescendo.ai"
_UPLOAD = f"{_BASE}/v1/tenants/tenant-a/recordings"


def make_run() -> Run:
    """A Crescendo run: two passed (one flaky), a must failed, a should failed (an advisory,
    without a response), one skipped, a should in error."""
    accepted = Exchange(
        request={
            "method": "POST",
            "url": f"{_UPLOAD}?bearer_token={CANARY}&dry_run=1",
            "headers": {
                "Authorization": f"Bearer {CANARY}",
                "Content-Type": "multipart/form-data; boundary=tapecheck",
                "Cookie": f"session={CANARY}",
            },
        },
        response={
            "status": 201,
            "headers": [
                ("Content-Type", "application/json"),
                ("Set-Cookie", f"sid={CANARY}; Path=/; HttpOnly"),
                ("Set-Cookie", "theme=dark; Path=/"),
            ],
            "body": '{"id": "call 123/x", "status": "accepted", "echo": "Bearer ' + CANARY + '"}',
        },
    )
    html_error = Exchange(
        request={
            "method": "POST",
            "url": _UPLOAD,
            "headers": {"x-siro-auth-token": CANARY, "Content-Type": "application/json"},
            "body": '{"metadata": {"id": ""}}',
        },
        response={
            "status": 500,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "body": "<html><body><h1>Internal error</h1><p>"
            + "stack & trace " * 400
            + "</p></body></html>",
        },
    )
    too_large = Exchange(
        request={
            "method": "POST",
            "url": _UPLOAD,
            "headers": {"Authorization": f"Bearer {CANARY}", "Content-Length": "25000001"},
        },
        response=None,
    )
    requirements = [
        RequirementResult(
            id="CRS-AUTH-001",
            title="An upload without a credential is refused with 401 or 403",
            status="passed",
            source='Crescendo API, Authentication: "Every request carries an Authorization header with a Bearer token."',
            checks=("status_code", "json_error_body"),
            duration_s=0.412,
        ),
        RequirementResult(
            id="CRS-META-003",
            title="A metadata.id outside [A-Za-z0-9._-] is rejected",
            status="failed",
            source="Crescendo API, Upload: \"metadata.id may contain letters, digits, '.', '-' and '_' only.\"",
            failures=[
                Verdict(
                    check="status_code",
                    message=f"expected 400 or 422 for invalid data, got 201 (sent Bearer {CANARY})",
                    exchange=accepted,
                    reproduce=(
                        "curl -sS -X POST "
                        "'https://platform.crescendo.ai/v1/tenants/tenant-a/recordings' "
                        "-H 'Authorization: Bearer ${TAPECHECK_TOKEN}' "
                        "-F 'audio=@reproduce/audio-1.mp3;type=audio/mpeg' "
                        """--form-string 'metadata={"id": "call 123/x"}'"""
                    ),
                ),
                Verdict(
                    check="json_error_body",
                    message="the error body is not JSON: text/html",
                    exchange=html_error,
                    severity="warning",
                ),
            ],
            checks=("status_code", "json_error_body"),
            duration_s=1.25,
        ),
        RequirementResult(
            id="CRS-SIZE-001",
            title="Audio over 25 MB is refused with 400 or 413",
            status="failed",
            level="should",
            source='Crescendo API, Limits: "Audio files up to 25 MB."',
            failures=[
                Verdict(
                    check="size_limit",
                    message="the connection closed before a response\nafter 25,000,001 bytes",
                    exchange=too_large,
                ),
            ],
            checks=("size_limit",),
            duration_s=3.5,
        ),
        RequirementResult(
            id="CRS-FMT-002",
            title="An mp3 and a wav upload are both accepted",
            status="skipped",
            source='Crescendo API, Upload: "Supported formats: mp3, wav."',
            reason="needs --param playbook_id against a real sandbox",
        ),
        RequirementResult(
            id="CRS-META-001",
            title="A metadata without id is rejected",
            status="passed",
            source="",
            checks=("status_code",),
            duration_s=0.2,
            flaky=True,
            failures=[Verdict(check="status_code", message="expected 400, got 502")],
        ),
        RequirementResult(
            id="CRS-JOB-001",
            title="A job reaches a terminal status",
            status="error",
            level="should",
            source="Crescendo's docs do not say how soon a job completes; a reasonable expectation.",
            reason="no answer in time: GET /status (ReadTimeout)",
        ),
    ]
    return Run(
        vendor="crescendo",
        target=_BASE,
        seed=20240611,
        tool_version="0.1.0",
        spec_sha256="3f1c9e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a3928171605f4e3",
        requirements=requirements,
        started_at="2025-01-15T10:30:00Z",
        duration_s=12.345,
        examples=25,
    )


@pytest.fixture
def lint_result() -> LintResult:
    return make_lint_result()


@pytest.fixture
def run() -> Run:
    return make_run()


@pytest.fixture
def canary() -> str:
    return CANARY
