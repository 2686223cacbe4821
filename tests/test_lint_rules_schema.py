"""SCH001-SCH006: requests checked against the vendors' specs, one finding per value."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.lint.registry import RULES, load_rules
from tapecheck.suite.lint.wording import describe_pointer, show_value
from tapecheck.suite.manifest import parse_manifest

load_rules()

SCH_CODES = ("SCH001", "SCH002", "SCH003", "SCH004", "SCH005", "SCH006")
Found = Counter[tuple[str, str]]

UUID = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
AUTH = 'headers: {Authorization: "Bearer ${TOKEN}"}\n'

CRESCENDO = "vendor: crescendo\npath: {tenantId: tenant-a}\n" + AUTH
ALPHARUN_FIELDS = '  teammate_email: sam@example.com\n  recorded_at: "2024-01-15T14:30:00-05:00"\n'
ALPHARUN = "vendor: alpharun\n" + AUTH + "files: {audio: call.wav}\nbody:\n" + ALPHARUN_FIELDS
SIRO = 'vendor: siro\nheaders: {x-siro-auth-token: "${SIRO_TOKEN}"}\n'
CORTI = (
    f"vendor: corti\npath: {{id: {UUID}}}\n"
    'headers: {Authorization: "Bearer ${T}", Tenant-Name: base}\n'
)
CORTI_INTERACTION = (
    "vendor: corti\noperation: create-interaction\n"
    'headers: {Authorization: "Bearer ${T}", Tenant-Name: base}\n'
)
BOTA = 'vendor: bota\nheaders: {Authorization: "Bearer ${BOTA_TOKEN}"}\n'


def context(tmp_path: Path, text: str) -> LintContext:
    path = tmp_path / "x.request.yaml"
    path.write_text(text, encoding="utf-8")
    ctx = LintContext.for_manifest(parse_manifest(text, path=str(path)), default_vendor=None)
    assert ctx.load_error is None, ctx.load_error
    return ctx


def run(tmp_path: Path, text: str) -> Found:
    ctx = context(tmp_path, text)
    return Counter((code, v.pointer) for code in SCH_CODES for v in RULES[code].check(ctx))


def messages(tmp_path: Path, text: str) -> dict[str, str]:
    ctx = context(tmp_path, text)
    return {v.pointer: v.message for code in SCH_CODES for v in RULES[code].check(ctx)}


def expect(*pairs: tuple[str, str]) -> Found:
    return Counter(pairs)


CASES: list[tuple[str, str, Found]] = [
    # -- Crescendo: multipart, `metadata` a JSON form field ---------------------------
    (
        "crescendo-valid",
        CRESCENDO + "body: {metadata: {id: call-123}}\nfiles: {audio: call.mp3}\n",
        expect(),
    ),
    (
        "crescendo-metadata-as-json-string",
        CRESCENDO + 'body: {metadata: \'{"id": "call-123", "kind": "x"}\'}\n',
        expect(),
    ),
    (
        "crescendo-missing-metadata",
        CRESCENDO + "files: {audio: call.mp3}\n",
        expect(("SCH001", "/body/metadata")),
    ),
    (
        "crescendo-metadata-without-id",
        CRESCENDO + 'body: {metadata: \'{"kind": "call"}\'}\n',
        expect(("SCH001", "/body/metadata/id")),
    ),
    (
        "crescendo-id-with-space-in-json-string",
        CRESCENDO + 'body: {metadata: \'{"id": "call 123"}\'}\n',
        expect(("SCH004", "/body/metadata/id")),
    ),
    (
        "crescendo-empty-id-is-one-finding",
        CRESCENDO + "body: {metadata: {id: ''}}\n",
        expect(("SCH004", "/body/metadata/id")),
    ),
    (
        "crescendo-id-a-number",
        CRESCENDO + "body: {metadata: {id: 5}}\n",
        expect(("SCH002", "/body/metadata/id")),
    ),
    (
        "crescendo-metadata-not-json",
        CRESCENDO + "body: {metadata: '{id: call-123'}\n",
        expect(("SCH002", "/body/metadata")),
    ),
    ("crescendo-metadata-a-reference", CRESCENDO + "body: {metadata: '${METADATA}'}\n", expect()),
    (
        "crescendo-missing-tenant",
        "vendor: crescendo\n" + AUTH + "body: {metadata: {id: a}}\n",
        expect(("SCH001", "/path/tenantId")),
    ),
    (
        "crescendo-empty-tenant",
        "vendor: crescendo\npath: {tenantId: ''}\n" + AUTH + "body: {metadata: {id: a}}\n",
        expect(("SCH001", "/path/tenantId")),
    ),
    (
        "crescendo-numeric-tenant-is-text",
        "vendor: crescendo\npath: {tenantId: 42}\n" + AUTH + "body: {metadata: {id: a}}\n",
        expect(),
    ),
    (
        "crescendo-path-not-a-mapping",
        "vendor: crescendo\npath: [tenant-a]\n" + AUTH + "body: {metadata: {id: a}}\n",
        expect(("SCH002", "/path")),
    ),
    (
        "crescendo-unknown-field-and-part",
        CRESCENDO + "body: {metadata: {id: a}, note: hi}\nfiles: {audio: a.mp3, clip: b.mp3}\n",
        expect(("SCH006", "/body/note"), ("SCH006", "/files/clip")),
    ),
    (
        "crescendo-object-in-a-text-field",
        CRESCENDO + "body: {metadata: {id: a}, note: {a: 1}}\n",
        expect(("SCH002", "/body/note")),
    ),
    (
        "crescendo-extra-metadata-members-are-open",
        CRESCENDO + "body: {metadata: {id: a, agent: {name: x}}}\n",
        expect(),
    ),
    (
        "crescendo-body-not-a-mapping",
        CRESCENDO + "body: [metadata]\n",
        expect(("SCH002", "/body")),
    ),
    # -- Alpharun: multipart, `contacts` a JSON form field, anyOf contacts -----------
    ("alpharun-valid", ALPHARUN + "  contacts: [{email: ada@example.com}]\n", expect()),
    (
        "alpharun-contacts-json-string",
        ALPHARUN + '  contacts: \'[{"phone_number": 14155552671}, {"ext_id": "c-1"}]\'\n',
        expect(),
    ),
    (
        "alpharun-missing-audio-and-contacts",
        "vendor: alpharun\n" + AUTH + "body:\n" + ALPHARUN_FIELDS,
        expect(("SCH001", "/files/audio"), ("SCH001", "/body/contacts")),
    ),
    ("alpharun-no-contact", ALPHARUN + "  contacts: []\n", expect(("SCH005", "/body/contacts"))),
    (
        "alpharun-contact-without-identifier",
        ALPHARUN + "  contacts: [{first_name: Ada}]\n",
        expect(("SCH001", "/body/contacts/0")),
    ),
    (
        "alpharun-contact-all-null",
        ALPHARUN + "  contacts: [{email: null, phone_number: null, ext_id: null}]\n",
        expect(("SCH001", "/body/contacts/0")),
    ),
    (
        "alpharun-one-null-one-value",
        ALPHARUN + "  contacts: [{email: null, ext_id: c-1}]\n",
        expect(),
    ),
    (
        "alpharun-two-bad-contacts",
        ALPHARUN + "  contacts: [{first_name: A}, {email: ada@example.com}, {last_name: B}]\n",
        expect(("SCH001", "/body/contacts/0"), ("SCH001", "/body/contacts/2")),
    ),
    (
        "alpharun-phone-an-object",
        ALPHARUN + "  contacts: [{phone_number: {n: 1}}]\n",
        expect(("SCH002", "/body/contacts/0/phone_number")),
    ),
    (
        "alpharun-custom-field-value-a-list",
        ALPHARUN + "  contacts: [{email: a@example.com, custom_fields: [{key: k, value: [1]}]}]\n",
        expect(("SCH002", "/body/contacts/0/custom_fields/0/value")),
    ),
    (
        "alpharun-custom-field-without-value",
        ALPHARUN + "  contacts: [{email: a@example.com, custom_fields: [{key: k}]}]\n",
        expect(("SCH001", "/body/contacts/0/custom_fields/0/value")),
    ),
    (
        "alpharun-unknown-contact-member",
        ALPHARUN + "  contacts: [{email: a@example.com, nickname: Al}]\n",
        expect(("SCH006", "/body/contacts/0/nickname")),
    ),
    (
        "alpharun-bad-email",
        "vendor: alpharun\n" + AUTH + "files: {audio: c.wav}\nbody:\n  teammate_email: 'sam@'\n"
        '  recorded_at: "2024-01-15T14:30:00Z"\n  contacts: [{email: "ada@@example.com"}]\n',
        expect(("SCH004", "/body/teammate_email"), ("SCH004", "/body/contacts/0/email")),
    ),
    (
        "alpharun-email-a-number-is-text-then-format",
        "vendor: alpharun\n" + AUTH + "files: {audio: c.wav}\nbody:\n  teammate_email: 42\n"
        '  recorded_at: "2024-01-15T14:30:00Z"\n  contacts: [{ext_id: x}]\n',
        expect(("SCH004", "/body/teammate_email")),
    ),
    (
        "alpharun-email-a-reference",
        "vendor: alpharun\n" + AUTH + "files: {audio: c.wav}\nbody:\n"
        '  teammate_email: "${TEAMMATE}"\n  recorded_at: "${WHEN}"\n  contacts: [{ext_id: x}]\n',
        expect(),
    ),
    (
        "alpharun-recorded-at-date-only",
        "vendor: alpharun\n" + AUTH + "files: {audio: c.wav}\nbody:\n"
        "  teammate_email: sam@example.com\n  recorded_at: '2024-01-15'\n  contacts: [{ext_id: x}]\n",
        expect(("SCH004", "/body/recorded_at")),
    ),
    (
        "alpharun-recorded-at-unquoted-yaml-timestamp",
        "vendor: alpharun\n" + AUTH + "files: {audio: c.wav}\nbody:\n"
        "  teammate_email: sam@example.com\n  recorded_at: 2024-01-15T14:30:00Z\n  contacts: [{ext_id: x}]\n",
        expect(),
    ),
    (
        "alpharun-playbook-uuid",
        ALPHARUN + f"  playbook_id: {UUID.upper()}\n  contacts: [{{ext_id: x}}]\n",
        expect(),
    ),
    (
        "alpharun-playbook-braces",
        ALPHARUN + f"  playbook_id: '{{{UUID}}}'\n  contacts: [{{ext_id: x}}]\n",
        expect(("SCH004", "/body/playbook_id")),
    ),
    (
        "alpharun-playbook-urn",
        ALPHARUN + f"  playbook_id: 'urn:uuid:{UUID}'\n  contacts: [{{ext_id: x}}]\n",
        expect(("SCH004", "/body/playbook_id")),
    ),
    (
        "alpharun-playbook-no-hyphens",
        ALPHARUN + f"  playbook_id: {UUID.replace('-', '')}\n  contacts: [{{ext_id: x}}]\n",
        expect(("SCH004", "/body/playbook_id")),
    ),
    (
        "alpharun-older-docs-field",
        ALPHARUN + "  recording_assessment_template_id: t-1\n  contacts: [{ext_id: x}]\n",
        expect(("SCH006", "/body/recording_assessment_template_id")),
    ),
    # -- Siro: JSON body ---------------------------------------------------------------
    (
        "siro-valid",
        SIRO + "body: {downloadUrl: 'https://storage.example.com/c.mp3', fileType: mp3,"
        " dateCreated: '2024-01-15 14:30:00Z', crmObjects: [{objectType: Deal, objectId: '1'}]}\n",
        expect(),
    ),
    (
        "siro-file-type-case",
        SIRO + "body: {downloadUrl: 'https://s.example.com/c.mp3', fileType: MP3}\n",
        expect(("SCH003", "/body/fileType")),
    ),
    (
        "siro-later-docs-name",
        SIRO + "body: {fileUrl: 'https://s.example.com/c.mp3', fileType: mp3}\n",
        expect(("SCH001", "/body/downloadUrl"), ("SCH006", "/body/fileUrl")),
    ),
    (
        "siro-no-body",
        SIRO,
        expect(("SCH001", "/body/downloadUrl"), ("SCH001", "/body/fileType")),
    ),
    ("siro-body-a-list", SIRO + "body: [1, 2]\n", expect(("SCH002", "/body"))),
    (
        "siro-date-without-offset",
        SIRO + "body: {downloadUrl: 'https://s.example.com/c.mp3', fileType: wav,"
        " dateCreated: '2024-01-15T14:30:00'}\n",
        expect(("SCH004", "/body/dateCreated")),
    ),
    (
        "siro-crm-objects-an-object",
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c.mp3', fileType: wav, crmObjects: {}}\n",
        expect(("SCH002", "/body/crmObjects")),
    ),
    (
        "siro-json-body-is-not-text",
        SIRO + "operation: signed-urls\nbody: {fileType: mp3, fileSize: '12'}\n",
        expect(("SCH002", "/body/fileSize")),
    ),
    (
        "siro-file-size-zero",
        SIRO + "operation: signed-urls\nbody: {fileType: mp3, fileSize: 0}\n",
        expect(("SCH005", "/body/fileSize")),
    ),
    # -- Corti: raw body, header and path parameters -------------------------------------
    ("corti-valid", CORTI + "content: call.wav\n", expect()),
    ("corti-no-content-nor-files", CORTI, expect(("SCH001", "/content"))),
    ("corti-files-instead-is-cor003", CORTI + "files: {audio: call.wav}\n", expect()),
    (
        "corti-content-not-a-path",
        CORTI + "content: {path: call.wav}\n",
        expect(("SCH002", "/content")),
    ),
    (
        "corti-body-for-raw-upload",
        CORTI + "content: call.wav\nbody: {audio: call.wav}\n",
        expect(("SCH002", "/body")),
    ),
    (
        "corti-missing-id-and-tenant",
        'vendor: corti\nheaders: {Authorization: "Bearer ${T}"}\ncontent: call.wav\n',
        expect(("SCH001", "/path/id"), ("SCH001", "/headers/Tenant-Name")),
    ),
    (
        "corti-header-names-are-case-insensitive",
        f"vendor: corti\npath: {{id: {UUID}}}\nheaders: {{tenant-name: base}}\ncontent: c.wav\n",
        expect(),
    ),
    (
        "corti-tenant-null",
        f"vendor: corti\npath: {{id: {UUID}}}\nheaders: {{Tenant-Name: null}}\ncontent: c.wav\n",
        expect(("SCH001", "/headers/Tenant-Name")),
    ),
    (
        "corti-id-in-braces",
        f"vendor: corti\npath: {{id: '{{{UUID}}}'}}\nheaders: {{Tenant-Name: base}}\ncontent: c.wav\n",
        expect(("SCH004", "/path/id")),
    ),
    (
        "corti-id-a-list",
        "vendor: corti\npath: {id: [1]}\nheaders: {Tenant-Name: base}\ncontent: c.wav\n",
        expect(("SCH002", "/path/id")),
    ),
    (
        "corti-headers-not-a-mapping",
        f"vendor: corti\npath: {{id: {UUID}}}\nheaders: Tenant-Name\ncontent: c.wav\n",
        expect(("SCH002", "/headers")),
    ),
    (
        "corti-interaction-valid",
        CORTI_INTERACTION
        + "body:\n  encounter: {identifier: v-1, status: planned, type: consultation,"
        " period: {startedAt: '2024-01-15T09:00:00+01:00'}}\n  patient: {anything: [1, 2]}\n",
        expect(),
    ),
    ("corti-interaction-no-body", CORTI_INTERACTION, expect(("SCH001", "/body/encounter"))),
    (
        "corti-interaction-encounter-a-string",
        CORTI_INTERACTION + "body: {encounter: first visit}\n",
        expect(("SCH002", "/body/encounter")),
    ),
    (
        "corti-interaction-nested",
        CORTI_INTERACTION + "body:\n  encounter: {identifier: v-1, status: done, colour: red,"
        " period: {startedAt: '2024-01-15'}}\n",
        expect(
            ("SCH001", "/body/encounter/type"),
            ("SCH003", "/body/encounter/status"),
            ("SCH004", "/body/encounter/period/startedAt"),
            ("SCH006", "/body/encounter/colour"),
        ),
    ),
    # -- Bota: parameters of every kind, if/then enums, the manifest's `auth` ------------
    (
        "bota-create-valid",
        BOTA
        + "auth: secret-key\nbody: {device_id: dev_1, end_user_id: eu_1, metadata: {any: [1]}}\n",
        expect(),
    ),
    (
        "bota-create-bad-prefix",
        BOTA + "body: {device_id: device-1}\n",
        expect(("SCH004", "/body/device_id")),
    ),
    ("bota-unknown-auth", BOTA + "auth: admin-key\nbody: {}\n", expect(("SCH003", "/auth"))),
    ("bota-auth-not-text", BOTA + "auth: [secret-key]\nbody: {}\n", expect(("SCH002", "/auth"))),
    (
        "bota-upload-url-image-with-audio-type",
        BOTA + "operation: upload-url\npath: {id: rec_1}\n"
        "body: {type: image, content_type: audio/wav}\n",
        expect(("SCH003", "/body/content_type")),
    ),
    (
        "bota-upload-url-audio-type",
        BOTA + "operation: upload-url\npath: {id: rec_1}\n"
        "body: {content_type: audio/x-wav, file_size_bytes: 0}\n",
        expect(("SCH003", "/body/content_type"), ("SCH005", "/body/file_size_bytes")),
    ),
    (
        "bota-list-query-as-text",
        BOTA + "operation: list\nquery: {limit: '10', offset: 0, created_after: '${SINCE}'}\n",
        expect(),
    ),
    (
        "bota-list-query-bounds-and-enum",
        BOTA + "operation: list\nquery: {limit: '500', offset: -1, status: done}\n",
        expect(
            ("SCH005", "/query/limit"), ("SCH005", "/query/offset"), ("SCH003", "/query/status")
        ),
    ),
    (
        "bota-list-query-not-a-number",
        BOTA + "operation: list\nquery: {limit: ten, created_before: yesterday}\n",
        expect(("SCH002", "/query/limit"), ("SCH004", "/query/created_before")),
    ),
    (
        "bota-version-header-date",
        "vendor: bota\noperation: get\npath: {id: rec_1}\n"
        "headers: {Authorization: 'Bearer ${T}', Bota-Version: '2024-13-01'}\n",
        expect(("SCH004", "/headers/Bota-Version")),
    ),
    (
        "bota-get-bad-id",
        BOTA + "operation: get\npath: {id: recording-1}\n",
        expect(("SCH004", "/path/id")),
    ),
    (
        "bota-get-takes-no-body",
        BOTA + "operation: get\npath: {id: rec_1}\nbody: {x: 1}\n",
        expect(("SCH006", "/body")),
    ),
    # -- the manifest's `files` entries ------------------------------------------------------
    (
        "files-not-a-mapping",
        CRESCENDO + "body: {metadata: {id: a}}\nfiles: a.mp3\n",
        expect(("SCH002", "/files")),
    ),
    (
        "files-entry-a-number",
        CRESCENDO + "body: {metadata: {id: a}}\nfiles: {audio: 5}\n",
        expect(("SCH002", "/files/audio")),
    ),
    (
        "files-entry-without-path",
        CRESCENDO + "body: {metadata: {id: a}}\nfiles: {audio: {content_type: audio/mpeg}}\n",
        expect(("SCH001", "/files/audio/path")),
    ),
    (
        "files-entry-type-not-text",
        CRESCENDO + "body: {metadata: {id: a}}\nfiles: {audio: {path: a.mp3, content_type: 1}}\n",
        expect(("SCH002", "/files/audio/content_type")),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schema_findings(tmp_path: Path, text: str, expected: Found) -> None:
    assert run(tmp_path, text) == expected


def test_fatal_manifests_get_no_schema_findings(tmp_path: Path) -> None:
    assert run(tmp_path, "vendor: nobody\nbody: {x: 1}\n") == Counter()
    assert run(tmp_path, "vendor: crescendo\noperation: nope\n") == Counter()


# -- messages -------------------------------------------------------------------------------


def test_messages_name_the_value_and_the_fix(tmp_path: Path) -> None:
    found = messages(
        tmp_path,
        SIRO + "body: {fileUrl: 'https://s.example.com/c.mp3', fileType: MP3}\n",
    )
    assert found["/body/fileType"] == '`fileType` "MP3" is not one of `mp3`, `aac` or `wav`'
    assert "Siro's later docs" in found["/body/fileUrl"]
    assert found["/body/downloadUrl"].startswith("required field `downloadUrl` is missing")
    ctx = context(tmp_path, SIRO + "body: {downloadUrl: x, fileType: MP3}\n")
    (violation,) = RULES["SCH003"].check(ctx)
    assert violation.fix == "Did you mean `mp3`?"


def test_later_field_message_names_the_older_version(tmp_path: Path) -> None:
    found = messages(
        tmp_path, ALPHARUN + "  recording_assessment_template_id: t\n  contacts: [{ext_id: x}]\n"
    )
    assert "older version of Alpharun's docs" in found["/body/recording_assessment_template_id"]


def test_missing_file_part_message(tmp_path: Path) -> None:
    found = messages(
        tmp_path, "vendor: alpharun\nbody:\n" + ALPHARUN_FIELDS + "  contacts: [{ext_id: x}]\n"
    )
    assert found["/files/audio"] == (
        "required file part `audio` is missing; add it under `files` (audio: FILE)"
    )


def test_anyof_message_lists_the_alternatives(tmp_path: Path) -> None:
    found = messages(tmp_path, ALPHARUN + "  contacts: [{first_name: A}]\n")
    assert found["/body/contacts/0"] == (
        "`contacts[0]` needs at least one of `email`, `phone_number` or `ext_id`; add one"
    )


def test_json_string_field_points_into_the_document(tmp_path: Path) -> None:
    found = messages(tmp_path, CRESCENDO + 'body: {metadata: \'{"id": "call 123"}\'}\n')
    assert found == {
        "/body/metadata/id": '`metadata.id` "call 123" does not match the pattern `^[A-Za-z0-9._-]+$`'
    }


def test_uuid_message_shows_the_form(tmp_path: Path) -> None:
    found = messages(tmp_path, ALPHARUN + "  playbook_id: nope\n  contacts: [{ext_id: x}]\n")
    assert "8-4-4-4-12" in found["/body/playbook_id"]


@pytest.mark.parametrize(
    ("pointer", "shown"),
    [
        ("/body/contacts/0/email", "`contacts[0].email`"),
        ("/body", "the body"),
        ("/headers/Tenant-Name", "header `Tenant-Name`"),
        ("/path/id", "path parameter `id`"),
        ("/query/limit", "query parameter `limit`"),
        ("/files/audio", "file part `audio`"),
        ("/body/a~1b", "`a/b`"),
    ],
)
def test_describe_pointer(pointer: str, shown: str) -> None:
    assert describe_pointer(pointer) == shown


def test_show_value_cuts_long_values() -> None:
    assert show_value("x" * 100).endswith("…")
    assert len(show_value("x" * 100)) == 60
    assert show_value({"a": 1}) == '{"a": 1}'


# -- through the engine: a specific rule replaces the generic finding -----------------------


def _engine(tmp_path: Path, text: str) -> Found:
    path = tmp_path / "x.request.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "call.wav").write_bytes(b"")
    findings = lint_file(Target(path, str(path), "manifest"), vendor=None, config=LintConfig())
    return Counter((f.code, f.pointer) for f in findings if f.code.startswith("SCH"))


def test_generic_findings_only_where_no_specific_rule_spoke(tmp_path: Path) -> None:
    text = (
        "vendor: corti\npath: {id: not-a-uuid}\n"
        'headers: {Authorization: "Bearer ${T}", Tenant-Name: base}\ncontent: call.wav\n'
    )
    assert _engine(tmp_path, text) == Counter()  # COR001 (or another specific rule) wins
    assert run(tmp_path, text) == expect(("SCH004", "/path/id"))


# -- speed: validators are built once ---------------------------------------------------------


def test_validation_is_fast_enough_for_pre_commit(tmp_path: Path) -> None:
    text = ALPHARUN + "  contacts: [{email: ada@example.com}, {ext_id: c-2}]\n"
    run(tmp_path, text)  # builds and caches the validator
    loaded = parse_manifest(text, path=str(tmp_path / "x.request.yaml"))
    start = time.perf_counter()
    for _ in range(300):
        ctx = LintContext.for_manifest(loaded, default_vendor=None)
        for code in SCH_CODES:
            list(RULES[code].check(ctx))
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"300 schema passes took {elapsed:.2f} s"
