"""Siro's conformance catalogue: the mock passes on every seed, every mutant is caught.

The deterministic requirements (``--quick``) are what these tests run: the
property-based layer is tested with its own engine. Mutants run only the
requirements their ``expect`` names, which is what the self-test asserts per
mutant; the whole matrix is the slow test at the end.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from tapecheck.reports import RUN_WRITERS
from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import MOCK_OTHER_TOKEN, ConformOptions, run_to_completion
from tapecheck.suite.conform.selftest import mutants, selftest
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.siro.mock import SiroMock, create_app

VENDOR = "siro"
TOKEN, TENANT = "test-token", "tenant-a"
OTHER_USER, OTHER_TOKEN = "user-b", "token-of-user-b"
SEEDS = (1, 20_240_115, 987_654_321)
MUTANTS = mutants(VENDOR)


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


def factory_of(cls: type[SiroMock]) -> Any:
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
    assert len(requirements) >= 15
    for requirement in requirements:
        assert requirement.id.startswith("SIRO-")
        assert requirement.title
        assert requirement.source
        assert requirement.checks
    assert {
        "SIRO-SIGNED-URLS",
        "SIRO-PUT-SIGNED-HEADERS",
        "SIRO-PUT-LENGTH-RANGE",
        "SIRO-UPLOAD-201",
        "SIRO-UPLOAD-BEFORE-PUT",
        "SIRO-USER-ISOLATION",
    } <= set(quick_ids())


def test_readings_of_the_mocks_say_so_in_their_source() -> None:
    """What rests on VENDORS.md's account of the mocks, not on Siro's docs, names it."""
    by_id = {r.id: r for r in catalogue(VENDOR)}
    for rid in ("SIRO-UPLOAD-BEFORE-PUT", "SIRO-UPLOAD-UNISSUED-URL"):
        assert "reference mocks' reading" in by_id[rid].source, rid
    assert "reference mocks' reading" in by_id["SIRO-UPLOAD-FILE-TYPE-MATCH"].source


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


class OtherReadings(SiroMock):
    """Another server Siro's docs allow: 200 for signed-urls, 422 for invalid data, 403 for a
    credential, 404 for a URL that names nothing, and errors in another JSON shape."""

    def success_status(self, operation_id: str) -> int:
        return 200 if operation_id == "signed-urls" else super().success_status(operation_id)

    def authenticate(self, request: Any, operation_id: str) -> str:
        try:
            return super().authenticate(request, operation_id)
        except MockError as exc:
            raise MockError(403, exc.message) from None

    def not_uploaded(self, signed: Any) -> None:
        raise MockError(404, "nothing was uploaded to this URL")

    def error_response(self, error: MockError) -> Response:
        status = 422 if error.status == 400 else error.status
        return JSONResponse({"detail": error.message}, status_code=status)


def test_every_reasonable_reading_passes() -> None:
    """Where the docs pin no status or error body, the other readings pass too."""
    outcome = run(factory=factory_of(OtherReadings))
    assert failures(outcome) == {}


@pytest.mark.e2e
def test_user_isolation_is_skipped_without_a_second_users_token() -> None:
    with running(create_app(token=TOKEN, tenant=TENANT)) as origin:
        remote = run(base_url=origin + base_path(load_spec(VENDOR)), token=TOKEN, tenant=TENANT)
    skipped = {r.id: r.reason for r in remote.requirements if r.status == "skipped"}
    assert set(skipped) == {"SIRO-USER-ISOLATION"}
    assert "other_token" in str(skipped["SIRO-USER-ISOLATION"])
    assert failures(remote) == {}


def test_the_second_users_token_never_reaches_the_report() -> None:
    broken = next(m for m in MUTANTS if m.name == "user-isolation-broken")
    outcome = run(factory=broken.factory, select=("SIRO-USER-ISOLATION",))
    assert "SIRO-USER-ISOLATION" in failures(outcome)
    stream = io.StringIO()
    RUN_WRITERS["json"]().write(outcome, stream)
    text = stream.getvalue()
    assert json.loads(text)["requirements"][0]["failures"]
    assert MOCK_OTHER_TOKEN not in text
    assert TOKEN not in text


@pytest.mark.e2e
def test_over_http_the_verdicts_are_those_of_the_embedded_mock() -> None:
    app = create_app(token=TOKEN, tenant=TENANT, tenants={OTHER_USER: OTHER_TOKEN})
    with running(app) as origin:
        base_url = origin + base_path(load_spec(VENDOR))
        remote = run(
            base_url=base_url, token=TOKEN, tenant=TENANT, params={"other_token": OTHER_TOKEN}
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
