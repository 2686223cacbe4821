"""Large manifests take the fast paths, and the fast paths change no finding.

A manifest near the 16 MB cap (400,000 contacts, 600,000 metadata keys) is
linted without a Python call per item where one can be avoided: e-mail formats
are a compiled pattern first (:mod:`tapecheck.suite.lint._email_schema`),
the SCH006 walk is iterative, and contact clashes are found with a few
C-speed passes per key. Each shortcut is checked here against the plain
reading it replaces, on generated input; the times are measured by
``benchmarks/lint_bench.py`` (``tox -e bench``), not here.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from tapecheck.suite.lint._email_schema import plain_email_schema
from tapecheck.suite.lint._schema_walk import SchemaWalker
from tapecheck.suite.lint._validation import Checker, body_schema
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.specs import load_spec
from tapecheck.suite.values import PLAIN_EMAIL_SCHEMA, is_email, is_plain_email

needs_rs = pytest.mark.skipif(
    importlib.util.find_spec("jsonschema_rs") is None, reason="jsonschema-rs is not installed"
)

# -- e-mail addresses as a compiled pattern ---------------------------------------------

_ATOM = st.text("abcXYZ019!#$%&'*+/=?^_`{|}~-.", min_size=1, max_size=70)
_LABEL = st.text("abcxyz019-", min_size=1, max_size=70)
_ADDRESSES = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
    _ATOM,
    st.lists(_LABEL, min_size=0, max_size=4),
    st.sampled_from(
        ["com", "org", "io", "test", "TEST", "local", "localhost", "x", "c0m", "ARPA", "onion"]
    ),
)
_ODD = st.sampled_from(["\n", " ", "@", "..", "-", ".", "é", "\u212a", "\x00"])
_NEAR_ADDRESSES = st.builds(
    lambda address, odd, at: address[:at] + odd + address[at:],
    _ADDRESSES,
    _ODD,
    st.integers(0, 80),
)


@functools.cache
def _pattern_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(dict(PLAIN_EMAIL_SCHEMA))


def _pattern_accepts(value: str) -> bool:
    return bool(_pattern_validator().is_valid(value))


def _validator_accepts(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@needs_rs
@settings(max_examples=500, deadline=None)
@given(value=_ADDRESSES | _NEAR_ADDRESSES | st.text(max_size=40))
def test_the_compiled_pattern_accepts_only_what_the_e_mail_check_accepts(value: str) -> None:
    """The pattern may refuse more than ``is_email`` (it then decides), never less."""
    if _pattern_accepts(value):
        assert is_plain_email(value), value
        assert is_email(value), value
        assert _validator_accepts(value), value


@needs_rs
@pytest.mark.parametrize(
    "value",
    [
        "ada@example.com",
        "a.b+c@mail.example.org",
        "O'Brien@example.co.uk",
        "x_y@a-b.io",
        "person399999@example.com",
    ],
)
def test_common_addresses_pass_the_compiled_pattern(value: str) -> None:
    assert _pattern_accepts(value)


@needs_rs
@pytest.mark.parametrize(
    "value", ["a@b.test", "a@b.LOCAL", "a..b@x.io", "a@x--y.io", "a@-x.io", "a@b.com\n", "a@b.c"]
)
def test_the_compiled_pattern_refuses_what_is_plain_email_refuses(value: str) -> None:
    assert not is_plain_email(value)
    assert not _pattern_accepts(value)


_EMAIL = {"type": "string", "format": "email"}
#: Schemas placing ``format: email`` where failing more may make the whole pass.
_SCHEMAS: list[dict[str, Any]] = [
    {"properties": {"e": _EMAIL}},
    {"properties": {"e": {"not": _EMAIL}}},
    {"properties": {"e": {"oneOf": [_EMAIL, {"type": "string", "pattern": "@"}]}}},
    {"properties": {"e": {"if": _EMAIL, "then": {"maxLength": 3}, "else": {"minLength": 0}}}},
    {"properties": {"e": {"anyOf": [_EMAIL, {"type": "string", "maxLength": 2}]}}},
    {"properties": {"e": {"$ref": "#/$defs/mail"}, "f": {"not": {"$ref": "#/$defs/mail"}}}},
    {"properties": {"e": {"type": "array", "contains": _EMAIL, "maxContains": 1}}},
    {"properties": {"e": {"allOf": [_EMAIL], "pattern": "^[a-z]"}}},
]
for _schema in _SCHEMAS:
    _schema["$defs"] = {"mail": _EMAIL}


@needs_rs
@settings(max_examples=300, deadline=None)
@given(
    schema=st.sampled_from(_SCHEMAS),
    value=_ADDRESSES | _NEAR_ADDRESSES | st.lists(_ADDRESSES, max_size=3),
    other=_ADDRESSES,
)
def test_a_rewritten_schema_never_accepts_what_jsonschema_refuses(
    schema: dict[str, Any], value: Any, other: str
) -> None:
    checker = Checker(schema)
    instance = {"e": value, "f": other}
    if checker.surely_valid(instance):
        assert not list(checker.validator.iter_errors(instance)), (schema, instance)


def test_formats_under_not_if_one_of_and_contains_keep_the_real_check() -> None:
    negated = plain_email_schema({"properties": {"e": {"not": dict(_EMAIL)}}})
    assert negated is None
    assert plain_email_schema(_SCHEMAS[5]) is None  # its one format is reached through `not`
    mixed = plain_email_schema(
        {
            "properties": {"e": dict(_EMAIL), "f": {"not": {"$ref": "#/$defs/mail"}}},
            "$defs": {"mail": dict(_EMAIL)},
        }
    )
    assert mixed is not None
    assert "format" not in mixed["properties"]["e"]
    assert mixed["$defs"]["mail"].get("format") == "email"
    alpharun = load_spec("alpharun").operation("upload")
    rewritten = plain_email_schema(alpharun.body_schema(alpharun.media_types[0]) or {})
    assert rewritten is not None
    assert '"format": "email"' not in json.dumps(rewritten)


@needs_rs
def test_an_unusual_valid_address_is_left_to_jsonschema_which_accepts_it() -> None:
    """Refused by the pattern, accepted by email-validator: jsonschema finds no error."""
    spec = load_spec("alpharun")
    operation = spec.operation("upload")
    schema = body_schema(spec, operation, "multipart/form-data")
    assert schema is not None
    unusual = "ada@b\u00fccher.example"
    assert is_email(unusual)
    assert not _pattern_accepts(unusual)
    instance = {
        "audio": "<file>",
        "teammate_email": "sam@example.com",
        "recorded_at": "2024-01-15T14:30:00Z",
        "contacts": [{"email": "ada@example.com"}, {"email": unusual}],
    }
    assert not schema.validator.surely_valid(instance)
    assert not list(schema.validator.iter_errors(instance))
    wrong = {**instance, "teammate_email": "not an address"}
    assert [list(error.path) for error in schema.validator.iter_errors(wrong)] == [
        ["teammate_email"]
    ]


# -- the SCH006 walk ---------------------------------------------------------------------


def _recursive_undefined(
    walker: SchemaWalker, schema: Any, instance: Any, tokens: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], list[str]]]:
    """The walk as it was written first: recursive, one generator per value."""
    if isinstance(instance, Mapping):
        shape = walker._shape(schema)
        for raw_name, value in instance.items():
            name = str(raw_name)
            subs = shape.properties.get(name)
            if subs is None and shape.closed:
                yield (*tokens, name), list(shape.known)
                continue
            if not isinstance(value, dict | list):
                continue
            for sub in shape.extra if subs is None else subs:
                yield from _recursive_undefined(walker, sub, value, (*tokens, name))
    elif isinstance(instance, list):
        shape = walker._shape(schema)
        for index, value in enumerate(instance):
            if not isinstance(value, dict | list):
                continue
            for sub in shape.items:
                yield from _recursive_undefined(walker, sub, value, (*tokens, index))


_NAMES = st.sampled_from(["email", "emial", "phone_number", "custom_fields", "key", "value", "x"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=12,
)
_CONTACTS = st.lists(st.dictionaries(_NAMES, _VALUES, max_size=4) | _VALUES, max_size=5)


@settings(max_examples=300, deadline=None)
@given(contacts=_CONTACTS, extra=st.dictionaries(_NAMES, _VALUES, max_size=2))
def test_the_iterative_walk_finds_what_the_recursive_one_found(
    contacts: list[Any], extra: dict[str, Any]
) -> None:
    spec = load_spec("alpharun")
    schema = body_schema(spec, spec.operation("upload"), "multipart/form-data")
    assert schema is not None
    walker = SchemaWalker(schema.root)
    for many in (1, 70):  # 70 times: an array long enough to be checked whole first
        instance = {"contacts": contacts * many, "teammate_email": "a@b.io", **extra}
        found = list(walker.undefined(schema.root, instance))
        assert found == list(_recursive_undefined(walker, schema.root, instance))


def test_the_walk_of_a_deep_value_needs_no_recursion() -> None:
    schema = {"$ref": "#/$defs/node", "$defs": {"node": {"items": {"$ref": "#/$defs/node"}}}}
    deep: list[Any] = [{"a": 1}]
    for _ in range(5_000):
        deep = [deep]
    walker = SchemaWalker(schema)
    assert list(walker.undefined(schema, deep)) == []  # open objects: nothing undefined
    closed = {"$ref": "#/$defs/node", "$defs": {"node": {"properties": {"n": {"$ref": "#"}}}}}
    nested: dict[str, Any] = {"n": {"unknown": 1}}
    for _ in range(5_000):
        nested = {"n": nested}
    (found,) = SchemaWalker(closed).undefined(closed, nested)
    assert found == ((*(["n"] * 5_001), "unknown"), ["n"])


# -- whole manifests -----------------------------------------------------------------------


def _lint(path: Path) -> list[tuple[str, str, str]]:
    found = lint_file(Target(path, path.name, "manifest"), vendor=None, config=LintConfig())
    return [(f.code, f.pointer, f.message) for f in found]


def _contacts_manifest(contacts: list[Any]) -> dict[str, Any]:
    return {
        "vendor": "alpharun",
        "headers": {"Authorization": "Bearer ${ALPHARUN_API_KEY}"},
        "body": {
            "teammate_email": "sam.rivera@example.com",
            "recorded_at": "2024-01-15T14:30:00Z",
            "contacts": contacts,
        },
        "files": {"audio": "call.wav"},
    }


def test_a_large_contact_list_gets_each_finding_once(tmp_path: Path) -> None:
    contacts: list[Any] = [{"email": f"person{i}@example.com"} for i in range(20_000)]
    contacts[7_000] = {"email": "PERSON5@example.com"}
    contacts[9_000] = {"email": "not an address"}
    contacts[11_000] = {"emial": "x@example.com", "ext_id": "crm-1"}
    contacts[13_000] = {"email": None}
    path = tmp_path / "big.request.json"
    path.write_text(json.dumps(_contacts_manifest(contacts)), encoding="utf-8")
    codes = {(code, pointer) for code, pointer, _ in _lint(path)}
    assert {
        ("ALR002", "/body/contacts/7000/email"),
        ("SCH004", "/body/contacts/9000/email"),
        ("SCH006", "/body/contacts/11000/emial"),
        ("ALR001", "/body/contacts/13000"),
    } <= codes


# -- a large array's items screened by jsonschema-rs ------------------------------------


def _errors(validator: Any, instance: Any) -> list[tuple[Any, ...]]:
    def flat(error: Any) -> tuple[Any, ...]:
        context = tuple(flat(sub) for sub in error.context)
        return (list(error.path), list(error.schema_path), error.message, context)

    return [flat(error) for error in validator.iter_errors(instance)]


_ITEM = (
    st.fixed_dictionaries(
        {},
        optional={
            "email": st.sampled_from(["a@b.io", "nope", "ada@b\u00fccher.example", ""])
            | st.none()
            | st.integers(),
            "phone_number": st.sampled_from(["+14155552671", "x"]) | st.booleans(),
            "ext_id": st.text(max_size=2) | st.none(),
            "custom_fields": st.lists(
                st.fixed_dictionaries({"key": st.text(max_size=2)}, optional={"value": _VALUES}),
                max_size=2,
            ),
            "x": st.integers(),
        },
    )
    | _VALUES
)


@needs_rs
@settings(max_examples=150, deadline=None)
@given(contacts=st.lists(_ITEM, max_size=8), email=st.sampled_from(["a@b.io", "x"]))
def test_screened_items_give_jsonschema_s_own_errors(contacts: list[Any], email: str) -> None:
    from jsonschema import Draft202012Validator

    from tapecheck.suite.formats import format_checker
    from tapecheck.suite.lint import _validation

    spec = load_spec("alpharun")
    schema = body_schema(spec, spec.operation("upload"), "multipart/form-data")
    assert schema is not None
    instance = {"contacts": contacts, "teammate_email": email, "recorded_at": "x"}
    plain = Draft202012Validator(schema.root, format_checker=format_checker())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_validation, "LARGE_ARRAY", 0)
        screened = _validation._validator(schema.root)
        assert _errors(screened, instance) == _errors(plain, instance)


@needs_rs
def test_screening_changes_no_corpus_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from tapecheck.suite.lint import _validation

    root = Path(__file__).resolve().parent.parent
    corpus = sorted(
        path
        for folder in (root / "tests" / "cases", root / "examples")
        for path in folder.rglob("*")
        if path.name.endswith((".json", ".yaml", ".yml"))
    )
    assert corpus
    plain = {path: _lint(path) for path in corpus}
    with monkeypatch.context() as patch:
        patch.setattr(_validation, "LARGE_ARRAY", 0)
        patch.setattr(_validation, "_BODY_CACHE", {})
        patch.setattr(_validation, "_PARAMETER_CACHE", {})
        screened = {path: _lint(path) for path in corpus}
    assert screened == plain


@needs_rs
def test_the_screen_names_the_refused_items_of_the_contacts() -> None:
    from tapecheck.suite.lint import _validation
    from tapecheck.suite.lint._validation import _ItemScreen

    spec = load_spec("alpharun")
    schema = body_schema(spec, spec.operation("upload"), "multipart/form-data")
    assert schema is not None
    items = schema.root["allOf"][0]["properties"]["contacts"]["items"]
    contacts: list[Any] = [{"email": f"p{i}@example.com"} for i in range(3000)]
    contacts[5] = {"email": "nope"}
    contacts[2999] = {"first_name": "no identifier"}
    contacts[7] = {"email": "ada@b\u00fccher.example"}  # valid, but not plain: read again
    assert _ItemScreen(schema.root).refused(items, contacts, 0) == ([5, 7, 2999], [])
    assert _ItemScreen(schema.root).refused(items, contacts, 6) == ([7, 2999], [])
    with pytest.MonkeyPatch.context() as patch:  # in slices of 7 items: the same indices
        patch.setattr(_validation, "_SCREEN_SLICE", 7)
        assert _ItemScreen(schema.root).refused(items, contacts, 0) == ([5, 7, 2999], [])
        assert _ItemScreen(schema.root).refused(items, contacts, 6) == ([7, 2999], [])
