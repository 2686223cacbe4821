"""A run against a --base-url leaves the sandbox as it was, or lists what it left.

Every test serves a reference mock (or a mutant) over loopback, runs the real
``tapecheck conform --base-url`` against it, and looks into the mock's own
state while it still runs.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.conform.ledger import Ledger, resources_of
from tapecheck.suite.conform.runner import ConformOptions
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.conform.session import Session
from tapecheck.suite.mocks.server import base_path, running
from tapecheck.suite.specs import load_spec, vendors
from tapecheck.suite.vendors import vendor_module
from tapecheck.suite.vendors.corti.mock import CortiMock

TOKEN, TENANT = "cleanup-token", "tenant-c"


@contextmanager
def _served(vendor: str, mutant: str | None = None) -> Iterator[tuple[str, Any]]:
    """The mock (or a mutant) on loopback: its base URL and the mock object behind it."""
    if mutant is None:
        factory = vendor_module(vendor, "mock").create_app
    else:
        factory = next(m for m in mutants(vendor) if m.name == mutant).factory
    app = factory(token=TOKEN, tenant=TENANT)
    with running(app, host="127.0.0.1", port=0) as origin:
        yield origin + base_path(load_spec(vendor)), app.state.mock


def _conform(vendor: str, url: str, folder: Path, *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "tapecheck", "conform", vendor, "--base-url", url]
    command += ["--token", TOKEN, "--tenant", TENANT, "--report-dir", str(folder), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert TOKEN not in result.stdout + result.stderr
    document: dict[str, Any] = json.loads((folder / "report.json").read_text("utf-8"))
    return document


def _interactions(mock: Any) -> set[str]:
    with mock.lock:
        return {interaction_id for _tenant, interaction_id in mock.interactions}


@pytest.mark.parametrize(
    "mutant",
    [
        None,
        "generic-wrong-success-status",  # fails midway, after its interaction was made
        "encounter-not-validated",  # creates interactions that should have been refused
        "generic-tenant-not-checked",  # creates them in another tenant
    ],
)
def test_every_corti_interaction_the_run_created_is_gone(
    mutant: str | None, tmp_path: Path
) -> None:
    with _served("corti", mutant) as (url, mock):
        report = _conform("corti", url, tmp_path, "--quick", "--seed", "5")
        left = _interactions(mock)
    created = [c for c in report["created"] if c["kind"] == "interaction"]
    assert created, "the run records the interactions it made"
    assert left == set(), f"left on the mock: {left}"
    assert all(c["deleted"] for c in report["created"])
    if mutant is not None:
        assert report["conforms"] is False


def test_the_property_layer_leaves_no_interaction(tmp_path: Path) -> None:
    with _served("corti") as (url, mock):
        report = _conform(
            "corti", url, tmp_path, "--select", "CORTI-SCHEMA", "--examples", "3", "--seed", "2"
        )
        left = _interactions(mock)
    assert report["requirements"], "the property requirements ran"
    assert {c["kind"] for c in report["created"]} >= {"interaction"}
    assert left == set()


def test_keep_leaves_everything_and_lists_it(tmp_path: Path) -> None:
    with _served("corti") as (url, mock):
        report = _conform("corti", url, tmp_path, "--quick", "--seed", "5", "--keep")
        left = _interactions(mock)
    listed = {c["id"] for c in report["created"] if c["kind"] == "interaction" and not c["deleted"]}
    assert report["kept"] is True
    assert left
    assert left == listed
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "Left on the target" in html
    assert sorted(left)[0] in html


def test_the_sweep_deletes_what_a_requirement_left_when_it_failed_midway() -> None:
    """A requirement that creates an interaction and stops: the runner's sweep deletes it."""
    options = ConformOptions(vendor="corti", token=TOKEN, tenant=TENANT)
    target = options.target()
    mock = target.app.state.mock

    async def scenario() -> Ledger:
        client = target.client(timeout=10)
        ledger = Ledger(resources_of("corti"))
        session = Session(
            spec=load_spec("corti"),
            client=client,
            credentials=options.credentials(),
            ledger=ledger,
            requirement="R",
        )
        try:
            body = {"encounter": {"identifier": "x", "status": "planned", "type": "consultation"}}
            await session.call("create-interaction", json=body)
            assert _interactions(mock), "the interaction exists before the sweep"
            await session.sweep()
        finally:
            await client.aclose()
        return ledger

    ledger = asyncio.run(scenario())
    assert _interactions(mock) == set()
    assert [e.deleted for e in ledger.entries] == [True]


def _stored_ids(vendor: str, mock: Any) -> set[str]:
    """The ids a vendor's mock holds, read from its own state (keys may carry the tenant)."""
    with mock.lock:
        store = mock.jobs if vendor == "crescendo" else mock.recordings
        return {key[-1] if isinstance(key, tuple) else key for key in store}


#: Vendors whose API has no delete for what a run creates: the report must list it all.
UNDELETABLE = [
    v
    for v in vendors()
    if resources_of(v) and all(c.delete is None for c in resources_of(v).values())
]


@pytest.mark.parametrize("vendor", UNDELETABLE)
def test_the_report_lists_every_id_the_run_created(vendor: str, tmp_path: Path) -> None:
    with _served(vendor) as (url, mock):
        report = _conform(vendor, url, tmp_path, "--quick", "--seed", "5")
        stored = _stored_ids(vendor, mock)
    listed = {c["id"] for c in report["created"]}
    assert stored, "the run created something"
    assert listed == stored
    assert all(not c["deleted"] and c["created_at"] for c in report["created"])
    html = (tmp_path / "report.html").read_text("utf-8")
    assert f"{len(stored)} of {len(stored)} things the run created are left" in html


def test_an_embedded_run_reports_no_created_section(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tapecheck", "conform", "corti", "--quick"]
    command += ["--select", "CORTI-UPLOAD", "--report-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "created" not in json.loads((tmp_path / "report.json").read_text("utf-8"))


class StalledUpload(CortiMock):
    """Corti's mock whose upload answers only when released: a run stuck mid-requirement."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.entered = threading.Event()
        self.released = threading.Event()

    async def upload(self, request: Request) -> Response:
        self.entered.set()
        for _ in range(1200):  # at most a minute, however the test ends
            if self.released.is_set():
                break
            await asyncio.sleep(0.05)
        return Response(status_code=503)


def test_an_interrupted_run_deletes_what_it_made() -> None:
    """Ctrl-C while a requirement waits on its upload: the interaction it made still goes."""
    mock = StalledUpload(token=TOKEN, tenant=TENANT)
    with running(mock.create_app(), host="127.0.0.1", port=0) as origin:
        url = origin + base_path(load_spec("corti"))
        command = [sys.executable, "-m", "tapecheck", "conform", "corti", "--base-url", url]
        command += ["--token", TOKEN, "--tenant", TENANT, "--quick", "--select", "CORTI-UPLOAD-201"]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert mock.entered.wait(120), "the requirement reached its upload"
            assert _interactions(mock), "... in the interaction it made"
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=120)
        finally:
            mock.released.set()
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        left = _interactions(mock)
    assert process.returncode != 0, "the run was interrupted, not finished"
    assert "Traceback" not in stderr
    assert left == set()
