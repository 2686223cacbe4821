"""Every vendor's conformance catalogue: the mock passes on every seed, every mutant is caught.

Parametrized from the registries: ``vendors()`` and each vendor's ``mutants``.
The deterministic requirements (``--quick``) are what these tests run: the
property-based layer is tested with its own engine. Mutants run only the
requirements their ``expect`` names, which is what the self-test asserts per
mutant; the whole matrix (every mutant against every requirement) is the slow
test at the end. What is particular to one vendor is in ``test_conform_<vendor>.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from conform_helpers import SEEDS, TENANT, TOKEN, failures, quick_ids, run, served, verdicts

from tapecheck.reports.model import Run
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.selftest import mutants, selftest
from tapecheck.suite.mocks.mutant import Mutant
from tapecheck.suite.mocks.vendor import VendorMock
from tapecheck.suite.specs import vendors
from tapecheck.suite.vendors import vendor_module


def _interactions(mock: VendorMock) -> list[Any]:
    return list(getattr(mock, "interactions", {}))


@dataclass(frozen=True)
class Catalogue:
    """What the generic tests expect of one vendor, and how its mock is served on loopback.

    A vendor without a row gets the defaults: one requirement and one mutant at
    least, its mock served with the test token and tenant.
    """

    #: At least this many ``--quick`` requirements.
    least: int = 1
    #: Requirement ids that must stay in the catalogue.
    key_ids: frozenset[str] = frozenset()
    #: At least this many mutants.
    least_mutants: int = 1
    #: What the loopback mock (the vendor's ``create_app``) is built with.
    serve: Mapping[str, Any] = field(default_factory=lambda: {"token": TOKEN, "tenant": TENANT})
    #: What the run over HTTP is given (besides ``base_url``).
    options: Mapping[str, Any] = field(default_factory=lambda: {"token": TOKEN, "tenant": TENANT})
    #: Requirements left out of the quick run over HTTP (too slow there; a slow test of the vendor).
    heavy: tuple[str, ...] = ()
    #: What the mock still holds after the run over HTTP (the suite must clean up after itself).
    leftovers: Callable[[VendorMock], list[Any]] | None = None


BOTA_TOKEN, BOTA_PROJECT = "sk_test_tapecheck", "project-a"
BOTA_OTHER_PROJECT, BOTA_OTHER_KEY = "project-b", "sk_test_other_project"
SIRO_OTHER_USER, SIRO_OTHER_TOKEN = "user-b", "token-of-user-b"

#: What is known of the bundled vendors' catalogues (an oracle: the ids must stay).
CATALOGUES: dict[str, Catalogue] = {
    "alpharun": Catalogue(
        least=20,
        least_mutants=10,
        key_ids=frozenset({"ALPHARUN-UPLOAD-201", "ALPHARUN-REUPLOAD-200"}),
    ),
    "bota": Catalogue(
        least=20,
        least_mutants=10,
        key_ids=frozenset(
            {
                "BOTA-CREATE-SECRET-KEY",
                "BOTA-IDEMPOTENCY-CONFLICT",
                "BOTA-UPLOAD-COMPLETE",
                "BOTA-LIST-LIMIT-BOUNDS",
                "BOTA-RATE-LIMIT-HEADERS",
                "BOTA-CREATE-DEVICE-TOKEN",
                "BOTA-DEVICE-TOKEN-IDS-FORBIDDEN",
                "BOTA-DEVICE-ISOLATION",
            }
        ),
        serve={
            "token": BOTA_TOKEN,
            "tenant": BOTA_PROJECT,
            "tenants": {BOTA_OTHER_PROJECT: BOTA_OTHER_KEY},
        },
        options={
            "token": BOTA_TOKEN,
            "device_token": "dtok_loopback",
            "params": {"other_token": BOTA_OTHER_KEY},
        },
    ),
    "corti": Catalogue(
        least=20,
        least_mutants=10,
        key_ids=frozenset({"CORTI-UPLOAD-201", "CORTI-SIZE-LIMIT", "CORTI-TENANT-ISOLATION"}),
        heavy=("CORTI-SIZE-LIMIT", "CORTI-DURATION-LIMIT"),  # 150 MB, two hours of MP3
        leftovers=_interactions,
    ),
    "crescendo": Catalogue(
        least=17,
        least_mutants=10,
        key_ids=frozenset(
            {"CRESCENDO-UPLOAD-202", "CRESCENDO-METADATA-ID-CHARSET", "CRESCENDO-JOB-STATUS"}
        ),
    ),
    "siro": Catalogue(
        least=15,
        least_mutants=10,
        key_ids=frozenset(
            {
                "SIRO-SIGNED-URLS",
                "SIRO-PUT-SIGNED-HEADERS",
                "SIRO-PUT-LENGTH-RANGE",
                "SIRO-UPLOAD-201",
                "SIRO-UPLOAD-BEFORE-PUT",
                "SIRO-USER-ISOLATION",
            }
        ),
        serve={"token": TOKEN, "tenant": TENANT, "tenants": {SIRO_OTHER_USER: SIRO_OTHER_TOKEN}},
        options={"token": TOKEN, "tenant": TENANT, "params": {"other_token": SIRO_OTHER_TOKEN}},
    ),
}

VENDORS = vendors()
MUTANTS = {vendor: mutants(vendor) for vendor in VENDORS}
#: Each mutant with the seed it runs on: its vendor's seeds in turn.
MUTANT_CASES = [
    pytest.param(vendor, mutant, SEEDS[index % len(SEEDS)], id=f"{vendor}-{mutant.name}")
    for vendor in VENDORS
    for index, mutant in enumerate(MUTANTS[vendor])
]


def expected_of(vendor: str) -> Catalogue:
    return CATALOGUES.get(vendor, Catalogue())


def test_every_row_is_a_bundled_vendor() -> None:
    assert set(CATALOGUES) <= set(VENDORS)


@pytest.fixture(scope="module")
def seed_runs() -> Callable[[str], dict[int, Run]]:
    """A vendor's mock run on every seed, once per vendor for this module."""
    runs: dict[str, dict[int, Run]] = {}

    def of(vendor: str) -> dict[int, Run]:
        if vendor not in runs:
            runs[vendor] = {}
            for seed in SEEDS:
                started = time.perf_counter()
                runs[vendor][seed] = run(vendor, seed=seed)
                print(f"\n{vendor} --quick, seed {seed}: {time.perf_counter() - started:.2f} s")
        return runs[vendor]

    return of


