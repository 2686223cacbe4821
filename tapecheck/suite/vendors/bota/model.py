"""What Bota's reference mock holds: callers, recordings, their media, and saved idempotent answers.

Plain dataclasses with their JSON shapes (the spec's ``Recording`` and
``Media``); the mock in :mod:`tapecheck.suite.vendors.bota.mock` decides
everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tapecheck.suite.mocks.signed import SignedUrl, isoformat
from tapecheck.suite.mocks.storage import StoredFile

__all__ = ["BotaRecording", "Caller", "ListQuery", "Media", "Saved"]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the credential's kind, its project (tenant) and, for a device token, its ids.

    ``scope`` keys what is per credential: the rate-limit budget and the
    ``Idempotency-Key`` space (one per key's project, one per device token).
    """

    kind: str
    tenant: str
    scope: str
    device_id: str | None = None
    end_user_id: str | None = None

    @property
    def is_device(self) -> bool:
        return self.device_id is not None


@dataclass
class Media:
    """One file of a recording: announced by upload-url, filled by the PUT, marked by upload-complete."""

    id: str
    type: str
    mime_type: str
    declared_size: int | None
    captured_at: datetime | None
    created_at: datetime
    upload: SignedUrl
    file: StoredFile | None = None
    duration_s: float | None = None
    status: str = "pending"

    def body(self) -> dict[str, Any]:
        size = self.file.size if self.file is not None else self.declared_size
        return {
            "id": self.id,
            "type": self.type,
            "mime_type": self.mime_type,
            "file_size_bytes": size or 0,
            "status": self.status,
            "captured_at": isoformat(self.captured_at) if self.captured_at is not None else None,
            "created_at": isoformat(self.created_at),
        }


@dataclass
class BotaRecording:
    """A recording of one project (tenant), device and end user."""

    id: str
    tenant: str
    device_id: str
    end_user_id: str
    name: str
    started_at: datetime
    ended_at: datetime
    metadata: Mapping[str, Any]
    created_at: datetime
    status: str = "pending"
    duration_ms: int | None = None
    transcription_id: str | None = None
    media: list[Media] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "device_id": self.device_id,
            "end_user_id": self.end_user_id,
            "name": self.name,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "started_at": isoformat(self.started_at),
            "ended_at": isoformat(self.ended_at),
            "transcription_id": self.transcription_id,
            "media": [media.body() for media in self.media],
            "metadata": dict(self.metadata),
            "created_at": isoformat(self.created_at),
        }


@dataclass(frozen=True)
class ListQuery:
    """The filters and page of ``GET /recordings``."""

    device_id: str | None = None
    end_user_id: str | None = None
    status: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    limit: int = 10
    offset: int = 0

    def matches(self, recording: BotaRecording) -> bool:
        return (
            (self.device_id is None or recording.device_id == self.device_id)
            and (self.end_user_id is None or recording.end_user_id == self.end_user_id)
            and (self.status is None or recording.status == self.status)
            and (self.created_after is None or recording.created_at > self.created_after)
            and (self.created_before is None or recording.created_at < self.created_before)
        )


@dataclass(frozen=True)
class Saved:
    """The answer given to an ``Idempotency-Key``, and what request it answered."""

    fingerprint: str
    status: int
    body: Any
