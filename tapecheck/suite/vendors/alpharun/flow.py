"""Alpharun's conformance flow: what a real workspace needs in a valid upload.

A real workspace knows its teammates and playbooks, which generated values
never name: ``--param teammate_email=...`` and ``--param playbook_id=...``
replace the generated ones in every valid upload. The reference mock needs
neither, and nothing is created beforehand. Alpharun has no delete.
"""

from __future__ import annotations

from typing import Any

from tapecheck.suite.conform.properties import Fixtures
from tapecheck.suite.conform.session import Session

__all__ = ["PARAMS", "prerequisites"]

#: ``--param`` names that go into a valid upload's form.
PARAMS = ("teammate_email", "playbook_id")


async def prerequisites(session: Session) -> Fixtures:
    given = {name: value for name in PARAMS if (value := session.param(name)) is not None}
    if not given:
        return Fixtures()

    def complete(operation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, **given} if operation_id == "upload" else body

    return Fixtures(complete=complete)
