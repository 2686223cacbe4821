"""Bota's conformance flow: recordings for the generated requests to name.

Generated ``rec_...`` ids name no recording, so two are made first with the
run's secret key: one left ``pending`` (for ``get`` and ``upload-url``) and one
whose audio is PUT to its upload URL (for ``upload-complete``, which needs
audio). A secret key names the device and end user in every create
(``--param device_id=dev_...``, ``--param end_user_id=eu_...``; the reference
mock takes any), so valid generated creates carry them. Bota has no delete.
"""

from __future__ import annotations

from typing import Any

from tapecheck.suite.conform.properties import Fixtures
from tapecheck.suite.conform.session import Session

__all__ = ["prerequisites", "upload_url_body"]


def upload_url_body(size: int) -> dict[str, Any]:
    """A complete upload-url body (every documented field) for ``size`` bytes of wav."""
    return {
        "type": "audio",
        "content_type": "audio/wav",
        "file_size_bytes": size,
        "captured_at": "2024-01-15T14:30:00Z",
    }


async def prerequisites(session: Session) -> Fixtures:
    ids = {
        "device_id": session.param("device_id", "dev_tapecheck") or "dev_tapecheck",
        "end_user_id": session.param("end_user_id", "eu_tapecheck") or "eu_tapecheck",
    }
    pending = await _create(session, ids, "tapecheck properties: pending")
    uploaded = await _create(session, ids, "tapecheck properties: uploaded")
    if uploaded is not None and not await _put_audio(session, uploaded):
        uploaded = None
    parameters: dict[str, dict[str, str]] = {}
    if pending is not None:
        parameters["get"] = {"id": pending}
        parameters["upload-url"] = {"id": pending}
    if uploaded is not None:
        parameters["upload-complete"] = {"id": uploaded}

    audio_size = len(session.media.audio_bytes("wav"))

    def complete(operation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if operation_id == "create":
            return {**body, **ids}
        if operation_id == "upload-url":
            # Every documented field, so that a server requiring them all is not failed.
            return {**upload_url_body(audio_size), **body}
        return body

    return Fixtures(parameters=parameters, complete=complete)


async def _create(session: Session, ids: dict[str, str], name: str) -> str | None:
    response = await session.call("create", json={**ids, "name": name})
    body = response.json() if response.is_success else None
    recording = body.get("id") if isinstance(body, dict) else None
    return recording if isinstance(recording, str) else None


async def _put_audio(session: Session, recording: str) -> bool:
    audio = session.media.audio_bytes("wav")
    answer = await session.call(
        "upload-url",
        path={"id": recording},
        json=upload_url_body(len(audio)),
    )
    body = answer.json() if answer.is_success else None
    if not isinstance(body, dict) or not isinstance(body.get("upload_url"), str):
        return False
    headers = body.get("headers") if isinstance(body.get("headers"), dict) else {}
    put = session.client.build_request(
        "PUT", body["upload_url"], headers=dict(headers or {}), content=audio
    )
    return (await session.send(put)).is_success
