"""The id-charset and unique-keys families: faithful servers pass, their generic mutants fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conform_helpers import factory_of, family_outcome, generic_mutant
from starlette.responses import Response

from tapecheck.suite.catalogue import forget_registered, register_spec_text
from tapecheck.suite.conform.families import FAMILIES, family_ids, generated, parse_key
from tapecheck.suite.conform.families import _level_and_source as level_and_source
from tapecheck.suite.conform.families.identifiers import (
    charset_operations,
    inside,
    outside,
    unique_cases,
    unique_operations,
)
from tapecheck.suite.conform.families.mutants import mock_class
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.specs import load_spec, vendors

KIT = Path(__file__).resolve().parent / "vendor_kit" / "facts.yaml"
CHARSET = next(f for f in FAMILIES if f.name == "id-charset")
UNIQUE = next(f for f in FAMILIES if f.name == "unique-keys")


@pytest.fixture
def facts() -> Iterator[str]:
    register_spec_text(KIT.read_text(encoding="utf-8"), source=str(KIT))
    yield "facts"
    forget_registered()


def _with(family: Any) -> list[str]:
    return [v for v in vendors() if family.operations(load_spec(v))]


def _answering_422(vendor: str) -> Any:
    """The vendor's mock answering invalid data 422 instead of 400 (another faithful reading)."""
    base = mock_class(vendor)
    assert base is not None

    def error_response(self: Any, error: MockError) -> Response:
        if error.status == 400:
            error = MockError(422, error.message)
        return base.error_response(self, error)  # type: ignore[no-any-return]

    return factory_of(
        type(f"{base.__name__}Answering422", (base,), {"error_response": error_response})
    )


def test_charset_values_are_chosen_by_the_pattern() -> None:
    pattern = "^[A-Za-z0-9._-]+$"
    assert inside(pattern) == "Call.2024-01_15.v2"
    assert outside(pattern) == ["call 123", "call/123", "call#1", "appel-\u00e9", "call\u00a0123"]
    assert inside("^[0-9]+$") == "123"
    assert outside("^.+$") == []  # a charset that refuses nothing: the family does not apply


@pytest.mark.parametrize("vendor", _with(CHARSET))
def test_id_charset_passes_the_mock_and_fails_its_mutant(vendor: str) -> None:
    assert family_outcome(vendor, CHARSET.name) == "passed"
    outcome = family_outcome(vendor, CHARSET.name, generic_mutant(vendor, "id-charset-not-checked"))
    assert outcome.startswith("failed: "), outcome


@pytest.mark.parametrize("vendor", _with(UNIQUE))
def test_unique_keys_pass_the_mock_and_fail_its_mutant(vendor: str) -> None:
    assert family_outcome(vendor, UNIQUE.name) == "passed"
    outcome = family_outcome(vendor, UNIQUE.name, generic_mutant(vendor, "duplicate-keys-accepted"))
    assert outcome.startswith("failed: "), outcome


def test_both_families_apply_to_the_bundled_catalogue() -> None:
    assert _with(CHARSET)
    assert _with(UNIQUE)


@pytest.mark.parametrize("vendor", _with(UNIQUE))
def test_each_documented_key_is_a_case_a_folder_may_map(vendor: str) -> None:
    spec = load_spec(vendor)
    keys = {str(k) for op in unique_operations(spec) for k in op.ext["unique-keys"]["keys"]}
    assert set(unique_cases(spec)) == keys
    for key in keys:
        family, scope = parse_key(spec, f"unique-keys.{key}")
        assert family is UNIQUE
        assert scope.cases == frozenset({key})


@pytest.mark.parametrize("vendor", [*_with(CHARSET), *_with(UNIQUE)])
def test_a_bundled_vendor_keeps_its_ids(vendor: str) -> None:
    ids = {r.id for r in catalogue(vendor)}
    made = [g for g in generated(vendor) if g.family in (CHARSET, UNIQUE)]
    assert made
    assert {g.id for g in made} <= ids
    mapped = {
        rid
        for key, rid in family_ids(vendor).items()
        if key.split(".")[0] in (CHARSET.name, UNIQUE.name)
    }
    assert {g.id for g in made} == mapped  # taken over under the folder's ids, none added


def test_the_spec_mock_passes_both_and_their_mutants_fail(facts: str) -> None:
    spec = load_spec(facts)
    assert [op.operation_id for op in charset_operations(spec)] == ["upload"]
    assert [op.operation_id for op in unique_operations(spec)] == ["upload"]
    assert level_and_source(spec, CHARSET)[0] == "must"
    assert level_and_source(spec, UNIQUE)[0] == "should"  # the kit quotes no source for it
    for family, mutant in (
        (CHARSET, "id-charset-not-checked"),
        (UNIQUE, "duplicate-keys-accepted"),
    ):
        assert family_outcome(facts, family.name) == "passed"
        assert family_outcome(facts, family.name, _answering_422(facts)) == "passed"
        outcome = family_outcome(facts, family.name, generic_mutant(facts, mutant))
        assert outcome.startswith("failed: "), outcome


def test_the_spec_mock_leaves_the_charset_pattern_to_its_hook() -> None:
    """The schema's pattern at the id-charset pointer is dropped (a copy): the hook checks it."""
    from tapecheck.suite.mocks.generic import without_pattern

    schema = {
        "allOf": [
            {
                "type": "object",
                "properties": {
                    "options": {
                        "type": "string",
                        "contentSchema": {"$ref": "#/components/schemas/Options"},
                    }
                },
            }
        ],
        "components": {
            "schemas": {
                "Options": {
                    "type": "object",
                    "properties": {"callId": {"type": "string", "pattern": "^[a-z]+$"}},
                }
            }
        },
    }
    loosened = without_pattern(schema, ["options", "callId"])
    assert "pattern" not in loosened["components"]["schemas"]["Options"]["properties"]["callId"]
    assert schema["components"]["schemas"]["Options"]["properties"]["callId"]["pattern"]
    assert without_pattern(schema, ["nothing", "here"]) == schema
