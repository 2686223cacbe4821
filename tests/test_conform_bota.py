"""Bota's conformance catalogue: the mock passes on every seed, every mutant is caught.

The deterministic requirements (``--quick``) are what these tests run: the
property-based layer is tested with its own engine. Mutants run only the
requirements their ``expect`` names, which is what the self-test asserts per
mutant; the whole matrix is the slow test at the end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

import pytest
from starlette.requests import Request

from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.conform.selftest import mutants, selftest
from tapecheck.suite.mocks.auth import bearer_token
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.bota.mock import BotaMock, create_app
from tapecheck.suite.vendors.bota.model import BotaRecording, Caller, Saved
from tapecheck.suite.vendors.bota.ratelimit import Budget

VENDOR = "bota"
TOKEN, TENANT = "sk_test_tapecheck", "project-a"
OTHER_PROJECT, OTHER_KEY = "project-b", "sk_test_other_project"
DEVICE_TOKEN = "dtok_loopback"
SEEDS = (1, 20_240_115, 987_654_321)
MUTANTS = mutants(VENDOR)
DEVICE_TOKEN_REQUIREMENTS = {
    "BOTA-CREATE-DEVICE-TOKEN",
    "BOTA-DEVICE-TOKEN-IDS-FORBIDDEN",
    "BOTA-DEVICE-ISOLATION",
}


def verdicts(run: Run) -> dict[str, str]:
    return {r.id: r.status for r in run.requirements}


def failures(run: Run) -> dict[str, list[str]]:
    return {r.id: [f.message for f in r.failures] for r in run.requirements if r.failures}


def quick_ids() -> tuple[str, ...]:
    return tuple(r.id for r in catalogue(VENDOR) if r.depth == "quick")


def run(**options: Any) -> Run:
    outcome, aborted = run_to_completion(ConformOptions(vendor=VENDOR, quick=True, **options))
    assert aborted is None, aborted
    return outcome


def factory_of(cls: type[BotaMock]) -> Any:
    def build(*, token: str, tenant: str, tenants: Mapping[str, str] | None = None) -> Any:
        return cls(token=token, tenant=tenant, tenants=tenants).create_app()

    return build


@pytest.fixture(scope="module")
def seed_runs() -> dict[int, Run]:
    runs = {}
    for seed in SEEDS:
        started = time.perf_counter()
        runs[seed] = run(seed=seed)
        print(f"\n{VENDOR} --quick, seed {seed}: {time.perf_counter() - started:.2f} s")
    return runs


def test_catalogue_has_stable_ids_titles_sources_and_checks() -> None:
    requirements = [r for r in catalogue(VENDOR) if r.depth == "quick"]
    assert len(requirements) >= 20
    for requirement in requirements:
        assert requirement.id.startswith("BOTA-")
        assert requirement.title
        assert requirement.source
        assert requirement.checks
    assert {
        "BOTA-CREATE-SECRET-KEY",
        "BOTA-IDEMPOTENCY-CONFLICT",
        "BOTA-UPLOAD-COMPLETE",
        "BOTA-LIST-LIMIT-BOUNDS",
        "BOTA-RATE-LIMIT-HEADERS",
    } | DEVICE_TOKEN_REQUIREMENTS <= set(quick_ids())


def test_readings_of_the_mocks_say_so_in_their_source() -> None:
    by_id = {r.id: r for r in catalogue(VENDOR)}
    for rid in ("BOTA-CREATE-DEFAULTS", "BOTA-IDEMPOTENCY-CONFLICT", "BOTA-LIST-LIMIT-BOUNDS"):
        assert "reference mocks' reading" in by_id[rid].source, rid


@pytest.mark.parametrize("seed", SEEDS)
def test_the_mock_passes_every_requirement(seed_runs: dict[int, Run], seed: int) -> None:
    outcome = seed_runs[seed]
    assert set(verdicts(outcome)) == set(quick_ids())
    assert failures(outcome) == {}
    assert set(verdicts(outcome).values()) == {"passed"}


def test_verdicts_are_identical_on_every_seed(seed_runs: dict[int, Run]) -> None:
    first, *others = (verdicts(outcome) for outcome in seed_runs.values())
    assert all(other == first for other in others)


def test_there_are_enough_realistic_mutants() -> None:
    assert len(MUTANTS) >= 10
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    ids = set(quick_ids())
    for mutant in MUTANTS:
        assert mutant.description, mutant.name
        assert mutant.expect, mutant.name
        for expected in mutant.expect:
            assert any(i == expected or i.startswith(expected) for i in ids), (
                mutant.name,
                expected,
            )


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_every_mutant_is_caught_by_the_requirement_it_names(mutant: Mutant) -> None:
    seed = SEEDS[MUTANTS.index(mutant) % len(SEEDS)]
    outcome = run(factory=mutant.factory, select=mutant.expect, seed=seed)
    assert outcome.requirements, "nothing was selected"
    caught = [
        r
        for r in outcome.requirements
        if r.status == "failed" and any(r.id == e or r.id.startswith(e) for e in mutant.expect)
    ]
    assert caught, verdicts(outcome)
    if "500" not in mutant.description:  # caught for its deviation, not because it crashed
        messages = [f.message for r in caught for f in r.failures]
        assert not any(re.search(r"\b5\d\d\b", m) for m in messages), messages


class OtherReadings(BotaMock):
    """Another server Bota's docs allow: upload-url answers 201, a reused Idempotency-Key with
    another body is 400 invalid_request, another's recording is 403 (a code the docs do not
    list), an omitted name is generated, and a 401 carries no rate-limit headers."""

    def success_status(self, operation_id: str) -> int:
        return 201 if operation_id == "upload-url" else super().success_status(operation_id)

    def replay(self, caller: Caller, key: str | None, fingerprint: str) -> Saved | None:
        try:
            return super().replay(caller, key, fingerprint)
        except MockError as exc:
            raise MockError(400, exc.message) from None

    def find(self, caller: Caller, recording_id: str) -> BotaRecording:
        found = self.recordings.get(recording_id)
        if found is not None and not self.visible(caller, found):
            raise MockError(403, "this recording belongs to another device", code="forbidden")
        return super().find(caller, recording_id)

    def defaults(self) -> dict[str, Any]:
        return {**super().defaults(), "name": "Untitled recording"}

    def rate_budget(self, request: Request) -> Budget | None:
        """An unknown credential spends no budget, so its 401 carries no rate-limit headers."""
        token = bearer_token(request)
        if token is None or self.caller_of(token) is None:
            return None
        return super().rate_budget(request)


def test_every_reasonable_reading_passes() -> None:
    outcome = run(factory=factory_of(OtherReadings))
    assert failures(outcome) == {}


REGISTERED = {"device_id": "dev_registered_phone", "end_user_id": "eu_registered_person"}


class Sandbox(BotaMock):
    """A sandbox as a real one behaves: a secret key may name only its registered device."""

    def new_recording(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> BotaRecording:
        recording = super().new_recording(caller, body, operation_id)
        named = {"device_id": recording.device_id, "end_user_id": recording.end_user_id}
        if not caller.is_device and named != REGISTERED:
            raise MockError(404, f"no device {recording.device_id} in this project")
        return recording


def test_a_real_sandbox_needs_and_gets_the_device_and_end_user_params() -> None:
    without = run(factory=factory_of(Sandbox))
    assert "BOTA-CREATE-SECRET-KEY" in failures(without)
    given = run(factory=factory_of(Sandbox), params=REGISTERED)
    assert failures(given) == {}


def test_device_isolation_needs_another_device_than_the_params() -> None:
    """When --param device_id is the device token's own device, isolation cannot be decided."""
    mock = BotaMock()
    own = dict(zip(("device_id", "end_user_id"), mock.device_identity(DEVICE_TOKEN), strict=True))
    outcome = run(device_token=DEVICE_TOKEN, params=own, select=("BOTA-DEVICE-ISOLATION",))
    assert verdicts(outcome) == {"BOTA-DEVICE-ISOLATION": "skipped"}