@pytest.mark.parametrize("vendor", VENDORS)
def test_catalogue_has_stable_ids_titles_sources_and_checks(vendor: str) -> None:
    expected = expected_of(vendor)
    requirements = [r for r in catalogue(vendor) if r.depth == "quick"]
    assert len(requirements) >= expected.least
    for requirement in requirements:
        assert requirement.id.startswith(f"{vendor.upper()}-")
        assert requirement.title
        assert requirement.source
        assert requirement.checks
    assert expected.key_ids <= set(quick_ids(vendor))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("vendor", VENDORS)
def test_the_mock_passes_every_requirement(
    seed_runs: Callable[[str], dict[int, Run]], vendor: str, seed: int
) -> None:
    outcome = seed_runs(vendor)[seed]
    assert set(verdicts(outcome)) == set(quick_ids(vendor))
    assert failures(outcome) == {}
    assert set(verdicts(outcome).values()) == {"passed"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_verdicts_are_identical_on_every_seed(
    seed_runs: Callable[[str], dict[int, Run]], vendor: str
) -> None:
    first, *others = (verdicts(outcome) for outcome in seed_runs(vendor).values())
    assert all(other == first for other in others)


@pytest.mark.parametrize("vendor", VENDORS)
def test_there_are_enough_realistic_mutants(vendor: str) -> None:
    vendor_mutants = MUTANTS[vendor]
    assert len(vendor_mutants) >= expected_of(vendor).least_mutants
    assert len({m.name for m in vendor_mutants}) == len(vendor_mutants)
    ids = set(quick_ids(vendor))
    for mutant in vendor_mutants:
        assert mutant.description, mutant.name
        assert mutant.expect, mutant.name
        for expected in mutant.expect:
            assert any(i == expected or i.startswith(expected) for i in ids), (
                mutant.name,
                expected,
            )


@pytest.mark.parametrize(("vendor", "mutant", "seed"), MUTANT_CASES)
def test_every_mutant_is_caught_by_the_requirement_it_names(
    vendor: str, mutant: Mutant, seed: int
) -> None:
    outcome = run(vendor, factory=mutant.factory, select=mutant.expect, seed=seed)
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
@pytest.mark.parametrize("vendor", VENDORS)
def test_over_http_the_verdicts_are_those_of_the_embedded_mock(vendor: str) -> None:
    expected = expected_of(vendor)
    selected: dict[str, Any] = {}
    if expected.heavy:
        selected["select"] = tuple(i for i in quick_ids(vendor) if i not in expected.heavy)
    app = vendor_module(vendor, "mock").create_app(**expected.serve)
    mock = app.state.mock
    with served(vendor, app) as base_url:
        remote = run(vendor, base_url=base_url, **expected.options, **selected)
        left = expected.leftovers(mock) if expected.leftovers else []  # forgotten at shutdown
    assert remote.target.startswith("http://127.0.0.1:")
    assert verdicts(remote) == verdicts(run(vendor, **selected))
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)
    assert left == [], "every resource the suite created is deleted"


@pytest.mark.slow
@pytest.mark.parametrize("vendor", VENDORS)
def test_selftest_matrix_kills_every_mutant(vendor: str) -> None:
    outcome = selftest(vendor)
    print("\n" + outcome.matrix())
    assert outcome.mock_failed == []
    assert outcome.mock_aborted is None
    survivors = [o.mutant.name for o in outcome.outcomes if not o.caught]
    assert survivors == []
    # A mutant of a documented behaviour is killed by must requirements alone; one of a
    # behaviour the docs leave open is caught as an advisory.
    assert outcome.not_killed_by_must == []
    assert all(o.killed or o.advisory for o in outcome.outcomes)
    assert all(o.expected_hit for o in outcome.outcomes)
