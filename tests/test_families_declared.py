"""The declared-size family: an upload holds to the size its request declared."""

from __future__ import annotations

from typing import Any

import pytest
from conform_helpers import factory_of, family_outcome, generic_mutant

from tapecheck.suite.conform.families import FAMILIES, family_ids, generated
from tapecheck.suite.conform.families import _level_and_source as level_and_source
from tapecheck.suite.conform.families.declared import declared_operations, declared_type
from tapecheck.suite.conform.families.mutants import mock_class
from tapecheck.suite.mocks.signed import StorageError
from tapecheck.suite.specs import load_spec, vendors

FAMILY = next(f for f in FAMILIES if f.name == "declared-size")


def _with() -> list[str]:
    return [v for v in vendors() if declared_operations(load_spec(v))]


def _answering_413(vendor: str) -> Any:
    """The mock's storage refusing an oversized PUT with 413 (another faithful reading)."""
    base = mock_class(vendor)
    assert base is not None

    def out_of_range(self: Any, limit: int, received: int) -> StorageError:
        return StorageError(413, "EntityTooLarge", f"over {limit} bytes")

    return factory_of(type(f"{base.__name__}Answering413", (base,), {"out_of_range": out_of_range}))


def test_the_family_applies_where_a_request_declares_the_size_of_a_signed_upload() -> None:
    assert _with()
    for vendor in _with():
        for op in declared_operations(load_spec(vendor)):
            assert (op.audio or {}).get("declared-size")
            assert op.ext.get("signed-urls", {}).get("upload")
            fmt, edits = declared_type(op)
            assert fmt in ("wav", "mp3", "aac")
            assert all(isinstance(v, str) for v in edits.values())


@pytest.mark.parametrize("vendor", _with())
def test_the_mock_passes_and_the_generic_mutant_fails(vendor: str) -> None:
    assert family_outcome(vendor, FAMILY.name) == "passed"
    outcome = family_outcome(vendor, FAMILY.name, generic_mutant(vendor, "declared-size-ignored"))
    assert outcome.startswith("failed: An upload over its declared size was not refused"), outcome


def test_a_storage_answering_413_passes_too() -> None:
    vendor = next(v for v in _with() if hasattr(mock_class(v), "out_of_range"))
    assert family_outcome(vendor, FAMILY.name, _answering_413(vendor)) == "passed"


@pytest.mark.parametrize("vendor", _with())
def test_the_docs_are_silent_so_it_is_should_and_it_keeps_the_folder_id(vendor: str) -> None:
    spec = load_spec(vendor)
    assert level_and_source(spec, FAMILY)[0] == "should"
    made = [g.id for g in generated(vendor) if g.family is FAMILY]
    assert made == [rid for key, rid in family_ids(vendor).items() if key == FAMILY.name]
