"""Corti's conformance catalogue: the mock passes on every seed, every mutant is caught.

The deterministic requirements (``--quick``) are what these tests run: the
property-based layer is tested with its own engine. Mutants run only the
requirements their ``expect`` names, which is what the self-test asserts per
mutant; the whole matrix (every mutant against every requirement) is the slow
test at the end.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.conform.selftest import mutants, selftest
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.corti.mock import CortiMock

VENDOR = "corti"
TOKEN, TENANT = "test-token", "tenant-a"
SEEDS = (1, 20_240_115, 987_654_321)
#: The requirements that move 150 MB or two hours of MP3 (over HTTP they are the slow test).
HEAVY = ("CORTI-SIZE-LIMIT", "CORTI-DURATION-LIMIT")
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
        assert requirement.id.startswith("CORTI-")
        assert requirement.title
        assert requirement.source
        assert requirement.checks
    assert {"CORTI-UPLOAD-201", "CORTI-SIZE-LIMIT", "CORTI-TENANT-ISOLATION"} <= set(quick_ids())


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


def _over_http(select: tuple[str, ...]) -> tuple[Run, list[Any]]:
    """A run over loopback HTTP, and the interactions the mock still holds after it."""
    mock = CortiMock(token=TOKEN, tenant=TENANT)
    with running(mock.create_app()) as origin:
        base_url = origin + base_path(load_spec(VENDOR))
        outcome = run(base_url=base_url, token=TOKEN, tenant=TENANT, select=select)
        left = list(mock.interactions)  # the mock forgets everything at shutdown
    return outcome, left


@pytest.mark.e2e
def test_over_http_the_verdicts_are_those_of_the_embedded_mock() -> None:
    select = tuple(i for i in quick_ids() if i not in HEAVY)
    remote, left = _over_http(select)
    assert remote.target.startswith("http://127.0.0.1:")
    assert verdicts(remote) == verdicts(run(select=select))
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)
    assert left == [], "every interaction the suite created is deleted"


@pytest.mark.e2e
def test_a_given_interaction_is_used_and_left_as_it_was() -> None:
    mock = CortiMock(token=TOKEN, tenant=TENANT)
    headers = {"Authorization": f"Bearer {TOKEN}", "Tenant-Name": TENANT}
    encounter = {
        "encounter": {"identifier": "sandbox", "status": "planned", "type": "consultation"}
    }
    select = tuple(i for i in quick_ids() if i not in HEAVY)
    with running(mock.create_app()) as origin:
        base_url = origin + base_path(load_spec(VENDOR))
        given = httpx.post(base_url + "/interactions/", json=encounter, headers=headers).json()
        interaction_id = given["interactionId"]
        outcome = run(
            base_url=base_url,
            token=TOKEN,
            tenant=TENANT,
            select=select,
            params={"interaction_id": interaction_id},
        )
        left = httpx.get(base_url + f"/interactions/{interaction_id}/recordings/", headers=headers)
        interactions = list(mock.interactions)
    assert set(verdicts(outcome).values()) == {"passed"}, failures(outcome)
    assert left.json() == {"recordings": []}, "the suite deletes what it uploaded"
    assert interactions == [(TENANT, interaction_id)], "and every interaction it created"


@pytest.mark.slow
@pytest.mark.e2e
def test_over_http_with_150_mb_and_hour_long_uploads() -> None:
    remote, left = _over_http(quick_ids())
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)
    assert left == []


@pytest.mark.slow
def test_selftest_matrix_kills_every_mutant() -> None:
    outcome = selftest(VENDOR)
    print("\n" + outcome.matrix())
    assert outcome.mock_failed == []
    assert outcome.mock_aborted is None
    survivors = [o.mutant.name for o in outcome.outcomes if not o.killed]
    assert survivors == []
    assert all(o.expected_hit for o in outcome.outcomes)
