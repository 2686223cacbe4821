"""Siro's own conformance tests: readings of the mocks, other readings, the second user's token.

What every vendor's catalogue must do (the mock passes on every seed, every
mutant is caught, the same verdicts over HTTP) is in ``test_conform_catalogues.py``.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from conform_helpers import TENANT, TOKEN, factory_of, failures, run, served
from starlette.responses import JSONResponse, Response

from tapecheck.reports import RUN_WRITERS
from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.runner import MOCK_OTHER_TOKEN
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.vendors.siro.mock import SiroMock, create_app

VENDOR = "siro"


def test_readings_of_the_mocks_are_should_and_say_the_docs_are_silent() -> None:
    """What rests on the mocks' reading, not on Siro's docs, is a should that says so."""
    by_id = {r.id: r for r in catalogue(VENDOR)}
    for rid in (
        "SIRO-UPLOAD-BEFORE-PUT",
        "SIRO-UPLOAD-UNISSUED-URL",
        "SIRO-UPLOAD-FILE-TYPE-MATCH",
    ):
        assert by_id[rid].level == "should", rid
        assert "a reasonable expectation" in by_id[rid].source.lower(), rid


class OtherReadings(SiroMock):
    """Another server Siro's docs allow: 200 for signed-urls, 422 for invalid data, 403 for a
    credential, 404 for a URL that names nothing, and errors in another JSON shape."""

    def success_status(self, operation_id: str) -> int:
        return 200 if operation_id == "signed-urls" else super().success_status(operation_id)

    def authenticate(self, request: Any, operation_id: str) -> str:
        try:
            return super().authenticate(request, operation_id)
        except MockError as exc:
            raise MockError(403, exc.message) from None

    def not_uploaded(self, signed: Any) -> None:
        raise MockError(404, "nothing was uploaded to this URL")

    def error_response(self, error: MockError) -> Response:
        status = 422 if error.status == 400 else error.status
        return JSONResponse({"detail": error.message}, status_code=status)


def test_every_reasonable_reading_passes() -> None:
    """Where the docs pin no status or error body, the other readings pass too."""
    outcome = run(VENDOR, factory=factory_of(OtherReadings))
    assert failures(outcome) == {}


@pytest.mark.e2e
def test_user_isolation_is_skipped_without_a_second_users_token() -> None:
    with served(VENDOR, create_app(token=TOKEN, tenant=TENANT)) as base_url:
        remote = run(VENDOR, base_url=base_url, token=TOKEN, tenant=TENANT)
    skipped = {r.id: r.reason for r in remote.requirements if r.status == "skipped"}
    assert set(skipped) == {"SIRO-USER-ISOLATION"}
    assert "other_token" in str(skipped["SIRO-USER-ISOLATION"])
    assert failures(remote) == {}


def test_the_second_users_token_never_reaches_the_report() -> None:
    broken = next(m for m in mutants(VENDOR) if m.name == "user-isolation-broken")
    outcome = run(VENDOR, factory=broken.factory, select=("SIRO-USER-ISOLATION",))
    assert "SIRO-USER-ISOLATION" in failures(outcome)
    stream = io.StringIO()
    RUN_WRITERS["json"]().write(outcome, stream)
    text = stream.getvalue()
    assert json.loads(text)["requirements"][0]["failures"]
    assert MOCK_OTHER_TOKEN not in text
    assert TOKEN not in text
