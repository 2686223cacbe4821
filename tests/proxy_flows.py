"""Each vendor's documented happy path, as a client sends it: for the proxy's transparency test.

A flow takes an ``httpx.Client`` and the base URL (the mock's, or the proxy's
in front of it) and returns what the client saw: each step's status and body.
The steps follow each vendor's conformance flow (``suite/vendors/<v>/flow.py``):
what a client must create first, then the upload, then what reads it back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["FLOWS", "TOKEN", "normalised"]

TOKEN = "canary-token-7f3a9c"
TENANT = "tenant-a"

Step = tuple[int, Any]
Flow = Callable[[httpx.Client, str, bytes, str], list[Step]]


def _seen(response: httpx.Response) -> Step:
    try:
        body: Any = response.json()
    except ValueError:
        body = {"bytes": len(response.content)}
    return response.status_code, body


def corti(client: httpx.Client, base: str, wav: bytes, token: str = TOKEN) -> list[Step]:
    headers = {"Authorization": f"Bearer {token}", "Tenant-Name": TENANT}
    steps = []
    created = client.post(
        f"{base}/interactions/",
        headers=headers,
        json={"encounter": {"identifier": "visit-1", "status": "planned", "type": "consultation"}},
    )
    steps.append(_seen(created))
    interaction = created.json()["interactionId"]
    uploaded = client.post(
        f"{base}/interactions/{interaction}/recordings/",
        headers={**headers, "Content-Type": "application/octet-stream"},
        content=wav,
    )
    steps.append(_seen(uploaded))
    recording = uploaded.json()["recordingId"]
    recordings = f"{base}/interactions/{interaction}/recordings/"
    steps.append(_seen(client.get(recordings, headers=headers)))
    steps.append(_seen(client.get(f"{recordings}{recording}", headers=headers)))
    steps.append(_seen(client.delete(f"{recordings}{recording}", headers=headers)))
    steps.append(_seen(client.delete(f"{base}/interactions/{interaction}", headers=headers)))
    return steps


def alpharun(client: httpx.Client, base: str, wav: bytes, token: str = TOKEN) -> list[Step]:
    contacts = [{"email": "ada@example.com", "first_name": "Ada"}]
    response = client.post(
        f"{base}/recordings/upload",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "teammate_email": "sam@example.com",
            "recorded_at": "2024-01-15T14:30:00-05:00",
            "contacts": json.dumps(contacts),
        },
        files={"audio": ("call.wav", wav, "audio/wav")},
    )
    return [_seen(response)]


def crescendo(client: httpx.Client, base: str, wav: bytes, token: str = TOKEN) -> list[Step]:
    headers = {"Authorization": f"Bearer {token}"}
    tenant = f"{base}/api/v1/voc/tenants/{TENANT}/recording"
    uploaded = client.post(
        tenant,
        headers=headers,
        data={"metadata": json.dumps({"id": "call-1", "kind": "phonecall"})},
        files={"audio": ("call.wav", wav, "audio/wav")},
    )
    steps = [_seen(uploaded)]
    job = uploaded.json().get("id")
    steps.append(_seen(client.get(f"{tenant}/{job}/status", headers=headers)))
    return steps


def siro(client: httpx.Client, base: str, wav: bytes, token: str = TOKEN) -> list[Step]:
    headers = {"x-siro-auth-token": token}
    signed = client.post(
        f"{base}/v1/core/recordings/signed-urls",
        headers=headers,
        json={"fileType": "wav", "fileSize": len(wav)},
    )
    data = signed.json()["data"]
    put = client.put(data["uploadUrl"], headers=data["uploadHeaders"], content=wav)
    created = client.post(
        f"{base}/v1/core/recordings/upload",
        headers=headers,
        json={"fileType": "wav", "downloadUrl": data["downloadUrl"], "title": "Call"},
    )
    return [_seen(signed), (put.status_code, None), _seen(created)]


def bota(client: httpx.Client, base: str, wav: bytes, token: str = TOKEN) -> list[Step]:
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        f"{base}/recordings",
        headers=headers,
        json={"device_id": "dev_kitchen", "end_user_id": "eu_1", "name": "Standup"},
    )
    recording = created.json()["id"]
    answer = client.post(
        f"{base}/recordings/{recording}/upload-url",
        headers=headers,
        json={"type": "audio", "content_type": "audio/wav", "file_size_bytes": len(wav)},
    )
    target = answer.json()
    put = client.put(target["upload_url"], headers=target["headers"], content=wav)
    complete = client.post(f"{base}/recordings/{recording}/upload-complete", headers=headers)
    got = client.get(f"{base}/recordings/{recording}", headers=headers)
    return [_seen(created), _seen(answer), (put.status_code, None), _seen(complete), _seen(got)]


FLOWS: dict[str, Flow] = {
    "corti": corti,
    "alpharun": alpharun,
    "crescendo": crescendo,
    "siro": siro,
    "bota": bota,
}

_VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b(rec|med|job|dev|eu)_[A-Za-z0-9]+"), r"\1_<id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "<time>"),
    (re.compile(r"(https?|wss?)://[^/\"]+"), "<origin>"),
    (re.compile(r"/_tapecheck/storage/[A-Za-z0-9_-]+|/__storage/[^\"]+"), "<storage>"),
    (re.compile(r"\b[0-9a-f]{32,64}\b"), "<hex>"),
    (re.compile(r"\b\d{10,13}\b"), "<epoch>"),
]


def normalised(steps: list[Step]) -> str:
    """What a client saw, generated ids, times, hosts and signed paths replaced."""
    text = json.dumps(steps, sort_keys=True)
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text
