"""The vendor catalogue: a vendor is a spec plus, where it has behaviour of its own, one folder.

The shared code names no vendor; a sixth vendor added to a copy of the package
(a spec in ``specs/``, and in one test a minimal folder in ``suite/vendors/``)
works with every command and no other change; a broken spec is named, never a
traceback; a vendor rule says which generic findings it replaces.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml
from cli_servers import serving

import tapecheck
from tapecheck.suite.lint.config import LintConfig, Selection
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.lint.registry import RULES, Rule, Violation
from tapecheck.suite.specs import vendors

PACKAGE = Path(tapecheck.__file__).resolve().parent
KIT = Path(__file__).resolve().parent / "vendor_kit"
#: The generic families the sixth vendor's spec alone gets.
FAMILY_IDS = (
    "SIXTH-CREDENTIALS",
    "SIXTH-SIZE-LIMIT",
    "SIXTH-FORMATS",
    "SIXTH-SUCCESS-STATUS",
    "SIXTH-ERROR-BODY",
    "SIXTH-NOT-FOUND",
    "SIXTH-DAMAGED-AUDIO",
)
#: What each command may take, at most (a subprocess that hangs fails the test, bounded).
TIMEOUT = 180


# -- no vendor name in the shared code ---------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _code_words(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Names and string values in code: not docstrings, comments or prose (text with spaces)."""
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docs and not re.search(r"\s", node.value):
                yield line, node.value
        elif isinstance(node, ast.Name):
            yield line, node.id
        elif isinstance(node, ast.Attribute | ast.FunctionDef | ast.AsyncFunctionDef):
            yield line, node.attr if isinstance(node, ast.Attribute) else node.name
        elif isinstance(node, ast.ClassDef):
            yield line, node.name
        elif isinstance(node, ast.arg):
            yield line, node.arg
        elif isinstance(node, ast.alias):
            yield line, node.name
        elif isinstance(node, ast.ImportFrom):
            yield line, node.module or ""


def _shared_modules() -> list[Path]:
    """Every module of the package but the specs and the vendors' own folders."""
    vendor_folders = PACKAGE / "suite" / "vendors"
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not (path.parent != vendor_folders and vendor_folders in path.parents)
        and (PACKAGE / "specs") not in path.parents
    ]


def test_the_scan_sees_a_vendor_name_in_code_and_not_in_prose() -> None:
    tree = ast.parse('"""About corti."""\nX = {"corti": 1}  # corti\nY = "Corti does this"\n')
    assert sorted(word for _line, word in _code_words(tree)) == ["X", "Y", "corti"]


def test_no_vendor_name_in_code_outside_the_specs_and_the_vendor_folders() -> None:
    names = re.compile("|".join(map(re.escape, vendors())), re.IGNORECASE)
    modules = _shared_modules()
    assert PACKAGE / "suite" / "vendors" / "__init__.py" in modules
    assert len(modules) > 50
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {word!r}"
        for path in modules
        for line, word in _code_words(ast.parse(path.read_text(encoding="utf-8")))
        if names.search(word)
    ]
    assert found == [], "a vendor's fact belongs in its spec or its folder"


# -- a vendor rule supersedes generic findings, as data on the rule -----------------------


def test_a_vendor_rule_replaces_the_generic_codes_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "call.request.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "vendor": "crescendo",
                "path": {"tenantId": "tenant-a"},
                "headers": {"Authorization": "Bearer sk_live_51HqLyjLiteral"},
                "body": {"metadata": {"id": "call-1"}},
            }
        ),
        encoding="utf-8",
    )
    target = Target(manifest, str(manifest), "manifest")

    def codes() -> set[tuple[str, str]]:
        found = lint_file(target, vendor=None, config=LintConfig())
        return {(f.code, f.pointer) for f in found}

    assert ("SEC002", "/headers/Authorization") in codes()

    def refines(ctx: object) -> Iterator[Violation]:
        yield Violation("/headers/Authorization", "a live key in a manifest")

    refined = Rule(
        code="CRS999",
        name="refined-literal-key",
        severity="error",
        check=refines,  # type: ignore[arg-type]
        doc="",
        vendor="crescendo",
        supersedes=("SCH", "SEC002"),
    )
    monkeypatch.setitem(RULES, refined.code, refined)
    found = codes()
    assert ("CRS999", "/headers/Authorization") in found
    assert ("SEC002", "/headers/Authorization") not in found
    # Ignoring the specific rule never brings the generic one back.
    ignored = LintConfig(selection=Selection(ignore=("CRS999",)))
    again = {f.code for f in lint_file(target, vendor=None, config=ignored)}
    assert "CRS999" not in again
    assert "SEC002" not in again


