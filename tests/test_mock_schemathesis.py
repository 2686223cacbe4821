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
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.mocks.vendor import VendorMock
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.alpharun.mock import AlpharunMock
from tapecheck.suite.vendors.corti.mock import CortiMock
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
TOKEN = "test-token"
TENANT = "tenant-a"


@dataclass
class Outcome:
    """What a run sent and what it found."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    checks: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    """One vendor's run: its mock, credentials, ids that exist, and how to make a case real."""

    headers: dict[str, str]
    operations: list[dict[str, Any]]
    parameters: dict[str, str]


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


def _client(mock: VendorMock, app: Any) -> httpx.AsyncClient:
    prefix = base_path(mock.spec)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://seed" + prefix
    )


def corti_setup(mock: VendorMock, app: Any) -> Setup:
    # No ids are fixed: fuzzing sends fresh UUIDs (400/404), and the stateful
    # phase follows the ids that creating an interaction and uploading return.
    headers = {"Authorization": f"Bearer {TOKEN}", "Tenant-Name": TENANT}
    return Setup(headers=headers, operations=[], parameters={})


def crescendo_setup(mock: VendorMock, app: Any) -> Setup:
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def seed() -> str:
        async with _client(mock, app) as client:
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
        operations=[{"include-operation-id": "status", "parameters": {"jobId": job}}],
        parameters={"tenantId": TENANT},
    )


def alpharun_setup(mock: VendorMock, app: Any) -> Setup:
    return Setup(headers={"Authorization": f"Bearer {TOKEN}"}, operations=[], parameters={})


VENDORS: dict[str, tuple[Callable[[], VendorMock], Callable[[VendorMock, Any], Setup]]] = {
    "corti": (CortiMock, corti_setup),
    "crescendo": (CrescendoMock, crescendo_setup),
    "alpharun": (AlpharunMock, alpharun_setup),
}


def _real_audio(vendor: str) -> Callable[[Any, Any], Any]:
    """The ``map_case`` hook: positive upload cases carry a real WAV (and valid metadata)."""
    from schemathesis import GenerationMode

    operation = load_spec(vendor).operation("upload")
    audio = operation.audio or {}
    parts = list(audio.get("parts", ()))
    charset = re.compile(str(operation.ext.get("id-charset", {}).get("pattern", ".*")))

    def map_case(context: Any, case: Any) -> Any:
        meta = case.meta
        if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
            return case
        if case.operation.definition.raw.get("operationId") != "upload":
            return case
        if audio.get("location") == "content":
            case.body = WAV
        elif isinstance(case.body, dict):
            for name in parts:
                if name in case.body:
                    case.body[name] = WAV
            if "metadata" in case.body and not _valid_metadata(case.body["metadata"], charset):
                case.body["metadata"] = json.dumps({"id": f"st-{abs(hash(case.id)) % 10**8}"})
        return case

    return map_case


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


def run_schemathesis(
    vendor: str, *, examples: int, reuse_responses: bool = True, seed: int = 1
) -> Outcome:
    """One run; ``reuse_responses`` lets schemathesis draw ids from earlier responses."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    make_mock, make_setup = VENDORS[vendor]
    mock = make_mock()
    app = mock.create_app()
    setup = make_setup(mock, app)
    spec = load_spec(vendor)
    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "base-url": "http://testserver" + base_path(spec),
            "headers": setup.headers,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": examples, "mode": "all", "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {
                    "enabled": True,
                    "extra-data-sources": {"responses": reuse_responses},
                },
                "stateful": {"enabled": True},
            },
            "parameters": setup.parameters,
            "operations": setup.operations,
            "suppress-health-check": ["all"],
        }
    )
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(spec.raw)), config=config)
    schema.app = app
    schema.hook("map_case")(_real_audio(vendor))
    outcome = Outcome()
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _record(event.recorder, outcome)
            elif isinstance(event, (events.FatalError, events.NonFatalError)):
                outcome.errors.append(str(getattr(event, "info", event)))
    finally:
        mock.close()
    return outcome


def _record(recorder: Any, outcome: Outcome) -> None:
    for case_id, interaction in recorder.interactions.items():
        label = recorder.cases[case_id].value.operation.label
        outcome.cases[label] += 1
        if interaction.response is not None:
            outcome.statuses[(label, interaction.response.status_code)] += 1
    for checks in recorder.checks.values():
        for check in checks:
            outcome.checks += 1
            if check.status.value != "success":
                failure = check.failure_info.failure if check.failure_info else None
                title = failure.title if failure else check.status.value
                outcome.failures.append(
                    f"{recorder.label}: {check.name}: {title}: {getattr(failure, 'message', '')[:500]}"
                )


@pytest.fixture(autouse=True)
def _stop_asgi_lifespans() -> Iterator[None]:
    yield
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()


def _assert_clean(vendor: str, outcome: Outcome) -> None:
    assert outcome.errors == []
    assert outcome.failures == []
    assert not [key for key in outcome.statuses if key[1] >= 500]
    operations = {op.method.upper() + " " + op.path for op in load_spec(vendor).operations.values()}
    assert operations <= set(outcome.cases), f"untested: {operations - set(outcome.cases)}"


def _report(vendor: str, name: str, outcome: Outcome) -> None:
    print(f"\n{vendor} ({name}): {outcome.checks} checks; cases per operation: {dict(outcome.cases)}")
    print(f"{vendor} ({name}): statuses: {dict(sorted(outcome.statuses.items()))}")


@pytest.mark.parametrize("vendor", ["corti", "crescendo", "alpharun"])
def test_schemathesis_finds_nothing(vendor: str) -> None:
    outcome = run_schemathesis(vendor, examples=15)
    _assert_clean(vendor, outcome)
    successes = {label for (label, status) in outcome.statuses if 200 <= status < 300}
    assert successes == set(outcome.cases), f"no success seen for {set(outcome.cases) - successes}"


@pytest.mark.slow
@pytest.mark.parametrize("vendor", ["corti", "crescendo", "alpharun"])
def test_schemathesis_full_run_finds_nothing(vendor: str, capsys: pytest.CaptureFixture[str]) -> None:
    """All phases, 200 examples per operation: once as generated, once reusing response ids.

    Reusing ids reaches the success paths (a real interaction to delete), but a
    pool of known ids is small, so Hypothesis exhausts it in a few examples; the
    run without reuse is the one that sends at least 200 cases to every operation.
    """
    generated = run_schemathesis(vendor, examples=200, reuse_responses=False)
    reused = run_schemathesis(vendor, examples=200, reuse_responses=True)
    with capsys.disabled():
        _report(vendor, "generated", generated)
        _report(vendor, "reusing ids", reused)
    for outcome in (generated, reused):
        _assert_clean(vendor, outcome)
    assert min(generated.cases.values()) >= 200, generated.cases
    successes = {label for (label, status) in reused.statuses if 200 <= status < 300}
    assert successes == set(reused.cases), f"no success seen for {set(reused.cases) - successes}"
