"""A third-party vendor package: an entry point in ``tapecheck.vendors`` adds a vendor.

The test writes a tiny package (a spec, and a folder part: one requirement of
its own), installs it with ``pip install --no-deps --no-build-isolation`` (its build
backend is a dozen lines in the package itself) into
a temporary virtual environment that sees this tapecheck and its dependencies,
and runs the real CLI there: ``tapecheck specs`` lists the vendor, ``conform``
runs it (its own requirement included) against the mock its spec drives. A
package that claims a bundled vendor's name is refused, by name.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "custom" / "soundpost.yaml"
#: Seconds one command may take (the whole test takes about 10 s on a quiet machine).
TIMEOUT = 300

REQUIREMENTS = '''
"""The echo vendor's own requirement: a polled job ends (a folder part of a third-party vendor)."""

from __future__ import annotations

import inspect
from typing import Any

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session

LEVEL: dict[str, Any] = (
    {"level": "must"} if "level" in inspect.signature(requirement).parameters else {}
)


@requirement(
    "echo", "ECHO-JOB-ENDS", title="A polled job reaches completed or failed",
    source="tapecheck_echo/spec.yaml, job-status", **LEVEL,
)
async def job_ends(s: Session) -> None:
    made = await s.call(
        "create-job",
        files={"audio": ("call.wav", s.media.audio_bytes("wav"), "audio/wav")},
        data={"options": '{"callId": "call-1", "language": "en"}'},
    )
    if made.status_code != 202:
        s.fail("status_code_expected", "Job not created", f"{made.status_code}", made)
    for _ in range(10):
        polled = await s.call("get-job", path={"jobId": made.json()["jobId"]})
        if polled.json().get("status") in ("completed", "failed"):
            return
    s.fail("response_body", "The job never ended", f"{polled.json()}", polled)
