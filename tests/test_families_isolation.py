"""The tenant-isolation family: faithful servers pass (whichever refusal they pick), its mutant fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conform_helpers import factory_of, family_outcome, generic_mutant
from starlette.responses import Response

from tapecheck.suite.catalogue import forget_registered, register_spec_text
from tapecheck.suite.conform.families import FAMILIES, family_ids, generated
from tapecheck.suite.conform.families import _level_and_source as level_and_source
from tapecheck.suite.conform.families.isolation import isolation_operations, read_operations
from tapecheck.suite.conform.families.mutants import mock_class
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.specs import load_spec, vendors

KIT = Path(__file__).resolve().parent / "vendor_kit" / "facts.yaml"
FAMILY = next(f for f in FAMILIES if f.name == "tenant-isolation")


@pytest.fixture
def facts() -> Iterator[str]:
    register_spec_text(KIT.read_text(encoding="utf-8"), source=str(KIT))
    yield "facts"
    forget_registered()


def _tenanted() -> list[str]:
    return [v for v in vendors() if isinstance(load_spec(v).ext.get("tenant"), dict)]


def _answering_404(vendor: str) -> Any:
    """The vendor's mock, answering another tenant 404 instead of 403 (another faithful reading)."""
    base = mock_class(vendor)
    assert base is not None

    def error_response(self: Any, error: MockError) -> Response:
        if error.status == 403:
            error = MockError(404, error.message)
        return base.error_response(self, error)  # type: ignore[no-any-return]

    return factory_of(
        type(f"{base.__name__}Answering404", (base,), {"error_response": error_response})
    )


def test_the_family_applies_where_the_spec_names_a_tenant() -> None:
    applies = {v for v in vendors() if isolation_operations(load_spec(v))}
    assert applies == set(_tenanted())
    assert applies  # the bundled catalogue has tenanted vendors


@pytest.mark.parametrize("vendor", _tenanted())
def test_a_bundled_vendor_passes_and_its_generic_mutant_fails(vendor: str) -> None:
    assert family_outcome(vendor, FAMILY.name) == "passed"
    assert family_outcome(vendor, FAMILY.name, _answering_404(vendor)) == "passed"
    outcome = family_outcome(vendor, FAMILY.name, generic_mutant(vendor, "tenant-not-checked"))
    assert outcome.startswith("failed: "), outcome
    assert "got 2" in outcome  # the create under another tenant succeeded


@pytest.mark.parametrize("vendor", _tenanted())
def test_a_bundled_vendor_keeps_its_tenant_isolation_id(vendor: str) -> None:
    ids = {r.id: r for r in catalogue(vendor)}
    rid = f"{vendor.upper()}-TENANT-ISOLATION"
    assert family_ids(vendor).get("tenant-isolation") == rid
    assert ids[rid].level == "must"
    assert any(g.id == rid and g.family is FAMILY for g in generated(vendor))


def test_the_spec_mock_passes_the_family_and_its_mutant_fails(facts: str) -> None:
    spec = load_spec(facts)
    assert [op.operation_id for op in isolation_operations(spec)] == ["upload"]
    assert [op.operation_id for op in read_operations(spec)] == ["get-call"]
    assert level_and_source(spec, FAMILY)[0] == "must"
    assert family_outcome(facts, FAMILY.name) == "passed"
    outcome = family_outcome(facts, FAMILY.name, generic_mutant(facts, "tenant-not-checked"))
    assert outcome.startswith("failed: "), outcome


def test_without_a_tenant_fact_the_family_is_not_generated(facts: str) -> None:
    assert {g.family.name for g in generated(facts)} >= {"tenant-isolation"}
    assert all(
        g.family.name != "tenant-isolation"
        for v in vendors()
        if v not in _tenanted()
        for g in generated(v)
    )