def test_by_default_a_rule_outside_sch_replaces_sch_only() -> None:
    security, schema = RULES["SEC002"], RULES["SCH004"]
    assert security.supersedes == ("SCH",)
    assert schema.supersedes == ()
    assert security.replaces("SCH004")
    assert not security.replaces("SEC001")
    assert not security.replaces("SEC002")  # never itself


# -- a sixth vendor in a copy of the package ----------------------------------------------


def _wav(path: Path, *, seconds: float, rate: int = 8000) -> Path:
    """A mono 16-bit PCM WAV of a 440 Hz tone (real audio, not silence)."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(rate * seconds))
    )
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    path.write_bytes(header + b"data" + struct.pack("<I", len(frames)) + frames)
    return path


def _site(tmp_path: Path, *, spec: str | None, folder: bool) -> Path:
    """A copy of the package with the sixth vendor's spec (and its folder) added."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "tapecheck", ignore=shutil.ignore_patterns("__pycache__"))
    if spec is not None:
        (site / "tapecheck" / "specs" / "sixth.yaml").write_text(spec, encoding="utf-8")
    if folder:
        shutil.copytree(KIT / "sixth", site / "tapecheck" / "suite" / "vendors" / "sixth")
    return site


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONUNBUFFERED": "1"}


def _tapecheck(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "tapecheck", *args],
        env=_env(site),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def _manifests(folder: Path) -> tuple[Path, Path]:
    """A clean upload and one without a credential and over the 200,000-byte limit."""
    _wav(folder / "short.wav", seconds=1)
    _wav(folder / "long.wav", seconds=14)  # 224,044 bytes
    clean = folder / "clean.request.yaml"
    clean.write_text(
        "vendor: sixth\n"
        'headers: {Authorization: "Bearer ${SIXTH_TOKEN}", '
        "Content-Type: application/octet-stream}\n"
        "content: short.wav\n",
        encoding="utf-8",
    )
    broken = folder / "broken.request.yaml"
    broken.write_text(
        "vendor: sixth\nheaders: {Content-Type: application/octet-stream}\ncontent: long.wav\n",
        encoding="utf-8",
    )
    return clean, broken


def _lints(site: Path, folder: Path) -> None:
    clean, broken = _manifests(folder)
    ok = _tapecheck(site, "lint", str(clean), cwd=folder)
    assert ok.returncode == 0, ok.stdout
    bad = _tapecheck(site, "lint", "--format", "json", str(broken), cwd=folder)
    assert bad.returncode == 1, bad.stdout
    codes = {(d["code"], d["pointer"]) for d in json.loads(bad.stdout)["diagnostics"]}
    assert codes == {("AUD001", "/content"), ("SEC004", "/headers/Authorization")}


def _checks_and_lists(site: Path, cwd: Path) -> None:
    checked = _tapecheck(site, "specs", "check", cwd=cwd)
    assert checked.returncode == 0, checked.stdout
    count = len(vendors()) + 1
    assert f"{count} of {count} specs valid, 0 problems" in checked.stdout
    listed = _tapecheck(site, "specs", cwd=cwd)
    assert listed.returncode == 0, listed.stdout
    assert "sixth  Sixth  https://api.sixth.example/v1" in listed.stdout
    assert "* upload" in listed.stdout
    names = _tapecheck(site, "specs", "--names", cwd=cwd)
    assert names.stdout.split() == sorted([*vendors(), "sixth"])


