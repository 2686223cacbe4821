"""Crescendo's conformance flow: the job the generated status requests ask about.

The status path's ``jobId`` must name a job of the tenant, and no link leads
from the upload's ``id`` to it, so one real upload is made first and its job
id is given to every generated status request. Crescendo has no delete.
"""

from __future__ import annotations

import json

from tapecheck.suite.conform.properties import Fixtures
from tapecheck.suite.conform.session import Session

__all__ = ["prerequisites"]


async def prerequisites(session: Session) -> Fixtures:
    """Upload one mp3; its job id is the ``jobId`` of the status operation."""
    audio = session.media.audio("mp3")
    metadata = {"id": "tapecheck-properties", "kind": "phonecall", "source": "tapecheck"}
    response = await session.call(
        "upload",
        data={"metadata": json.dumps(metadata)},
        files={"audio": (audio.name, audio.read_bytes(), "audio/mpeg")},
    )
    job_id = _job_id(response.json() if response.is_success else None)
    if job_id is None:
        return Fixtures()  # the deterministic requirements report the failed upload
    return Fixtures(parameters={"status": {"jobId": job_id}})


def _job_id(body: object) -> str | None:
    value = body.get("id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None
