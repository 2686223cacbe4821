"""Benchmark ``tapecheck lint`` against ``check-jsonschema`` on the same bodies and schemas.

Generates, in a temporary folder:

- 1,000 request manifests of mixed vendors and operations (YAML and JSON, one
  in ten broken), sharing a few small WAV files written with the standard
  library's ``wave``;
- for each manifest, the JSON body it sends (form fields as they travel, file
  parts as a placeholder string), and for each operation the JSON Schema of
  that body, from ``Operation.body_schema`` of the bundled spec;
- 1,000 valid manifests of one operation (Siro's upload), for a comparison in
  one ``check-jsonschema`` invocation with one schema;
- large manifests under the 16 MB cap: 100,000 and 400,000 Alpharun contacts
  (JSON and YAML), 400,000 with one finding in the middle (a wrong e-mail, a
  repeated one, an unknown member), 400,000 with every e-mail wrong (JSON, flow
  and block YAML: 1,000 findings listed, one counting the rest), 400,000 where
  every contact is a vendor finding (no identifier, one e-mail repeated, invalid
  phone numbers), 180,000 contacts of three members in block YAML (and again
  with phone numbers written plain, integers to the reader), 100,000 with phone
  numbers, 600,000 Bota metadata keys (JSON and YAML), one contact of 1,000,000
  members the schema does not define (block and flow YAML), and metadata nested
  190 (JSON) and 5,000 (YAML) levels deep.

Then measures, best of ``--repeat`` runs, each a fresh process:

(a) one manifest, cold: ``tapecheck lint one.request.yaml`` against
    ``check-jsonschema --schemafile body.schema.json body.json``;
(b) bulk: ``tapecheck lint DIR`` (automatic jobs, and ``--jobs 1``) against
    ``check-jsonschema`` validating the same bodies (one invocation per
    schema for the mixed folder, a single invocation for the one-operation
    folder).

(c) large manifests: ``tapecheck lint BIG`` alone, its wall time and peak RSS
    (best of ``--large-repeat`` runs), each against the goal: met or MISSED.

Targets: a single-file cold run in at most 0.6x check-jsonschema's time; in
bulk, at least check-jsonschema's rate on the same manifests (1.5x aimed at);
a large manifest in under 2 s and 300 MB. ``--strict`` exits 1 when one is
missed. On a machine whose cores are busy, wall times mean little: the CPU
seconds (user + system, children included) are printed beside them.

"Cold" means a new process each time, as a pre-commit hook runs it, with the
byte-code caches on disk as after ``pip install``: a warm-up run writes them
(``PYTHONDONTWRITEBYTECODE`` is cleared for the runs, or tapecheck would
compile its modules on every start while check-jsonschema's are precompiled).

    python benchmarks/lint_bench.py [--manifests 1000] [--repeat 5] [--keep DIR]
        [--no-large | --only-large] [--large-repeat 2] [--strict]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tapecheck import __version__
from tapecheck.suite.specs import load_spec

SINGLE_TARGET = 0.6  # tapecheck's cold time / check-jsonschema's, at most
BULK_TARGET = 1.0  # tapecheck's rate / check-jsonschema's, at least (1.5 aimed at)
BULK_AIM = 1.5
BIG_SECONDS = 2.0  # a manifest under the 16 MB cap, at most
BIG_MEGABYTES = 300.0  # its peak resident memory, at most


# -- audio -------------------------------------------------------------------------------


def wav_bytes(seconds: float, *, rate: int = 8000, tone: int = 440) -> bytes:
    """A mono 16-bit PCM WAV with a square wave of ``tone`` Hz (a few KB per quarter second)."""
    frames = round(seconds * rate)
    period = max(2, rate // tone)
    high, low = struct.pack("<h", 8000), struct.pack("<h", -8000)
    samples = b"".join(high if (i % period) < period // 2 else low for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


#: The shared audio files: name -> bytes.
AUDIO = {"call.wav": wav_bytes(0.25), "visit.wav": wav_bytes(0.5), "long.wav": wav_bytes(1.0)}


# -- manifests and their bodies --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One generated request: its manifest, and its body as it travels."""

    vendor: str
    operation: str
    manifest: dict[str, Any]
    body: Any  # what check-jsonschema validates

    @property
    def key(self) -> str:
        return f"{self.vendor}-{self.operation}"


