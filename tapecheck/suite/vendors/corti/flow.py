"""Corti's conformance flow: interactions and recordings for generated requests to name.

Every recording operation names an interaction (and a recording) that must
exist, else all generated cases die as 404. The flow creates two interactions
and uploads two recordings first: one interaction and recording that the
generated deletes may take, one of each that the other operations keep using
(so a generated ``DELETE`` early in the run does not turn the rest into 404s).
``--param interaction_id=<uuid>`` names the kept interaction instead of
creating one. Afterwards the flow deletes every interaction it made, and
those that generated requests created.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.properties import Fixtures
from tapecheck.suite.conform.session import Session, TargetUnreachable

__all__ = ["prerequisites"]

_ENCOUNTER = {"status": "planned", "type": "consultation"}


async def prerequisites(session: Session) -> Fixtures:
    made: list[str] = []
    kept = session.param("interaction_id")
    if kept is None:
        kept = await _create(session, "tapecheck-properties-kept")
        if kept is not None:
            made.append(kept)
    doomed = await _create(session, "tapecheck-properties-deleted")
    if doomed is not None:
        made.append(doomed)
    parameters: dict[str, dict[str, str]] = {}
    if doomed is not None:
        parameters["delete-interaction"] = {"id": doomed}
    recordings: list[str | None] = []
    if kept is not None:
        recordings = [await _upload(session, kept), await _upload(session, kept)]
        parameters.update(
            {
                "upload": {"id": kept},
                "list-recordings": {"id": kept},
                "get-recording": {"id": kept},
                "delete-recording": {"id": kept},
            }
        )
        if recordings[0] is not None:
            parameters["get-recording"]["recordingId"] = recordings[0]
        if recordings[1] is not None:
            parameters["delete-recording"]["recordingId"] = recordings[1]
    created: list[str] = []
    uploaded = [r for r in recordings if r is not None] if kept is not None else []

    def collect(operation_id: str, body: Any) -> None:
        if not isinstance(body, dict):
            return
        if operation_id == "create-interaction" and isinstance(body.get("interactionId"), str):
            created.append(body["interactionId"])
        elif operation_id == "upload" and isinstance(body.get("recordingId"), str):
            uploaded.append(body["recordingId"])

    async def cleanup() -> None:
        if session.keep:
            return  # --keep: left for debugging, listed in the report
        with suppress(ConformanceFailure, TargetUnreachable):
            if kept is not None and kept not in made:
                # A given interaction stays; what the run uploaded to it goes.
                for recording in uploaded:
                    path = {"id": kept, "recordingId": recording}
                    await session.call("delete-recording", path=path)
            for interaction in [*made, *created]:
                await session.call("delete-interaction", path={"id": interaction})

    return Fixtures(parameters=parameters, collect=collect, cleanup=cleanup)


async def _create(session: Session, identifier: str) -> str | None:
    response = await session.call(
        "create-interaction", json={"encounter": {"identifier": identifier, **_ENCOUNTER}}
    )
    body = response.json() if response.is_success else None
    value = body.get("interactionId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


async def _upload(session: Session, interaction: str) -> str | None:
    response = await session.call(
        "upload",
        path={"id": interaction},
        headers={"Content-Type": "application/octet-stream"},
        content=session.media.audio_bytes("wav"),
    )
    body = response.json() if response.is_success else None
    value = body.get("recordingId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None
