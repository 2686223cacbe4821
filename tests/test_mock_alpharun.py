"""Alpharun's reference mock: upload, idempotent re-upload, contact rules and errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tapecheck.suite.vendors.alpharun.mock import AlpharunMock

pytestmark = pytest.mark.anyio

Conforms = Callable[[str, str, int, Any], None]
HEADERS = {"Authorization": "Bearer test-token"}
UPLOAD = "/recordings/upload"
CONTACTS = [{"email": "pat@example.com", "first_name": "Pat"}, {"phone_number": "+1 415 555 2671"}]


def form(audio_bytes: bytes | None, **fields: Any) -> dict[str, Any]:
    """A multipart body: ``fields`` as text (lists and dicts as JSON), ``audio`` as a file part."""
    values = {
        "teammate_email": "rep@example.com",
        "recorded_at": "2024-01-15T14:30:00Z",
        "contacts": CONTACTS,
        **fields,
    }
    parts: list[tuple[str, Any]] = [
        (name, (None, value if isinstance(value, str) else json.dumps(value)))
        for name, value in values.items()
        if value is not None
    ]
    if audio_bytes is not None:
        parts.append(("audio", ("call.wav", audio_bytes, "audio/wav")))
    return {"files": parts}


@pytest.fixture
def mock() -> Iterator[AlpharunMock]:
    instance = AlpharunMock(tenants={"tenant-b": "token-b"})
    yield instance
    instance.close()


@pytest.fixture
async def client(mock: AlpharunMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://alpharun.test/api/v1") as c:
        yield c


async def test_upload_then_identical_reupload(
    client: httpx.AsyncClient, mock: AlpharunMock, audio: Any, conforms: Conforms
) -> None:
    wav = audio.wav()
    created = await client.post(
        UPLOAD, headers=HEADERS, **form(wav, playbook_id="f47ac10b-58cc-4372-a567-0e02b2c3d479")
    )
    assert created.status_code == 201, created.text
    conforms("alpharun", "upload", 201, created.json())
    recording = created.json()["data"]["recording"]["id"]

    same = await client.post(
        UPLOAD,
        headers=HEADERS,
        **form(wav, teammate_email="REP@Example.com", recorded_at="2024-01-15T09:30:00-05:00"),
    )
    assert same.status_code == 200
    conforms("alpharun", "upload", 200, same.json())
    assert same.json()["data"]["recording"]["id"] == recording
    assert len(mock.recordings) == 1
    assert len(mock.blobs.files()) == 1

    for changed in [
        form(audio.wav(tone=5)),
        form(wav, teammate_email="other@example.com"),
        form(wav, recorded_at="2024-01-15T14:30:01Z"),
    ]:
        response = await client.post(UPLOAD, headers=HEADERS, **changed)
        assert response.status_code == 201
        assert response.json()["data"]["recording"]["id"] != recording
    assert len(mock.recordings) == 4


async def test_reuploads_never_cross_api_keys(client: httpx.AsyncClient, audio: Any) -> None:
    wav = audio.wav()
    mine = await client.post(UPLOAD, headers=HEADERS, **form(wav))
    theirs = await client.post(UPLOAD, headers={"Authorization": "Bearer token-b"}, **form(wav))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json() != theirs.json()


async def test_accepted_variants(client: httpx.AsyncClient, audio: Any) -> None:
    variants = [
        form(audio.wav(0.3), recorded_at="2024-01-15T14:30:00"),  # no timezone: allowed
        form(audio.wav(0.4), recorded_at="2024-01-15 14:30:00.250+02:00"),
        form(audio.wav(0.5), contacts=[{"ext_id": "crm-1", "email": None, "phone_number": None}]),
        form(
            audio.wav(0.6),
            contacts=[
                {"phone_number": 14155552671, "custom_fields": [{"key": "k", "value": None}]}
            ],
        ),
        form(audio.wav(0.7), recording_assessment_template_id="tmpl-1"),  # older docs' field
        form(audio.mp3()),
    ]
    for request in variants:
        response = await client.post(UPLOAD, headers=HEADERS, **request)
        assert response.status_code == 201, response.text
    one_field_per_contact = form(audio.wav(0.8), contacts=None)
    one_field_per_contact["files"][2:2] = [
        ("contacts", (None, json.dumps(c), "application/json")) for c in CONTACTS
    ]
    response = await client.post(UPLOAD, headers=HEADERS, **one_field_per_contact)
    assert response.status_code == 201, response.text


def bad_requests(audio: Any) -> list[tuple[dict[str, Any], str]]:
    wav = audio.wav()
    return [
        (form(None), "`audio` is required"),
        (form(wav, teammate_email=None), "`teammate_email` is required"),
        (form(wav, teammate_email="not-an-email"), "not an e-mail address"),
        (form(wav, recorded_at=None), "`recorded_at` is required"),
        (form(wav, recorded_at="2024-01-15"), "not an ISO 8601 date-time"),
        (form(wav, recorded_at="last tuesday"), "not an ISO 8601 date-time"),
        (form(wav, contacts=None), "`contacts` is required"),
        (form(wav, contacts="[{oops"), "not valid JSON"),
        (form(wav, contacts=[]), "contacts"),
        (form(wav, contacts=[{"first_name": "Nobody"}]), "contacts/0"),
        (
            form(wav, contacts=[{"email": None, "phone_number": None, "ext_id": None}]),
            "contacts/0: needs one of email, phone_number, ext_id",
        ),
        (
            form(wav, contacts=[{"email": "a@example.com"}, {"email": "A@EXAMPLE.com"}]),
            "contacts/1: email",
        ),
        (
            form(
                wav,
                contacts=[{"phone_number": "+14155552671"}, {"phone_number": "1 (415) 555-2671"}],
            ),
            "contacts/1: phone_number '+14155552671'",
        ),
        (
            form(wav, contacts=[{"ext_id": "x"}, {"ext_id": "x", "email": "b@example.com"}]),
            "contacts/1: ext_id",
        ),
        (form(wav, contacts=[{"email": "not mail"}]), "contacts/0/email"),
        (form(wav, contacts={"email": 5}), "contacts/0"),
        (
            form(wav, contacts=[{"email": "a@example.com", "custom_fields": [{"key": "k"}]}]),
            "custom_fields",
        ),
        (form(wav, playbook_id="playbook-7"), "`playbook_id`"),
        (form(b""), "empty"),
        (form(b"this is not audio" * 20), "not audio"),
        (form(audio.truncated_wav()), "truncated"),
        (form(audio.silent_wav()), "no sound"),
    ]


async def test_invalid_uploads_are_400(
    client: httpx.AsyncClient, mock: AlpharunMock, audio: Any, conforms: Conforms
) -> None:
    for request, message in bad_requests(audio):
        response = await client.post(UPLOAD, headers=HEADERS, **request)
        assert response.status_code == 400, (message, response.text)
        conforms("alpharun", "upload", 400, response.json())
        assert response.json()["error"]["code"] == "invalid_request"
        assert message in response.json()["error"]["message"], (message, response.json())
    assert mock.recordings == {}
    assert mock.blobs.files() == []


async def test_every_problem_is_listed_at_once(client: httpx.AsyncClient, audio: Any) -> None:
    response = await client.post(
        UPLOAD,
        headers=HEADERS,
        **form(audio.wav(), teammate_email="x", recorded_at="y", playbook_id="z"),
    )
    message = response.json()["error"]["message"]
    assert "teammate_email" in message
    assert "recorded_at" in message
    assert "playbook_id" in message


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-token"}]
)
async def test_a_missing_or_wrong_key_is_401(
    client: httpx.AsyncClient, headers: dict[str, str], audio: Any, conforms: Conforms
) -> None:
    response = await client.post(UPLOAD, headers=headers, **form(audio.wav()))
    assert response.status_code == 401
    conforms("alpharun", "upload", 401, response.json())
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"audio": "x"}', "application/json"),
        (b"--x\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data; boundary=x"),
        (b"\xff" * 64, "multipart/form-data; boundary=x"),
    ],
)
async def test_a_malformed_body_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post(
        UPLOAD, headers={**HEADERS, "Content-Type": content_type}, content=content
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


# -- over real HTTP on loopback -------------------------------------------------------


def test_happy_path_and_documented_errors_over_http(
    loopback: Callable[[Any], str], audio: Any, conforms: Conforms
) -> None:
    base = loopback(AlpharunMock().create_app()) + "/api/v1"
    wav = audio.wav()
    with httpx.Client(base_url=base, timeout=10) as http:
        created = http.post(UPLOAD, headers=HEADERS, **form(wav))
        assert created.status_code == 201
        again = http.post(UPLOAD, headers=HEADERS, **form(wav))
        assert again.status_code == 200
        assert again.json() == created.json()
        errors = [
            http.post(UPLOAD, **form(wav)),
            http.post(UPLOAD, headers={"Authorization": "Bearer nope"}, **form(wav)),
            http.post(
                UPLOAD,
                headers=HEADERS,
                **form(wav, contacts=[{"email": "a@b.co"}, {"email": "A@b.co"}]),
            ),
            http.post(UPLOAD, headers=HEADERS, **form(wav, contacts=[{"last_name": "x"}])),
            http.post(UPLOAD, headers=HEADERS, **form(wav, recorded_at="soon")),
            http.post(UPLOAD, headers=HEADERS, **form(wav, teammate_email="nobody")),
            http.post(UPLOAD, headers=HEADERS, **form(b"garbage" * 50)),
            http.post(
                UPLOAD,
                headers={**HEADERS, "Content-Type": "multipart/form-data; boundary=q"},
                content=b"--q\r\n",
            ),
        ]
        for response, status in zip(errors, [401, 401, 400, 400, 400, 400, 400, 400], strict=True):
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
            conforms("alpharun", "upload", status, response.json())


async def test_50_concurrent_uploads_over_http(loopback: Callable[[Any], str], audio: Any) -> None:
    mock = AlpharunMock()
    base = loopback(mock.create_app()) + "/api/v1"
    bodies = [audio.wav(0.1, tone=index) for index in range(50)]
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=50)
    ) as http:
        responses = await asyncio.gather(
            *(http.post(UPLOAD, headers=HEADERS, **form(body)) for body in bodies)
        )
        assert [r.status_code for r in responses] == [201] * 50
        ids = [r.json()["data"]["recording"]["id"] for r in responses]
        assert len(set(ids)) == 50
        # Alpharun has no read endpoint: a re-upload finds each recording again.
        again = await asyncio.gather(
            *(http.post(UPLOAD, headers=HEADERS, **form(body)) for body in bodies)
        )
        assert [r.status_code for r in again] == [200] * 50
        assert [r.json()["data"]["recording"]["id"] for r in again] == ids
    assert sorted(mock.recordings) == sorted(ids)
    mock.close()


async def test_20_concurrent_identical_uploads_create_one_recording(
    loopback: Callable[[Any], str], audio: Any
) -> None:
    mock = AlpharunMock()
    base = loopback(mock.create_app()) + "/api/v1"
    wav = audio.wav(0.5)
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=20)
    ) as http:
        responses = await asyncio.gather(
            *(http.post(UPLOAD, headers=HEADERS, **form(wav)) for _ in range(20))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [201]
    assert len({r.json()["data"]["recording"]["id"] for r in responses}) == 1
    assert len(mock.recordings) == 1
    assert len(mock.blobs.files()) == 1
    mock.close()
