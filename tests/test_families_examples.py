"""The minimal valid request a family sends: made from the schema alone, valid against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tapecheck.suite.conform.families.examples import (
    Unmakeable,
    body_document,
    buildable,
    set_at,
    value_of,
)
from tapecheck.suite.specs import load_spec, load_spec_text, vendors


def _json_operations() -> list[tuple[str, str]]:
    return [
        (vendor, op.operation_id)
        for vendor in vendors()
        for op in load_spec(vendor).operations.values()
        if op.body_schema("application/json") is not None
    ]


@pytest.mark.parametrize(("vendor", "operation_id"), _json_operations())
def test_a_minimal_json_body_is_valid_against_its_schema(vendor: str, operation_id: str) -> None:
    spec = load_spec(vendor)
    op = spec.operation(operation_id)
    try:
        document = body_document(spec, op)
    except Unmakeable:
        pytest.skip("the schema alone does not make this body")
    schema = op.body_schema("application/json")
    assert schema is not None
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)


@pytest.mark.parametrize("vendor", vendors())
def test_a_form_document_fills_every_required_text_field(vendor: str) -> None:
    spec = load_spec(vendor)
    for op in spec.operations.values():
        if "multipart/form-data" not in op.media_types or not buildable(spec, op):
            continue
        document = body_document(spec, op)
        assert document is not None
        schema = op.body_schema("multipart/form-data")
        assert schema is not None
        parts = set((op.audio or {}).get("parts", ()))
        required = set(spec.resolve(schema["allOf"][0]).get("required", ())) - parts
        assert set(document) == required
        for name in op.ext.get("json-fields", ()):
            if name in document:
                json.dumps(document[name])  # a JSON field holds a document, sent as its text


SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Contact:
      type: object
      anyOf:
        - required: [email]
        - required: [phone]
      properties:
        email: {type: string, format: email}
        phone: {anyOf: [{type: string}, {type: number}]}
    Thing:
      type: object
      required: [id, kind, count, contacts, when, flag]
      properties:
        id: {type: string, pattern: '^[0-9]+$'}
        kind: {type: string, enum: [big, small]}
        count: {type: integer, minimum: 3}
        contacts: {type: array, minItems: 2, items: {$ref: '#/components/schemas/Contact'}}
        when: {type: string, format: date-time}
        flag: {type: boolean}
        optional: {type: string}
"""


def test_value_of_takes_the_plainest_value_each_keyword_allows() -> None:
    spec = load_spec_text(SPEC, source="t.yaml")
    value = value_of(spec, {"$ref": "#/components/schemas/Thing"})
    assert value == {
        "id": "1",
        "kind": "big",
        "count": 3,
        "contacts": [{"email": "tapecheck@example.com"}] * 2,
        "when": "2024-01-15T14:30:00Z",
        "flag": False,
    }
    with pytest.raises(Unmakeable):
        value_of(spec, {"type": "string", "pattern": "^@@$"})


def test_set_at_makes_the_objects_on_the_way() -> None:
    document: dict[str, object] = {"contacts": [{"email": "a@example.com"}]}
    set_at(document, "/metadata/id", "x")
    set_at(document, "/contacts/0/email", "b@example.com")
    assert document == {"metadata": {"id": "x"}, "contacts": [{"email": "b@example.com"}]}