def _crescendo(i: int, broken: bool) -> Request:
    metadata: dict[str, Any] = {
        "id": f"call {i}" if broken else f"call-{i}",
        "kind": "phonecall",
        "source": "bench",
    }
    audio = ["call.wav", "long.wav"][i % 2]
    form = {"metadata": metadata if i % 3 else json.dumps(metadata)}
    manifest = {
        "vendor": "crescendo",
        "path": {"tenantId": "tenant-alpha"},
        "headers": {"Authorization": "Bearer ${CRESCENDO_API_KEY}"},
        "body": form,
        "files": {"audio": {"path": audio, "content_type": "audio/wav"}},
    }
    return Request(
        "crescendo", "upload", manifest, {"metadata": json.dumps(metadata), "audio": "<file>"}
    )


def _alpharun(i: int, broken: bool) -> Request:
    contacts = [
        {"email": f"ada{i}@example.com", "first_name": "Ada", "phone_number": "+14155552671"},
        {
            "email": f"ADA{i}@example.com" if broken else f"grace{i}@example.com",
            "ext_id": f"crm-{i}",
        },
    ]
    form = {
        "teammate_email": "sam.rivera@example.com",
        "recorded_at": "2024-01-15T14:30:00-05:00",
        "contacts": contacts if i % 2 else json.dumps(contacts),
    }
    manifest = {
        "vendor": "alpharun",
        "headers": {"Authorization": "Bearer ${ALPHARUN_API_KEY}"},
        "body": form,
        "files": {"audio": "call.wav"},
    }
    wire = {**form, "contacts": contacts, "audio": "<file>"}  # the spec's schema: an array
    return Request("alpharun", "upload", manifest, wire)


def _siro(i: int, broken: bool) -> Request:
    body = {"fileType": "wav", "fileSize": len(AUDIO["visit.wav"]) + (1 if broken else 0)}
    manifest = {
        "vendor": "siro",
        "operation": "signed-urls",
        "headers": {"x-siro-auth-token": "${SIRO_AUTH_TOKEN}"},
        "body": body,
        "files": {"audio": "visit.wav"},
    }
    return Request("siro", "signed-urls", manifest, body)


def _siro_upload(i: int, broken: bool) -> Request:
    body = {
        "downloadUrl": f"https://storage.example.com/recordings/{i}/call.wav",
        "fileType": "mp3" if broken else "wav",
        "title": f"Inspection {i}",
        "userEmail": "sam.rivera@example.com",
        "customerPhone": "+14155552671",
        "dateCreated": "2024-01-15T14:30:00Z",
    }
    manifest = {
        "vendor": "siro",
        "operation": "upload",
        "headers": {"x-siro-auth-token": "${SIRO_AUTH_TOKEN}"},
        "body": body,
        "files": {"audio": "call.wav"},
    }
    return Request("siro", "upload", manifest, body)


def _bota(i: int, broken: bool) -> Request:
    body = {
        "device_id": f"kitchen{i}" if broken else f"dev_{i:05d}",
        "end_user_id": f"eu_{i}",
        "name": f"Standup {i}",
        "started_at": "2024-05-01T10:00:00+02:00",
        "ended_at": "2024-05-01T08:45:00Z",
        "metadata": {"team": "platform"},
    }
    manifest = {
        "vendor": "bota",
        "operation": "create",
        "auth": "secret-key",
        "headers": {"Authorization": "Bearer ${BOTA_SECRET_KEY}"},
        "body": body,
    }
    return Request("bota", "create", manifest, body)


