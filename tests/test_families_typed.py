"""The declared-type family: audio whose content is another format than declared is refused."""

from __future__ import annotations

from typing import Any

import pytest
from conform_helpers import factory_of, family_outcome, generic_mutant

from tapecheck.suite.audio import AudioInfo, formats_for_extension, formats_for_mime
from tapecheck.suite.conform.families import FAMILIES, family_ids, generated
from tapecheck.suite.conform.families import _level_and_source as level_and_source
from tapecheck.suite.conform.families.facts import audio_formats
from tapecheck.suite.conform.families.mutants import mock_class
from tapecheck.suite.conform.families.typed import _mismatches, _part, typed_operations
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.specs import load_spec, vendors

FAMILY = next(f for f in FAMILIES if f.name == "declared-type")


def _with() -> list[str]:
    return [v for v in vendors() if typed_operations(load_spec(v))]


def _parts() -> list[str]:
    return [
        v for v in _with() if any(_part(load_spec(v), op) for op in typed_operations(load_spec(v)))
    ]


def test_the_family_applies_to_a_labelled_part_or_a_type_declared_for_a_signed_upload() -> None:
    assert _parts()
    assert set(_with()) - set(_parts())
    for vendor in vendors():
        spec = load_spec(vendor)
        for op in spec.operations.values():
            audio = op.audio or {}
            if op not in typed_operations(spec):
                continue
            if audio.get("location") == "part":
                assert audio_formats(op), "a part of any format has nothing to contradict"
            else:
                assert audio.get("declared-type")
                assert op.ext["signed-urls"]["upload"]
        raw = [
            op for op in spec.operations.values() if (op.audio or {}).get("location") == "content"
        ]
        assert not set(raw) & set(typed_operations(spec)), "an octet-stream body declares no type"


@pytest.mark.parametrize("vendor", sorted(set(_with()) - set(_parts())))
def test_each_case_contradicts_the_declared_type(vendor: str) -> None:
    for op in typed_operations(load_spec(vendor)):
        values = op.audio["declared-type"]["values"]  # type: ignore[index]
        for case in ("foreign", "swapped"):
            for value, fmt in _mismatches(op, case):
                assert fmt not in values[value]
                assert (fmt in audio_formats(op)) is (case == "swapped")


@pytest.mark.parametrize("vendor", _with())
def test_the_mock_passes_and_the_generic_mutant_fails(vendor: str) -> None:
    assert family_outcome(vendor, FAMILY.name) == "passed"
    outcome = family_outcome(vendor, FAMILY.name, generic_mutant(vendor, "declared-type-trusted"))
    assert outcome.startswith("failed:"), outcome


def _label_reader(vendor: str) -> Any:
    """A server that refuses a part whose label is not its content (a stricter faithful reading)."""
    base = mock_class(vendor)
    assert base is not None

    async def checked_audio(
        self: Any, stored: StoredFile, operation_id: str, *, allow_silent: bool = False
    ) -> AudioInfo:
        info: AudioInfo = await base.checked_audio(
            self, stored, operation_id, allow_silent=allow_silent
        )
        label = formats_for_mime(stored.content_type or "") | (
            formats_for_extension(stored.filename or "") or frozenset()
        )
        if label and info.format not in label:
            raise MockError(400, f"labelled {sorted(label)} but {info.format} by its content")
        return info

    return factory_of(
        type(f"{base.__name__}LabelReader", (base,), {"checked_audio": checked_audio})
    )


@pytest.mark.parametrize("vendor", _parts())
def test_a_server_that_also_reads_the_label_passes_too(vendor: str) -> None:
    assert family_outcome(vendor, FAMILY.name, _label_reader(vendor)) == "passed"


@pytest.mark.parametrize("vendor", _with())
def test_the_docs_are_silent_so_it_is_should_and_it_keeps_the_folder_id(vendor: str) -> None:
    spec = load_spec(vendor)
    assert level_and_source(spec, FAMILY)[0] == "should"
    made = [g.id for g in generated(vendor) if g.family is FAMILY]
    mapped = [rid for key, rid in family_ids(vendor).items() if key.split(".")[0] == FAMILY.name]
    assert made == (mapped or [f"{vendor.upper()}-DECLARED-TYPE"])