'''


#: An in-tree PEP 517 backend of a dozen lines: the test needs no build tool installed.
BACKEND = """
import base64, hashlib, pathlib, zipfile

NAME, VERSION, MODULE = "@NAME@", "1.0.0", "@MODULE@"
INFO = f"{NAME}-{VERSION}.dist-info"
META = {
    "METADATA": f"Metadata-Version: 2.1\\nName: {NAME.replace('_', '-')}\\nVersion: {VERSION}\\n",
    "WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    "entry_points.txt": "@ENTRY_POINTS@",
}


def _record(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = {f"{MODULE}/{p.name}": p.read_bytes() for p in sorted(pathlib.Path(MODULE).iterdir())
             if p.is_file()}
    files.update({f"{INFO}/{k}": v.encode() for k, v in META.items()})
    records = [_record(k, v) for k, v in files.items()] + [f"{INFO}/RECORD,,"]
    with zipfile.ZipFile(pathlib.Path(wheel_directory, filename), "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{INFO}/RECORD", "\\n".join(records) + "\\n")
    return filename
"""


def _package(folder: Path, vendor: str, *, broken: bool = False) -> Path:
    """A package directory whose entry point adds ``vendor`` (spec: the example, renamed).

    ``broken``: its spec lacks the required ``x-tapecheck.credentials``.
    """
    module = f"tapecheck_{vendor.replace('-', '_')}"
    root = folder / f"pkg-{vendor}"
    (root / module).mkdir(parents=True)
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["x-tapecheck"]["vendor"] = vendor
    raw["x-tapecheck"]["title"] = f"{vendor.title()} (third party)"
    if broken:
        del raw["x-tapecheck"]["credentials"]
    (root / module / "spec.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
    (root / module / "__init__.py").write_text('"""A third-party tapecheck vendor."""\n', "utf-8")
    (root / module / "requirements.py").write_text(REQUIREMENTS.replace("echo", vendor), "utf-8")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = []
            build-backend = "backend"
            backend-path = ["."]
            """
        ),
        "utf-8",
    )
    entry_points = f"[tapecheck.vendors]\n{vendor} = {module}\n"
    (root / "backend.py").write_text(
        BACKEND.replace("@NAME@", f"tapecheck_vendor_{module.removeprefix('tapecheck_')}")
        .replace("@MODULE@", module)
        .replace("@ENTRY_POINTS@", entry_points.replace("\n", "\\n")),
        "utf-8",
    )
    return root


def _venv(folder: Path) -> Path:
    """A venv that sees this interpreter's packages (tapecheck from the worktree included)."""
    target = folder / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(target)], check=True, timeout=TIMEOUT
    )
    python = target / "bin" / "python"
    found = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    # addsitedir (not a plain path line) so the outer .pth files, the editable install's, run too.
    outer = [*site.getsitepackages(), str(ROOT)]
    lines = [f"import site; site.addsitedir({path!r})" for path in outer]
    Path(found.stdout.strip(), "outer.pth").write_text("\n".join(lines) + "\n", "utf-8")
    return python


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.mark.e2e
def test_an_installed_package_adds_a_vendor_that_specs_lists_and_conform_runs(
    tmp_path: Path,
) -> None:
    python = _venv(tmp_path)
    for vendor, broken in (("echo", False), ("siro", False), ("brokenspec", True)):
        installed = _run(
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(_package(tmp_path, vendor, broken=broken)),
            cwd=tmp_path,
        )
        assert installed.returncode == 0, installed.stdout + installed.stderr

    listed = _run(python, "-m", "tapecheck", "specs", cwd=tmp_path)
    # The package that claims a bundled name is refused, by name; the others are still listed.
    assert listed.returncode == 1
    assert (
        "tapecheck: a third-party vendor is refused: the installed package 'tapecheck_siro' "
        "adds vendor 'siro', which is bundled with tapecheck"
    ) in listed.stderr
    assert "echo  Echo (third party)" in listed.stdout
    assert listed.stdout.count("siro  Siro") == 1  # the bundled one, never replaced

    # A package whose spec is not valid: named, with its problems, before anything runs.
    invalid = _run(python, "-m", "tapecheck", "conform", "brokenspec", cwd=tmp_path)
    assert invalid.returncode == 2
    assert "/x-tapecheck: invalid x-tapecheck: 'credentials' is a required" in invalid.stderr
    assert "vendor 'brokenspec' (tapecheck_brokenspec): the spec is not valid" in invalid.stderr

    # Without the impostor: echo is listed beside the bundled five and conform runs it.
    removed = _run(
        python, "-m", "pip", "uninstall", "-q", "-y", "tapecheck-vendor-siro", cwd=tmp_path
    )
    assert removed.returncode == 0, removed.stderr
    listed = _run(python, "-m", "tapecheck", "specs", cwd=tmp_path)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "echo  Echo (third party)  https://api.soundpost.example/v1" in listed.stdout
    assert "* upload" in listed.stdout
    names = _run(python, "-m", "tapecheck", "specs", "--names", cwd=tmp_path).stdout.split()
    assert "echo" in names
    assert "corti" in names

    ran = _run(
        python,
        "-m",
        "tapecheck",
        "conform",
        "echo",
        "--seed",
        "1",
        "--examples",
        "3",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    report = json.loads(ran.stdout)
    assert report["vendor"] == "echo"
    statuses = {r["id"]: r["status"] for r in report["requirements"]}
    assert statuses["ECHO-JOB-ENDS"] == "passed"  # the package's own folder part ran
    assert set(statuses.values()) == {"passed"}

    # lint: a manifest naming the third-party vendor finds it by name, no --spec needed.
    manifest = tmp_path / "job.request.yaml"
    manifest.write_text(
        "vendor: echo\noperation: get-job\npath: {jobId: j-1}\n"
        "headers: {Authorization: 'Bearer ${ECHO_KEY}', X-Workspace: team}\n",
        "utf-8",
    )
    linted = _run(python, "-m", "tapecheck", "lint", str(manifest), cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.e2e
def test_lint_on_the_bundled_vendors_never_scans_the_entry_points() -> None:
    """The cold start stays light: only a vendor name that is not bundled reads the entry points."""

    def imports(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "tapecheck", "lint", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=ROOT,
        )
        return run.stderr

    assert "importlib.metadata" not in imports("examples/crescendo", "examples/corti")
    # ... while a manifest naming an unknown vendor does look (and reports MAN002).
    assert "importlib.metadata" in imports("examples/custom/upload.request.yaml")