@pytest.mark.e2e
def test_a_spec_alone_is_a_vendor(tmp_path: Path) -> None:
    site = _site(tmp_path, spec=(KIT / "sixth.yaml").read_text(encoding="utf-8"), folder=False)
    _checks_and_lists(site, tmp_path)
    _lints(site, tmp_path)

    # The mock the spec alone drives, over real HTTP on loopback: its routes under the
    # base path, the credential scheme, the size limit, the formats, the error shape.
    audio = _wav(tmp_path / "call.wav", seconds=1).read_bytes()
    headers = {"Authorization": "Bearer t0k3n", "Content-Type": "application/octet-stream"}
    with (
        serving(
            "mock", "sixth", "--port", "0", "--token", "t0k3n", env=_env(site), cwd=tmp_path
        ) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        assert base.endswith("/v1")
        stored = client.post("/recordings", content=audio, headers=headers)
        assert stored.status_code == 201, stored.text
        assert stored.json()["size"] == len(audio)
        back = client.get(f"/recordings/{stored.json()['id']}", headers=headers)
        assert back.status_code == 200
        assert back.json() == stored.json()
        assert client.get("/recordings/nope", headers=headers).status_code == 404
        refused = client.post("/recordings", content=audio)
        assert refused.status_code == 401
        assert set(refused.json()) == {"error", "message"}  # the spec's error schema
        assert client.post("/recordings", content=audio * 20, headers=headers).status_code == 400
        not_audio = client.post("/recordings", content=b"\x00" * 5000, headers=headers)
        assert not_audio.status_code == 400

    # conform: the generic families (from the spec's x-tapecheck) and the property-based
    # layer pass against that mock; the selftest kills every generic mutant.
    full = _tapecheck(
        site, "conform", "sixth", "--examples", "3", "--seed", "1", "--format", "json", cwd=tmp_path
    )
    assert full.returncode == 0, full.stdout + full.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(full.stdout)["requirements"]}
    assert statuses == {
        **dict.fromkeys(FAMILY_IDS, "passed"),
        "SIXTH-SCHEMA-PROPERTIES": "passed",
        "SIXTH-SCHEMA-NEGATIVE": "passed",
    }
    quick = _tapecheck(site, "conform", "sixth", "--quick", "--format", "json", cwd=tmp_path)
    assert quick.returncode == 0, quick.stdout + quick.stderr
    requirements = json.loads(quick.stdout)["requirements"]
    assert {r["id"]: r["status"] for r in requirements} == dict.fromkeys(FAMILY_IDS, "passed")
    levels = {r["id"]: r["level"] for r in requirements}
    # Quoted facts are must; not-found and damaged audio have no source in the spec: should.
    unquoted = {"SIXTH-NOT-FOUND": "should", "SIXTH-DAMAGED-AUDIO": "should"}
    assert levels == {**dict.fromkeys(FAMILY_IDS, "must"), **unquoted}
    selftest = _tapecheck(site, "selftest", "sixth", cwd=tmp_path)
    assert selftest.returncode == 0, selftest.stdout
    assert "sixth: 7 requirements, 8 mutants" in selftest.stdout
    assert "8/8 mutants killed by must requirements" in selftest.stdout
    for name in ("credentials-ignored", "limit-not-enforced", "unknown-id-200"):
        assert re.search(rf"generic-{name} +killed", selftest.stdout), selftest.stdout


@pytest.mark.e2e
def test_a_sixth_vendor_is_a_spec_and_one_folder(tmp_path: Path) -> None:
    site = _site(tmp_path, spec=(KIT / "sixth.yaml").read_text(encoding="utf-8"), folder=True)
    _checks_and_lists(site, tmp_path)
    _lints(site, tmp_path)

    conform = _tapecheck(site, "conform", "sixth", "--quick", "--format", "json", cwd=tmp_path)
    assert conform.returncode == 0, conform.stdout + conform.stderr
    report = json.loads(conform.stdout)
    assert report["vendor"] == "sixth"
    # The folder's own ids win where they cover a family; the other families are generated.
    assert {r["id"]: r["status"] for r in report["requirements"]} == {
        "SIXTH-UPLOAD-201": "passed",
        "SIXTH-CREDENTIALS": "passed",
        "SIXTH-SIZE-LIMIT": "passed",
        "SIXTH-FORMATS": "passed",
        "SIXTH-SUCCESS-STATUS": "passed",
        "SIXTH-ERROR-BODY": "passed",
        "SIXTH-NOT-FOUND": "passed",
        "SIXTH-DAMAGED-AUDIO": "passed",
    }
    selftest = _tapecheck(site, "selftest", "sixth", cwd=tmp_path)
    assert selftest.returncode == 0, selftest.stdout
    assert (
        "8/8 mutants killed by must requirements, 0 caught as advisories; mock pass"
        in selftest.stdout
    )


