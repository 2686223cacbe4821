"""Every reasonable reading passes: servers that follow each vendor's docs but pick other
readings where the docs are silent conform, with at most advisories.

Each variant below is its vendor's reference mock with other answers where the docs
leave room: 413 for a body over a limit, 415 for a wrong content type and 422 for
invalid data where the docs pin no status (Alpharun, Siro), corrupt and non-audio
uploads accepted, Bota's rate-limit counters flat and its list answering 200 with an
empty list for any filter value it cannot match. Against each one the verdict is
``conforms`` (exit 0) on every seed; what fails is a ``should`` (an advisory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from conform_helpers import factory_of
from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.limits import audio_refusal, probe_stored
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.mocks.vendor import VendorMock
from tapecheck.suite.vendors.alpharun.mock import AlpharunMock
from tapecheck.suite.vendors.bota.mock import BotaMock
from tapecheck.suite.vendors.bota.ratelimit import Budget
from tapecheck.suite.vendors.corti.mock import CortiMock
from tapecheck.suite.vendors.crescendo.mock import CrescendoMock
from tapecheck.suite.vendors.siro.mock import SiroMock

#: Five seeds: the verdict is the same on each.
SEEDS = (1, 7, 20_240_115, 424_242, 987_654_321)
_SIZE_WORDS = ("larger than", "more than the limit of", "bytes, more than")
_TYPE_WORDS = ("expected Content-Type", "expected a multipart")
_UNUSABLE_WORDS = ("not audio in a known format", "the audio is truncated", "the audio is lying")


def _reading(error: MockError, *, invalid: int) -> MockError:
    """The same refusal under another documented-enough status."""
    status = error.status
    if status == 400 and any(w in error.message for w in _SIZE_WORDS):
        status = 413
    elif status == 400 and invalid != 400 and any(w in error.message for w in _TYPE_WORDS):
        status = 415
    elif status == 400:
        status = invalid
    if status == error.status:
        return error
    return MockError(
        status, error.message, code=error.code, details=error.details, headers=error.headers
    )


class _Lenient(VendorMock):
    """Accepts unreadable or corrupt audio; answers 413 for a body over a limit."""

    #: the status of invalid data: 400 where the vendor's docs pin it, 422 where they do not
    invalid = 400

    def error_response(self, error: MockError) -> Response:
        return super().error_response(_reading(error, invalid=self.invalid))

    async def checked_audio(self, stored: StoredFile, operation_id: str, **kw: Any) -> Any:
        info = await probe_stored(stored)
        reason = audio_refusal(info, self.audio_limits(operation_id), **kw)
        if reason is not None and any(w in reason for w in _UNUSABLE_WORDS):
            return info  # a server that stores first and fails the job later
        return await super().checked_audio(stored, operation_id, **kw)


class CortiReading(_Lenient, CortiMock):
    pass


class AlpharunReading(_Lenient, AlpharunMock):
    invalid = 422


class CrescendoReading(_Lenient, CrescendoMock):
    pass


class SiroReading(_Lenient, SiroMock):
    invalid = 422

    def audio_problem(self, info: Any, operation_id: str) -> str | None:
        reason = super().audio_problem(info, operation_id)
        if reason is not None and any(w in reason for w in _UNUSABLE_WORDS):
            return None
        return reason


class BotaReading(_Lenient, BotaMock):
    """Flat rate-limit counters; an empty list for a filter value it cannot match."""

    def rate_budget(self, request: Request) -> Budget | None:
        budget = super().rate_budget(request)
        return None if budget is None else replace(budget, remaining=budget.limit)

    async def list_recordings(self, request: Request) -> Response:
        response = await super().list_recordings(request)
        if response.status_code == 400:
            caller = self.authenticate(request, "list")
            del caller
            return self.respond("list", {"data": [], "has_more": False})
        return response


VARIANTS: dict[str, type[VendorMock]] = {
    "corti": CortiReading,
    "alpharun": AlpharunReading,
    "crescendo": CrescendoReading,
    "siro": SiroReading,
    "bota": BotaReading,
}


def _verdict(vendor: str, factory: Callable[..., Any] | None, seed: int, **kw: Any) -> Any:
    run, aborted = run_to_completion(
        ConformOptions(vendor=vendor, quick=True, seed=seed, factory=factory, **kw)
    )
    assert aborted is None, aborted
    return run


@pytest.mark.parametrize("vendor", sorted(VARIANTS))
def test_a_server_with_other_readings_conforms_with_only_advisories(vendor: str) -> None:
    verdicts = set()
    for seed in SEEDS:
        run = _verdict(vendor, factory_of(VARIANTS[vendor]), seed)
        failed_must = [r.id for r in run.requirements if r.status == "failed" and r.level == "must"]
        assert failed_must == [], (
            seed,
            {r.id: r.failures[0].message for r in run.requirements if r.id in failed_must},
        )
        assert run.verdict == "conforms", seed
        assert run.exit_code == 0
        verdicts.add((run.verdict, tuple(run.advisories)))
    assert len(verdicts) == 1, verdicts  # the same verdict and advisories on every seed


@pytest.mark.parametrize("vendor", sorted(VARIANTS))
def test_the_reference_mock_conforms_on_every_seed_without_advisories(vendor: str) -> None:
    for seed in SEEDS:
        run = _verdict(vendor, None, seed)
        assert run.verdict == "conforms", seed
        assert run.advisories == [], seed


@pytest.mark.parametrize("vendor", sorted(VARIANTS))
def test_strict_counts_the_advisories(vendor: str) -> None:
    run = _verdict(vendor, factory_of(VARIANTS[vendor]), SEEDS[0], strict=True)
    expected = "does-not-conform" if run.advisories else "conforms"
    assert run.verdict == expected


@pytest.mark.parametrize("vendor", sorted(VARIANTS))
def test_the_property_layer_holds_a_server_with_other_readings_to_the_docs_only(
    vendor: str,
) -> None:
    """The full run: generated invalid data is refused only where the docs constrain it."""
    run, aborted = run_to_completion(
        ConformOptions(
            vendor=vendor, seed=SEEDS[1], examples=3, factory=factory_of(VARIANTS[vendor])
        )
    )
    assert aborted is None, aborted
    statuses = {r.id: r.status for r in run.requirements if r.level == "must"}
    assert statuses[f"{vendor.upper()}-SCHEMA-PROPERTIES"] == "passed"
    assert run.verdict == "conforms", {
        r.id: r.failures[0].message for r in run.requirements if r.failures and r.level == "must"
    }


@pytest.mark.parametrize(
    ("vendor", "pointer"),
    [
        ("bota", "/paths/~1recordings/get/parameters/1/schema/pattern"),
        ("corti", "/components/schemas/InteractionsEncounterCreateRequest/properties/period/type"),
    ],
)
def test_constraints_added_for_the_linter_are_not_held_against_a_target(
    vendor: str, pointer: str
) -> None:
    from tapecheck.suite.conform.generation import generation_document
    from tapecheck.suite.conform.properties import documented_constraints_only
    from tapecheck.suite.specs import load_spec

    spec = load_spec(vendor)
    document = generation_document(spec)
    assert pointer in documented_constraints_only(document, spec.raw["x-tapecheck-notes"])
    *parents, keyword = pointer.split("/")[1:]
    node: Any = document
    for token in parents:
        token = token.replace("~1", "/")
        node = node[int(token)] if isinstance(node, list) else node[token]
    assert keyword not in node