def serve_with_other_project() -> Any:
    return create_app(token=TOKEN, tenant=TENANT, tenants={OTHER_PROJECT: OTHER_KEY})


@pytest.mark.e2e
def test_over_http_without_a_device_token_its_requirements_are_skipped() -> None:
    with running(serve_with_other_project()) as origin:
        remote = run(
            base_url=origin + base_path(load_spec(VENDOR)),
            token=TOKEN,
            params={"other_token": OTHER_KEY},
        )
    skipped = {r.id: str(r.reason) for r in remote.requirements if r.status == "skipped"}
    assert set(skipped) == DEVICE_TOKEN_REQUIREMENTS
    assert all("--device-token" in reason for reason in skipped.values())
    assert failures(remote) == {}


@pytest.mark.e2e
def test_over_http_the_verdicts_are_those_of_the_embedded_mock() -> None:
    with running(serve_with_other_project()) as origin:
        remote = run(
            base_url=origin + base_path(load_spec(VENDOR)),
            token=TOKEN,
            device_token=DEVICE_TOKEN,
            params={"other_token": OTHER_KEY},
        )
    assert remote.target.startswith("http://127.0.0.1:")
    assert verdicts(remote) == verdicts(run())
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)


@pytest.mark.slow
def test_selftest_matrix_kills_every_mutant() -> None:
    outcome = selftest(VENDOR)
    print("\n" + outcome.matrix())
    assert outcome.mock_failed == []
    assert outcome.mock_aborted is None
    survivors = [o.mutant.name for o in outcome.outcomes if not o.killed]
    assert survivors == []
    assert all(o.expected_hit for o in outcome.outcomes)
