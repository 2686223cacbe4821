"""The bundled vendor specs: valid, complete as CONTRACT.md asks, and shipped in the wheel."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator

from tapecheck.suite.cli import main
from tapecheck.suite.spec_check import check_spec
from tapecheck.suite.specs import Spec, load_spec, spec_text, vendors

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The catalogue: every bundled spec (a vendor added is tested like the others).
VENDORS = vendors()

# The tables below are oracles: what CONTRACT.md fixes for the bundled vendors,
# checked for the vendors they name (a vendor added later has no row to miss).

#: CONTRACT.md section 1: the operationIds manifests rely on; the first is the default.
CONTRACT_OPERATIONS = {
    "corti": ("upload", "create-interaction"),
    "alpharun": ("upload",),
    "crescendo": ("upload",),
    "siro": ("upload", "signed-urls"),
    "bota": ("create", "upload-url"),
}

#: CONTRACT.md section 3: the documented base URL of each vendor, version prefix included.
BASE_URLS = {
    "corti": "https://api.eu.corti.app/v2",
    "alpharun": "https://api.alpharun.com/api/v1",
    "crescendo": "https://platform.crescendo.ai",
    "siro": "https://api.siro.ai",
    "bota": "https://api.bota.dev/v1",
}

#: The seeds' OpenAPI versions are kept; the specs written from prose use 3.1.0.
OPENAPI_VERSIONS = {
    "corti": "3.0",
    "alpharun": "3.0",
    "crescendo": "3.1",
    "siro": "3.1",
    "bota": "3.1",
}

CRESCENDO_UPLOAD = "/api/v1/voc/tenants/{tenantId}/recording"
CRESCENDO_UPLOAD_POINTER = "/paths/~1api~1v1~1voc~1tenants~1{tenantId}~1recording/post"


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _resolves(raw: Any, pointer: str) -> bool:
    node = raw
    for token in pointer.lstrip("/").split("/") if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


# -- the bundled specs ----------------------------------------------------------


def test_the_catalogue_is_the_bundled_specs_each_named_by_its_vendor() -> None:
    assert set(CONTRACT_OPERATIONS) <= set(VENDORS)
    assert list(VENDORS) == sorted(VENDORS)
    for vendor in VENDORS:
        assert load_spec(vendor).vendor == vendor


@pytest.mark.parametrize("vendor", VENDORS)
def test_bundled_spec_is_valid(vendor: str) -> None:
    assert check_spec(spec_text(vendor), source=f"specs/{vendor}.yaml") == []


def test_specs_check_passes_on_the_bundled_specs() -> None:
    result = _run("specs", "check")
    assert result.exit_code == 0, result.output
    assert f"{len(VENDORS)} of {len(VENDORS)} specs valid, 0 problems" in result.output


def test_specs_lists_every_vendor_and_its_default() -> None:
    result = _run("specs")
    assert result.exit_code == 0, result.output
    listed = [
        line.split()[0] for line in result.output.splitlines() if not line.startswith((" ", "("))
    ]
    assert listed == list(VENDORS)
    for vendor in VENDORS:
        assert f"* {load_spec(vendor).default_operation.operation_id} " in result.output, vendor


@pytest.mark.parametrize("vendor", VENDORS)
def test_required_operations_exist_and_the_first_is_the_default(vendor: str) -> None:
    spec = load_spec(vendor)
    required = spec.required_operations
    assert required, "the spec lists the operationIds manifests may rely on"
    assert set(required) <= set(spec.operations)
    assert spec.default_operation.operation_id == required[0]
    assert [op.operation_id for op in spec.operations.values() if op.is_default] == [required[0]]


@pytest.mark.parametrize(("vendor", "operations"), CONTRACT_OPERATIONS.items())
def test_required_operations_are_the_contracts(vendor: str, operations: tuple[str, ...]) -> None:
    assert load_spec(vendor).required_operations == operations


@pytest.mark.parametrize("vendor", VENDORS)
def test_base_url_is_the_first_server(vendor: str) -> None:
    spec = load_spec(vendor)
    server = spec.raw["servers"][0]
    url = str(server["url"])
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    assert url.rstrip("/") == spec.base_url


@pytest.mark.parametrize(("vendor", "base_url"), BASE_URLS.items())
def test_base_url_matches_the_contract(vendor: str, base_url: str) -> None:
    assert load_spec(vendor).base_url == base_url


@pytest.mark.parametrize(("vendor", "version"), OPENAPI_VERSIONS.items())
def test_openapi_version_follows_the_seed(vendor: str, version: str) -> None:
    assert str(load_spec(vendor).raw["openapi"]).startswith(version)


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_client_error_has_the_vendor_error_schema(vendor: str) -> None:
    spec = load_spec(vendor)
    error_ref = spec.ext["error-schema"]
    for op in spec.operations.values():
        statuses = [status for status in op.responses() if status.startswith("4")]
        assert statuses, op.operation_id
        for status in statuses:
            content = op.responses()[status].get("content", {})
            schema = content.get("application/json", {}).get("schema")
            assert schema == {"$ref": error_ref}, f"{op.operation_id} {status}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_operation_is_secured_by_a_declared_scheme(vendor: str) -> None:
    spec = load_spec(vendor)
    declared = set(spec.raw["components"]["securitySchemes"])
    for op in spec.operations.values():
        assert op.security, op.operation_id
        assert set(op.security_schemes) == {name for req in op.security for name in req} <= declared


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_note_points_into_its_spec(vendor: str) -> None:
    raw = load_spec(vendor).raw
    for note in raw.get("x-tapecheck-notes", []):
        assert _resolves(raw, note["at"]), note["at"]


def test_corti_names_its_tenant_on_every_operation() -> None:
    spec = load_spec("corti")
    assert spec.ext["tenant"] == {"in": "header", "name": "Tenant-Name"}
    for op in spec.operations.values():
        headers = {p["name"]: p for p in op.parameters_in("header")}
        assert headers["Tenant-Name"]["required"] is True, op.operation_id


def test_bota_credential_kinds_and_prefixes() -> None:
    spec = load_spec("bota")
    prefixes = {c["kind"]: c.get("prefixes") for c in spec.credentials}
    assert prefixes == {
        "secret-key": ["sk_live_", "sk_test_"],
        "restricted-key": ["rk_"],
        "device-token": ["dtok_"],
        "upload-token": ["up_"],
    }
    assert spec.operation("create").ext["credentials"] == [
        "secret-key",
        "restricted-key",
        "device-token",
    ]


# -- converting the specs' schemas -------------------------------------------------


def _validator(spec: Spec, operation: str, media_type: str) -> Draft202012Validator:
    schema = spec.operation(operation).body_schema(media_type)
    assert schema is not None
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_json_schema_turns_oas30_nullable_into_a_null_type() -> None:
    spec = load_spec("alpharun")
    contact = spec.raw["components"]["schemas"]["RecordingContactPayload"]
    assert contact["properties"]["email"]["nullable"] is True
    validator = _validator(spec, "upload", "multipart/form-data")
    body: dict[str, Any] = {
        "audio": "call.mp3",
        "teammate_email": "rep@example.com",
        "recorded_at": "2024-01-15T14:30:00Z",
        "contacts": [{"email": None, "phone_number": "+4512345678", "ext_id": None}],
    }
    assert list(validator.iter_errors(body)) == []
    body["contacts"] = [{"email": None}]
    errors = list(validator.iter_errors(body))
    assert [list(error.absolute_path) for error in errors] == [["contacts", 0]]


def test_bota_upload_url_content_type_follows_type() -> None:
    validator = _validator(load_spec("bota"), "upload-url", "application/json")
    assert list(validator.iter_errors({})) == []
    assert list(validator.iter_errors({"content_type": "audio/ogg", "file_size_bytes": 10})) == []
    wrong = list(validator.iter_errors({"type": "image", "content_type": "audio/opus"}))
    assert [list(error.absolute_path) for error in wrong] == [["content_type"]]


# -- broken specs -------------------------------------------------------------------


def _crescendo_with(change: Callable[[dict[str, Any]], None]) -> str:
    raw = copy.deepcopy(dict(load_spec("crescendo").raw))
    change(raw)
    return yaml.safe_dump(raw, sort_keys=False)


def _break_ref(raw: dict[str, Any]) -> None:
    response = raw["paths"][CRESCENDO_UPLOAD]["post"]["responses"]["202"]
    response["content"]["application/json"]["schema"]["$ref"] = "#/components/schemas/Nope"


def _break_limit(raw: dict[str, Any]) -> None:
    raw["paths"][CRESCENDO_UPLOAD]["post"]["x-tapecheck"]["audio"]["max-bytes"] = "25 MB"


def _drop_extension(raw: dict[str, Any]) -> None:
    del raw["x-tapecheck"]


def _unknown_kind(raw: dict[str, Any]) -> None:
    raw["paths"][CRESCENDO_UPLOAD]["post"]["x-tapecheck"]["credentials"] = [
        "api-key",
        "carrier-pigeon",
    ]


BROKEN = {
    "invalid-yaml": ("openapi: 3.1.0\ninfo: [unclosed\n", "/: invalid YAML"),
    "broken-ref": (
        _crescendo_with(_break_ref),
        CRESCENDO_UPLOAD_POINTER + "/responses/202/content/application~1json/schema/$ref",
    ),
    "limit-type": (
        _crescendo_with(_break_limit),
        CRESCENDO_UPLOAD_POINTER + "/x-tapecheck/audio/max-bytes",
    ),
    "no-extension": (_crescendo_with(_drop_extension), "/x-tapecheck: "),
    "unknown-credential-kind": (
        _crescendo_with(_unknown_kind),
        CRESCENDO_UPLOAD_POINTER + "/x-tapecheck/credentials/1",
    ),
}


@pytest.mark.parametrize(("text", "pointer"), list(BROKEN.values()), ids=list(BROKEN))
def test_specs_check_names_file_and_pointer_of_a_broken_spec(
    tmp_path: Path, text: str, pointer: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = _run("specs", "check", str(path))
    assert result.exit_code == 1, result.output
    assert result.exc_info is None or result.exc_info[0] is SystemExit
    assert "Traceback" not in result.output
    assert f"{path}: {pointer}" in result.output
    assert "0 of 1 specs valid" in result.output


def _missing_operation(raw: dict[str, Any]) -> None:
    raw["x-tapecheck"]["required-operations"] = ["upload", "download"]


def test_specs_check_names_a_required_operation_the_spec_lacks(tmp_path: Path) -> None:
    path = tmp_path / "crescendo.yaml"
    path.write_text(_crescendo_with(_missing_operation), encoding="utf-8")
    result = _run("specs", "check", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}: /x-tapecheck/required-operations/1: " in result.output
    assert "'download'" in result.output


def test_specs_check_accepts_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "siro.yaml"
    path.write_text(spec_text("siro"), encoding="utf-8")
    result = _run("specs", "check", str(path))
    assert result.exit_code == 0, result.output


# -- packaging ------------------------------------------------------------------------


def test_wheel_ships_every_spec_and_the_extension_schema(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")  # build offline with the installed backend
    subprocess.run([*command, str(REPO_ROOT)], check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("tapecheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"tapecheck/specs/{vendor}.yaml" for vendor in VENDORS}
    expected.add("tapecheck/specs/x-tapecheck.schema.json")
    assert expected <= names


# -- the parsed bundled specs kept beside them -------------------------------------------


def test_a_kept_spec_is_the_parsed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapecheck.suite.specs import bundled_spec, load_spec_text

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    for vendor in VENDORS:
        text = spec_text(vendor)
        parsed = load_spec_text(text, source=f"specs/{vendor}.yaml")
        first = bundled_spec(text, source=parsed.source, cache_folder=tmp_path, name=vendor)
        (kept,) = tmp_path.glob(f"{vendor}.*.json")
        again = bundled_spec(text, source=parsed.source, cache_folder=tmp_path, name=vendor)
        assert first == again == parsed  # source, raw and sha256
        assert _typed(again.raw) == _typed(parsed.raw), vendor
        kept.write_text("{damaged", encoding="utf-8")  # a damaged file: the YAML decides
        assert (
            bundled_spec(text, source=parsed.source, cache_folder=tmp_path, name=vendor) == parsed
        )


def test_a_changed_spec_is_parsed_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapecheck.suite.specs import bundled_spec

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    text = spec_text("siro")
    bundled_spec(text, source="specs/siro.yaml", cache_folder=tmp_path, name="siro")
    changed = text.replace("title: Siro", "title: Siro changed", 1)
    assert changed != text
    spec = bundled_spec(changed, source="specs/siro.yaml", cache_folder=tmp_path, name="siro")
    assert spec.raw == yaml.safe_load(changed)
    assert len(list(tmp_path.glob("siro.*.json"))) == 2


def test_a_spec_json_cannot_hold_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tapecheck.suite.specs import bundled_spec

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    text = "openapi: 3.1.0\npaths: {}\nx-example:\n  200: an integer key\n  day: 2024-01-15\n"
    spec = bundled_spec(text, source="specs/odd.yaml", cache_folder=tmp_path, name="odd")
    assert spec.raw["x-example"] == {
        200: "an integer key",
        "day": yaml.safe_load("d: 2024-01-15")["d"],
    }
    assert not list(tmp_path.iterdir())


def test_nothing_is_kept_without_byte_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapecheck.suite.specs import bundled_spec

    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE
    bundled_spec(spec_text("siro"), source="specs/siro.yaml", cache_folder=tmp_path, name="siro")
    assert not list(tmp_path.iterdir())


def _typed(value: Any) -> Any:
    """``value`` with every scalar's type beside it (1 is not True, "200" is not 200)."""
    if isinstance(value, dict):
        return [(_typed(key), _typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)
