"""The vendor rules of ``tapecheck lint`` (COR, ALR, CRS, SIR, BOT), one table per code.

Each row is a manifest and the pointers the rule must report for it, counted
as CONTRACT.md counts them (one finding per offending value). The rules are
called directly on a :class:`LintContext`; ``test_cases.py`` and
``test_examples.py`` run them through the engine together with the generic
rules.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapecheck.suite.lint.context import LintContext, scalar_text
from tapecheck.suite.lint.registry import DOC_HEADINGS, GENERIC_FAMILIES, RULES, Rule
from tapecheck.suite.manifest import parse_manifest
from tapecheck.suite.specs import vendors
from tapecheck.suite.values import has_offset, parse_datetime
from tapecheck.suite.vendors import optional_vendor_module

#: The vendor rules of CONTRACT.md section 2, with their default severities (an oracle:
#: a vendor added later brings rules of its own, checked by the generic tests below).
CATALOGUE: dict[str, str] = {
    "COR001": "error",
    "COR002": "error",
    "COR003": "error",
    "ALR001": "error",
    "ALR002": "error",
    "ALR003": "error",
    "ALR004": "warning",
    "ALR005": "warning",
    "ALR006": "warning",
    "CRS001": "error",
    "CRS002": "error",
    "CRS003": "error",
    "CRS004": "error",
    "CRS005": "warning",
    "SIR001": "info",
    "BOT001": "error",
    "BOT002": "error",
    "BOT003": "error",
    "BOT004": "error",
}
#: The vendors whose folder has rules, each imported (the registry is filled on import).
RULE_VENDORS = tuple(v for v in vendors() if optional_vendor_module(v, "rules") is not None)


def check(code: str, manifest: str | dict[str, Any], tmp_path: Path) -> list[str]:
    """The pointers ``code`` reports for ``manifest`` (YAML text, or a mapping to dump)."""
    text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest, sort_keys=False)
    loaded = parse_manifest(text, path=str(tmp_path / "x.request.yaml"))
    ctx = LintContext.for_manifest(loaded, default_vendor=None)
    assert ctx.load_error is None, loaded
    assert ctx.resolve_error is None, ctx.resolve_error
    return [violation.pointer for violation in RULES[code].check(ctx)]


# -- Corti ---------------------------------------------------------------------

UUID = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
CORTI_HEADERS = {"Authorization": "Bearer ${CORTI_TOKEN}", "Tenant-Name": "${CORTI_TENANT}"}


def corti(**parts: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "vendor": "corti",
        "path": {"id": UUID},
        "headers": dict(CORTI_HEADERS),
        "content": "visit.wav",
    }
    manifest.update(parts)
    return {key: value for key, value in manifest.items() if value is not None}


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(corti(), [], id="hyphenated"),
        pytest.param(corti(path={"id": UUID.upper()}), [], id="upper-case"),
        pytest.param(corti(path={"id": "${CORTI_INTERACTION_ID}"}), [], id="env-reference"),
        pytest.param(corti(path={}), [], id="missing-is-SCH001"),
        pytest.param(corti(path={"id": "{" + UUID + "}"}), ["/path/id"], id="braces"),
        pytest.param(corti(path={"id": "urn:uuid:" + UUID}), ["/path/id"], id="urn"),
        pytest.param(corti(path={"id": UUID.replace("-", "")}), ["/path/id"], id="no-hyphens"),
        pytest.param(corti(path={"id": UUID + " "}), ["/path/id"], id="trailing-space"),
        pytest.param(corti(path={"id": "visit-42"}), ["/path/id"], id="not-a-uuid"),
        pytest.param(corti(path={"id": 42}), ["/path/id"], id="number"),
        pytest.param(
            corti(operation="create-interaction", path=None, content=None, body={"encounter": {}}),
            [],
            id="operation-without-id",
        ),
    ],
)
def test_cor001_interaction_id_not_uuid(
    manifest: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("COR001", manifest, tmp_path) == expected


def test_cor001_message_gives_the_hyphenated_form(tmp_path: Path) -> None:
    loaded = parse_manifest(
        yaml.safe_dump(corti(path={"id": "{" + UUID.upper() + "}"})),
        path=str(tmp_path / "x.request.yaml"),
    )
    ctx = LintContext.for_manifest(loaded, default_vendor=None)
    (violation,) = RULES["COR001"].check(ctx)
    assert UUID in violation.message
    assert violation.fix == f"write the id as {UUID}"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(CORTI_HEADERS, [], id="present"),
        pytest.param({"tenant-name": "base"}, [], id="any-case"),
        pytest.param({"TENANT-NAME": 7}, [], id="number-travels-as-text"),
        pytest.param({"Authorization": "Bearer ${T}"}, ["/headers/Tenant-Name"], id="missing"),
        pytest.param({"Tenant-Name": ""}, ["/headers/Tenant-Name"], id="empty"),
        pytest.param({"tenant-name": "   "}, ["/headers/tenant-name"], id="blank"),
        pytest.param({"Tenant-Name": None}, ["/headers/Tenant-Name"], id="null"),
    ],
)
def test_cor002_tenant_name_missing(
    headers: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("COR002", corti(headers=headers), tmp_path) == expected


def test_cor002_applies_to_every_operation(tmp_path: Path) -> None:
    manifest = corti(operation="create-interaction", path=None, content=None, headers={})
    assert check("COR002", manifest, tmp_path) == ["/headers/Tenant-Name"]


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(corti(), [], id="content-without-content-type"),
        pytest.param(
            corti(headers={"Content-Type": "application/octet-stream"}), [], id="octet-stream"
        ),
        pytest.param(
            corti(headers={"content-type": "Application/Octet-Stream; charset=binary"}),
            [],
            id="octet-stream-with-parameter",
        ),
        pytest.param(corti(headers={"Content-Type": "${CT}"}), [], id="env-reference"),
        pytest.param(
            corti(content=None, files={"audio": "visit.wav"}), ["/content"], id="files-part"
        ),
        pytest.param(corti(files={"audio": "visit.wav"}), ["/files"], id="files-beside-content"),
        pytest.param(
            corti(headers={"Content-Type": "audio/wav"}),
            ["/headers/Content-Type"],
            id="audio-wav",
        ),
        pytest.param(
            corti(
                content=None, files={"a": "a.wav"}, headers={"Content-Type": "multipart/form-data"}
            ),
            ["/content", "/headers/Content-Type"],
            id="multipart-both",
        ),
        pytest.param(
            corti(operation="create-interaction", path=None, content=None, files={"a": "a.wav"}),
            [],
            id="json-operation",
        ),
    ],
)
def test_cor003_body_not_octet_stream(
    manifest: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("COR003", manifest, tmp_path) == expected


# -- Alpharun --------------------------------------------------------------------


def alpharun(contacts: Any = None, recorded_at: Any = "2024-01-15T14:30:00Z") -> dict[str, Any]:
    body: dict[str, Any] = {"teammate_email": "sam@example.com", "recorded_at": recorded_at}
    body["contacts"] = contacts if contacts is not None else [{"email": "ada@example.com"}]
    return {
        "vendor": "alpharun",
        "headers": {"Authorization": "Bearer ${ALPHARUN_API_KEY}"},
        "body": body,
        "files": {"audio": "call.wav"},
    }


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        pytest.param([{"email": "a@example.com"}], [], id="email"),
        pytest.param([{"phone_number": 14155552671}], [], id="phone-number"),
        pytest.param([{"ext_id": "crm-1", "email": None}], [], id="ext-id-beside-null"),
        pytest.param([{"first_name": "Ada"}], ["/body/contacts/0"], id="none-present"),
        pytest.param(
            [{"email": None, "phone_number": None, "ext_id": None}],
            ["/body/contacts/0"],
            id="all-null",
        ),
        pytest.param([{"email": "  "}], ["/body/contacts/0"], id="blank-is-no-value"),
        pytest.param(
            [{"first_name": "A"}, {"email": "b@example.com"}, {"last_name": "C"}],
            ["/body/contacts/0", "/body/contacts/2"],
            id="one-per-contact",
        ),
        pytest.param('[{"email": null}]', ["/body/contacts/0"], id="json-string"),
        pytest.param(["ada@example.com"], [], id="not-an-object-is-SCH002"),
        pytest.param('[{"email": null', [], id="not-json-is-not-ours"),
    ],
)
def test_alr001_contact_without_identifier(
    contacts: Any, expected: list[str], tmp_path: Path
) -> None:
    assert check("ALR001", alpharun(contacts), tmp_path) == expected


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        pytest.param([{"email": "a@example.com"}, {"email": "b@example.com"}], [], id="distinct"),
        pytest.param(
            [{"email": None}, {"email": None, "ext_id": "x"}, {"email": None, "ext_id": "y"}],
            [],
            id="nulls-never-clash",
        ),
        pytest.param(
            [{"email": "a@example.com"}, {"email": "A@Example.COM"}],
            ["/body/contacts/1/email"],
            id="email-case-insensitive",
        ),
        pytest.param(
            [{"email": "a@example.com"}] * 3,
            ["/body/contacts/1/email", "/body/contacts/2/email"],
            id="three-contacts-one-email",
        ),
        pytest.param(
            [
                {"email": "a@example.com", "phone_number": "+14155552671"},
                {"email": "a@example.com", "phone_number": "+14155552671"},
            ],
            ["/body/contacts/1/email", "/body/contacts/1/phone_number"],
            id="email-and-phone",
        ),
        pytest.param(
            [{"phone_number": "+1 (415) 555-2671"}, {"phone_number": 14155552671}],
            ["/body/contacts/1/phone_number"],
            id="phone-in-e164",
        ),
        pytest.param(
            [{"phone_number": "555-0100"}, {"phone_number": "5550100"}],
            ["/body/contacts/1/phone_number"],
            id="invalid-phone-digit-by-digit",
        ),
        pytest.param(
            [{"phone_number": "+14155552671"}, {"phone_number": "+14155552672"}],
            [],
            id="different-phones",
        ),
        pytest.param([{"ext_id": "crm-1"}, {"ext_id": "CRM-1"}], [], id="ext-id-case-sensitive"),
        pytest.param(
            '[{"ext_id": "crm-1"}, {"ext_id": "crm-2"}, {"ext_id": "crm-1"}]',
            ["/body/contacts/2/ext_id"],
            id="json-string",
        ),
        pytest.param(
            [{"email": "a@example.com"}, {"phone_number": "a@example.com"}],
            [],
            id="keys-compare-only-with-themselves",
        ),
    ],
)
def test_alr002_duplicate_contact_identifier(
    contacts: Any, expected: list[str], tmp_path: Path
) -> None:
    assert check("ALR002", alpharun(contacts), tmp_path) == expected


DATE_TIMES_VALID = [
    "2024-01-15T14:30:00Z",
    "2024-01-15t14:30:00z",
    "2024-01-15 14:30:00+05:30",
    "2024-01-15T14:30:00.123456-05:00",
    "2024-01-15T14:30:00",
]
DATE_TIMES_INVALID = [
    "2024-01-15",
    "2024-01-15T14:30Z",
    "2024-01-15T14:30:00+0500",
    "2024-13-15T14:30:00Z",
    "2024-01-15T25:30:00Z",
    "15/01/2024 14:30",
    "1705329000",
    "",
    "2024-01-15T14:30:00Z\n",
]


@pytest.mark.parametrize("value", DATE_TIMES_VALID)
def test_alr003_accepts_rfc3339(value: str, tmp_path: Path) -> None:
    assert check("ALR003", alpharun(recorded_at=value), tmp_path) == []


@pytest.mark.parametrize("value", [*DATE_TIMES_INVALID, 1705329000])
def test_alr003_recorded_at_not_date_time(value: object, tmp_path: Path) -> None:
    assert check("ALR003", alpharun(recorded_at=value), tmp_path) == ["/body/recorded_at"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("2024-01-15T14:30:00Z", [], id="yaml-timestamp"),
        pytest.param("2024-01-15 14:30:00", [], id="yaml-naive-timestamp"),
        pytest.param("2024-01-15", ["/body/recorded_at"], id="yaml-date"),
    ],
)
def test_alr003_reads_unquoted_yaml_timestamps_as_text(
    line: str, expected: list[str], tmp_path: Path
) -> None:
    text = f"vendor: alpharun\nbody:\n  recorded_at: {line}\n  contacts: []\n"
    assert check("ALR003", text, tmp_path) == expected


def test_alr003_leaves_missing_and_structured_values_to_the_schema(tmp_path: Path) -> None:
    manifest = alpharun()
    del manifest["body"]["recorded_at"]
    assert check("ALR003", manifest, tmp_path) == []
    assert check("ALR003", alpharun(recorded_at={"at": "now"}), tmp_path) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2024-01-15T14:30:00Z", [], id="utc"),
        pytest.param("2024-01-15T14:30:00-05:00", [], id="offset"),
        pytest.param("2024-01-15T14:30:00", ["/body/recorded_at"], id="naive"),
        pytest.param("2024-01-15 14:30:00.5", ["/body/recorded_at"], id="naive-space"),
        pytest.param("2024-01-15", [], id="date-alone-is-ALR003"),
        pytest.param("tomorrow", [], id="other-shape-is-ALR003"),
    ],
)
def test_alr004_recorded_at_without_timezone(
    value: str, expected: list[str], tmp_path: Path
) -> None:
    assert check("ALR004", alpharun(recorded_at=value), tmp_path) == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        pytest.param("+14155552671", [], id="e164"),
        pytest.param("+1 (415) 555-2671", [], id="formatted"),
        pytest.param("14155552671", [], id="international-digits-without-plus"),
        pytest.param(442079460958, [], id="json-number"),
        pytest.param(None, [], id="null"),
        pytest.param("(415) 555-2671", ["/body/contacts/0/phone_number"], id="national"),
        pytest.param("555-0100", ["/body/contacts/0/phone_number"], id="too-short"),
        pytest.param("call me", ["/body/contacts/0/phone_number"], id="no-digits"),
        pytest.param(1.5, ["/body/contacts/0/phone_number"], id="fraction"),
        pytest.param(True, [], id="boolean-is-SCH002"),
    ],
)
def test_alr005_invalid_contact_phone(phone: Any, expected: list[str], tmp_path: Path) -> None:
    contacts = [{"email": "a@example.com", "phone_number": phone}]
    assert check("ALR005", alpharun(contacts), tmp_path) == expected


def test_alr005_one_finding_per_contact(tmp_path: Path) -> None:
    contacts = '[{"phone_number": "123"}, {"phone_number": "+14155552671"}, {"phone_number": 99}]'
    assert check("ALR005", alpharun(contacts), tmp_path) == [
        "/body/contacts/0/phone_number",
        "/body/contacts/2/phone_number",
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param([{"key": "a", "value": 1}, {"key": "b", "value": 1}], [], id="distinct"),
        pytest.param([{"key": "a", "value": 1}, {"key": "A", "value": 1}], [], id="case-sensitive"),
        pytest.param(
            [{"key": "a", "value": 1}, {"key": "a", "value": 2}],
            ["/body/contacts/0/custom_fields/1/key"],
            id="repeated",
        ),
        pytest.param(
            [{"key": "a", "value": 1}, {"key": "b", "value": 2}, {"key": "a"}, {"key": "a"}],
            ["/body/contacts/0/custom_fields/2/key", "/body/contacts/0/custom_fields/3/key"],
            id="each-repeat",
        ),
        pytest.param([{"value": 1}, {"value": 2}, "a", "a"], [], id="entries-without-key"),
        pytest.param("not a list", [], id="not-a-list-is-SCH002"),
    ],
)
def test_alr006_custom_field_key_repeated(fields: Any, expected: list[str], tmp_path: Path) -> None:
    contacts = [{"email": "a@example.com", "custom_fields": fields}]
    assert check("ALR006", alpharun(contacts), tmp_path) == expected


def test_alr006_same_key_on_two_contacts_is_fine(tmp_path: Path) -> None:
    contacts = [
        {"email": "a@example.com", "custom_fields": [{"key": "plan", "value": "pro"}]},
        {"email": "b@example.com", "custom_fields": [{"key": "plan", "value": "team"}]},
    ]
    assert check("ALR006", alpharun(contacts), tmp_path) == []


# -- Crescendo --------------------------------------------------------------------


def crescendo(metadata: Any = None, files: Any = None) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "vendor": "crescendo",
        "path": {"tenantId": "tenant-alpha"},
        "headers": {"Authorization": "Bearer ${CRESCENDO_API_KEY}"},
        "body": {"metadata": {"id": "call-123"} if metadata is None else metadata},
        "files": {"audio": "call.mp3"} if files is None else files,
    }
    return manifest


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({"id": "call-123"}, [], id="mapping"),
        pytest.param('{"id": "call-123"}', [], id="wire-string"),
        pytest.param("{}", [], id="empty-object-is-CRS002"),
        pytest.param('{"id": "call-123"', ["/body/metadata"], id="not-json"),
        pytest.param("call-123", ["/body/metadata"], id="plain-text"),
        pytest.param('["call-123"]', ["/body/metadata"], id="array-string"),
        pytest.param(["call-123"], ["/body/metadata"], id="yaml-list"),
        pytest.param('"call-123"', ["/body/metadata"], id="json-string"),
        pytest.param(42, ["/body/metadata"], id="number"),
        pytest.param("null", ["/body/metadata"], id="json-null"),
    ],
)
def test_crs001_metadata_not_json_object(
    metadata: Any, expected: list[str], tmp_path: Path
) -> None:
    assert check("CRS001", crescendo(metadata), tmp_path) == expected


def test_crs001_missing_metadata_is_sch001(tmp_path: Path) -> None:
    manifest = crescendo()
    del manifest["body"]["metadata"]
    for code in ("CRS001", "CRS002", "CRS003"):
        assert check(code, manifest, tmp_path) == []


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({"id": "call-123"}, [], id="present"),
        pytest.param({"id": None}, [], id="null-is-CRS003"),
        pytest.param({"kind": "phonecall"}, ["/body/metadata/id"], id="mapping"),
        pytest.param("{}", ["/body/metadata/id"], id="wire-string"),
        pytest.param({"ID": "call-123"}, ["/body/metadata/id"], id="key-is-case-sensitive"),
        pytest.param("[]", [], id="not-an-object-is-CRS001"),
    ],
)
def test_crs002_metadata_id_missing(metadata: Any, expected: list[str], tmp_path: Path) -> None:
    assert check("CRS002", crescendo(metadata), tmp_path) == expected


@pytest.mark.parametrize(
    "value", ["call-123", "CALL_123", "a", "0", "...", "a.b-c_d", "x" * 300, "AZaz09.-_"]
)
def test_crs003_accepts_the_charset(value: str, tmp_path: Path) -> None:
    assert check("CRS003", crescendo({"id": value}), tmp_path) == []
    assert check("CRS003", crescendo(f'{{"id": "{value}"}}'), tmp_path) == []


@pytest.mark.parametrize(
    "value",
    [
        "call 123",
        "call/123",
        "call:123",
        "call@example.com",
        "appel-é",
        "call-١٢٣",  # Arabic-Indic digits are digits, but not ASCII
        "\uff43\uff41\uff4c\uff4c",  # full-width letters
        "call-123\n",
        "call\t123",
        "call+123",
        "",
        123,
        12.5,
        True,
        None,
        ["call-123"],
        {"id": "call-123"},
    ],
)
def test_crs003_metadata_id_charset(value: Any, tmp_path: Path) -> None:
    assert check("CRS003", crescendo({"id": value}), tmp_path) == ["/body/metadata/id"]


def test_crs003_wire_string_points_into_the_document(tmp_path: Path) -> None:
    assert check("CRS003", crescendo('{"id": "call 123"}'), tmp_path) == ["/body/metadata/id"]


def test_crs003_message_names_the_characters(tmp_path: Path) -> None:
    loaded = parse_manifest(
        yaml.safe_dump(crescendo({"id": "a b/c"})), path=str(tmp_path / "x.request.yaml")
    )
    (violation,) = RULES["CRS003"].check(LintContext.for_manifest(loaded, default_vendor=None))
    assert "' '" in violation.message
    assert "'/'" in violation.message
    assert "a b/c" in violation.message


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"audio": "call.mp3"}, [], id="audio"),
        pytest.param({"file": "call.mp3"}, [], id="file"),
        pytest.param({"audio": {"path": "call.mp3", "content_type": "audio/mpeg"}}, [], id="entry"),
        pytest.param({}, ["/files/audio"], id="no-files"),
        pytest.param({"recording": "call.mp3"}, ["/files/audio"], id="other-part"),
        pytest.param({"audio": None}, ["/files/audio"], id="null-part"),
    ],
)
def test_crs004_audio_part_missing(files: Any, expected: list[str], tmp_path: Path) -> None:
    assert check("CRS004", crescendo(files=files), tmp_path) == expected


def test_crs004_raw_content_is_no_part(tmp_path: Path) -> None:
    manifest = crescendo()
    del manifest["files"]
    manifest["content"] = "call.mp3"
    assert check("CRS004", manifest, tmp_path) == ["/files/audio"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"audio": "call.mp3"}, [], id="audio"),
        pytest.param({"file": "call.mp3"}, [], id="file"),
        pytest.param({"audio": "a.mp3", "file": "b.mp3"}, ["/files/file"], id="both"),
        pytest.param({"file": "b.mp3", "audio": "a.mp3"}, ["/files/file"], id="both-any-order"),
        pytest.param({"audio": "a.mp3", "file": None}, [], id="null-file"),
    ],
)
def test_crs005_audio_parts_both(files: Any, expected: list[str], tmp_path: Path) -> None:
    assert check("CRS005", crescendo(files=files), tmp_path) == expected


# -- Siro --------------------------------------------------------------------------


def siro(operation: str = "upload", **body: Any) -> dict[str, Any]:
    base: dict[str, Any] = (
        {"downloadUrl": "https://storage.example.com/a.wav", "fileType": "wav"}
        if operation == "upload"
        else {"fileType": "wav", "fileSize": 10}
    )
    return {
        "vendor": "siro",
        "operation": operation,
        "headers": {"x-siro-auth-token": "${SIRO_AUTH_TOKEN}"},
        "body": {**base, **body},
    }


CRM = [{"objectType": "Opportunity", "objectId": "006XX000004TmiQ"}]


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(siro(customerPhone="+14155552671", customerName="Ada"), [], id="no-crm"),
        pytest.param(siro(crmObjects=CRM), [], id="crm-alone"),
        pytest.param(siro(crmObjects=None, customerName="Ada"), [], id="null-crm"),
        pytest.param(siro(crmObjects=CRM, customerPhone=None), [], id="null-phone"),
        pytest.param(
            siro(crmObjects=CRM, customerPhone="+14155552671"),
            ["/body/customerPhone"],
            id="phone",
        ),
        pytest.param(
            siro(crmObjects=CRM, customerPhone="+14155552671", customerName="Ada"),
            ["/body/customerPhone", "/body/customerName"],
            id="phone-and-name",
        ),
        pytest.param(siro(crmObjects=[], customerName="Ada"), ["/body/customerName"], id="empty"),
        pytest.param(
            siro(crmObjects=CRM, contactPhone="+14155552671"), [], id="later-name-is-SCH006"
        ),
        pytest.param(siro("signed-urls", crmObjects=CRM, customerName="Ada"), [], id="signed-urls"),
    ],
)
def test_sir001_customer_fields_ignored(
    manifest: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("SIR001", manifest, tmp_path) == expected


def test_sir001_is_info() -> None:
    assert RULES["SIR001"].severity == "info"


# -- Bota ---------------------------------------------------------------------------

IDS = {"device_id": "dev_kitchen01", "end_user_id": "eu_4711"}


def bota(
    body: dict[str, Any], *, auth: str | None = None, token: str = "${BOTA_TOKEN}", **extra: Any
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "vendor": "bota",
        "headers": {"Authorization": f"Bearer {token}"},
        "body": body,
        **extra,
    }
    if auth is not None:
        manifest["auth"] = auth
    return manifest


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(bota({"name": "x"}, auth="device-token"), [], id="no-ids"),
        pytest.param(bota(IDS, auth="secret-key"), [], id="secret-key"),
        pytest.param(bota(IDS), [], id="kind-unknown"),
        pytest.param(
            bota(IDS, auth="device-token"),
            ["/body/device_id", "/body/end_user_id"],
            id="both",
        ),
        pytest.param(
            bota({"end_user_id": None}, auth="device-token"),
            ["/body/end_user_id"],
            id="null-is-still-sent",
        ),
        pytest.param(
            bota(IDS, token="dtok_abc123"),
            ["/body/device_id", "/body/end_user_id"],
            id="token-prefix",
        ),
        pytest.param(bota(IDS, auth="secret-key", token="dtok_abc"), [], id="auth-wins"),
        pytest.param(
            bota(
                {"type": "audio"}, auth="device-token", operation="upload-url", path={"id": "rec_1"}
            ),
            [],
            id="upload-url",
        ),
    ],
)
def test_bot001_ids_with_device_token(
    manifest: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("BOT001", manifest, tmp_path) == expected


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(bota(IDS, auth="secret-key"), [], id="secret-key"),
        pytest.param(bota(IDS, auth="restricted-key"), [], id="restricted-key"),
        pytest.param(bota({}, auth="device-token"), [], id="device-token"),
        pytest.param(bota({}), [], id="kind-unknown"),
        pytest.param(bota({}, auth="upload-token"), [], id="other-kind"),
        pytest.param(
            bota({}, auth="secret-key"), ["/body/device_id", "/body/end_user_id"], id="both"
        ),
        pytest.param(
            bota({"device_id": "dev_1", "end_user_id": None}, auth="restricted-key"),
            ["/body/end_user_id"],
            id="null",
        ),
        pytest.param(
            bota({"device_id": "dev_1"}, token="sk_test_abc"), ["/body/end_user_id"], id="sk-test"
        ),
        pytest.param(
            bota({"end_user_id": "eu_1"}, token="sk_live_abc"), ["/body/device_id"], id="sk-live"
        ),
        pytest.param(bota({}, token="rk_abc"), ["/body/device_id", "/body/end_user_id"], id="rk"),
        pytest.param(bota({}, auth="device-token", token="sk_live_abc"), [], id="auth-wins"),
        pytest.param(
            bota({"device_id": "${D}", "end_user_id": "${E}"}, auth="secret-key"),
            [],
            id="env-references",
        ),
    ],
)
def test_bot002_ids_missing_with_key(
    manifest: dict[str, Any], expected: list[str], tmp_path: Path
) -> None:
    assert check("BOT002", manifest, tmp_path) == expected


@pytest.mark.parametrize(
    ("started", "ended", "expected"),
    [
        pytest.param("2024-05-01T08:00:00Z", "2024-05-01T08:45:00Z", [], id="after"),
        pytest.param("2024-05-01T08:00:00Z", "2024-05-01T08:00:00Z", [], id="equal"),
        pytest.param("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z", [], id="equal-instants"),
        pytest.param("2024-05-01T10:00:00", "2024-05-01T10:00:00Z", [], id="naive-is-utc"),
        pytest.param(
            "2024-05-01T08:00:00Z", "2024-05-01T07:59:59.999Z", ["/body/ended_at"], id="before"
        ),
        pytest.param(
            "2024-05-01T10:00:00+02:00",
            "2024-05-01T07:45:00Z",
            ["/body/ended_at"],
            id="before-across-offsets",
        ),
        pytest.param(
            "2024-05-01T10:00:00", "2024-05-01T11:30:00+02:00", ["/body/ended_at"], id="naive-utc"
        ),
        pytest.param("2024-05-01", "2024-04-01T00:00:00Z", [], id="not-date-times-are-SCH004"),
        pytest.param(None, "2024-04-01T00:00:00Z", [], id="missing-start"),
        # Instants past datetime's range in UTC: compared exactly, never an OverflowError.
        pytest.param(
            "9999-12-31T23:59:59-01:00", "2024-05-01T08:00:00Z", ["/body/ended_at"], id="year-9999"
        ),
        pytest.param("2024-05-01T08:00:00Z", "9999-12-31T23:59:59-01:00", [], id="end-9999"),
        pytest.param(
            "9999-12-31T23:59:59-01:00",
            "9999-12-31T23:59:59-02:00",
            [],
            id="both-past-9999",
        ),
        pytest.param(
            "9999-12-31T23:59:59-02:00",
            "9999-12-31T23:59:59-01:00",
            ["/body/ended_at"],
            id="both-past-9999-before",
        ),
        pytest.param(
            "0001-01-01T00:00:00+01:00",
            "0001-01-01T00:00:00+02:00",
            ["/body/ended_at"],
            id="year-1",
        ),
        pytest.param("0001-01-01T00:30:00+01:00", "0001-01-01T00:00:00", [], id="year-1-naive"),
    ],
)
def test_bot003_ended_before_started(
    started: str | None, ended: str, expected: list[str], tmp_path: Path
) -> None:
    body: dict[str, Any] = {**IDS, "ended_at": ended}
    if started is not None:
        body["started_at"] = started
    assert check("BOT003", bota(body, auth="secret-key"), tmp_path) == expected


def test_bot003_reads_unquoted_yaml_timestamps(tmp_path: Path) -> None:
    text = (
        "vendor: bota\nauth: secret-key\nbody:\n  started_at: 2024-05-01T10:00:00+02:00\n"
        "  ended_at: 2024-05-01T07:00:00Z\n"
    )
    assert check("BOT003", text, tmp_path) == ["/body/ended_at"]


@pytest.mark.parametrize(
    ("body", "auth", "expected"),
    [
        pytest.param(IDS, "secret-key", [], id="prefixed"),
        pytest.param({"device_id": "${D}", "end_user_id": "${E}"}, "secret-key", [], id="env"),
        pytest.param(
            {"device_id": "kitchen01", **{"end_user_id": "eu_1"}},
            "secret-key",
            ["/body/device_id"],
            id="device",
        ),
        pytest.param(
            {"device_id": "eu_1", "end_user_id": "dev_1"},
            None,
            ["/body/device_id", "/body/end_user_id"],
            id="swapped",
        ),
        pytest.param(
            {"device_id": "DEV_1", "end_user_id": "eu_1"},
            "secret-key",
            ["/body/device_id"],
            id="case",
        ),
        pytest.param(
            {"device_id": "", "end_user_id": "eu_1"}, "secret-key", ["/body/device_id"], id="empty"
        ),
        pytest.param(
            {"device_id": 7, "end_user_id": "eu_1"}, "secret-key", [], id="number-is-SCH002"
        ),
        pytest.param({"device_id": "kitchen01"}, "device-token", [], id="device-token-is-BOT001"),
    ],
)
def test_bot004_id_prefix_mismatch(
    body: dict[str, Any], auth: str | None, expected: list[str], tmp_path: Path
) -> None:
    assert check("BOT004", bota(body, auth=auth), tmp_path) == expected


# -- the catalogue and its documentation -------------------------------------------

VENDOR_RULES = sorted(
    (r for r in RULES.values() if r.vendor is not None and r.family != "FLW"),  # FLW: live traffic
    key=lambda r: r.code,
)


def test_vendor_rules_keep_the_contract_catalogue() -> None:
    found = {rule.code: rule.severity for rule in VENDOR_RULES}
    assert {code: found.get(code) for code in CATALOGUE} == CATALOGUE


def test_each_vendor_rule_family_is_one_vendors() -> None:
    owners: dict[str, set[str | None]] = {}
    for rule in VENDOR_RULES:
        owners.setdefault(rule.family, set()).add(rule.vendor)
    assert all(len(vendors_of) == 1 for vendors_of in owners.values()), owners
    assert not set(GENERIC_FAMILIES) & set(owners)


@pytest.mark.parametrize("rule", VENDOR_RULES, ids=lambda r: r.code)
def test_vendor_rule_identity(rule: Rule) -> None:
    assert rule.vendor in vendors()
    assert rule.check.__module__ == f"tapecheck.suite.vendors.{rule.vendor}.rules"
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", rule.name)


@pytest.mark.parametrize("rule", VENDOR_RULES, ids=lambda r: r.code)
def test_vendor_rule_documents_itself(rule: Rule) -> None:
    headings = re.findall(r"^## (.+)$", rule.doc, re.MULTILINE)
    assert tuple(headings) == DOC_HEADINGS
    assert rule.summary.endswith(".")
    assert "\n" not in rule.summary
    example = rule.section("Example")
    blocks = re.findall(r"```yaml\n(.*?)```", example, re.DOTALL)
    assert len(blocks) >= 2, "an Example shows the bad manifest and the good one"
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict)
    assert "no automatic fix" in rule.section("Fix safety").lower()
    references = rule.section("References")
    assert "shared/seeds/" in references
    assert rule.fix_title


# -- lightness and the shared value helpers ----------------------------------------


def test_rules_import_nothing_heavy() -> None:
    heavy = ("schemathesis", "hypothesis", "starlette", "pydub", "phonenumbers", "email_validator")
    modules = ", ".join(f"tapecheck.suite.vendors.{v}.rules" for v in RULE_VENDORS)
    code = (
        f"import importlib, sys\nfor m in '{modules}'.split(', '): importlib.import_module(m)\n"
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2024-01-15T14:30:00Z", True),
        ("2024-01-15T14:30:00-00:00", True),
        ("2024-01-15T14:30:00+05:30", True),
        ("2024-01-15T14:30:00", False),
    ],
)
def test_has_offset(text: str, offset: bool) -> None:
    moment = parse_datetime(text)
    assert moment is not None
    assert has_offset(moment) is offset


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 1, 15, 14, 30, tzinfo=UTC), "2024-01-15T14:30:00+00:00"),
        (
            datetime(2024, 1, 15, 14, 30, 0, 500000, tzinfo=timezone(timedelta(hours=-5))),
            "2024-01-15T14:30:00.500000-05:00",
        ),
        (datetime(2024, 1, 15, 14, 30), "2024-01-15T14:30:00"),
        (date(2024, 1, 15), "2024-01-15"),
        ("2024-01-15", "2024-01-15"),
        (7, 7),
        (None, None),
    ],
)
def test_scalar_text(value: object, text: object) -> None:
    assert scalar_text(value) == text
