"""Alpharun's own conformance tests: other error bodies, a real workspace's params.

What every vendor's catalogue must do (the mock passes on every seed, every
mutant is caught, the same verdicts over HTTP) is in ``test_conform_catalogues.py``.
"""

from __future__ import annotations

from typing import Any

from conform_helpers import failures, run
from starlette.responses import JSONResponse, Response

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.vendors.alpharun.mock import AlpharunMock

VENDOR = "alpharun"


def test_errors_need_only_be_json() -> None:
    """The docs document no error body: another JSON shape and 422 for invalid data both pass."""

    class OtherErrors(AlpharunMock):
        def error_response(self, error: MockError) -> Response:
            status = 422 if error.status == 400 else error.status
            return JSONResponse({"detail": error.message, "status": status}, status_code=status)

    def factory(*, token: str, tenant: str) -> Any:
        return OtherErrors(token=token, tenant=tenant).create_app()

    outcome = run(VENDOR, factory=factory)
    assert failures(outcome) == {}


TEAMMATE = "qa.lead@customer.example"
PLAYBOOK = "0b6f5f36-7d52-4c1e-9a5e-3f2d1c0b9a87"


class Workspace(AlpharunMock):
    """A workspace as a real one behaves: one known teammate, no routing rule (a playbook is needed)."""

    def read_upload(self, form: Any, operation_id: str) -> Any:
        upload = super().read_upload(form, operation_id)
        if upload.teammate_email.casefold() != TEAMMATE:
            raise MockError(400, f"no teammate {upload.teammate_email!r} in this workspace")
        if upload.playbook_id is None:
            raise MockError(400, "no routing rule matches; send a playbook_id")
        return upload


def _workspace(*, token: str, tenant: str) -> Any:
    return Workspace(token=token, tenant=tenant).create_app()


def test_a_real_workspace_needs_and_gets_the_teammate_and_playbook_params() -> None:
    without = run(VENDOR, factory=_workspace)
    assert "ALPHARUN-UPLOAD-201" in failures(without)
    given = run(
        VENDOR, factory=_workspace, params={"teammate_email": TEAMMATE, "playbook_id": PLAYBOOK}
    )
    assert failures(given) == {}
