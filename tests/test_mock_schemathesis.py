"""schemathesis against each reference mock: no 5xx, no response that breaks the spec.

Every phase runs (examples, coverage, fuzzing and the stateful phase on the
links schemathesis infers), in positive and negative modes, in-process through
schemathesis's ASGI transport, with exactly the five response checks
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
``response_headers_conformance`` and ``response_schema_conformance``.

Two things schemathesis cannot know are supplied, never to weaken the mock:

- ids that exist: Crescendo's status runs on a job made before the run starts
  (as ``--param`` would give against a sandbox), because no link leads from the
  upload's ``id`` to the status path's ``jobId``; Corti's ids come from the
  stateful phase, which follows what creating an interaction returns;
- audio: a generated binary part is random bytes, which every mock refuses
  with its documented 400. In *positive* cases only, the audio is replaced by a
  real WAV (and Crescendo's ``metadata`` string by a JSON object with a valid
  ``id`` when the generated one is not), so the success paths are exercised;
  negative cases go out exactly as generated.

The default run uses a few examples per operation; the full run (200 per
operation, all phases) is marked ``slow``: ``tox -e slow`` or
``.venv/bin/pytest -m slow tests/test_mock_schemathesis.py``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tapecheck.suite.mocks.fuzz import FuzzReport, fuzz_app
from tapecheck.suite.mocks.vendor import VendorMock
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.alpharun.mock import AlpharunMock
from tapecheck.suite.vendors.corti.mock import CortiMock
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

TOKEN = "test-token"
TENANT = "tenant-a"
VENDORS = ("corti", "crescendo", "alpharun")


@dataclass(frozen=True)
class Setup:
    """What one vendor's run needs besides the spec: credentials and ids that exist."""

    headers: dict[str, str]
    parameters: dict[str, str] = field(default_factory=dict)
    operations: list[dict[str, Any]] = field(default_factory=list)


def _wav() -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buffer.getvalue()


WAV = _wav()


def corti_setup(mock: VendorMock, app: Any) -> Setup:
    # No ids are fixed: fuzzing sends fresh UUIDs (400/404), and the stateful
    # phase follows the ids that creating an interaction and uploading return.
    return Setup(headers={"Authorization": f"Bearer {TOKEN}", "Tenant-Name": TENANT})


def crescendo_setup(mock: VendorMock, app: Any) -> Setup:
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def seed() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://seed") as client:
            accepted = await client.post(
                f"/api/v1/voc/tenants/{TENANT}/recording",
                headers=headers,
                files=[
                    ("metadata", (None, '{"id": "seed"}')),
                    ("audio", ("seed.wav", WAV, "audio/wav")),
                ],
            )
            return str(accepted.json()["id"])

    job = asyncio.run(seed())
    return Setup(
        headers=headers,
        parameters={"tenantId": TENANT},
        operations=[{"include-operation-id": "status", "parameters": {"jobId": job}}],
    )


def alpharun_setup(mock: VendorMock, app: Any) -> Setup:
    return Setup(headers={"Authorization": f"Bearer {TOKEN}"})


SETUPS: dict[str, tuple[Callable[[], VendorMock], Callable[[VendorMock, Any], Setup]]] = {
    "corti": (CortiMock, corti_setup),
    "crescendo": (CrescendoMock, crescendo_setup),
    "alpharun": (AlpharunMock, alpharun_setup),
}


def real_audio(vendor: str) -> Callable[[Any], Any]:
    """``real_cases["upload"]``: a positive upload case carries a real WAV (and valid metadata)."""
    operation = load_spec(vendor).operation("upload")
    audio = operation.audio or {}
    parts = list(audio.get("parts", ()))
    charset = re.compile(str(operation.ext.get("id-charset", {}).get("pattern", ".*")))

    def make_real(case: Any) -> Any:
        if audio.get("location") == "content":
            case.body = WAV
        elif isinstance(case.body, dict):
            for name in parts:
                if name in case.body:
                    case.body[name] = WAV
            if "metadata" in case.body and not _valid_metadata(case.body["metadata"], charset):
                case.body["metadata"] = json.dumps({"id": f"st-{abs(hash(case.id)) % 10**8}"})
        return case

    return make_real


def _valid_metadata(value: Any, charset: re.Pattern[str]) -> bool:
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return (
        isinstance(parsed, dict)
        and isinstance(parsed.get("id"), str)
        and bool(charset.search(parsed["id"]))
    )


def run_schemathesis(vendor: str, *, examples: int, reuse_responses: bool = True) -> FuzzReport:
    """One run against a fresh mock; ``reuse_responses`` draws ids from earlier responses."""
    make_mock, make_setup = SETUPS[vendor]
    mock = make_mock()
    app = mock.create_app()
    setup = make_setup(mock, app)
    try:
        return fuzz_app(
            app,
            load_spec(vendor),
            headers=setup.headers,
            max_examples=examples,
            seed=1,
            parameters=setup.parameters,
            operations=setup.operations,
            real_cases={"upload": real_audio(vendor)},
            reuse_responses=reuse_responses,
        )
    finally:
        mock.close()


def assert_clean(vendor: str, report: FuzzReport) -> None:
    assert report.ok, report.summary()
    assert not [key for key in report.statuses if key[1] >= 500]
    operations = {op.method.upper() + " " + op.path for op in load_spec(vendor).operations.values()}
    assert operations <= set(report.requests), f"untested: {operations - set(report.requests)}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_schemathesis_finds_nothing(vendor: str) -> None:
    assert_clean(vendor, run_schemathesis(vendor, examples=15))


@pytest.mark.slow
@pytest.mark.parametrize("vendor", VENDORS)
def test_schemathesis_full_run_finds_nothing(
    vendor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """All phases, 200 examples per operation: once as generated, once reusing response ids.

    Reusing ids reaches the success paths (a real interaction to delete), but a
    pool of known ids is small, so Hypothesis exhausts it in a few examples; the
    run without reuse is the one that sends at least 200 cases to every operation.
    """
    generated = run_schemathesis(vendor, examples=200, reuse_responses=False)
    reused = run_schemathesis(vendor, examples=200, reuse_responses=True)
    with capsys.disabled():
        print(f"\n{vendor}, as generated: {generated.summary()}")
        print(f"{vendor}, reusing ids: {reused.summary()}")
    for report in (generated, reused):
        assert_clean(vendor, report)
    assert min(generated.requests.values()) >= 200, generated.requests
    successes = generated.succeeded() | reused.succeeded()
    assert successes == set(generated.requests), f"no 2xx for {set(generated.requests) - successes}"
