"""The example CI workflow (examples/ci/) and ``tapecheck nightly --merge`` of its artifacts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tapecheck.suite.specs import vendors

WORKFLOW = Path(__file__).parent.parent / "examples" / "ci" / "tapecheck-nightly.yml"


def _workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    return document


def test_the_workflow_is_a_matrix_of_the_catalogue_and_a_merge() -> None:
    jobs = _workflow()["jobs"]
    text = WORKFLOW.read_text("utf-8")
    for vendor in vendors():
        assert vendor not in text.lower().replace("vendors", ""), f"{vendor} is hard-coded"
    assert "from tapecheck.suite.specs import vendors" in text
    matrix = jobs["certify"]["strategy"]["matrix"]
    assert "fromJSON(needs.vendors.outputs.matrix)" in matrix
    assert jobs["certify"]["strategy"]["fail-fast"] is False
    merge = jobs["merge"]
    assert merge["needs"] == "certify"
    assert merge["if"] == "always()"
    runs = "\n".join(str(step.get("run", "")) for step in merge["steps"])
    assert "tapecheck nightly --merge" in runs
    uses = [str(step.get("uses", "")) for job in jobs.values() for step in job["steps"]]
    assert any(u.startswith("actions/cache/save") for u in uses)
    assert any(u.startswith("actions/cache/restore") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert any(u.startswith("actions/download-artifact") for u in uses)
    certify = "\n".join(str(step.get("run", "")) for step in jobs["certify"]["steps"])
    assert "--baseline-dir" in certify


def _vendor_folder(folder: Path, vendor: str, exit_code: int, failed: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nightly.json").write_text(
        json.dumps({"vendor": vendor, "exit_code": exit_code, "duration_s": 1.5}), "utf-8"
    )
    requirements = [{"id": r, "status": "failed", "level": "must"} for r in failed]
    requirements.append({"id": "OK", "status": "passed", "level": "must"})
    report = {"vendor": vendor, "conforms": not failed, "requirements": requirements}
    (folder / "report.json").write_text(json.dumps(report), "utf-8")


def test_merge_takes_artifact_folders_and_drops_last_nights_files(tmp_path: Path) -> None:
    one, two = list(vendors())[:2]
    artifacts = tmp_path / "artifacts"
    _vendor_folder(artifacts / f"tapecheck-{one}", one, 1, ["R-1"])  # files at the root
    _vendor_folder(artifacts / "job" / two, two, 2, [])  # or under <vendor>/
    (artifacts / "job" / two / "report.json").unlink()  # the run could not be made
    site = tmp_path / "site"
    _vendor_folder(site / two, two, 0, ["STALE"])  # last night's, restored from the cache
    command = [sys.executable, "-m", "tapecheck", "nightly", "--merge"]
    command += [str(artifacts / f"tapecheck-{one}"), str(artifacts / "job")]
    command += ["--report-dir", str(site)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{one}: does-not-conform" in result.stdout
    assert f"{two}: incomplete" in result.stdout
    assert not (site / two / "report.json").exists()
    history = json.loads((site / "history.json").read_text("utf-8"))
    assert history["runs"][-1]["vendors"][one]["requirements"] == {"R-1": "failed", "OK": "passed"}
    assert "STALE" not in (site / "index.html").read_text("utf-8")
