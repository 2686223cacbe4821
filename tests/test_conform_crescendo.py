"""Crescendo's conformance catalogue: the mock passes on every seed, every mutant is caught.

The deterministic requirements (``--quick``) are what these tests run: the
property-based layer is tested with its own engine. Mutants run only the
requirements their ``expect`` names, which is what the self-test asserts per
mutant; the whole matrix is the slow test at the end.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.conform.selftest import mutants, selftest
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import create_app

VENDOR = "crescendo"
TOKEN, TENANT = "test-token", "tenant-a"
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
    assert len(requirements) >= 17
    for requirement in requirements:
        assert requirement.id.startswith("CRESCENDO-")
        assert requirement.title
        assert requirement.source
        assert requirement.checks
    assert {"CRESCENDO-UPLOAD-202", "CRESCENDO-METADATA-ID-CHARSET", "CRESCENDO-JOB-STATUS"} <= set(
        quick_ids()
    )


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


@pytest.mark.e2e
def test_over_http_the_verdicts_are_those_of_the_embedded_mock() -> None:
    with running(create_app(token=TOKEN, tenant=TENANT)) as origin:
        base_url = origin + base_path(load_spec(VENDOR))
        remote = run(base_url=base_url, token=TOKEN, tenant=TENANT)
    assert remote.target.startswith("http://127.0.0.1:")
    assert verdicts(remote) == verdicts(run())
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)


def test_the_ids_of_the_catalogue_are_kept() -> None:
    """The model catalogue's ids are stable: later requirements are added, none renamed."""
    kept = {
        "CRESCENDO-UPLOAD-202",
        "CRESCENDO-UPLOAD-WAV",
        "CRESCENDO-UPLOAD-FILE-PART",
        "CRESCENDO-AUTH-MISSING",
        "CRESCENDO-AUTH-WRONG",
        "CRESCENDO-AUTH-QUERY",
        "CRESCENDO-TENANT-ISOLATION",
        "CRESCENDO-METADATA-REQUIRED",
        "CRESCENDO-METADATA-JSON",
        "CRESCENDO-METADATA-ID-REQUIRED",
        "CRESCENDO-METADATA-ID-CHARSET",
        "CRESCENDO-AUDIO-REQUIRED",
        "CRESCENDO-FORMAT-BY-CONTENT",
        "CRESCENDO-CORRUPT-AUDIO",
        "CRESCENDO-SIZE-LIMIT",
        "CRESCENDO-JOB-STATUS",
        "CRESCENDO-JOB-NOT-FOUND",
    }
    assert kept <= set(quick_ids())


@pytest.mark.slow
def test_selftest_matrix_kills_every_mutant() -> None:
    outcome = selftest(VENDOR)
    print("\n" + outcome.matrix())
    assert outcome.mock_failed == []
    assert outcome.mock_aborted is None
    survivors = [o.mutant.name for o in outcome.outcomes if not o.killed]
    assert survivors == []
    assert all(o.expected_hit for o in outcome.outcomes)
