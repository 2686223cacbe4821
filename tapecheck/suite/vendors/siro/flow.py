"""Siro's conformance flow: uploaded audio for the generated recordings to name.

A recording names audio already PUT to a signed URL (``downloadUrl``), which
generated strings never are. So for each ``fileType`` the flow asks for a
signed URL, PUTs real audio of that type with the answered headers, and every
valid generated upload gets the ``downloadUrl`` of its ``fileType``. Siro has
no delete; the objects are the run's own.
"""

from __future__ import annotations

from typing import Any

from tapecheck.suite.conform.properties import Fixtures
from tapecheck.suite.conform.session import Session

__all__ = ["FILE_TYPES", "prerequisites"]

#: fileType -> the probe format of the audio put behind it
FILE_TYPES = {"mp3": "mp3", "aac": "aac", "wav": "wav"}


async def prerequisites(session: Session) -> Fixtures:
    urls: dict[str, str] = {}
    for file_type, fmt in FILE_TYPES.items():
        audio = session.media.audio_bytes(fmt)
        signed = await session.call(
            "signed-urls", json={"fileType": file_type, "fileSize": len(audio)}
        )
        data = _data(signed.json() if signed.is_success else None)
        if data is None:
            continue  # the deterministic requirements report the refusal
        put = session.client.build_request(
            "PUT", str(data["uploadUrl"]), headers=dict(data["uploadHeaders"]), content=audio
        )
        if (await session.send(put)).is_success:
            urls[file_type] = str(data["downloadUrl"])

    def complete(operation_id: str, body: dict[str, Any]) -> dict[str, Any]:
        if operation_id != "upload":
            return body
        file_type = body.get("fileType")
        url = urls.get(file_type) if isinstance(file_type, str) else None
        return {**body, "downloadUrl": url} if url is not None else body

    return Fixtures(complete=complete)


def _data(body: object) -> dict[str, Any] | None:
    data = body.get("data") if isinstance(body, dict) else None
    keys = {"uploadUrl", "uploadHeaders", "downloadUrl"}
    if isinstance(data, dict) and keys <= set(data) and isinstance(data["uploadHeaders"], dict):
        return data
    return None
