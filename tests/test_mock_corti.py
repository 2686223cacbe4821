"""Corti's reference mock: the whole flow and its documented errors, in-process and over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tapecheck.suite.vendors.corti.mock import CortiMock

pytestmark = pytest.mark.anyio

Conforms = Callable[[str, str, int, Any], None]
HEADERS = {"Authorization": "Bearer test-token", "Tenant-Name": "tenant-a"}
AUDIO = {**HEADERS, "Content-Type": "application/octet-stream"}
ENCOUNTER = {"encounter": {"identifier": "enc-1", "status": "planned", "type": "consultation"}}


@pytest.fixture
def mock() -> Iterator[CortiMock]:
    instance = CortiMock(tenants={"tenant-b": "token-b"})
    yield instance
    instance.close()


@pytest.fixture
async def client(mock: CortiMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://corti.test/v2") as c:
        yield c


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def new_interaction(client: httpx.AsyncClient, headers: dict[str, str] = HEADERS) -> str:
    response = await client.post("/interactions/", json=ENCOUNTER, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["interactionId"])


async def test_the_whole_flow(client: httpx.AsyncClient, audio: Any, conforms: Conforms) -> None:
    created = await client.post("/interactions/", json=ENCOUNTER, headers=HEADERS)
    assert created.status_code == 201
    conforms("corti", "create-interaction", 201, created.json())
    interaction = created.json()["interactionId"]
    assert created.json()["websocketUrl"].startswith(
        "ws://corti.test/v2/interactions/" + interaction
    )

    wav = audio.wav(2.0)
    uploaded = await client.post(
        f"/interactions/{interaction}/recordings/", content=chunked(wav), headers=AUDIO
    )
    assert uploaded.status_code == 201, uploaded.text
    conforms("corti", "upload", 201, uploaded.json())
    recording = uploaded.json()["recordingId"]
    second = await client.post(
        f"/interactions/{interaction}/recordings/", content=audio.mp3(), headers=AUDIO
    )
    assert second.status_code == 201

    listed = await client.get(f"/interactions/{interaction}/recordings/", headers=HEADERS)
    assert listed.status_code == 200
    conforms("corti", "list-recordings", 200, listed.json())
    assert listed.json() == {"recordings": [recording, second.json()["recordingId"]]}

    fetched = await client.get(
        f"/interactions/{interaction}/recordings/{recording}", headers=HEADERS
    )
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/octet-stream"
    assert fetched.content == wav

    deleted = await client.delete(
        f"/interactions/{interaction}/recordings/{recording}", headers=HEADERS
    )
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = await client.get(f"/interactions/{interaction}/recordings/{recording}", headers=HEADERS)
    assert gone.status_code == 404
    conforms("corti", "get-recording", 404, gone.json())
    again = await client.delete(
        f"/interactions/{interaction}/recordings/{recording}", headers=HEADERS
    )
    assert again.status_code == 404

    dropped = await client.delete(f"/interactions/{interaction}", headers=HEADERS)
    assert dropped.status_code == 204
    for method, path in [
        ("GET", f"/interactions/{interaction}/recordings/"),
        ("GET", f"/interactions/{interaction}/recordings/{second.json()['recordingId']}"),
        ("DELETE", f"/interactions/{interaction}"),
        ("POST", f"/interactions/{interaction}/recordings/"),
    ]:
        response = await client.request(
            method, path, headers=AUDIO, content=wav if method == "POST" else None
        )
        assert response.status_code == 404, (method, path)


async def test_deleting_an_interaction_deletes_its_files(
    client: httpx.AsyncClient, mock: CortiMock, audio: Any
) -> None:
    interaction = await new_interaction(client)
    for _ in range(3):
        await client.post(
            f"/interactions/{interaction}/recordings/", content=audio.wav(0.2), headers=AUDIO
        )
    assert len(mock.blobs.files()) == 3
    await client.delete(f"/interactions/{interaction}", headers=HEADERS)
    assert mock.blobs.files() == []


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Tenant-Name"),
        ({"Tenant-Name": "tenant-a"}, "Authorization"),
        ({"Tenant-Name": "tenant-a", "Authorization": "Basic dGVzdA=="}, "Authorization"),
        ({"Tenant-Name": "tenant-a", "Authorization": "Bearer wrong"}, "not valid"),
        ({"Tenant-Name": "nobody", "Authorization": "Bearer test-token"}, "does not give access"),
        ({"Tenant-Name": "tenant-b", "Authorization": "Bearer test-token"}, "does not give access"),
    ],
)
async def test_a_missing_or_wrong_credential_is_403(
    client: httpx.AsyncClient, headers: dict[str, str], detail: str, conforms: Conforms
) -> None:
    response = await client.post("/interactions/", json=ENCOUNTER, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/json"
    assert detail in response.json()["detail"]
    conforms("corti", "create-interaction", 403, response.json())


async def test_tenants_are_isolated(client: httpx.AsyncClient, audio: Any) -> None:
    interaction = await new_interaction(client)
    other = {"Authorization": "Bearer token-b", "Tenant-Name": "tenant-b"}
    for method, path in [
        ("GET", f"/interactions/{interaction}/recordings/"),
        ("DELETE", f"/interactions/{interaction}"),
        ("POST", f"/interactions/{interaction}/recordings/"),
    ]:
        response = await client.request(
            method,
            path,
            headers={**other, "Content-Type": "application/octet-stream"},
            content=audio.wav(0.1) if method == "POST" else None,
        )
        assert response.status_code == 404
    mine = await client.get(f"/interactions/{interaction}/recordings/", headers=HEADERS)
    assert mine.status_code == 200


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "/"),
        (
            {"encounter": {"identifier": "e", "status": "finished", "type": "consultation"}},
            "/encounter/status",
        ),
        (
            {"encounter": {"identifier": "e", "status": "planned", "type": "visit"}},
            "/encounter/type",
        ),
        ({"encounter": {"status": "planned", "type": "consultation"}}, "/encounter"),
        (
            {"encounter": {"identifier": 7, "status": "planned", "type": "consultation"}},
            "/encounter/identifier",
        ),
        (
            {
                "encounter": {
                    "identifier": "e",
                    "status": "planned",
                    "type": "emergency",
                    "period": {"startedAt": "yesterday"},
                }
            },
            "/encounter/period/startedAt",
        ),
    ],
)
async def test_an_invalid_interaction_is_400_with_validation_errors(
    client: httpx.AsyncClient, body: dict[str, Any], pointer: str, conforms: Conforms
) -> None:
    response = await client.post("/interactions/", json=body, headers=HEADERS)
    assert response.status_code == 400
    conforms("corti", "create-interaction", 400, response.json())
    assert pointer in {key for item in response.json()["validationErrors"] for key in item}


@pytest.mark.parametrize(
    ("content", "content_type", "detail"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "schema"),
        (b'{"encounter": NaN}', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        (b"", "application/json", "empty"),
        (b"encounter=1", "application/x-www-form-urlencoded", "application/json"),
    ],
)
async def test_a_malformed_body_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str, detail: str
) -> None:
    response = await client.post(
        "/interactions/", content=content, headers={**HEADERS, "Content-Type": content_type}
    )
    assert response.status_code == 400
    assert detail in response.json()["detail"]


async def test_upload_errors(
    client: httpx.AsyncClient, mock: CortiMock, audio: Any, conforms: Conforms
) -> None:
    interaction = await new_interaction(client)
    path = f"/interactions/{interaction}/recordings/"
    cases: list[tuple[bytes, dict[str, str], str]] = [
        (audio.wav(0.5), {**HEADERS, "Content-Type": "audio/wav"}, "application/octet-stream"),
        (b"", AUDIO, "empty"),
        (b"just some text, not audio at all" * 10, AUDIO, "not audio"),
        (audio.truncated_wav(), AUDIO, "truncated"),
        (audio.silent_wav(), AUDIO, "no sound"),
    ]
    for content, headers, detail in cases:
        response = await client.post(path, content=content, headers=headers)
        assert response.status_code == 400, detail
        conforms("corti", "upload", 400, response.json())
        assert detail in response.json()["detail"], response.json()
    assert mock.blobs.files() == []
    listed = await client.get(path, headers=HEADERS)
    assert listed.json() == {"recordings": []}


async def test_upload_without_content_type_is_octet_stream(
    client: httpx.AsyncClient, audio: Any
) -> None:
    """RFC 9110 section 8.3: a body sent without a Content-Type may be taken as octet-stream."""
    interaction = await new_interaction(client)
    path = f"/interactions/{interaction}/recordings/"
    response = await client.post(path, content=audio.wav(0.5), headers=HEADERS)
    assert "content-type" not in response.request.headers
    assert response.status_code == 201, response.text


async def test_ids_must_be_uuids(client: httpx.AsyncClient, conforms: Conforms) -> None:
    interaction = await new_interaction(client)
    for path in [
        "/interactions/not-a-uuid/recordings/",
        "/interactions/{f47ac10b-58cc-4372-a567-0e02b2c3d479}",
        f"/interactions/{interaction}/recordings/f47ac10b58cc4372a5670e02b2c3d479",
    ]:
        response = (
            await client.get(path, headers=HEADERS)
            if "recordings" in path
            else await client.delete(path, headers=HEADERS)
        )
        assert response.status_code == 400, path
        assert "must be a UUID" in response.json()["detail"]
    unknown = await client.get(f"/interactions/{uuid.uuid4()}/recordings/", headers=HEADERS)
    assert unknown.status_code == 404
    conforms("corti", "list-recordings", 404, unknown.json())
    upper = await client.get(f"/interactions/{interaction.upper()}/recordings/", headers=HEADERS)
    assert upper.status_code == 200


async def test_the_duration_limit_comes_from_the_spec_and_can_be_raised(audio: Any) -> None:
    long_wav = audio.wav_header(3601 * 8000 * 2, rate=8000, channels=1) + bytes(3601 * 8000 * 2)
    for limit, status in [(None, 400), (7200.0, 201)]:
        mock = CortiMock(max_duration_s=limit)
        transport = httpx.ASGITransport(app=mock.create_app())
        async with httpx.AsyncClient(
            transport=transport, base_url="http://corti.test/v2"
        ) as client:
            interaction = await new_interaction(client)
            response = await client.post(
                f"/interactions/{interaction}/recordings/",
                content=chunked(long_wav, 1 << 20),
                headers=AUDIO,
            )
        assert response.status_code == status, response.text
        if status == 400:
            assert "more than the limit of 3600 s" in response.json()["detail"]
        mock.close()


async def test_a_declared_oversized_body_is_refused_before_reading(
    client: httpx.AsyncClient, mock: CortiMock
) -> None:
    interaction = await new_interaction(client)
    limit = mock.audio_limits("upload").max_bytes
    assert limit == 150_000_000
    pulled: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for index in range(3):
            pulled.append(index)
            yield b"\0" * 1000

    response = await client.post(
        f"/interactions/{interaction}/recordings/",
        content=body(),
        headers={**AUDIO, "Content-Length": str(limit + 1)},
    )
    assert response.status_code == 400
    assert "larger than the limit of 150000000 bytes" in response.json()["detail"]
    assert pulled == []


async def test_unknown_routes_and_methods_answer_in_the_vendor_shape(
    client: httpx.AsyncClient,
) -> None:
    for method, path, status in [
        ("GET", "/nowhere", 404),
        ("POST", "/interactions", 404),  # no trailing slash: another resource, no redirect
        ("PUT", "/interactions/", 405),
    ]:
        response = await client.request(method, path, headers=HEADERS)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"requestid", "status", "type", "detail"}
        assert response.json()["status"] == status


# -- over real HTTP on loopback -------------------------------------------------------


def test_happy_path_and_documented_errors_over_http(
    loopback: Callable[[Any], str], audio: Any, conforms: Conforms
) -> None:
    base = loopback(CortiMock().create_app()) + "/v2"
    wav = audio.wav(1.0)
    with httpx.Client(base_url=base, timeout=10) as http:
        created = http.post("/interactions/", json=ENCOUNTER, headers=HEADERS)
        assert created.status_code == 201
        interaction = created.json()["interactionId"]
        path = f"/interactions/{interaction}/recordings/"
        uploaded = http.post(path, content=iter([wav[:100], wav[100:]]), headers=AUDIO)
        assert uploaded.status_code == 201
        conforms("corti", "upload", 201, uploaded.json())
        recording = uploaded.json()["recordingId"]
        assert http.get(path + recording, headers=HEADERS).content == wav
        assert http.get(path, headers=HEADERS).json() == {"recordings": [recording]}

        errors = [
            (
                http.post(path, content=wav, headers={**AUDIO, "Authorization": "Bearer nope"}),
                403,
                "upload",
            ),
            (
                http.post(
                    path,
                    content=wav,
                    headers={
                        "Authorization": "Bearer test-token",
                        "Content-Type": "application/octet-stream",
                    },
                ),
                403,
                "upload",
            ),
            (
                http.post(path, content=wav, headers={**HEADERS, "Content-Type": "text/plain"}),
                400,
                "upload",
            ),
            (http.post(path, content=b"", headers=AUDIO), 400, "upload"),
            (http.post(path, content=b"\x00\x01garbage" * 100, headers=AUDIO), 400, "upload"),
            (
                http.post("/interactions/nope/recordings/", content=wav, headers=AUDIO),
                400,
                "upload",
            ),
            (
                http.post(f"/interactions/{uuid.uuid4()}/recordings/", content=wav, headers=AUDIO),
                404,
                "upload",
            ),
            (
                http.post(
                    "/interactions/",
                    content=b"{",
                    headers={**HEADERS, "Content-Type": "application/json"},
                ),
                400,
                "create-interaction",
            ),
            (http.get(path + str(uuid.uuid4()), headers=HEADERS), 404, "get-recording"),
        ]
        for response, status, operation in errors:
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
            conforms("corti", operation, status, response.json())
        assert http.delete(path + recording, headers=HEADERS).status_code == 204
        assert http.get(path + recording, headers=HEADERS).status_code == 404
        assert http.delete(f"/interactions/{interaction}", headers=HEADERS).status_code == 204
        assert http.get(path, headers=HEADERS).status_code == 404


async def test_50_concurrent_uploads_over_http(loopback: Callable[[Any], str], audio: Any) -> None:
    mock = CortiMock()
    base = loopback(mock.create_app()) + "/v2"
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        interaction = await new_interaction(http)
        path = f"/interactions/{interaction}/recordings/"
        bodies = [audio.wav(0.1, tone=index) for index in range(50)]
        responses = await asyncio.gather(
            *(http.post(path, content=body, headers=AUDIO) for body in bodies)
        )
        assert [r.status_code for r in responses] == [201] * 50
        ids = [r.json()["recordingId"] for r in responses]
        assert len(set(ids)) == 50
        fetched = await asyncio.gather(*(http.get(path + rid, headers=HEADERS) for rid in ids))
        assert [f.content for f in fetched] == bodies
        listed = await http.get(path, headers=HEADERS)
        assert sorted(listed.json()["recordings"]) == sorted(ids)
    mock.close()
