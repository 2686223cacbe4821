"""The generic requirement and mutant families: generated from a spec's facts, leveled by their sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tapecheck.suite.conform import families
from tapecheck.suite.conform.families import (
    FAMILIES,
    Family,
    Scope,
    covered,
    family_ids,
    generated,
    parse_key,
)
from tapecheck.suite.conform.families import _level_and_source as level_and_source
from tapecheck.suite.conform.families.facts import fact_source, unknown_path
from tapecheck.suite.conform.families.mutants import generic_mutants
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.specs import Spec, load_spec_text, vendors

KIT = Path(__file__).resolve().parent / "vendor_kit" / "sixth.yaml"


def _family(name: str) -> Family:
    return next(f for f in FAMILIES if f.name == name)


def _sixth(*, sources: bool) -> Spec:
    document = yaml.safe_load(KIT.read_text(encoding="utf-8"))
    if not sources:
        document["x-tapecheck"].pop("sources")
        upload = document["paths"]["/recordings"]["post"]["x-tapecheck"]
        upload.pop("sources")
        upload["audio"].pop("source")
    return load_spec_text(yaml.safe_dump(document), source="sixth.yaml")


def test_each_family_finds_the_operations_the_spec_alone_can_call() -> None:
    spec = _sixth(sources=True)
    ops = {f.name: [op.operation_id for op in f.operations(spec)] for f in FAMILIES}
    assert ops == {
        "credentials": ["upload", "get-recording"],
        "size-limit": ["upload"],
        "formats": ["upload"],
        "success-status": ["upload"],
        # An unknown id, and a missing credential on the first secured operation.
        "error-shape": ["upload", "get-recording"],
        "not-found": ["get-recording"],
        # The sixth spec states no tenant, id charset, unique keys or declared size.
        "tenant-isolation": [],
        "id-charset": [],
        "unique-keys": [],
        "declared-size": [],
        "damaged-audio": ["upload"],
        # Its raw octet-stream body declares no type.
        "declared-type": [],
    }
    path = unknown_path(spec, spec.operation("get-recording"))
    assert path is not None
    assert set(path) == {"id"}


@pytest.mark.parametrize("name", ["credentials", "size-limit", "formats", "success-status"])
def test_a_quoted_fact_is_must_and_a_silent_one_should(name: str) -> None:
    level, source = level_and_source(_sixth(sources=True), _family(name))
    assert level == "must"
    assert "Sixth docs" in source
    level, source = level_and_source(_sixth(sources=False), _family(name))
    assert level == "should"
    assert "quotes no source" in source


def test_not_found_has_no_source_in_the_kit_so_it_is_should() -> None:
    spec = _sixth(sources=True)
    assert fact_source(spec, spec.operation("get-recording"), "not-found") is None
    assert level_and_source(spec, _family("not-found"))[0] == "should"


@pytest.mark.parametrize("vendor", vendors())
def test_a_bundled_vendor_keeps_its_own_ids_for_the_families_it_covers(vendor: str) -> None:
    ids = {r.id for r in catalogue(vendor)}
    for family, own in covered(vendor).items():
        assert own, family
        assert set(own) <= ids, (family, set(own) - ids)
    # Every family that applies to the bundled spec is covered by the folder or generated
    # under the folder's existing ids: no new id.
    mapped = family_ids(vendor)
    assert {g.id for g in generated(vendor)} == set(mapped.values())
    assert set(mapped.values()) <= ids


def test_a_family_ids_key_names_a_family_then_its_cases_or_operations() -> None:
    spec = _sixth(sources=True)
    assert parse_key(spec, "size-limit") == (_family("size-limit"), Scope())
    family, scope = parse_key(spec, "credentials.missing")
    assert family == _family("credentials")
    assert scope == Scope(cases=frozenset({"missing"}))
    assert parse_key(spec, "credentials.wrong.get-recording")[1] == Scope(
        frozenset({"wrong"}), frozenset({"get-recording"})
    )
    ops = parse_key(spec, "not-found.get-recording")[1].ops(spec.operations.values())
    assert [op.operation_id for op in ops] == ["get-recording"]


@pytest.mark.parametrize(
    ("key", "said"),
    [("tenancy", "no family 'tenancy'"), ("credentials.absent", "neither a case")],
)
def test_a_family_ids_key_that_names_nothing_is_refused(key: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_key(_sixth(sources=True), key)


def test_mapped_keys_are_generated_under_the_folders_ids_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = _sixth(sources=True)
    monkeypatch.setattr(families, "load_spec", lambda vendor: spec)
    monkeypatch.setattr(families, "covered", lambda vendor: {"formats": ("SIXTH-OWN",)})
    monkeypatch.setattr(
        families,
        "family_ids",
        lambda vendor: {
            "credentials.missing": "SIXTH-AUTH-MISSING",
            "credentials.wrong.upload": "SIXTH-AUTH-WRONG",
            "not-found.get-recording": "SIXTH-RECORDING-NOT-FOUND",
        },
    )
    made = {g.id: g for g in generated("sixth")}
    assert list(made) == [
        "SIXTH-AUTH-MISSING",
        "SIXTH-AUTH-WRONG",
        "SIXTH-SIZE-LIMIT",
        "SIXTH-SUCCESS-STATUS",
        "SIXTH-ERROR-BODY",
        "SIXTH-RECORDING-NOT-FOUND",
        "SIXTH-DAMAGED-AUDIO",
    ]
    wrong = made["SIXTH-AUTH-WRONG"]
    assert wrong.scope == Scope(frozenset({"wrong"}), frozenset({"upload"}))
    # The level rules are the family's: the kit quotes credentials (must), not not-found.
    assert level_and_source(spec, wrong.family, wrong.scope)[0] == "must"
    missing = made["SIXTH-RECORDING-NOT-FOUND"]
    assert level_and_source(spec, missing.family, missing.scope)[0] == "should"


def test_a_mapped_key_the_family_cannot_reach_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _sixth(sources=True)
    monkeypatch.setattr(families, "load_spec", lambda vendor: spec)
    monkeypatch.setattr(families, "covered", lambda vendor: {})
    monkeypatch.setattr(families, "family_ids", lambda vendor: {"size-limit.get-recording": "X"})
    with pytest.raises(ValueError, match="applies to no operation"):
        generated("sixth")


@pytest.mark.parametrize("vendor", vendors())
def test_every_generic_mutant_names_requirements_of_the_catalogue(vendor: str) -> None:
    ids = {r.id for r in catalogue(vendor)}
    found = generic_mutants(vendor)
    assert found, vendor
    for mutant in found:
        assert mutant.name.startswith("generic-")
        assert mutant.expect, mutant
        assert set(mutant.expect) <= ids, mutant
