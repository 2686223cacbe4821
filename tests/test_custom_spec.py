"""Your own upload API: ``--spec FILE`` on every command, and the generic mock it drives.

The worked example is ``examples/custom/soundpost.yaml`` (an invented API with
a raw-body upload, a multipart upload with a JSON form field and a job to
poll). A spec given with ``--spec`` is registered for the process; every test
here forgets it afterwards, so no other test sees a sixth vendor.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cli_servers import serving
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from soundpost_server import TENANT, TOKEN, Flaws, create_app

from tapecheck.suite.catalogue import forget_registered, is_vendor, register_spec_text
from tapecheck.suite.cli import main
from tapecheck.suite.mocks.server import running
from tapecheck.suite.spec_check import check_spec, check_spec_file
from tapecheck.suite.specs import bundled_vendors, vendors

ROOT = Path(__file__).resolve().parent.parent
CUSTOM = ROOT / "examples" / "custom"
SPEC = CUSTOM / "soundpost.yaml"
#: A bundled spec as it was before x-tapecheck gained job-status (kept verbatim).
BEFORE = Path(__file__).resolve().parent / "spec_compat" / "crescendo-before-job-status.yaml"
SEEDS = (1, 2, 3, 4, 5)
#: Examples per property requirement: enough to exercise every operation, quick enough x 5 seeds.
EXAMPLES = 5
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    yield
    forget_registered()


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def _spec(tmp_path: Path, edit: Any = None, name: str = "api.yaml") -> Path:
    """A copy of the example spec, changed by ``edit(raw)``."""
    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    if edit is not None:
        edit(raw)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _wav(seconds: float = 1.0) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x10" * int(8000 * seconds))
    return buffer.getvalue()


# -- specs check: today's specs, a spec from before, the example ------------------------


def test_todays_specs_a_spec_from_before_and_the_example_are_valid() -> None:
    bundled = _run("specs", "check")
    assert bundled.exit_code == 0, bundled.output
    assert f"{len(bundled_vendors())} of {len(bundled_vendors())} specs valid" in bundled.output
    assert check_spec_file(BEFORE) == []
    assert "job-status:" not in BEFORE.read_text(encoding="utf-8")  # from before the key existed
    example = _run("specs", "check", "--spec", str(SPEC))
    assert example.exit_code == 0, example.output
    assert "1 of 1 specs valid, 0 problems" in example.output


def test_a_job_status_of_the_wrong_shape_is_named(tmp_path: Path) -> None:
    def edit(raw: dict[str, Any]) -> None:
        del raw["paths"]["/jobs/{jobId}"]["get"]["x-tapecheck"]["job-status"]["terminal"]

    path = _spec(tmp_path, edit)
    problems = check_spec(path.read_text(encoding="utf-8"), source=str(path))
    assert [p.pointer for p in problems] == ["/paths/~1jobs~1{jobId}/get/x-tapecheck/job-status"]
    assert "'terminal' is a required property" in problems[0].message


def test_specs_check_spec_refuses_a_bundled_name(tmp_path: Path) -> None:
    path = _spec(tmp_path, lambda raw: raw["x-tapecheck"].update(vendor="crescendo"))
    result = _run("specs", "check", "--spec", str(path))
    assert result.exit_code == 1
    assert "/x-tapecheck/vendor: vendor 'crescendo' is bundled with tapecheck" in result.output


# -- --spec: usage errors (exit 2, named) -------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("conform", "corti"),
        ("mock", "corti"),
        ("selftest", "corti"),
        ("proxy", "corti"),
        ("lint", "--vendor", "corti", str(CUSTOM)),
    ],
    ids=lambda c: c[0],
)
def test_a_vendor_argument_must_be_the_specs(command: tuple[str, ...]) -> None:
    result = _run(*command, "--spec", str(SPEC))
    assert result.exit_code == 2, result.output
    assert "is not the vendor of --spec" in result.output
    assert "'soundpost'" in result.output


@pytest.mark.parametrize("command", ["conform", "mock", "selftest", "proxy", "lint"])
def test_an_invalid_spec_is_exit_2_with_its_problems(tmp_path: Path, command: str) -> None:
    path = _spec(tmp_path, lambda raw: raw["x-tapecheck"].pop("credentials"))
    result = _run(command, "--spec", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}: /x-tapecheck: invalid x-tapecheck: 'credentials' is a required" in (
        result.output
    )
    assert "the spec is not valid (1 problems" in result.output
    assert "soundpost" not in vendors()


def test_a_spec_that_takes_a_bundled_name_is_refused(tmp_path: Path) -> None:
    path = _spec(tmp_path, lambda raw: raw["x-tapecheck"].update(vendor="siro"))
    result = _run("conform", "--spec", str(path))
    assert result.exit_code == 2
    assert "vendor 'siro' is bundled with tapecheck" in result.output


def test_a_file_too_large_to_be_a_spec_is_refused_unread(tmp_path: Path) -> None:
    from tapecheck.suite.cli_spec import MAX_SPEC_BYTES

    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as stream:
        stream.truncate(MAX_SPEC_BYTES + 1)  # sparse: no disk used
    result = _run("conform", "--spec", str(huge))
    assert result.exit_code == 2
    assert "larger than 10,000,000 bytes" in result.output


def test_no_vendor_and_no_spec_is_a_usage_error() -> None:
    result = _run("conform")
    assert result.exit_code == 2
    assert "give a VENDOR or --spec FILE" in result.output


def test_an_unknown_vendor_scans_the_entry_points_and_stays_unknown() -> None:
    assert not is_vendor("no-such-vendor")
    result = _run("conform", "no-such-vendor")
    assert result.exit_code == 2
    assert "unknown vendor 'no-such-vendor'" in result.output


# -- lint --spec ---------------------------------------------------------------------------


def test_lint_spec_reports_the_generic_codes_on_the_bad_manifests_only() -> None:
    result = _run("lint", "--spec", str(SPEC), "--format", "json", str(CUSTOM))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    codes = {d["code"] for d in report["diagnostics"]}
    assert {code[:3] for code in codes} == {"SEC", "SCH", "AUD", "MAN"}
    flagged = {Path(d["path"]).name for d in report["diagnostics"]}
    clean = {"upload.request.yaml", "create-job.request.yaml", "get-job.request.yaml"}
    assert flagged.isdisjoint(clean)
    assert report["summary"]["files"] == len(list(CUSTOM.glob("*.request.yaml")))
    good = _run("lint", "--spec", str(SPEC), *(str(CUSTOM / name) for name in sorted(clean)))
    assert good.exit_code == 0, good.output
    assert "All checks passed" in good.output


def test_a_manifest_naming_a_spec_vendor_without_the_spec_is_man002() -> None:
    result = _run("lint", "--format", "json", str(CUSTOM / "upload.request.yaml"))
    report = json.loads(result.stdout)
    assert [d["code"] for d in report["diagnostics"]] == ["MAN002"]


# -- the generic mock of the example -------------------------------------------------------


def _mock_client() -> httpx.AsyncClient:
    from tapecheck.suite.vendors import mock_factory

    register_spec_text(SPEC.read_text(encoding="utf-8"), source=str(SPEC))
    app = mock_factory("soundpost")()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock/v1")


HEADERS = {"Authorization": f"Bearer {TOKEN}", "X-Workspace": TENANT}


def test_an_id_made_by_one_operation_is_found_by_another() -> None:
    async def scenario() -> None:
        async with _mock_client() as client:
            made = await client.post("/recordings", content=_wav(), headers=HEADERS)
            assert made.status_code == 201, made.text
            read = await client.get(f"/recordings/{made.json()['id']}", headers=HEADERS)
            assert read.status_code == 200
            assert read.json() == made.json()  # the same size and the same creation time
            other = await client.get("/recordings/never-made", headers=HEADERS)
            assert (other.status_code, other.json()["code"]) == (404, "not-found")
            stranger = {**HEADERS, "X-Workspace": "tenant-b"}
            assert (
                await client.get(f"/recordings/{made.json()['id']}", headers=stranger)
            ).status_code == 403

    asyncio.run(scenario())


def test_a_polled_job_reaches_a_terminal_status() -> None:
    async def scenario() -> None:
        async with _mock_client() as client:
            made = await client.post(
                "/jobs",
                headers=HEADERS,
                files={"audio": ("call.wav", _wav(), "audio/wav")},
                data={"options": json.dumps({"callId": "call-7", "language": "de"})},
            )
            assert made.status_code == 202, made.text
            assert made.json()["status"] == "queued"
            assert made.json()["callId"] == "call-7"
            seen = []
            for _ in range(5):
                polled = await client.get(f"/jobs/{made.json()['jobId']}", headers=HEADERS)
                seen.append(polled.json()["status"])
            assert seen == ["queued", "completed", "completed", "completed", "completed"]

    asyncio.run(scenario())


@settings(max_examples=8, deadline=None)
@given(polls=st.integers(min_value=0, max_value=4), reads=st.integers(min_value=1, max_value=7))
def test_a_job_answers_initial_for_its_declared_polls_then_terminal(polls: int, reads: int) -> None:
    def edit(raw: dict[str, Any]) -> None:
        for path in ("/jobs", "/jobs/{jobId}"):
            operation = raw["paths"][path]["post" if path == "/jobs" else "get"]
            operation["x-tapecheck"]["job-status"].update(polls=polls, terminal=["failed"])

    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    edit(raw)
    text = yaml.safe_dump(raw, sort_keys=False)
    assert check_spec(text, source="polls.yaml") == []
    from tapecheck.suite.vendors import mock_factory

    register_spec_text(text, source="polls.yaml")
    app = mock_factory("soundpost")()

    async def scenario() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock/v1") as client:
            made = await client.post(
                "/jobs",
                headers=HEADERS,
                files={"audio": ("call.wav", _wav(0.2), "audio/wav")},
                data={"options": json.dumps({"callId": "c", "language": "fr"})},
            )
            seen = [made.json()["status"]]
            for _ in range(reads):
                polled = await client.get(f"/jobs/{made.json()['jobId']}", headers=HEADERS)
                seen.append(polled.json()["status"])
            return seen

    try:
        seen = asyncio.run(scenario())
    finally:
        forget_registered()
    expected = ["queued"] + ["queued" if n <= polls else "failed" for n in range(1, reads + 1)]
    assert seen == expected


def test_a_json_form_field_is_checked_against_its_content_schema() -> None:
    async def scenario() -> None:
        async with _mock_client() as client:
            refused = await client.post(
                "/jobs",
                headers=HEADERS,
                files={"audio": ("call.wav", _wav(), "audio/wav")},
                data={"options": json.dumps({"callId": "call 7", "language": "de"})},
            )
            assert refused.status_code == 400
            assert "/options/callId" in refused.json()["message"]

    asyncio.run(scenario())


def test_a_raw_upload_without_content_type_is_octet_stream() -> None:
    """RFC 9110 section 8.3: a recipient may take a body without Content-Type as octet-stream."""

    async def scenario() -> None:
        async with _mock_client() as client:
            bare = await client.post("/recordings", content=_wav(), headers=HEADERS)
            assert "content-type" not in bare.request.headers
            assert bare.status_code == 201, bare.text
            typed = await client.post(
                "/recordings", content=_wav(), headers={**HEADERS, "Content-Type": "audio/wav"}
            )
            assert typed.status_code == 400  # a Content-Type that is given is what it says
            empty = await client.post(
                "/recordings", content=_wav(), headers={**HEADERS, "Content-Type": ""}
            )
            assert empty.status_code == 400

    asyncio.run(scenario())


# -- conform --spec: in-process and over loopback -------------------------------------------


def _conform(*args: str) -> dict[str, Any]:
    result = _run(
        "conform", "--spec", str(SPEC), "--examples", str(EXAMPLES), "--format", "json", *args
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("seed", SEEDS)
def test_conform_spec_conforms_against_its_generic_mock_in_process(seed: int) -> None:
    report = _conform("--seed", str(seed))
    assert report["vendor"] == "soundpost"
    assert report["target"] == "embedded"
    assert report["requirements"], "a run in which nothing ran proves nothing"
    assert {r["status"] for r in report["requirements"]} == {"passed"}


@pytest.mark.e2e
def test_conform_spec_conforms_against_tapecheck_mock_spec_over_loopback() -> None:
    with serving("mock", "--spec", str(SPEC), "--port", "0") as base_url:
        assert base_url.endswith("/v1")
        for seed in SEEDS:
            report = _conform(
                "--base-url", base_url, "--token", TOKEN, "--tenant", TENANT, "--seed", str(seed)
            )
            assert report["target"] == base_url
            assert {r["status"] for r in report["requirements"]} == {"passed"}, seed


@pytest.mark.e2e
def test_proxy_spec_checks_traffic_to_the_generic_mock() -> None:
    with serving("proxy", "--spec", str(SPEC), "--port", "0") as base_url:
        headers = {"Authorization": f"Bearer {TOKEN}", "X-Workspace": TENANT}
        with httpx.Client(timeout=30) as client:
            stored = client.post(f"{base_url}/recordings", content=_wav(), headers=headers)
            assert stored.status_code == 201, stored.text
            bare = client.post(f"{base_url}/recordings", content=_wav())
            assert bare.status_code == 401
            origin = base_url.removesuffix("/v1")
            findings = client.get(f"{origin}/_tapecheck/findings").json()
    codes = {d["code"] for d in findings["diagnostics"]}
    assert "SEC004" in codes  # the request without a credential, named by the linter's rule
    assert "SCH001" in codes  # ... and without its X-Workspace header


# -- hand-written servers of the example API ------------------------------------------------


def _against(flaws: Flaws) -> dict[str, Any]:
    with running(create_app(flaws)) as origin:
        result = _run(
            "conform",
            "--spec",
            str(SPEC),
            "--base-url",
            origin + "/v1",
            "--token",
            TOKEN,
            "--tenant",
            TENANT,
            "--seed",
            "1",
            "--examples",
            str(EXAMPLES),
            "--format",
            "json",
        )
    report: dict[str, Any] = json.loads(result.stdout)
    report["exit_code"] = result.exit_code
    return report


def _failed(report: dict[str, Any]) -> list[str]:
    """The `must` requirements that failed (a failed `should` is an advisory)."""
    failed = report["requirements"]
    return [r["id"] for r in failed if r["status"] == "failed" and r["level"] == "must"]


@pytest.mark.e2e
def test_a_sound_hand_written_server_conforms() -> None:
    report = _against(Flaws())
    assert report["exit_code"] == 0, _failed(report)


@pytest.mark.e2e
def test_a_server_that_ignores_credentials_does_not_conform() -> None:
    report = _against(Flaws(ignore_credentials=True))
    assert report["exit_code"] == 1
    assert _failed(report) == ["SOUNDPOST-CREDENTIALS"]  # a `must`: the spec quotes its docs


@pytest.mark.e2e
def test_a_server_that_accepts_a_body_over_the_limit_does_not_conform() -> None:
    report = _against(Flaws(accept_oversized=True))
    assert report["exit_code"] == 1
    assert _failed(report) == ["SOUNDPOST-SIZE-LIMIT"]


def test_selftest_spec_kills_every_generic_mutant() -> None:
    result = _run("selftest", "--spec", str(SPEC))
    assert result.exit_code == 0, result.output
    assert "reference mock                     PASS" in result.output
    assert "SURVIVED" not in result.output
    assert "MISSED" not in result.output
    caught = re.search(
        r"=> (\d+)/(\d+) mutants killed by must requirements, (\d+) caught", result.output
    )
    assert caught, result.output
    killed, total, advisories = (int(n) for n in caught.groups())
    assert killed + advisories == total > 0
    # The spec quotes no docs for its error body: its error shape is a `should`, so the
    # broken shape is an advisory; every quoted fact's mutant is killed.
    assert re.search(r"generic-error-shape-broken +advisory", result.output), result.output
    assert advisories == 1