def _bota_upload_url(i: int, broken: bool) -> Request:
    body = {
        "type": "audio",
        "content_type": "audio/mpeg" if broken else "audio/wav",
        "file_size_bytes": len(AUDIO["long.wav"]),
        "captured_at": "2024-05-01T08:00:00Z",
    }
    manifest = {
        "vendor": "bota",
        "operation": "upload-url",
        "auth": "secret-key",
        "path": {"id": f"rec_{i:08d}"},
        "headers": {"Authorization": "Bearer ${BOTA_SECRET_KEY}"},
        "body": body,
        "files": {"audio": "long.wav"},
    }
    return Request("bota", "upload-url", manifest, body)


def _corti(i: int, broken: bool) -> Request:
    body = {
        "encounter": {
            "identifier": f"visit-{i}",
            "status": "booked" if broken else "planned",
            "type": "consultation",
        }
    }
    manifest = {
        "vendor": "corti",
        "operation": "create-interaction",
        "headers": {"Authorization": "Bearer ${CORTI_TOKEN}", "Tenant-Name": "${CORTI_TENANT}"},
        "body": body,
    }
    return Request("corti", "create-interaction", manifest, body)


def _siro_upload_valid(i: int, broken: bool) -> Request:
    return _siro_upload(i, False)


TEMPLATES: Sequence[Callable[[int, bool], Request]] = (
    _crescendo,
    _alpharun,
    _siro,
    _siro_upload,
    _bota,
    _bota_upload_url,
    _corti,
)


