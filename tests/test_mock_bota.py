"""Bota's reference mock: recordings, upload URLs, the PUT, completion, listing, idempotency, rate limits."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite.mocks.fuzz import fuzz_app
from tapecheck.suite.specs import Spec, load_spec
from tapecheck.suite.vendors.bota.mock import BotaMock

pytestmark = pytest.mark.anyio

Conforms = Callable[[str, str, int, Any], None]
KEY = {"Authorization": "Bearer test-token"}
OTHER_KEY = {"Authorization": "Bearer sk_test_other"}
DEVICE = {"Authorization": "Bearer dtok_kitchen"}
OTHER_DEVICE = {"Authorization": "Bearer dtok_garage"}
IDS = {"device_id": "dev_1", "end_user_id": "eu_1"}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def opus() -> bytes:
    return encode_audio("opus", duration_s=0.5)


@pytest.fixture
def mock() -> Iterator[BotaMock]:
    instance = BotaMock(tenants={"tenant-b": "sk_test_other"})
    yield instance
    instance.close()


@pytest.fixture
async def client(mock: BotaMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bota.test/v1") as c:
        yield c


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def create(
    client: httpx.AsyncClient, headers: dict[str, str] = KEY, **fields: Any
) -> dict[str, Any]:
    body = {**(IDS if headers in (KEY, OTHER_KEY) else {}), **fields}
    response = await client.post("/recordings", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def upload_url(
    client: httpx.AsyncClient,
    recording: str,
    content: bytes,
    content_type: str = "audio/wav",
    headers: dict[str, str] = KEY,
) -> dict[str, Any]:
    body = {"type": "audio", "content_type": content_type, "file_size_bytes": len(content)}
    response = await client.post(f"/recordings/{recording}/upload-url", json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def uploaded(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str] = KEY
) -> dict[str, Any]:
    """A recording with ``content`` PUT and the upload completed."""
    recording = await create(client, headers)
    target = await upload_url(client, recording["id"], content, headers=headers)
    put = await client.put(target["upload_url"], content=content, headers=target["headers"])
    assert put.status_code == 200, put.text
    done = await client.post(f"/recordings/{recording['id']}/upload-complete", headers=headers)
    assert done.status_code == 200, done.text
    answer: dict[str, Any] = done.json()
    return answer


def storage_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/xml"
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def error_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/json"
    code: str = response.json()["error"]["code"]
    return code


# -- the flow ---------------------------------------------------------------------------


async def test_the_whole_flow(
    client: httpx.AsyncClient, mock: BotaMock, audio: Any, conforms: Conforms
) -> None:
    created = await client.post("/recordings", json={**IDS, "metadata": {"room": "a"}}, headers=KEY)
    assert created.status_code == 201
    conforms("bota", "create", 201, created.json())
    recording = created.json()
    assert recording["id"].startswith("rec_")
    assert (
        recording["status"],
        recording["media"],
        recording["duration_ms"],
        recording["transcription_id"],
    ) == ("pending", [], None, None)
    assert recording["name"] == ""
    assert recording["started_at"] == recording["ended_at"] == recording["created_at"]
    assert recording["metadata"] == {"room": "a"}
    path = f"/recordings/{recording['id']}"

    wav = audio.wav(1.5)
    target = await client.post(
        path + "/upload-url",
        json={
            "type": "audio",
            "content_type": "audio/wav",
            "file_size_bytes": len(wav),
            "captured_at": "2024-05-01T10:00:00+02:00",
        },
        headers=KEY,
    )
    assert target.status_code == 200
    conforms("bota", "upload-url", 200, target.json())
    assert target.json()["media_id"].startswith("med_")
    assert target.json()["headers"] == {"Content-Type": "audio/wav"}
    assert target.json()["upload_url"].startswith("http://bota.test/__storage/bota/med_")
    pending = (await client.get(path, headers=KEY)).json()
    conforms("bota", "get", 200, pending)
    assert pending["media"] == [
        {
            "id": target.json()["media_id"],
            "type": "audio",
            "mime_type": "audio/wav",
            "file_size_bytes": len(wav),
            "status": "pending",
            "captured_at": "2024-05-01T08:00:00Z",
            "created_at": pending["media"][0]["created_at"],
        }
    ]

    put = await client.put(
        target.json()["upload_url"], content=chunked(wav), headers=target.json()["headers"]
    )
    assert put.status_code == 200
    assert put.headers["etag"]
    assert not any(name in put.headers for name in RATE_HEADERS)  # the storage host is not the API

    done = await client.post(path + "/upload-complete", headers=KEY)
    assert done.status_code == 200
    conforms("bota", "upload-complete", 200, done.json())
    assert done.json()["status"] == "uploaded"
    assert done.json()["duration_ms"] == 1500
    assert done.json()["media"][0]["status"] == "uploaded"

    fetched = await client.get(path, headers=KEY)
    assert fetched.json() == done.json()
    listed = await client.get("/recordings", headers=KEY)
    conforms("bota", "list", 200, listed.json())
    assert listed.json() == {"data": [done.json()], "has_more": False}
    media_id = target.json()["media_id"]
    stored = mock.media_of[media_id][1].file
    assert stored is not None
    assert stored.path.read_bytes() == wav


async def test_create_fills_the_documented_defaults_and_checks_the_times(
    client: httpx.AsyncClient, conforms: Conforms
) -> None:
    named = await create(client, name="Standup", started_at="2024-05-01T10:00:00+02:00")
    assert named["name"] == "Standup"
    assert named["started_at"] == named["ended_at"] == "2024-05-01T08:00:00Z"
    both = await create(
        client, started_at="2024-05-01T10:00:00Z", ended_at="2024-05-01T10:30:00.250Z"
    )
    assert both["ended_at"] == "2024-05-01T10:30:00.250000Z"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"started_at": "2024-05-01T10:00:00Z", "ended_at": "2024-05-01T09:59:59Z"}, "before"),
        ({"ended_at": "2000-01-01T00:00:00Z"}, "before"),
        ({"started_at": "2024-05-01T10:00:00"}, "/started_at"),
        ({"started_at": "yesterday"}, "/started_at"),
        ({"started_at": "9999-12-31T23:59:59-23:00"}, "started_at"),
        ({"name": 7}, "/name"),
        ({"metadata": []}, "/metadata"),
        ({"device_id": "device-1"}, "/device_id"),
        ({"end_user_id": "user-1"}, "/end_user_id"),
    ]
    for fields, detail in cases:
        response = await client.post("/recordings", json={**IDS, **fields}, headers=KEY)
        assert response.status_code == 400, fields
        assert error_code(response) == "invalid_request"
        conforms("bota", "create", 400, response.json())
        assert detail in response.json()["error"]["message"], response.json()


async def test_the_credential_decides_the_ids(
    client: httpx.AsyncClient, conforms: Conforms
) -> None:
    mine = await create(client, DEVICE)
    again = await create(client, DEVICE)
    other = await create(client, OTHER_DEVICE)
    assert mine["device_id"].startswith("dev_")
    assert mine["end_user_id"].startswith("eu_")
    assert (mine["device_id"], mine["end_user_id"]) == (again["device_id"], again["end_user_id"])
    assert mine["device_id"] != other["device_id"]
    assert mine["end_user_id"] != other["end_user_id"]
    cases: list[tuple[dict[str, str], dict[str, str], set[str]]] = [
        (DEVICE, {"device_id": "dev_1"}, {"/device_id"}),
        (DEVICE, {"end_user_id": "eu_1"}, {"/end_user_id"}),
        (DEVICE, IDS, {"/device_id", "/end_user_id"}),
        (KEY, {}, {"/device_id", "/end_user_id"}),
        (KEY, {"device_id": "dev_1"}, {"/end_user_id"}),
        (KEY, {"end_user_id": "eu_1"}, {"/device_id"}),
    ]
    for headers, body, pointers in cases:
        response = await client.post("/recordings", json=body, headers=headers)
        assert response.status_code == 400, (headers, body)
        conforms("bota", "create", 400, response.json())
        assert set(response.json()["error"]["details"]) == pointers


async def test_credential_rules_are_read_from_the_spec() -> None:
    raw = copy.deepcopy(dict(load_spec("bota").raw))
    rules = raw["paths"]["/recordings"]["post"]["x-tapecheck"]["credential-fields"]
    rules["secret-key"] = {"required": ["/device_id", "/end_user_id", "/name"]}
    spec = Spec(source="bota.yaml", raw=raw, sha256="test")
    mock = BotaMock(spec=spec, token="rk_live_1")
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bota.test/v1") as client:
        restricted = await client.post(
            "/recordings", json=IDS, headers={"Authorization": "Bearer rk_live_1"}
        )
        assert restricted.status_code == 201  # a restricted key: its own rule, unchanged
    mock.close()
    mock = BotaMock(spec=spec)
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bota.test/v1") as client:
        response = await client.post("/recordings", json=IDS, headers=KEY)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == {"/name"}
    mock.close()


# -- upload-url, the PUT, upload-complete --------------------------------------------------


async def test_the_put_is_checked_against_what_was_signed(
    client: httpx.AsyncClient, mock: BotaMock, audio: Any
) -> None:
    recording = await create(client)
    wav = audio.wav(0.5)
    target = await upload_url(client, recording["id"], wav)
    url, headers = target["upload_url"], target["headers"]
    for sent, extra, status, code in [
        (wav, {"Content-Type": "audio/opus"}, 403, "SignatureDoesNotMatch"),
        (wav, {"Content-Type": ""}, 403, "SignatureDoesNotMatch"),
        (wav + b"\0\0\0\0", headers, 400, "EntityTooLarge"),
        (wav[:-4], headers, 400, "IncompleteBody"),
    ]:
        response = await client.put(url, content=sent, headers=extra)
        assert response.status_code == status, (extra, len(sent))
        assert storage_code(response) == code
    tampered = await client.put(
        url.replace("signature=", "signature=0"), content=wav, headers=headers
    )
    assert tampered.status_code == 403
    assert storage_code(tampered) == "SignatureDoesNotMatch"
    streamed = await client.put(url, content=chunked(wav + bytes(5000), 700), headers=headers)
    assert streamed.status_code == 400
    assert storage_code(streamed) == "EntityTooLarge"
    assert mock.blobs.files() == []
    assert (await client.delete(url)).status_code == 405


@pytest.mark.parametrize(
    ("content_type", "make", "status"),
    [
        ("audio/wav", lambda audio: audio.wav(0.3), 200),
        ("audio/opus", lambda audio: opus(), 200),
        ("audio/ogg", lambda audio: opus(), 200),
        ("audio/mpeg", lambda audio: audio.mp3(), 200),
        ("audio/flac", lambda audio: encode_audio("flac", duration_s=0.3), 200),
        ("audio/opus", lambda audio: audio.wav(0.3), 400),
        ("audio/mpeg", lambda audio: audio.wav(0.3), 400),
        ("audio/wav", lambda audio: audio.truncated_wav(), 400),
        ("audio/wav", lambda audio: audio.silent_wav(), 400),
        ("audio/wav", lambda audio: b"definitely not audio" * 50, 400),
    ],
)
async def test_audio_must_be_what_its_content_type_says(
    client: httpx.AsyncClient,
    mock: BotaMock,
    audio: Any,
    content_type: str,
    make: Callable[[Any], bytes],
    status: int,
) -> None:
    content = make(audio)
    recording = await create(client)
    target = await upload_url(client, recording["id"], content, content_type)
    response = await client.put(target["upload_url"], content=content, headers=target["headers"])
    assert response.status_code == status, response.text
    if status == 400:
        assert storage_code(response) == "InvalidArgument"
        assert mock.blobs.files() == []
        done = await client.post(f"/recordings/{recording['id']}/upload-complete", headers=KEY)
        assert done.status_code == 400


async def test_images_and_video_are_taken_as_sent(client: httpx.AsyncClient, audio: Any) -> None:
    recording = await create(client)
    path = f"/recordings/{recording['id']}"
    image = await client.post(
        path + "/upload-url",
        json={"type": "image", "content_type": "image/png", "file_size_bytes": 4},
        headers=KEY,
    )
    assert image.status_code == 200
    assert (
        await client.put(
            image.json()["upload_url"], content=b"\x89PNG", headers=image.json()["headers"]
        )
    ).status_code == 200
    only_image = await client.post(path + "/upload-complete", headers=KEY)
    assert only_image.status_code == 400
    assert "no uploaded audio" in only_image.json()["error"]["message"]
    for body in [
        {"type": "image"},
        {"type": "image", "content_type": "audio/wav"},
        {"content_type": "image/png"},
        {"type": "video", "content_type": "video/webm"},
    ]:
        refused = await client.post(path + "/upload-url", json=body, headers=KEY)
        assert refused.status_code == 400, body


async def test_upload_complete_rules(
    client: httpx.AsyncClient, audio: Any, conforms: Conforms
) -> None:
    empty = await create(client)
    none = await client.post(f"/recordings/{empty['id']}/upload-complete", headers=KEY)
    assert none.status_code == 400
    conforms("bota", "upload-complete", 400, none.json())
    await upload_url(client, empty["id"], audio.wav(0.2))
    not_put = await client.post(f"/recordings/{empty['id']}/upload-complete", headers=KEY)
    assert not_put.status_code == 400
    assert "PUT the file" in not_put.json()["error"]["message"]

    # A media entry that was never PUT stays pending; the recording completes with the one that was.
    wav = audio.wav(0.4)
    target = await upload_url(client, empty["id"], wav)
    assert (
        await client.put(target["upload_url"], content=wav, headers=target["headers"])
    ).status_code == 200
    done = await client.post(f"/recordings/{empty['id']}/upload-complete", headers=KEY)
    assert done.status_code == 200
    assert [m["status"] for m in done.json()["media"]] == ["pending", "uploaded"]
    assert done.json()["duration_ms"] == 400

    again = await client.post(f"/recordings/{empty['id']}/upload-complete", headers=KEY)
    assert again.status_code == 400
    assert "not pending" in again.json()["error"]["message"]
    more = await client.post(
        f"/recordings/{empty['id']}/upload-url", json={"file_size_bytes": 10}, headers=KEY
    )
    assert more.status_code == 400
    assert "pending" in more.json()["error"]["message"]
    conforms("bota", "upload-url", 400, more.json())
    late = await client.put(target["upload_url"], content=wav, headers=target["headers"])
    assert late.status_code == 403
    assert storage_code(late) == "AccessDenied"


async def test_ids_and_unknown_recordings(client: httpx.AsyncClient, conforms: Conforms) -> None:
    for method, path, operation in [
        ("GET", "/recordings/{}", "get"),
        ("POST", "/recordings/{}/upload-url", "upload-url"),
        ("POST", "/recordings/{}/upload-complete", "upload-complete"),
    ]:
        body = {"file_size_bytes": 10} if operation == "upload-url" else None
        bad = await client.request(method, path.format("123"), json=body, headers=KEY)
        assert bad.status_code == 400
        assert error_code(bad) == "invalid_request"
        conforms("bota", operation, 400, bad.json())
        unknown = await client.request(method, path.format("rec_nope"), json=body, headers=KEY)
        assert unknown.status_code == 404
        assert error_code(unknown) == "not_found"
        conforms("bota", operation, 404, unknown.json())


# -- list ------------------------------------------------------------------------------------


async def test_list_filters_and_pages(
    client: httpx.AsyncClient, audio: Any, conforms: Conforms
) -> None:
    first = await create(client, device_id="dev_a", end_user_id="eu_a")
    second = await create(client, device_id="dev_b", end_user_id="eu_a")
    done = await uploaded(client, audio.wav(0.2))
    newest_first = [done["id"], second["id"], first["id"]]

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/recordings", params=params, headers=KEY)
        assert response.status_code == 200, response.text
        conforms("bota", "list", 200, response.json())
        return [r["id"] for r in response.json()["data"]]

    assert await ids() == newest_first
    assert await ids(device_id="dev_a") == [first["id"]]
    assert await ids(end_user_id="eu_a") == [second["id"], first["id"]]
    assert await ids(status="uploaded") == [done["id"]]
    assert await ids(status="completed") == []
    assert await ids(created_after=first["created_at"]) == [done["id"], second["id"]]
    assert await ids(created_before=second["created_at"]) == [first["id"]]
    assert (
        await ids(created_after="2000-01-01T00:00:00Z", created_before="2000-01-02T00:00:00Z") == []
    )
    assert await ids(limit=2) == newest_first[:2]
    assert await ids(limit=2, offset=2) == newest_first[2:]
    assert await ids(offset=3) == []
    page = (await client.get("/recordings", params={"limit": 2}, headers=KEY)).json()
    assert page["has_more"] is True
    last = (await client.get("/recordings", params={"limit": 1, "offset": 2}, headers=KEY)).json()
    assert last["has_more"] is False
    assert await ids(limit=100, offset=0) == newest_first


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-1"},
        {"limit": "1.5"},
        {"limit": "ten"},
        {"limit": ""},
        {"offset": "-1"},
        {"offset": "x"},
        {"status": "done"},
        {"device_id": "1"},
        {"end_user_id": "dev_1"},
        {"created_after": "yesterday"},
        {"created_before": "2024-01-01"},
    ],
)
async def test_invalid_list_queries_are_400(
    client: httpx.AsyncClient, params: dict[str, str], conforms: Conforms
) -> None:
    response = await client.get("/recordings", params=params, headers=KEY)
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    conforms("bota", "list", 400, response.json())
    assert set(response.json()["error"]["details"]) == set(params)


# -- credentials and isolation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer dtok_"},
        {"Authorization": "Bearer dtok_has space"},
        {"Authorization": "Bearer up_upload_token"},
        {"Authorization": "Bearer test-token-b"},
    ],
)
async def test_a_missing_or_wrong_credential_is_401(
    client: httpx.AsyncClient, headers: dict[str, str], conforms: Conforms
) -> None:
    for method, path, operation in [
        ("POST", "/recordings", "create"),
        ("GET", "/recordings", "list"),
        ("GET", "/recordings/rec_x", "get"),
    ]:
        response = await client.request(
            method, path, json=IDS if method == "POST" else None, headers=headers
        )
        assert response.status_code == 401
        assert error_code(response) == "unauthorized"
        assert all(name in response.headers for name in RATE_HEADERS)
        conforms("bota", operation, 401, response.json())


async def test_projects_and_devices_are_isolated(client: httpx.AsyncClient) -> None:
    ours = await create(client)
    kitchen = await create(client, DEVICE)
    theirs = await create(client, OTHER_KEY)
    for headers, hidden in [
        (OTHER_KEY, [ours, kitchen]),
        (KEY, [theirs]),
        (DEVICE, [ours, theirs]),
        (OTHER_DEVICE, [ours, kitchen, theirs]),
    ]:
        for recording in hidden:
            path = f"/recordings/{recording['id']}"
            assert (await client.get(path, headers=headers)).status_code == 404
            assert (
                await client.post(
                    path + "/upload-url", json={"file_size_bytes": 4}, headers=headers
                )
            ).status_code == 404
            assert (
                await client.post(path + "/upload-complete", headers=headers)
            ).status_code == 404
    listed = {
        name: {r["id"] for r in (await client.get("/recordings", headers=headers)).json()["data"]}
        for name, headers in [
            ("key", KEY),
            ("other", OTHER_KEY),
            ("device", DEVICE),
            ("garage", OTHER_DEVICE),
        ]
    }
    assert listed == {
        "key": {ours["id"], kitchen["id"]},
        "other": {theirs["id"]},
        "device": {kitchen["id"]},
        "garage": set(),
    }
    # The key sees the device's recording and may use it; the device filter of another device finds nothing.
    assert (await client.get(f"/recordings/{kitchen['id']}", headers=KEY)).status_code == 200
    foreign = await client.get(
        "/recordings", params={"device_id": ours["device_id"]}, headers=DEVICE
    )
    assert foreign.json()["data"] == []


# -- idempotency, versions, rate limits -----------------------------------------------------------


async def test_idempotency_keys(client: httpx.AsyncClient, audio: Any, conforms: Conforms) -> None:
    headers = {**KEY, "Idempotency-Key": "create-1"}
    first = await client.post("/recordings", json=IDS, headers=headers)
    second = await client.post("/recordings", json=IDS, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    conflict = await client.post("/recordings", json={**IDS, "name": "other"}, headers=headers)
    assert conflict.status_code == 409
    assert error_code(conflict) == "resource_already_exists"
    conforms("bota", "create", 409, conflict.json())
    elsewhere = await client.post(
        "/recordings/" + first.json()["id"] + "/upload-complete", headers=headers
    )
    assert elsewhere.status_code == 409
    other_project = await client.post(
        "/recordings", json=IDS, headers={**OTHER_KEY, "Idempotency-Key": "create-1"}
    )
    assert other_project.status_code == 201
    assert other_project.json()["id"] != first.json()["id"]
    listed = (await client.get("/recordings", headers=KEY)).json()["data"]
    assert [r["id"] for r in listed] == [first.json()["id"]]

    recording = first.json()["id"]
    wav = audio.wav(0.2)
    body = {"content_type": "audio/wav", "file_size_bytes": len(wav)}
    url_key = {**KEY, "Idempotency-Key": "url-1"}
    target = await client.post(f"/recordings/{recording}/upload-url", json=body, headers=url_key)
    replay = await client.post(f"/recordings/{recording}/upload-url", json=body, headers=url_key)
    assert target.json() == replay.json()
    assert len((await client.get(f"/recordings/{recording}", headers=KEY)).json()["media"]) == 1
    await client.put(target.json()["upload_url"], content=wav, headers=target.json()["headers"])
    done_key = {**KEY, "Idempotency-Key": "done-1"}
    done = await client.post(f"/recordings/{recording}/upload-complete", headers=done_key)
    retried = await client.post(f"/recordings/{recording}/upload-complete", headers=done_key)
    assert done.status_code == retried.status_code == 200
    assert done.json() == retried.json()
    for value in ["", "x" * 256]:
        response = await client.post(
            "/recordings", json=IDS, headers={**KEY, "Idempotency-Key": value}
        )
        assert response.status_code == 400, value


async def test_concurrent_retries_with_one_key_create_one_recording(
    client: httpx.AsyncClient,
) -> None:
    headers = {**KEY, "Idempotency-Key": "same"}
    responses = await asyncio.gather(
        *(client.post("/recordings", json=IDS, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len((await client.get("/recordings", headers=KEY)).json()["data"]) == 1


async def test_bota_version_must_be_a_date(client: httpx.AsyncClient) -> None:
    ok = await client.get("/recordings", headers={**KEY, "Bota-Version": "2024-06-01"})
    assert ok.status_code == 200
    for value in ["2024-13-01", "latest", "2024-06-01T00:00:00Z"]:
        response = await client.get("/recordings", headers={**KEY, "Bota-Version": value})
        assert response.status_code == 400
        assert error_code(response) == "invalid_request"


async def test_every_answer_carries_the_rate_limit_headers(client: httpx.AsyncClient) -> None:
    seen: list[int] = []
    for method, path, headers in [
        ("GET", "/recordings", KEY),
        ("GET", "/recordings?limit=0", KEY),
        ("GET", "/recordings/rec_x", KEY),
        ("PUT", "/recordings", KEY),
        ("GET", "/nowhere", KEY),
        ("GET", "/recordings", {}),
    ]:
        response = await client.request(method, path, headers=headers)
        assert all(name in response.headers for name in RATE_HEADERS), (method, path)
        assert response.headers["x-ratelimit-limit"] == "100000"
        assert response.headers["content-type"] == "application/json"
        seen.append(int(response.headers["x-ratelimit-remaining"]))
    assert seen == [99999, 99998, 99997, 99996, 99995, 99999]  # the last: the anonymous budget


async def test_past_the_budget_is_429_until_the_window_resets(conforms: Conforms) -> None:
    mock = BotaMock(rate_limit=3, tenants={"tenant-b": "sk_test_other"})
    now = [1_000_000.0]
    mock.limiter.clock = lambda: now[0]
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bota.test/v1") as client:
        answers = [await client.get("/recordings", headers=KEY) for _ in range(5)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0", "0"]
        assert {r.headers["x-ratelimit-reset"] for r in answers} == {"1000060"}
        refused = answers[3]
        assert error_code(refused) == "rate_limit_exceeded"
        assert int(refused.headers["retry-after"]) >= 1
        conforms("bota", "list", 429, refused.json())
        other = await client.post("/recordings", json=IDS, headers=OTHER_KEY)
        assert other.status_code == 201  # another credential's budget
        device = await client.get("/recordings", headers=DEVICE)
        assert device.status_code == 200
        now[0] += 60
        assert (await client.get("/recordings", headers=KEY)).headers[
            "x-ratelimit-remaining"
        ] == "2"
    mock.close()


@pytest.mark.parametrize(
    ("content", "content_type", "detail"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b'{"name": NaN}', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        (b"[" * 100_000, "application/json", "nested too deeply"),
        (b'{"title": "\\ud800"}', "application/json", "lone surrogate"),
        (b"", "application/json", "empty"),
        (b"[]", "application/json", "schema"),
        (b"name=x", "application/x-www-form-urlencoded", "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", "application/json"),
        (b"\x00\x01\x02garbage", "application/octet-stream", "application/json"),
    ],
)
async def test_a_malformed_body_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str, detail: str
) -> None:
    recording = await create(client)
    for path in ("/recordings", f"/recordings/{recording['id']}/upload-url"):
        response = await client.post(
            path, content=content, headers={**KEY, "Content-Type": content_type}
        )
        assert response.status_code == 400
        assert error_code(response) == "invalid_request"
        assert detail in response.json()["error"]["message"]


# -- over real HTTP on loopback ----------------------------------------------------------------


def test_happy_path_and_documented_errors_over_http(
    loopback: Callable[[Any], str], audio: Any, conforms: Conforms
) -> None:
    mock = BotaMock(rate_limit=1000)
    origin = loopback(mock.create_app())
    wav = audio.wav(1.0)
    with httpx.Client(base_url=origin + "/v1", timeout=10) as http:
        created = http.post("/recordings", json=IDS, headers=KEY)
        assert created.status_code == 201
        conforms("bota", "create", 201, created.json())
        path = f"/recordings/{created.json()['id']}"
        target = http.post(
            path + "/upload-url",
            json={"content_type": "audio/wav", "file_size_bytes": len(wav)},
            headers=KEY,
        )
        assert target.status_code == 200
        assert target.json()["upload_url"].startswith(origin + "/__storage/bota/")
        put = http.put(
            target.json()["upload_url"],
            content=iter([wav[:100], wav[100:]]),
            headers=target.json()["headers"],
        )
        assert put.status_code == 200
        done = http.post(path + "/upload-complete", headers=KEY)
        assert done.status_code == 200
        assert done.json()["status"] == "uploaded"
        conforms("bota", "upload-complete", 200, done.json())
        assert http.get(path, headers=KEY).json() == done.json()

        errors = [
            (http.post("/recordings", json=IDS), 401, "create", "unauthorized"),
            (http.get(path, headers={"Authorization": "Bearer nope"}), 401, "get", "unauthorized"),
            (http.post("/recordings", json=IDS, headers=DEVICE), 400, "create", "invalid_request"),
            (http.post("/recordings", json={}, headers=KEY), 400, "create", "invalid_request"),
            (
                http.post(
                    "/recordings", content=b"{", headers={**KEY, "Content-Type": "application/json"}
                ),
                400,
                "create",
                "invalid_request",
            ),
            (
                http.post(path + "/upload-complete", headers=KEY),
                400,
                "upload-complete",
                "invalid_request",
            ),
            (
                http.get("/recordings", params={"limit": 101}, headers=KEY),
                400,
                "list",
                "invalid_request",
            ),
            (http.get("/recordings/rec_unknown", headers=KEY), 404, "get", "not_found"),
            (http.get(path, headers=OTHER_DEVICE), 404, "get", "not_found"),
        ]
        for response, status, operation, code in errors:
            assert response.status_code == status, response.text
            assert error_code(response) == code
            assert all(name in response.headers for name in RATE_HEADERS)
            conforms("bota", operation, status, response.json())
        fresh = http.post("/recordings", json=IDS, headers={**KEY, "Idempotency-Key": "k"}).json()[
            "id"
        ]
        conflict = http.post(
            "/recordings", json={**IDS, "name": "b"}, headers={**KEY, "Idempotency-Key": "k"}
        )
        assert conflict.status_code == 409
        assert error_code(conflict) == "resource_already_exists"
        second = http.post(
            f"/recordings/{fresh}/upload-url",
            json={"content_type": "audio/opus", "file_size_bytes": len(wav)},
            headers=KEY,
        ).json()
        mislabelled = http.put(second["upload_url"], content=wav, headers=second["headers"])
        assert mislabelled.status_code == 400
        assert storage_code(mislabelled) == "InvalidArgument"
    mock.close()


async def test_50_concurrent_uploads_over_http(loopback: Callable[[Any], str], audio: Any) -> None:
    mock = BotaMock()
    origin = loopback(mock.create_app())
    bodies = [audio.wav(0.1, tone=index) for index in range(50)]

    async def one(http: httpx.AsyncClient, index: int, content: bytes) -> httpx.Response:
        headers = KEY if index % 2 else {"Authorization": f"Bearer dtok_device{index}"}
        recording = await create(http, headers)
        target = await upload_url(http, recording["id"], content, headers=headers)
        put = await http.put(target["upload_url"], content=content, headers=target["headers"])
        assert put.status_code == 200
        return await http.post(f"/recordings/{recording['id']}/upload-complete", headers=headers)

    async with httpx.AsyncClient(
        base_url=origin + "/v1", timeout=30, limits=httpx.Limits(max_connections=50)
    ) as http:
        done = await asyncio.gather(*(one(http, index, body) for index, body in enumerate(bodies)))
        assert [r.status_code for r in done] == [200] * 50
        ids = [r.json()["id"] for r in done]
        assert len(set(ids)) == 50
        fetched = await asyncio.gather(
            *(http.get(f"/recordings/{rid}", headers=KEY) for rid in ids)
        )
        assert [f.json() for f in fetched] == [r.json() for r in done]
        listed = await http.get("/recordings", params={"limit": 100}, headers=KEY)
        assert sorted(r["id"] for r in listed.json()["data"]) == sorted(ids)
    for recording, body in zip(done, bodies, strict=True):
        media = mock.media_of[recording.json()["media"][0]["id"]][1]
        assert media.file is not None
        assert media.file.path.read_bytes() == body
    mock.close()


# -- schemathesis against the spec -------------------------------------------------------------


def seeded_recording(mock: BotaMock, app: Any, audio: Any, headers: dict[str, str]) -> str:
    """A pending recording whose audio was PUT, so upload-complete has one success to give."""

    async def seed() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver/v1"
        ) as client:
            recording = await create(client, headers)
            wav = audio.wav(0.2)
            target = await upload_url(client, recording["id"], wav, headers=headers)
            put = await client.put(target["upload_url"], content=wav, headers=target["headers"])
            assert put.status_code == 200
            return str(recording["id"])

    return asyncio.run(seed())


def run_schemathesis(audio: Any, headers: dict[str, str], max_examples: int) -> None:
    mock = BotaMock()
    app = mock.create_app()
    try:
        ready = seeded_recording(mock, app, audio, headers)
        report = fuzz_app(
            app,
            load_spec("bota"),
            headers=headers,
            max_examples=max_examples,
            operations=[{"include-operation-id": "upload-complete", "parameters": {"id": ready}}],
        )
    finally:
        mock.close()
    print(
        f"\nbota ({headers['Authorization'][7:11]}...), {max_examples} examples: {report.summary()}"
    )
    assert report.ok, report.summary()
    operations = {op.method.upper() + " " + op.path for op in load_spec("bota").operations.values()}
    assert set(report.requests) == operations
    assert report.succeeded() == operations
    assert min(report.phase_requests("fuzzing").values()) >= max_examples


@pytest.mark.parametrize("headers", [KEY, DEVICE], ids=["secret-key", "device-token"])
def test_schemathesis_finds_nothing(audio: Any, headers: dict[str, str]) -> None:
    run_schemathesis(audio, headers, max_examples=15)


@pytest.mark.slow
@pytest.mark.parametrize("headers", [KEY, DEVICE], ids=["secret-key", "device-token"])
def test_schemathesis_finds_nothing_in_200_examples_per_operation(
    audio: Any, headers: dict[str, str]
) -> None:
    run_schemathesis(audio, headers, max_examples=200)
