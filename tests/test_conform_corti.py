"""Corti's own conformance tests: a given interaction, and the heavy uploads over HTTP.

What every vendor's catalogue must do (the mock passes on every seed, every
mutant is caught, the same verdicts over HTTP) is in ``test_conform_catalogues.py``.
"""

from __future__ import annotations

import httpx
import pytest
from conform_helpers import TENANT, TOKEN, failures, quick_ids, run, served, verdicts

from tapecheck.suite.vendors.corti.mock import CortiMock

VENDOR = "corti"
#: The requirements that move 150 MB or two hours of MP3 (over HTTP they are the slow test).
HEAVY = ("CORTI-SIZE-LIMIT", "CORTI-DURATION-LIMIT")


@pytest.mark.e2e
def test_a_given_interaction_is_used_and_left_as_it_was() -> None:
    mock = CortiMock(token=TOKEN, tenant=TENANT)
    headers = {"Authorization": f"Bearer {TOKEN}", "Tenant-Name": TENANT}
    encounter = {
        "encounter": {"identifier": "sandbox", "status": "planned", "type": "consultation"}
    }
    select = tuple(i for i in quick_ids(VENDOR) if i not in HEAVY)
    with served(VENDOR, mock.create_app()) as base_url:
        given = httpx.post(base_url + "/interactions/", json=encounter, headers=headers).json()
        interaction_id = given["interactionId"]
        outcome = run(
            VENDOR,
            base_url=base_url,
            token=TOKEN,
            tenant=TENANT,
            select=select,
            params={"interaction_id": interaction_id},
        )
        left = httpx.get(base_url + f"/interactions/{interaction_id}/recordings/", headers=headers)
        interactions = list(mock.interactions)
    assert set(verdicts(outcome).values()) == {"passed"}, failures(outcome)
    assert left.json() == {"recordings": []}, "the suite deletes what it uploaded"
    assert interactions == [(TENANT, interaction_id)], "and every interaction it created"


@pytest.mark.slow
@pytest.mark.e2e
def test_over_http_with_150_mb_and_hour_long_uploads() -> None:
    mock = CortiMock(token=TOKEN, tenant=TENANT)
    with served(VENDOR, mock.create_app()) as base_url:
        remote = run(
            VENDOR, base_url=base_url, token=TOKEN, tenant=TENANT, select=quick_ids(VENDOR)
        )
        left = list(mock.interactions)  # the mock forgets everything at shutdown
    assert set(verdicts(remote).values()) == {"passed"}, failures(remote)
    assert left == []