class _CredulousHandler(BaseHTTPRequestHandler):
    """A hand-written sixth-vendor server that stores anything and never looks at credentials."""

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(size)
        if size > 200_000:
            self._answer(413, {"error": "too_large", "message": "over 200,000 bytes"})
        else:
            self._answer(201, {"id": "rec-1", "size": size})

    def do_GET(self) -> None:
        self._answer(404, {"error": "not_found", "message": "no such recording"})

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the report, not the server's log."""


@pytest.mark.e2e
def test_a_server_that_ignores_credentials_does_not_conform(tmp_path: Path) -> None:
    site = _site(tmp_path, spec=(KIT / "sixth.yaml").read_text(encoding="utf-8"), folder=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CredulousHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        run = _tapecheck(
            site,
            "conform",
            "sixth",
            "--quick",
            "--base-url",
            base,
            "--token",
            "t0k3n",
            "--format",
            "json",
            cwd=tmp_path,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
    assert run.returncode == 1, run.stdout + run.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(run.stdout)["requirements"]}
    assert statuses["SIXTH-CREDENTIALS"] == "failed"
    assert statuses["SIXTH-NOT-FOUND"] == "passed"


def test_specs_names_a_broken_spec_and_lists_the_others(tmp_path: Path) -> None:
    site = _site(tmp_path, spec="openapi: 3.1.0\ninfo: [unclosed\n", folder=False)
    listed = _tapecheck(site, "specs", cwd=tmp_path)
    assert listed.returncode == 1
    assert "sixth  (cannot be read:" in listed.stdout
    assert "`tapecheck specs check` says why" in listed.stdout
    for vendor in vendors():
        assert re.search(rf"^{vendor}  ", listed.stdout, re.MULTILINE), vendor
    checked = _tapecheck(site, "specs", "check", cwd=tmp_path)
    assert checked.returncode == 1
    assert "specs/sixth.yaml: /: invalid YAML" in checked.stdout


# -- credential headers come from the specs' security schemes ------------------------------


def test_a_schemes_header_is_redacted_when_the_caller_names_it() -> None:
    from tapecheck.reports.redact import REDACTED, redact_headers, scrub_text

    headers = {"X-Vendor-Auth": "abcdefgh12345678", "Accept": "application/json"}
    assert redact_headers(headers)["X-Vendor-Auth"] == "abcdefgh12345678"
    named = redact_headers(headers, extra=("x-vendor-auth",))
    assert named == {"X-Vendor-Auth": REDACTED, "Accept": "application/json"}
    # Free text: any x-...-token header, whoever's it is.
    assert "abcdefgh12345678" not in scrub_text("x-acme-auth-token: abcdefgh12345678")


@pytest.mark.parametrize("vendor", vendors())
def test_every_spec_names_its_credential_headers(vendor: str) -> None:
    from tapecheck.suite.specs import load_spec

    spec = load_spec(vendor)
    schemes = spec.raw["components"]["securitySchemes"].values()
    expected = {
        "authorization" if s["type"] == "http" else str(s["name"]).lower()
        for s in schemes
        if s["type"] == "http" or s.get("in") == "header"
    }
    assert set(spec.credential_headers) == expected


# -- the mock a spec alone drives ----------------------------------------------------------


#: Two bundled specs of other shapes than the kit's raw body: multipart with a JSON form
#: field and the tenant in the path; multipart with a contacts array. (Their flows of
#: their own, such as a re-upload's identity, are not in the spec and not checked here.)
@pytest.mark.parametrize("vendor", ["crescendo", "alpharun"])
def test_the_mock_a_spec_alone_drives_keeps_that_spec(vendor: str) -> None:
    from tapecheck.suite.conform.runner import ConformOptions, run_to_completion
    from tapecheck.suite.mocks.generic import spec_mock_factory

    options = ConformOptions(
        vendor=vendor,
        quick=False,
        seed=1,
        examples=3,
        factory=spec_mock_factory(vendor),
        select=(f"{vendor.upper()}-SCHEMA-",),
    )
    run, aborted = run_to_completion(options)
    assert aborted is None
    statuses = {r.id: r.status for r in run.requirements}
    assert statuses == {
        f"{vendor.upper()}-SCHEMA-PROPERTIES": "passed",
        f"{vendor.upper()}-SCHEMA-NEGATIVE": "passed",
    }, [f.message for r in run.requirements for f in r.failures]
