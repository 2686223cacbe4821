"""Crescendo's reference mock: upload, job status and the documented errors, in-process and over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tapecheck.suite.vendors.crescendo.mock import SILENT_AUDIO_ERROR, CrescendoMock

pytestmark = pytest.mark.anyio

Conforms = Callable[[str, str, int, Any], None]
HEADERS = {"Authorization": "Bearer test-token"}
UPLOAD = "/api/v1/voc/tenants/tenant-a/recording"


def status_path(job: str, tenant: str = "tenant-a") -> str:
    return f"/api/v1/voc/tenants/{tenant}/recording/{job}/status"


def form(metadata: Any = None, **files: tuple[str, bytes, str]) -> dict[str, Any]:
    """A multipart body (always multipart, even with no file): ``metadata`` as a text field."""
    parts: list[tuple[str, Any]] = list(files.items())
    if metadata is not None:
        text = metadata if isinstance(metadata, str) else json.dumps(metadata)
        parts.insert(0, ("metadata", (None, text)))
    return {"files": parts or [("nothing", (None, ""))]}


@pytest.fixture
def mock() -> Iterator[CrescendoMock]:
    instance = CrescendoMock(tenants={"tenant-b": "token-b"})
    yield instance
    instance.close()


@pytest.fixture
async def client(mock: CrescendoMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://crescendo.test") as c:
        yield c


async def test_upload_then_poll_until_completed(
    client: httpx.AsyncClient, audio: Any, conforms: Conforms
) -> None:
    metadata = {"id": "call-123", "kind": "phonecall", "source": "your-system"}
    response = await client.post(
        UPLOAD, headers=HEADERS, **form(metadata, audio=("call.mp3", audio.mp3(), "audio/mpeg"))
    )
    assert response.status_code == 202, response.text
    conforms("crescendo", "upload", 202, response.json())
    job = response.json()["id"]

    first = await client.get(status_path(job), headers=HEADERS)
    assert first.status_code == 200
    conforms("crescendo", "status", 200, first.json())
    assert first.json()["status"] == "started"
    assert first.json()["finished"] is None
    assert first.json()["result"] is None
    assert first.json()["error"] is None

    second = await client.get(status_path(job), headers=HEADERS)
    body = second.json()
    conforms("crescendo", "status", 200, body)
    assert body["status"] == "completed"
    assert body["id"] == job
    assert body["file"] == "call.mp3"
    assert body["recordingId"] == "call-123"
    assert body["finished"] >= body["started"] > 1_600_000_000_000
    assert body["result"] == {}
    assert body["error"] is None

    third = await client.get(status_path(job), headers=HEADERS)
    assert third.json() == body


async def test_the_file_part_and_the_query_token_work_too(
    client: httpx.AsyncClient, audio: Any
) -> None:
    response = await client.post(
        UPLOAD,
        params={"bearer_token": "test-token"},
        **form({"id": "a.b_c-1"}, file=("x.wav", audio.wav(), "audio/wav")),
    )
    assert response.status_code == 202
    job = response.json()["id"]
    for _ in range(2):
        status = await client.get(status_path(job), params={"bearer_token": "test-token"})
    assert status.json()["file"] == "x.wav"
    assert status.json()["status"] == "completed"


async def test_silent_audio_is_accepted_and_its_job_fails(
    client: httpx.AsyncClient, audio: Any, conforms: Conforms
) -> None:
    response = await client.post(
        UPLOAD,
        headers=HEADERS,
        **form({"id": "silent"}, audio=("s.wav", audio.silent_wav(), "audio/wav")),
    )
    assert response.status_code == 202, response.text
    job = response.json()["id"]
    assert (await client.get(status_path(job), headers=HEADERS)).json()["status"] == "started"
    body = (await client.get(status_path(job), headers=HEADERS)).json()
    conforms("crescendo", "status", 200, body)
    assert body["status"] == "failed"
    assert body["error"] == SILENT_AUDIO_ERROR
    assert body["result"] is None
    assert body["finished"] is not None


@pytest.mark.parametrize(
    ("params", "headers", "message"),
    [
        ({}, {}, "Authorization header with Bearer token is required"),
        ({}, {"Authorization": "Bearer wrong"}, "not valid"),
        ({"bearer_token": "wrong"}, {}, "not valid"),
        (
            {},
            {"Authorization": "Token test-token"},
            "Authorization header with Bearer token is required",
        ),
    ],
)
async def test_a_missing_or_wrong_key_is_401(
    client: httpx.AsyncClient,
    params: dict[str, str],
    headers: dict[str, str],
    message: str,
    conforms: Conforms,
) -> None:
    for response in [
        await client.post(UPLOAD, params=params, headers=headers, **form({"id": "x"})),
        await client.get(status_path("job-voc-1"), params=params, headers=headers),
    ]:
        assert response.status_code == 401
        conforms("crescendo", "upload", 401, response.json())
        assert response.json() == {"code": "Unauthenticated", "message": response.json()["message"]}
        assert message in response.json()["message"]


async def test_another_tenant_is_403_and_jobs_stay_with_their_tenant(
    client: httpx.AsyncClient, audio: Any, conforms: Conforms
) -> None:
    response = await client.post(
        UPLOAD, headers=HEADERS, **form({"id": "x"}, audio=("a.wav", audio.wav(), "audio/wav"))
    )
    job = response.json()["id"]
    for tenant in ["tenant-b", "unknown-tenant"]:
        refused = await client.get(status_path(job, tenant), headers=HEADERS)
        assert refused.status_code == 403
        conforms("crescendo", "status", 403, refused.json())
        assert refused.json()["code"] == "PermissionDenied"
    other = {"Authorization": "Bearer token-b"}
    assert (await client.get(status_path(job, "tenant-b"), headers=other)).status_code == 404
    upload_elsewhere = await client.post(
        "/api/v1/voc/tenants/tenant-b/recording",
        headers=HEADERS,
        **form({"id": "x"}, audio=("a.wav", audio.wav(), "audio/wav")),
    )
    assert upload_elsewhere.status_code == 403


async def test_an_unknown_job_is_404(client: httpx.AsyncClient, conforms: Conforms) -> None:
    response = await client.get(status_path("job-voc-001"), headers=HEADERS)
    assert response.status_code == 404
    conforms("crescendo", "status", 404, response.json())
    assert response.json()["code"] == "NotFound"


def bad_requests(audio: Any) -> list[tuple[dict[str, Any], str]]:
    wav = ("a.wav", audio.wav(), "audio/wav")
    return [
        (form(audio=wav), "no `metadata`"),
        (form("{not json", audio=wav), "not valid JSON"),
        (form([1, 2], audio=wav), "must be a JSON object"),
        (form({"kind": "phonecall"}, audio=wav), "has no `id`"),
        (form({"id": "call 123"}, audio=wav), "metadata.id"),
        (form({"id": ""}, audio=wav), "metadata.id"),
        (form({"id": 123}, audio=wav), "metadata.id"),
        (form({"id": "ça"}, audio=wav), "metadata.id"),
        (form({"id": "x"}), "no audio part"),
        (
            form({"id": "x"}, audio=("a.flac", audio.encoded("flac"), "audio/flac")),
            "accepted formats: mp3, wav",
        ),
        (form({"id": "x"}, audio=("a.mp3", b"", "audio/mpeg")), "empty"),
        (form({"id": "x"}, audio=("a.mp3", b"ID3 but nothing else" * 3, "audio/mpeg")), "audio"),
        (form({"id": "x"}, audio=("a.wav", audio.truncated_wav(), "audio/wav")), "truncated"),
        (
            {"files": {"metadata": ("m.json", b'{"id": "x"}', "application/json"), "audio": wav}},
            "not a file part",
        ),
    ]


async def test_invalid_uploads_are_400(
    client: httpx.AsyncClient, mock: CrescendoMock, audio: Any, conforms: Conforms
) -> None:
    for request, message in bad_requests(audio):
        response = await client.post(UPLOAD, headers=HEADERS, **request)
        assert response.status_code == 400, (message, response.text)
        conforms("crescendo", "upload", 400, response.json())
        assert response.json()["code"] == "BadRequest"
        assert message in response.json()["message"], (message, response.json())
    assert mock.blobs.files() == []
    assert mock.jobs == {}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"metadata": {"id": "x"}}', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"random bytes", "multipart/form-data"),
        (b"\x00" * 100, "application/octet-stream"),
    ],
)
async def test_a_malformed_body_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    response = await client.post(
        UPLOAD, headers={**HEADERS, "Content-Type": content_type}, content=content
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


async def test_audio_over_25_mb_is_refused_as_it_streams(
    client: httpx.AsyncClient, mock: CrescendoMock, audio: Any
) -> None:
    limit = mock.audio_limits("upload").max_bytes
    assert limit == 25_000_000
    sent: list[int] = []
    boundary = "b0und"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{{"id": "big"}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    data_bytes = 30_000_000

    async def body() -> AsyncIterator[bytes]:
        yield head + audio.wav_header(data_bytes)
        for _ in range(data_bytes // (1 << 20) + 1):
            sent.append(1)
            yield bytes(1 << 20)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        UPLOAD,
        headers={**HEADERS, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),
    )
    assert response.status_code == 400
    assert "larger than the limit of 25000000 bytes" in response.json()["message"]
    assert len(sent) <= 25  # stopped within a chunk of the limit, not at the end of the body
    assert mock.blobs.files() == []


# -- over real HTTP on loopback -------------------------------------------------------


def test_happy_path_and_documented_errors_over_http(
    loopback: Callable[[Any], str], audio: Any, conforms: Conforms
) -> None:
    base = loopback(CrescendoMock().create_app())
    wav = ("call.wav", audio.wav(), "audio/wav")
    with httpx.Client(base_url=base, timeout=10) as http:
        accepted = http.post(UPLOAD, headers=HEADERS, **form({"id": "call-1"}, audio=wav))
        assert accepted.status_code == 202
        job = accepted.json()["id"]
        statuses = [http.get(status_path(job), headers=HEADERS).json()["status"] for _ in range(3)]
        assert statuses == ["started", "completed", "completed"]
        errors = [
            (http.post(UPLOAD, **form({"id": "call-1"}, audio=wav)), 401, "upload"),
            (
                http.post(
                    UPLOAD,
                    headers={"Authorization": "Bearer nope"},
                    **form({"id": "call-1"}, audio=wav),
                ),
                401,
                "upload",
            ),
            (
                http.post(
                    "/api/v1/voc/tenants/other/recording",
                    headers=HEADERS,
                    **form({"id": "c"}, audio=wav),
                ),
                403,
                "upload",
            ),
            (
                http.post(UPLOAD, headers=HEADERS, **form({"id": "bad id!"}, audio=wav)),
                400,
                "upload",
            ),
            (
                http.post(
                    UPLOAD,
                    headers=HEADERS,
                    **form({"id": "c"}, audio=("x.ogg", audio.encoded("ogg"), "audio/ogg")),
                ),
                400,
                "upload",
            ),
            (
                http.post(
                    UPLOAD,
                    headers={**HEADERS, "Content-Type": "multipart/form-data; boundary=zz"},
                    content=b"--zz\r\nnope",
                ),
                400,
                "upload",
            ),
            (http.post(UPLOAD, headers=HEADERS, **form({"id": "c"})), 400, "upload"),
            (http.get(status_path("job-voc-unknown"), headers=HEADERS), 404, "status"),
        ]
        for response, status, operation in errors:
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
            conforms("crescendo", operation, status, response.json())


async def test_50_concurrent_uploads_over_http(loopback: Callable[[Any], str], audio: Any) -> None:
    mock = CrescendoMock()
    base = loopback(mock.create_app())
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=50)
    ) as http:

        async def upload(index: int) -> httpx.Response:
            files = {"audio": (f"c{index}.wav", audio.wav(0.1, tone=index), "audio/wav")}
            return await http.post(
                UPLOAD,
                headers=HEADERS,
                data={"metadata": json.dumps({"id": f"call-{index}"})},
                files=files,
            )

        responses = await asyncio.gather(*(upload(i) for i in range(50)))
        assert [r.status_code for r in responses] == [202] * 50
        jobs = [r.json()["id"] for r in responses]
        assert len(set(jobs)) == 50
        for _ in range(2):
            polls = await asyncio.gather(
                *(http.get(status_path(job), headers=HEADERS) for job in jobs)
            )
        assert [p.json()["status"] for p in polls] == ["completed"] * 50
        assert sorted(p.json()["recordingId"] for p in polls) == sorted(
            f"call-{i}" for i in range(50)
        )
    mock.close()