def _write_manifest(folder: Path, name: str, request: Request, *, as_json: bool) -> Path:
    if as_json:
        path = folder / f"{name}.request.json"
        path.write_text(json.dumps(request.manifest, indent=2), encoding="utf-8")
    else:
        path = folder / f"{name}.request.yaml"
        path.write_text(yaml.safe_dump(request.manifest, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Corpus:
    """A folder of manifests, and their bodies grouped by schema."""

    manifests: Path
    count: int
    bodies: dict[str, list[Path]]  # schema key -> body files
    schemas: dict[str, Path]


def build_corpus(
    root: Path, count: int, templates: Sequence[Callable[[int, bool], Request]]
) -> Corpus:
    manifests, bodies_dir, schemas_dir = root / "manifests", root / "bodies", root / "schemas"
    corpus = Corpus(manifests, count, {}, {})
    for i in range(count):
        request = templates[i % len(templates)](i, i % 10 == 9)
        folder = manifests / request.vendor
        if not folder.is_dir():
            folder.mkdir(parents=True)
            for name, data in AUDIO.items():
                (folder / name).write_bytes(data)
        _write_manifest(folder, f"{i:04d}-{request.operation}", request, as_json=i % 4 == 0)
        if request.key not in corpus.schemas:
            schemas_dir.mkdir(parents=True, exist_ok=True)
            operation = load_spec(request.vendor).operation(request.operation)
            schema = operation.body_schema(operation.media_types[0])
            path = schemas_dir / f"{request.key}.schema.json"
            path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
            corpus.schemas[request.key] = path
        body_folder = bodies_dir / request.key
        body_folder.mkdir(parents=True, exist_ok=True)
        body = body_folder / f"{i:04d}.json"
        body.write_text(json.dumps(request.body), encoding="utf-8")
        corpus.bodies.setdefault(request.key, []).append(body)
    return corpus


# -- large manifests ------------------------------------------------------------------------


def _contacts_manifest(contacts: list[dict[str, Any]]) -> dict[str, Any]:
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


def build_large(root: Path) -> dict[str, Path]:
    """Manifests near the size cap: huge arrays of contacts, a huge object, deep nesting.

    Clean ones, and ones with a single finding in the middle (a finding needs
    its position, and a refused instance goes to jsonschema).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "call.wav").write_bytes(AUDIO["call.wav"])
    made: dict[str, Path] = {}
    for count in (100_000, 400_000):
        contacts = [{"email": f"person{i}@example.com"} for i in range(count)]
        manifest = _contacts_manifest(contacts)
        made[f"{count:,} contacts (JSON)"] = _write_large(
            root, f"contacts{count}", manifest, "json"
        )
        if count == 100_000:
            made[f"{count:,} contacts (YAML)"] = _write_large(
                root, f"contacts{count}", manifest, "yaml"
            )
    middle = 200_000
    contacts = [{"email": f"person{i}@example.com"} for i in range(400_000)]
    for label, stem, contact in (
        ("one wrong e-mail", "bad-email", {"email": "not an address"}),
        ("one repeated", "repeated", {"email": "PERSON5@example.com"}),
        ("one unknown member", "unknown", {"email": "x@example.com", "emial": "x"}),
    ):
        kept, contacts[middle] = contacts[middle], contact
        made[f"400,000 contacts, {label} (JSON)"] = _write_large(
            root, f"contacts400000-{stem}", _contacts_manifest(contacts), "json"
        )
        contacts[middle] = kept
    # Every contact refused (a malformed e-mail): 1,000 findings, then one that counts the rest.
    wrong = [{"email": f"p{i}.example.com"} for i in range(400_000)]
    made["400,000 contacts, every e-mail wrong (JSON)"] = _write_large(
        root, "contacts400000-all-wrong", _contacts_manifest(wrong), "json"
    )
    made["400,000 contacts, every e-mail wrong (YAML)"] = _write_contacts_yaml(
        root, "contacts400000-all-wrong", [f"p{i}.example.com" for i in range(400_000)]
    )
    # Floods of vendor findings (ALR001, ALR002, ALR005 on every contact): 1,000 listed,
    # one counting the rest.
    for label, stem, flood in (
        ("every contact without identifier", "no-identifier", _no_identifier),
        ("every e-mail the same", "one-email", lambda i: {"email": "same@example.com"}),
        (
            "every phone number invalid",
            "invalid-phones",
            lambda i: {"phone_number": f"555-{i:07d}"},
        ),
    ):
        made[f"400,000 contacts, {label} (JSON)"] = _write_large(
            root,
            f"contacts400000-{stem}",
            _contacts_manifest([flood(i) for i in range(400_000)]),
            "json",
        )
    areas = (212, 213, 310, 312, 415, 617, 646, 702, 718, 917)  # 100,000 distinct valid numbers
    phones = [
        {"phone_number": f"+1{areas[i % 10]}{230 + i // 10 % 10}{i // 100:04d}", "ext_id": f"c{i}"}
        for i in range(100_000)
    ]
    made["100,000 contacts with phone numbers (JSON)"] = _write_large(
        root, "phones100000", _contacts_manifest(phones), "json"
    )
    metadata: dict[str, Any] = {
        "vendor": "bota",
        "operation": "create",
        "auth": "secret-key",
        "headers": {"Authorization": "Bearer ${BOTA_SECRET_KEY}"},
        "body": {
            "device_id": "dev_1",
            "end_user_id": "eu_1",
            "metadata": {f"k{i}": "v" for i in range(600_000)},
        },
    }
    made["600,000 metadata keys (JSON)"] = _write_large(root, "metadata", metadata, "json")
    nested: Any = "v"
    for _ in range(190):  # just under the 200 levels of brackets a manifest may nest
        nested = {"k": nested}
    deep = {**metadata, "body": {**metadata["body"], "metadata": nested}}
    made["metadata nested 190 deep (JSON)"] = _write_large(root, "deep190", deep, "json")
    head = yaml.safe_dump({key: deep[key] for key in deep if key != "body"}, sort_keys=False)
    levels = 5_000  # past libyaml's 1,000: a finding (MAN001), in bounded time
    block = "".join(" " * (4 + level) + "k:\n" for level in range(levels))
    path = root / "deep5000.request.yaml"
    path.write_text(
        f"{head}body:\n  device_id: dev_1\n  end_user_id: eu_1\n  metadata:\n{block}"
        + " " * (4 + levels)
        + "v\n",
        encoding="utf-8",
    )
    made["metadata nested 5,000 deep (YAML)"] = path
    made.update(_build_block_yaml(root))
    return made


def _build_block_yaml(root: Path) -> dict[str, Path]:
    """Large YAML as ``yaml.safe_dump`` writes it (block style), near the 16 MB cap."""
    made: dict[str, Path] = {}
    head = {key: value for key, value in _contacts_manifest([]).items() if key != "body"}
    body_head = (
        yaml.safe_dump(head, sort_keys=False)
        + "body:\n  teammate_email: sam.rivera@example.com\n"
        + "  recorded_at: '2024-01-15T14:30:00Z'\n  contacts:\n"
    )
    wrong = (f"  - email: p{i}.example.com\n" for i in range(400_000))
    path = root / "block-all-wrong.request.yaml"
    path.write_text(body_head + "".join(wrong), encoding="utf-8")
    made["400,000 contacts, every e-mail wrong (block YAML)"] = path
    names = ("Ada", "Nora", "Tom", "Yves", "Olga", "Frank")  # first letters of `no`, `true`...
    contacts = (
        f"  - email: person{i}@example.com\n    first_name: {names[i % 6]}\n"
        f"    last_name: Number{i}\n"
        for i in range(180_000)
    )
    path = root / "block-contacts.request.yaml"
    path.write_text(body_head + "".join(contacts), encoding="utf-8")
    made["180,000 contacts of three members (block YAML)"] = path
    # Phone numbers written plain: each an int the reader gives its type (no quote to mark).
    plain_phones = (
        f"  - email: person{i}@example.com\n    first_name: Ada\n"
        f"    phone_number: {14155550000 + i}\n"
        for i in range(180_000)
    )
    path = root / "block-plain-phones.request.yaml"
    path.write_text(body_head + "".join(plain_phones), encoding="utf-8")
    made["180,000 contacts, phone numbers written plain (block YAML)"] = path
    metadata = (
        "vendor: bota\noperation: create\nauth: secret-key\nheaders:\n"
        "  Authorization: Bearer ${BOTA_SECRET_KEY}\nbody:\n  device_id: dev_1\n"
        "  end_user_id: eu_1\n  metadata:\n" + "".join(f"    k{i}: v\n" for i in range(600_000))
    )
    path = root / "metadata.request.yaml"
    path.write_text(metadata, encoding="utf-8")
    made["600,000 metadata keys (YAML)"] = path
    # A closed object (a contact) with a million members the schema does not define:
    # SCH006 on each, 1,000 listed and one that counts the rest.
    members = 1_000_000
    emails = [f"  - email: a{i}@example.com\n" for i in range(200)]
    block = "  - k0: v\n" + "".join(f"    k{i}: v\n" for i in range(1, members))
    flow = "  - {" + ", ".join(f"k{i}: v" for i in range(members)) + "}\n"
    for style, flood in (("block", block), ("flow", flow)):
        path = root / f"unknown-members-{style}.request.yaml"
        text = body_head + "".join(emails[:100]) + flood + "".join(emails[100:])
        path.write_text(text, encoding="utf-8")
        made[f"a contact with 1,000,000 undefined members ({style} YAML)"] = path
    return made


def _no_identifier(i: int) -> dict[str, Any]:
    return {"first_name": "x"} if i % 2 else {"email": None}


def _write_contacts_yaml(root: Path, stem: str, emails: list[str]) -> Path:
    """A YAML manifest of one contact per e-mail, written line by line (``safe_dump`` is slow)."""
    head = {key: value for key, value in _contacts_manifest([]).items() if key != "body"}
    body = _contacts_manifest([])["body"]
    lines = [yaml.safe_dump(head, sort_keys=False), "body:\n"]
    lines += [f"  {key}: {json.dumps(value)}\n" for key, value in body.items() if key != "contacts"]
    lines.append("  contacts:\n")
    lines += [f"    - {{email: {json.dumps(email)}}}\n" for email in emails]
    path = root / f"{stem}.request.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _write_large(root: Path, stem: str, manifest: dict[str, Any], kind: str) -> Path:
    path = root / f"{stem}.request.{kind}"
    if kind == "json":
        path.write_text(json.dumps(manifest), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


def measure_one(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


# -- timing --------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _command(name: str, module: str) -> list[str] | None:
    """The console script beside this interpreter, else ``python -m``; None when missing."""
    script = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if script:
        return [script]
    try:
        __import__(module)
    except ImportError:
        return None
    return [sys.executable, "-m", module]


def best_of(
    commands: list[list[str]], repeat: int, *, ok: tuple[int, ...] = (0, 1)
) -> tuple[float, float]:
    """The best wall time (and its CPU seconds) of running ``commands`` one after the other."""
    env = _environment()
    for command in commands:  # warm-up: byte-code caches, the OS page cache
        _run(command, env, ok)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        for command in commands:
            _run(command, env, ok)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best, best_cpu = min(best, wall), min(best_cpu, cpu)
    return best, best_cpu


def _run(command: list[str], env: dict[str, str], ok: tuple[int, ...]) -> None:
    done = subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    if done.returncode not in ok:
        raise SystemExit(
            f"{command[:3]}... exited {done.returncode}:\n{done.stderr.decode()[-2000:]}"
        )


# -- the report ------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    tool: str
    seconds: float | None
    manifests: int
    verdict: str = ""
    cpu: float | None = None
    rss_mb: float | None = None

    def cells(self) -> list[str]:
        if self.seconds is None:
            return [self.case, self.tool, "n/a", "", "", "", self.verdict]
        rate = f"{self.manifests / self.seconds:,.0f}/s" if self.manifests > 1 else ""
        cpu = f"{self.cpu * 1000:,.0f} ms" if self.cpu is not None else ""
        rss = f"{self.rss_mb:,.0f} MB" if self.rss_mb is not None else ""
        return [
            self.case,
            self.tool,
            f"{self.seconds * 1000:,.0f} ms",
            cpu,
            rate,
            rss,
            self.verdict,
        ]


def print_table(rows: list[Row]) -> None:
    header = ["case", "tool", "wall (best)", "CPU", "manifests/s", "peak RSS", "target"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for index, line in enumerate(table):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _ratio_verdict(ok: bool, text: str) -> str:
    return f"{'met' if ok else 'MISSED'} ({text})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifests", type=int, default=1000, help="manifests in bulk (1000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure; the best counts")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--no-large", action="store_true", help="skip the large manifests")
    parser.add_argument(
        "--large-repeat", type=int, default=2, help="runs per large manifest; the best counts"
    )
    parser.add_argument(
        "--only-large", action="store_true", help="measure the large manifests alone"
    )
    parser.add_argument("--build-large", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_large:  # in a child process: see below
        print(json.dumps({name: str(path) for name, path in build_large(args.build_large).items()}))
        return 0

    tapecheck = _command("tapecheck", "tapecheck")
    assert tapecheck is not None
    checker = _command("check-jsonschema", "check_jsonschema")
    root = args.keep or Path(tempfile.mkdtemp(prefix="tapecheck-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    lint = [*tapecheck, "lint"]
    try:
        print(f"tapecheck {__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
        rows: list[Row] = []
        met = True
        if not args.only_large:
            small, met = _small_rows(args, root, lint, checker)
            rows += small
        else:
            print()
        if not args.no_large:
            large, large_met = _large_rows(args, root, lint)
            rows += large
            met = met and large_met
        print_table(rows)
        print()
        print("all targets met" if met else "a target was MISSED")
        return 1 if args.strict and not met else 0
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def _small_rows(
    args: argparse.Namespace, root: Path, lint: list[str], checker: list[str] | None
) -> tuple[list[Row], bool]:
    """(a) one manifest, cold, and (b) bulk, against check-jsonschema."""
    mixed = build_corpus(root / "mixed", args.manifests, TEMPLATES)
    uniform = build_corpus(root / "siro-upload", args.manifests, [_siro_upload_valid])
    single = build_corpus(root / "single", 1, [_siro_upload_valid])
    one = next(single.manifests.rglob("*.request.*"))
    (one_key,) = single.bodies
    print(f"corpus: {root} ({args.manifests:,} manifests, {len(mixed.schemas)} operations)")
    if checker is None:
        print("check-jsonschema is not installed (pip install check-jsonschema): its rows are n/a")
    print()

    rows: list[Row] = []
    met = True
    single_ours, single_ours_cpu = best_of([[*lint, str(one)]], args.repeat * 2)
    verdict = ""
    if checker:
        schema, body = single.schemas[one_key], single.bodies[one_key][0]
        theirs, single_theirs_cpu = best_of(
            [[*checker, "--schemafile", str(schema), str(body)]], args.repeat * 2
        )
        ratio = single_ours / theirs
        met = met and ratio <= SINGLE_TARGET
        verdict = _ratio_verdict(
            ratio <= SINGLE_TARGET,
            f"{ratio:.2f}x check-jsonschema's time, CPU {single_ours_cpu / single_theirs_cpu:.2f}x; "
            f"<= {SINGLE_TARGET}x",
        )
    rows.append(
        Row("one manifest, cold", "tapecheck lint", single_ours, 1, verdict, single_ours_cpu)
    )
    if checker:
        rows.append(Row("", "check-jsonschema", theirs, 1, "", single_theirs_cpu))

    for label, corpus in (
        (f"{args.manifests:,} valid Siro uploads", uniform),
        (f"{args.manifests:,} mixed", mixed),
    ):
        theirs_rate: float | None = None
        theirs_cpu: float | None = None
        their_row: Row | None = None
        if checker:
            commands = [
                [*checker, "--schemafile", str(corpus.schemas[key]), *map(str, files)]
                for key, files in corpus.bodies.items()
            ]
            seconds, cpu = best_of(commands, args.repeat)
            theirs_rate, theirs_cpu = corpus.count / seconds, cpu
            noun = "invocation" if len(commands) == 1 else "invocations"
            their_row = Row(
                "", f"check-jsonschema ({len(commands)} {noun})", seconds, corpus.count, "", cpu
            )
        for tool, options in (
            ("tapecheck lint (auto jobs)", []),
            ("tapecheck lint --jobs 1", ["--jobs", "1"]),
        ):
            seconds, cpu = best_of([[*lint, *options, str(corpus.manifests)]], args.repeat)
            target = ""
            if theirs_rate is not None:
                ratio = (corpus.count / seconds) / theirs_rate
                ok = ratio >= BULK_TARGET
                if not options and corpus is uniform:  # the headline: automatic jobs
                    met = met and ok
                # CPU seconds per manifest, theirs over ours: what a busy machine's cores
                # cannot skew (workers on two cores halve the wall time, not the CPU).
                cpu_ratio = f", CPU {theirs_cpu / cpu:.2f}x" if theirs_cpu and cpu else ""
                target = _ratio_verdict(
                    ok,
                    f"{ratio:.2f}x check-jsonschema's rate{cpu_ratio}; "
                    f">= {BULK_TARGET}x, aim {BULK_AIM}x",
                )
            rows.append(Row(label, tool, seconds, corpus.count, target, cpu))
            label = ""
        rows.append(their_row or Row("", "check-jsonschema", None, corpus.count))
    return rows, met


def _large_rows(args: argparse.Namespace, root: Path, lint: list[str]) -> tuple[list[Row], bool]:
    """(c) each large manifest alone: its best wall time and its peak RSS, against the goal."""
    rows: list[Row] = []
    met = True
    # Built by a child process: a child's peak RSS counts its parent's memory at
    # fork, so the 400,000 contacts must never sit in this process.
    built = subprocess.run(
        [sys.executable, __file__, "--build-large", str(root / "large")],
        capture_output=True,
        text=True,
        check=True,
    )
    for name, where in json.loads(built.stdout).items():
        path = Path(where)
        wall, cpu, rss = min(measure_one([*lint, str(path)]) for _ in range(args.large_repeat))
        ok = wall <= BIG_SECONDS and rss <= BIG_MEGABYTES
        met = met and ok
        size = path.stat().st_size / 1e6
        verdict = _ratio_verdict(ok, f"<= {BIG_SECONDS:.0f} s and {BIG_MEGABYTES:.0f} MB")
        rows.append(Row(f"{name}, {size:.1f} MB", "tapecheck lint", wall, 1, verdict, cpu, rss))
    return rows, met


if __name__ == "__main__":
    sys.exit(main())
