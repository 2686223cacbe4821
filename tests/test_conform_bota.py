"""Bota's own conformance tests: readings of the mocks, a real sandbox, the device token.

What every vendor's catalogue must do (the mock passes on every seed, every
mutant is caught, the same verdicts over HTTP) is in ``test_conform_catalogues.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from conform_helpers import factory_of, failures, run, served, verdicts
from starlette.requests import Request

from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.mocks.auth import bearer_token
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.vendors.bota.mock import BotaMock, create_app
from tapecheck.suite.vendors.bota.model import BotaRecording, Caller, Saved
from tapecheck.suite.vendors.bota.ratelimit import Budget

VENDOR = "bota"
TOKEN, TENANT = "sk_test_tapecheck", "project-a"
OTHER_PROJECT, OTHER_KEY = "project-b", "sk_test_other_project"
DEVICE_TOKEN = "dtok_loopback"
DEVICE_TOKEN_REQUIREMENTS = {
    "BOTA-CREATE-DEVICE-TOKEN",
    "BOTA-DEVICE-TOKEN-IDS-FORBIDDEN",
    "BOTA-DEVICE-ISOLATION",
}


def test_readings_of_the_mocks_are_should_and_say_the_docs_are_silent() -> None:
    by_id = {r.id: r for r in catalogue(VENDOR)}
    for rid in ("BOTA-CREATE-DEFAULTS", "BOTA-IDEMPOTENCY-CONFLICT", "BOTA-LIST-LIMIT-BOUNDS"):
        assert by_id[rid].level == "should", rid
        assert "a reasonable expectation" in by_id[rid].source.lower(), rid


class OtherReadings(BotaMock):
    """Another server Bota's docs allow: upload-url answers 201, a reused Idempotency-Key with
    another body is 400 invalid_request, another's recording is 403 (a code the docs do not
    list), an omitted name is generated, and a 401 carries no rate-limit headers."""

    def success_status(self, operation_id: str) -> int:
        return 201 if operation_id == "upload-url" else super().success_status(operation_id)

    def replay(self, caller: Caller, key: str | None, fingerprint: str) -> Saved | None:
        try:
            return super().replay(caller, key, fingerprint)
        except MockError as exc:
            raise MockError(400, exc.message) from None

    def find(self, caller: Caller, recording_id: str) -> BotaRecording:
        found = self.recordings.get(recording_id)
        if found is not None and not self.visible(caller, found):
            raise MockError(403, "this recording belongs to another device", code="forbidden")
        return super().find(caller, recording_id)

    def defaults(self) -> dict[str, Any]:
        return {**super().defaults(), "name": "Untitled recording"}

    def rate_budget(self, request: Request) -> Budget | None:
        """An unknown credential spends no budget, so its 401 carries no rate-limit headers."""
        token = bearer_token(request)
        if token is None or self.caller_of(token) is None:
            return None
        return super().rate_budget(request)


def test_every_reasonable_reading_passes() -> None:
    outcome = run(VENDOR, factory=factory_of(OtherReadings))
    assert failures(outcome) == {}


REGISTERED = {"device_id": "dev_registered_phone", "end_user_id": "eu_registered_person"}


class Sandbox(BotaMock):
    """A sandbox as a real one behaves: a secret key may name only its registered device."""

    def new_recording(
        self, caller: Caller, body: Mapping[str, Any], operation_id: str
    ) -> BotaRecording:
        recording = super().new_recording(caller, body, operation_id)
        named = {"device_id": recording.device_id, "end_user_id": recording.end_user_id}
        if not caller.is_device and named != REGISTERED:
            raise MockError(404, f"no device {recording.device_id} in this project")
        return recording


def test_a_real_sandbox_needs_and_gets_the_device_and_end_user_params() -> None:
    without = run(VENDOR, factory=factory_of(Sandbox))
    assert "BOTA-CREATE-SECRET-KEY" in failures(without)
    given = run(VENDOR, factory=factory_of(Sandbox), params=REGISTERED)
    assert failures(given) == {}


def test_device_isolation_needs_another_device_than_the_params() -> None:
    """When --param device_id is the device token's own device, isolation cannot be decided."""
    mock = BotaMock()
    own = dict(zip(("device_id", "end_user_id"), mock.device_identity(DEVICE_TOKEN), strict=True))
    outcome = run(VENDOR, device_token=DEVICE_TOKEN, params=own, select=("BOTA-DEVICE-ISOLATION",))
    assert verdicts(outcome) == {"BOTA-DEVICE-ISOLATION": "skipped"}


@pytest.mark.e2e
def test_over_http_without_a_device_token_its_requirements_are_skipped() -> None:
    app = create_app(token=TOKEN, tenant=TENANT, tenants={OTHER_PROJECT: OTHER_KEY})
    with served(VENDOR, app) as base_url:
        remote = run(VENDOR, base_url=base_url, token=TOKEN, params={"other_token": OTHER_KEY})
    skipped = {r.id: str(r.reason) for r in remote.requirements if r.status == "skipped"}
    assert set(skipped) == DEVICE_TOKEN_REQUIREMENTS
    assert all("--device-token" in reason for reason in skipped.values())
    assert failures(remote) == {}
