"""What the families read and make beyond the spec's operations: ids, formats, sizes, error members."""

from __future__ import annotations

import struct
from pathlib import Path

import httpx
import pytest
import yaml

from tapecheck.suite.conform.checks import CheckContext, ConformanceFailure
from tapecheck.suite.conform.families.checks import error_members
from tapecheck.suite.conform.families.facts import refused_formats, unknown_path
from tapecheck.suite.conform.families.sizes import one_byte_more
from tapecheck.suite.specs import Spec, load_spec_text

KIT = Path(__file__).resolve().parent / "vendor_kit" / "sixth.yaml"


def _kit(**changes: object) -> Spec:
    document = yaml.safe_load(KIT.read_text(encoding="utf-8"))
    document["x-tapecheck"].update(changes)
    return load_spec_text(yaml.safe_dump(document), source="sixth.yaml")


def test_an_unknown_id_fits_the_ids_pattern_by_its_literal_prefix() -> None:
    document = yaml.safe_load(KIT.read_text(encoding="utf-8"))
    for parameter in document["paths"]["/recordings/{id}"]["get"]["parameters"]:
        if parameter["name"] == "id":
            parameter["schema"] = {"type": "string", "pattern": "^rec_[0-9a-f]{32}$"}
    spec = load_spec_text(yaml.safe_dump(document), source="sixth.yaml")
    path = unknown_path(spec, spec.operation("get-recording"))
    assert path == {"id": "rec_000000007a9ec0de0000000123456789"}


def test_every_format_the_operation_does_not_list_is_sent_for_a_refusal() -> None:
    spec = _kit()
    upload = spec.operation("upload")
    listed = set((upload.audio or {})["formats"])
    refused = refused_formats(upload)
    assert refused
    assert not listed & set(refused)
    assert {"flac", "opus"} - listed <= set(refused)


def test_one_byte_more_is_the_same_wav_with_one_more_byte_its_header_counts(
    tmp_path: Path,
) -> None:
    wav = tmp_path / "at-limit.wav"
    data = b"\x01\x02" * 500
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16) + b"data"
    wav.write_bytes(header + struct.pack("<I", len(data)) + data)
    more = one_byte_more(wav, "wav")
    body = more.read_bytes()
    assert len(body) == wav.stat().st_size + 1
    assert struct.unpack_from("<I", body, 4)[0] == 36 + len(data) + 1
    assert struct.unpack_from("<I", body, 40)[0] == len(data) + 1
    assert one_byte_more(wav, "wav") == more  # made once


def _error(spec: Spec, status: int, body: object) -> None:
    error_members(CheckContext(spec), httpx.Response(status, json=body))


MEMBERS = {
    "status": "/status",
    "code": "/error/code",
    "codes": {"404": "not_found"},
    "said": ["/error/message"],
}


def test_error_members_pass_an_error_that_says_what_the_docs_say() -> None:
    spec = _kit(**{"error-members": MEMBERS})
    _error(spec, 404, {"status": 404, "error": {"code": "not_found", "message": "no such id"}})
    # A status the docs pair with no code: any code.
    _error(spec, 403, {"status": 403, "error": {"code": "forbidden", "message": "not yours"}})
    # A spec that states no members asks nothing more.
    _error(_kit(), 404, {"anything": True})


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ({"status": 400, "error": {"code": "not_found", "message": "x"}}, "status disagrees"),
        ({"status": 404, "error": {"code": "missing", "message": "x"}}, "Wrong error code"),
        ({"status": 404, "error": {"code": "not_found", "message": " "}}, "Empty error member"),
    ],
)
def test_error_members_name_what_an_error_gets_wrong(body: object, title: str) -> None:
    spec = _kit(**{"error-members": MEMBERS})
    with pytest.raises(ConformanceFailure, match=title) as caught:
        _error(spec, 404, body)
    assert caught.value.code == "error_members"


def test_statuses_the_docs_pin_narrow_a_family_case_and_the_schema_takes_them() -> None:
    from jsonschema import Draft202012Validator

    from tapecheck.suite.conform.families.behaviours import _pinned
    from tapecheck.suite.specs import extension_schema

    spec = _kit(statuses={"credentials.missing": [401], "not-found": [404, 410]})
    assert _pinned(spec, "credentials.missing", frozenset({401, 403})) == {401}
    assert _pinned(spec, "credentials.wrong", frozenset({401, 403})) == {401, 403}
    assert _pinned(spec, "not-found", frozenset({404})) == {404, 410}
    root = extension_schema()
    validator = Draft202012Validator({"$ref": "#/$defs/document", "$defs": root["$defs"]})
    document = {**spec.ext, "error-members": MEMBERS}
    problems = [e.message for e in validator.iter_errors(document)]
    assert problems == []
    bad = {**spec.ext, "statuses": {"Credentials": [200]}, "error-members": {"code": "/c"}}
    assert len(list(validator.iter_errors(bad))) >= 3
