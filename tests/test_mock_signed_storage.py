"""Signed storage shared by the Siro and Bota mocks: where URLs point, and what is kept how long.

- A signed URL points at the server's own address, or a configured public
  base URL, never at the request's ``Host`` header.
- A file PUT and never made into a recording (refused, or never completed)
  goes at its upload URL's expiry, and the store holds a bounded number of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite.mocks.signed import DEFAULT_MAX_UNCLAIMED, UnclaimedFiles, UrlSigner
from tapecheck.suite.mocks.storage import BlobStore
from tapecheck.suite.vendors.bota.mock import BotaMock
from tapecheck.suite.vendors.siro.mock import SiroMock

pytestmark = pytest.mark.anyio

SIRO = {"x-siro-auth-token": "test-token"}
BOTA = {"Authorization": "Bearer test-token"}
IDS = {"device_id": "dev_1", "end_user_id": "eu_1"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def _siro(clock: Clock | None = None, **options: Any) -> SiroMock:
    mock = SiroMock(**options)
    if clock is not None:
        mock.signer = UrlSigner(clock=clock, public_base_url=mock.signer.public_base_url)
    return mock


def _bota(clock: Clock | None = None, **options: Any) -> BotaMock:
    mock = BotaMock(**options)
    if clock is not None:
        mock.signer = UrlSigner(clock=clock)
    return mock


def _client(app: Any, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def _siro_put(client: httpx.AsyncClient, content: bytes) -> dict[str, Any]:
    answer = await client.post(
        "/v1/core/recordings/signed-urls",
        json={"fileType": "wav", "fileSize": len(content)},
        headers=SIRO,
    )
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()["data"]
    put = await client.put(data["uploadUrl"], content=content, headers=data["uploadHeaders"])
    assert put.status_code == 200, put.text
    return data


async def _siro_upload(client: httpx.AsyncClient, data: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/v1/core/recordings/upload",
        json={"downloadUrl": data["downloadUrl"], "fileType": "wav"},
        headers=SIRO,
    )


# -- where signed URLs point ------------------------------------------------------------


def test_siro_upload_url_ignores_the_host_header(loopback: Callable[[Any], str]) -> None:
    origin = loopback(SiroMock().create_app())
    answer = httpx.post(
        origin + "/v1/core/recordings/signed-urls",
        json={"fileType": "wav", "fileSize": 100},
        headers={**SIRO, "Host": "evil.example:9"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    data = answer.json()["data"]
    assert data["uploadUrl"].startswith(origin + "/__storage/siro/")
    assert data["downloadUrl"].startswith(origin + "/__storage/siro/")


def test_bota_upload_url_ignores_the_host_header(loopback: Callable[[Any], str]) -> None:
    origin = loopback(BotaMock().create_app())
    with httpx.Client(base_url=origin + "/v1", timeout=10) as client:
        created = client.post("/recordings", json=IDS, headers=BOTA).json()
        answer = client.post(
            f"/recordings/{created['id']}/upload-url",
            json={"type": "audio", "content_type": "audio/wav", "file_size_bytes": 10},
            headers={**BOTA, "Host": "evil.example:9"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["upload_url"].startswith(origin + "/__storage/bota/")


async def test_a_public_base_url_is_where_signed_urls_point(audio: Any) -> None:
    public = "https://proxy.example:8443"
    mock = _siro(public_base_url=public)
    wav = audio.wav(0.2)
    # The client reaches the mock at one name, the URLs say the public one; both work.
    async with _client(mock.create_app(), "http://internal.test") as client:
        answer = await client.post(
            "/v1/core/recordings/signed-urls",
            json={"fileType": "wav", "fileSize": len(wav)},
            headers={**SIRO, "Host": "evil.example"},
        )
        data = answer.json()["data"]
        assert data["uploadUrl"].startswith(public + "/__storage/siro/")
        local = data["uploadUrl"].replace(public, "http://internal.test")
        put = await client.put(local, content=wav, headers=data["uploadHeaders"])
        assert put.status_code == 200, put.text
        assert (await _siro_upload(client, data)).status_code == 201
    mock.close()


# -- unclaimed files --------------------------------------------------------------------


async def test_refused_siro_uploads_leave_a_bounded_number_of_files() -> None:
    mock = _siro(max_unclaimed=8)
    junk = b"\x01\x02 not audio at all " * 50
    async with _client(mock.create_app(), "http://siro.test") as client:
        for _ in range(60):
            data = await _siro_put(client, junk)
            refused = await _siro_upload(client, data)
            assert refused.status_code == 400, refused.text
    assert len(mock.blobs.files()) <= 8
    mock.close()


async def test_the_default_bound_holds_too() -> None:
    assert DEFAULT_MAX_UNCLAIMED <= 256
    mock = _siro(max_unclaimed=DEFAULT_MAX_UNCLAIMED)
    assert mock.unclaimed.max_files == DEFAULT_MAX_UNCLAIMED
    mock.close()


async def test_unclaimed_siro_files_go_at_the_upload_urls_expiry(audio: Any) -> None:
    clock = Clock()
    mock = _siro(clock)
    wav = audio.wav(0.2)
    async with _client(mock.create_app(), "http://siro.test") as client:
        kept = await _siro_put(client, wav)
        assert (await _siro_upload(client, kept)).status_code == 201
        await _siro_put(client, wav)  # PUT, never uploaded
        refused = await _siro_put(client, b"junk" * 100)
        assert (await _siro_upload(client, refused)).status_code == 400
        assert len(mock.blobs.files()) == 3
        clock.now += mock.upload_ttl_s + 1
        await client.post(  # any later request sweeps
            "/v1/core/recordings/signed-urls", json={"fileType": "wav", "fileSize": 1}, headers=SIRO
        )
    # The recording's file stays; the unclaimed two are gone.
    assert len(mock.blobs.files()) == 1
    recording = next(iter(mock.recordings.values()))
    assert recording.file is not None
    assert recording.file.path.exists()
    mock.close()


async def test_a_siro_file_can_still_be_uploaded_before_expiry(audio: Any) -> None:
    clock = Clock()
    mock = _siro(clock)
    wav = audio.wav(0.2)
    async with _client(mock.create_app(), "http://siro.test") as client:
        data = await _siro_put(client, wav)
        clock.now += mock.upload_ttl_s - 1
        assert (await _siro_upload(client, data)).status_code == 201
    mock.close()


async def test_a_pending_bota_recordings_file_goes_at_expiry_a_completed_one_stays() -> None:
    clock = Clock()
    mock = _bota(clock)
    opus = encode_audio("opus", duration_s=0.5)
    async with _client(mock.create_app(), "http://bota.test/v1") as client:
        ids = []
        for _ in range(2):
            created = (await client.post("/recordings", json=IDS, headers=BOTA)).json()
            target = (
                await client.post(
                    f"/recordings/{created['id']}/upload-url",
                    json={"type": "audio", "content_type": "audio/opus"},
                    headers=BOTA,
                )
            ).json()
            put = await client.put(target["upload_url"], content=opus, headers=target["headers"])
            assert put.status_code == 200, put.text
            ids.append(created["id"])
        done = await client.post(f"/recordings/{ids[0]}/upload-complete", headers=BOTA)
        assert done.status_code == 200, done.text
        assert len(mock.blobs.files()) == 2
        clock.now += mock.upload_ttl_s + 1
        mock.unclaimed.sweep()
        assert len(mock.blobs.files()) == 1
        # The pending recording no longer has audio: completing it is refused as the docs say.
        late = await client.post(f"/recordings/{ids[1]}/upload-complete", headers=BOTA)
        assert late.status_code == 400
    mock.close()


def test_the_store_evicts_oldest_first_within_count_and_bytes(tmp_path: Any) -> None:
    store = BlobStore()
    shelf = UnclaimedFiles(max_files=3, max_bytes=250, clock=lambda: 0.0)
    files = []
    for index in range(5):
        sink = store.sink(max_bytes=None)
        sink.write(b"x" * 100)
        files.append(sink.finish())
        shelf.add(f"k{index}", files[-1], expires=10.0)
    # 250 bytes allow two files of 100: the three oldest went, the newest two stay.
    assert [f.path.exists() for f in files] == [False, False, False, True, True]
    shelf.claim("k3")
    assert len(shelf) == 1
    store.close()
