"""Siro's reference mock: signed URL, the PUT to the mock's storage, the upload; in-process and over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite.mocks.fuzz import fuzz_app
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.siro.mock import SiroMock

pytestmark = pytest.mark.anyio

Conforms = Callable[[str, str, int, Any], None]
HEADERS = {"x-siro-auth-token": "test-token"}
OTHER = {"x-siro-auth-token": "token-b"}
SIGNED_URLS = "/v1/core/recordings/signed-urls"
UPLOAD = "/v1/core/recordings/upload"


def adts() -> bytes:
    return encode_audio("aac-adts", duration_s=0.5)


def m4a() -> bytes:
    return encode_audio("m4a", duration_s=0.5)


@pytest.fixture
def mock() -> Iterator[SiroMock]:
    instance = SiroMock(tenants={"user-b": "token-b"})
    yield instance
    instance.close()


@pytest.fixture
async def client(mock: SiroMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://siro.test") as c:
        yield c


async def chunked(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def signed(
    client: httpx.AsyncClient, file_type: str, size: int, headers: dict[str, str] = HEADERS
) -> dict[str, Any]:
    response = await client.post(
        SIGNED_URLS, json={"fileType": file_type, "fileSize": size}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def uploaded(
    client: httpx.AsyncClient,
    file_type: str,
    content: bytes,
    headers: dict[str, str] = HEADERS,
    size: int | None = None,
) -> str:
    """Sign (for ``size`` bytes, else the content's), PUT ``content``; the ``downloadUrl``."""
    data = await signed(client, file_type, len(content) if size is None else size, headers)
    put = await client.put(data["uploadUrl"], content=content, headers=data["uploadHeaders"])
    assert put.status_code == 200, put.text
    return str(data["downloadUrl"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def storage_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/xml"
    text = response.text
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0]


# -- the flow ---------------------------------------------------------------------------


async def test_the_whole_flow(
    client: httpx.AsyncClient, mock: SiroMock, audio: Any, conforms: Conforms
) -> None:
    wav = audio.wav(1.0)
    response = await client.post(
        SIGNED_URLS, json={"fileType": "wav", "fileSize": len(wav)}, headers=HEADERS
    )
    assert response.status_code == 201
    conforms("siro", "signed-urls", 201, response.json())
    data = response.json()["data"]
    assert data["uploadHeaders"] == {
        "Content-Type": "audio/wav",
        "x-goog-content-length-range": f"0,{len(wav)}",
    }
    assert data["uploadUrl"].startswith("http://siro.test/__storage/siro/")
    assert data["downloadUrl"].startswith("http://siro.test/__storage/siro/")

    put = await client.put(data["uploadUrl"], content=chunked(wav), headers=data["uploadHeaders"])
    assert put.status_code == 200
    assert put.headers["etag"]
    fetched = await client.get(data["downloadUrl"])
    assert fetched.status_code == 200
    assert fetched.content == wav
    assert fetched.headers["content-type"] == "audio/wav"

    body = {
        "downloadUrl": data["downloadUrl"],
        "fileType": "wav",
        "title": "Call",
        "customerPhone": "+15555550100",
    }
    created = await client.post(UPLOAD, json=body, headers=HEADERS)
    assert created.status_code == 201, created.text
    conforms("siro", "upload", 201, created.json())
    recording = mock.recordings[created.json()["data"]["id"]]
    assert recording.user == "tenant-a"
    assert recording.fields["title"] == "Call"
    assert recording.file is not None
    assert recording.file.path.read_bytes() == wav


@pytest.mark.parametrize(
    ("file_type", "make", "mime"),
    [
        ("wav", lambda audio: audio.wav(0.5), "audio/wav"),
        ("mp3", lambda audio: audio.mp3(), "audio/mpeg"),
        ("aac", lambda audio: adts(), "audio/aac"),
        ("aac", lambda audio: m4a(), "audio/aac"),
    ],
    ids=["wav", "mp3", "aac-adts", "aac-mp4"],
)
async def test_each_file_type_accepts_its_content(
    client: httpx.AsyncClient, audio: Any, file_type: str, make: Callable[[Any], bytes], mime: str
) -> None:
    content = make(audio)
    data = await signed(client, file_type, len(content))
    assert data["uploadHeaders"]["Content-Type"] == mime
    put = await client.put(data["uploadUrl"], content=content, headers=data["uploadHeaders"])
    assert put.status_code == 200
    created = await client.post(
        UPLOAD, json={"downloadUrl": data["downloadUrl"], "fileType": file_type}, headers=HEADERS
    )
    assert created.status_code == 201, created.text


async def test_the_later_docs_names_are_aliases(
    client: httpx.AsyncClient, mock: SiroMock, audio: Any
) -> None:
    url = await uploaded(client, "mp3", audio.mp3())
    body = {"fileUrl": url, "fileType": "mp3", "contactPhone": "+15555550100", "contactName": "Ada"}
    created = await client.post(UPLOAD, json=body, headers=HEADERS)
    assert created.status_code == 201, created.text
    fields = mock.recordings[created.json()["data"]["id"]].fields
    assert fields["downloadUrl"] == url
    assert (fields["customerPhone"], fields["customerName"]) == ("+15555550100", "Ada")
    same = await client.post(UPLOAD, json={**body, "downloadUrl": url}, headers=HEADERS)
    assert same.status_code == 201
    clash = await client.post(UPLOAD, json={**body, "downloadUrl": url + "&x=1"}, headers=HEADERS)
    assert clash.status_code == 400
    assert "`fileUrl`" in clash.json()["message"]


async def test_a_put_again_replaces_the_object(client: httpx.AsyncClient, audio: Any) -> None:
    first, second = audio.wav(0.3, tone=1), audio.wav(0.3, tone=2)
    data = await signed(client, "wav", len(first))
    for content in (first, second):
        put = await client.put(data["uploadUrl"], content=content, headers=data["uploadHeaders"])
        assert put.status_code == 200
    assert (await client.get(data["downloadUrl"])).content == second
    head = await client.head(data["downloadUrl"])
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(second))


# -- the storage host --------------------------------------------------------------------


async def test_the_put_must_carry_exactly_the_signed_headers(
    client: httpx.AsyncClient, mock: SiroMock, audio: Any
) -> None:
    wav = audio.wav(0.2)
    data = await signed(client, "wav", len(wav))
    url, good = data["uploadUrl"], data["uploadHeaders"]
    wrong: list[tuple[str, dict[str, str]]] = [
        (url, {}),
        (url, {"Content-Type": "audio/wav"}),
        (url, {RANGE: good[RANGE]}),
        (url, {**good, "Content-Type": "audio/mpeg"}),
        (url, {**good, "Content-Type": "audio/wav; charset=binary"}),
        (url, {**good, RANGE: f"0,{len(wav) + 1}"}),
        (with_query(url, signature="0" * 64), good),
        (with_query(url, expires="9999999999"), good),
        (with_query(url, **{"signed-headers": "content-type"}), good),
        (url.split("?")[0], good),
        (data["downloadUrl"], good),
    ]
    for target, headers in wrong:
        response = await client.put(target, content=wav, headers=headers)
        assert response.status_code == 403, (target, headers)
        assert storage_code(response) == "SignatureDoesNotMatch"
    assert mock.blobs.files() == []
    assert (await client.get(data["downloadUrl"])).status_code == 404
    assert (await client.put(url, content=wav, headers=good)).status_code == 200


RANGE = "x-goog-content-length-range"


async def test_a_body_outside_the_signed_range_is_400_and_kept_nowhere(
    client: httpx.AsyncClient, mock: SiroMock, audio: Any
) -> None:
    wav = audio.wav(0.5)
    data = await signed(client, "wav", len(wav) - 1)
    pulled: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for index in range(3):
            pulled.append(index)
            yield wav

    declared = await client.put(
        data["uploadUrl"],
        content=body(),
        headers={**data["uploadHeaders"], "Content-Length": str(3 * len(wav))},
    )
    assert declared.status_code == 400
    assert storage_code(declared) == "EntityTooLarge"
    assert pulled == []
    streamed = await client.put(
        data["uploadUrl"], content=chunked(wav, 700), headers=data["uploadHeaders"]
    )
    assert streamed.status_code == 400
    assert storage_code(streamed) == "EntityTooLarge"
    assert mock.blobs.files() == []
    upload = await client.post(
        UPLOAD, json={"downloadUrl": data["downloadUrl"], "fileType": "wav"}, headers=HEADERS
    )
    assert upload.status_code == 400
    assert "PUT the file" in upload.json()["message"]


async def test_an_expired_upload_url_is_refused(audio: Any) -> None:
    mock = SiroMock(upload_ttl_s=-1)
    transport = httpx.ASGITransport(app=mock.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://siro.test") as client:
        wav = audio.wav(0.2)
        data = await signed(client, "wav", len(wav))
        response = await client.put(data["uploadUrl"], content=wav, headers=data["uploadHeaders"])
    assert response.status_code == 400
    assert storage_code(response) == "ExpiredToken"
    mock.close()


async def test_other_methods_on_the_storage_route_are_xml(
    client: httpx.AsyncClient, audio: Any
) -> None:
    data = await signed(client, "wav", 100)
    response = await client.delete(data["uploadUrl"])
    assert response.status_code == 405
    assert storage_code(response) == "MethodNotAllowed"


# -- documented errors of the API ------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-siro-auth-token": ""},
        {"x-siro-auth-token": "wrong"},
        {"Authorization": "Bearer test-token"},
    ],
)
async def test_a_missing_or_wrong_token_is_401(
    client: httpx.AsyncClient, headers: dict[str, str], conforms: Conforms
) -> None:
    for path, body in [
        (SIGNED_URLS, {"fileType": "wav", "fileSize": 10}),
        (UPLOAD, {"downloadUrl": "x", "fileType": "wav"}),
    ]:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "Unauthorized"
        assert response.json()["statusCode"] == 401
        conforms("siro", "upload" if path == UPLOAD else "signed-urls", 401, response.json())


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"fileType": "wav"}, "fileSize"),
        ({"fileSize": 10}, "fileType"),
        ({"fileType": "flac", "fileSize": 10}, "/fileType"),
        ({"fileType": "wav", "fileSize": 0}, "/fileSize"),
        ({"fileType": "wav", "fileSize": 1.5}, "/fileSize"),
        ({"fileType": "wav", "fileSize": "10"}, "/fileSize"),
        ([], "schema"),
    ],
)
async def test_invalid_signed_url_requests_are_400(
    client: httpx.AsyncClient, body: Any, detail: str, conforms: Conforms
) -> None:
    response = await client.post(SIGNED_URLS, json=body, headers=HEADERS)
    assert response.status_code == 400
    conforms("siro", "signed-urls", 400, response.json())
    assert detail in response.json()["message"]


async def test_a_whole_number_written_as_a_float_is_read_as_an_integer(
    client: httpx.AsyncClient, conforms: Conforms
) -> None:
    response = await client.post(
        SIGNED_URLS,
        content=b'{"fileType": "mp3", "fileSize": 1e3}',
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    conforms("siro", "signed-urls", 201, response.json())
    assert response.json()["data"]["uploadHeaders"][RANGE] == "0,1000"


async def test_upload_errors(
    client: httpx.AsyncClient, mock: SiroMock, audio: Any, conforms: Conforms
) -> None:
    not_put = (await signed(client, "wav", 1000))["downloadUrl"]
    theirs = await uploaded(client, "wav", audio.wav(0.2), OTHER)
    wav_url = await uploaded(client, "wav", audio.wav(0.2))
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"downloadUrl": "https://storage.googleapis.com/siro/x.wav", "fileType": "wav"},
            "not a URL the signed-urls step answered",
        ),
        ({"downloadUrl": theirs, "fileType": "wav"}, "for this token"),
        ({"downloadUrl": with_query(wav_url, signature="0"), "fileType": "wav"}, "not a URL"),
        ({"downloadUrl": not_put, "fileType": "wav"}, "PUT the file to `uploadUrl` first"),
        (
            {"downloadUrl": wav_url, "fileType": "mp3"},
            "`fileType` is 'mp3' but the uploaded file is wav",
        ),
        ({"downloadUrl": wav_url, "fileType": "aac"}, "is wav by its content"),
        (
            {
                "downloadUrl": await uploaded(client, "wav", audio.truncated_wav()),
                "fileType": "wav",
            },
            "truncated",
        ),
        (
            {
                "downloadUrl": await uploaded(client, "wav", b"not audio at all, just text" * 20),
                "fileType": "wav",
            },
            "not audio",
        ),
        ({"downloadUrl": await uploaded(client, "wav", b"", size=10), "fileType": "wav"}, "empty"),
        (
            {"downloadUrl": await uploaded(client, "wav", audio.silent_wav()), "fileType": "wav"},
            "no sound",
        ),
        (
            {
                "downloadUrl": await uploaded(client, "aac", encode_audio("flac", duration_s=0.3)),
                "fileType": "aac",
            },
            "flac",
        ),
        ({"downloadUrl": wav_url}, "fileType"),
        ({"fileType": "wav"}, "downloadUrl"),
        ({"downloadUrl": wav_url, "fileType": "ogg"}, "/fileType"),
        ({"downloadUrl": wav_url, "fileType": "wav", "dateCreated": "yesterday"}, "/dateCreated"),
        ({"downloadUrl": wav_url, "fileType": "wav", "crmObjects": [1]}, "/crmObjects/0"),
        ({"fileUrl": 7, "fileType": "wav"}, "/downloadUrl"),
    ]
    for body, detail in cases:
        response = await client.post(UPLOAD, json=body, headers=HEADERS)
        assert response.status_code == 400, body
        conforms("siro", "upload", 400, response.json())
        assert detail in response.json()["message"], (body, response.json())
    assert mock.recordings == {}


@pytest.mark.parametrize(
    ("content", "content_type", "detail"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b'{"fileType": NaN}', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        (b"[" * 100_000, "application/json", "nested too deeply"),
        (b'{"title": "\\ud800"}', "application/json", "lone surrogate"),
        (b"", "application/json", "empty"),
        (b"fileType=wav", "application/x-www-form-urlencoded", "application/json"),
        (b"--x\r\n\r\n", "multipart/form-data; boundary=x", "application/json"),
        (b"\x00\x01\x02garbage", "application/octet-stream", "application/json"),
    ],
)
async def test_a_malformed_body_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str, detail: str
) -> None:
    for path in (SIGNED_URLS, UPLOAD):
        response = await client.post(
            path, content=content, headers={**HEADERS, "Content-Type": content_type}
        )
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"
        assert detail in response.json()["message"]


async def test_users_are_isolated(client: httpx.AsyncClient, mock: SiroMock, audio: Any) -> None:
    mine = await uploaded(client, "wav", audio.wav(0.2))
    theirs = await client.post(UPLOAD, json={"downloadUrl": mine, "fileType": "wav"}, headers=OTHER)
    assert theirs.status_code == 400
    assert mock.recordings == {}
    own = await client.post(UPLOAD, json={"downloadUrl": mine, "fileType": "wav"}, headers=HEADERS)
    assert own.status_code == 201


async def test_unknown_routes_and_methods_answer_in_the_vendor_shape(
    client: httpx.AsyncClient,
) -> None:
    for method, path, status in [
        ("GET", "/nowhere", 404),
        ("GET", UPLOAD, 405),
        ("POST", UPLOAD + "/", 404),
    ]:
        response = await client.request(method, path, headers=HEADERS)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"statusCode", "message", "error"}


# -- over real HTTP on loopback ----------------------------------------------------------------


def test_happy_path_and_documented_errors_over_http(
    loopback: Callable[[Any], str], audio: Any, conforms: Conforms
) -> None:
    mock = SiroMock()
    base = loopback(mock.create_app())
    wav = audio.wav(1.0)
    with httpx.Client(base_url=base, timeout=10) as http:
        response = http.post(
            SIGNED_URLS, json={"fileType": "wav", "fileSize": len(wav)}, headers=HEADERS
        )
        assert response.status_code == 201
        conforms("siro", "signed-urls", 201, response.json())
        data = response.json()["data"]
        assert data["uploadUrl"].startswith(base + "/__storage/siro/")
        put = http.put(
            data["uploadUrl"], content=iter([wav[:100], wav[100:]]), headers=data["uploadHeaders"]
        )
        assert put.status_code == 200
        created = http.post(
            UPLOAD, json={"downloadUrl": data["downloadUrl"], "fileType": "wav"}, headers=HEADERS
        )
        assert created.status_code == 201
        conforms("siro", "upload", 201, created.json())
        assert http.get(data["downloadUrl"]).content == wav

        errors = [
            (http.post(SIGNED_URLS, json={"fileType": "wav", "fileSize": 10}), 401, "signed-urls"),
            (
                http.post(
                    UPLOAD,
                    json={"downloadUrl": data["downloadUrl"], "fileType": "wav"},
                    headers={"x-siro-auth-token": "nope"},
                ),
                401,
                "upload",
            ),
            (
                http.post(SIGNED_URLS, json={"fileType": "flac", "fileSize": 10}, headers=HEADERS),
                400,
                "signed-urls",
            ),
            (
                http.post(
                    UPLOAD, content=b"{", headers={**HEADERS, "Content-Type": "application/json"}
                ),
                400,
                "upload",
            ),
            (
                http.post(
                    UPLOAD,
                    json={"downloadUrl": base + "/elsewhere.wav", "fileType": "wav"},
                    headers=HEADERS,
                ),
                400,
                "upload",
            ),
            (
                http.post(
                    UPLOAD,
                    json={"downloadUrl": data["downloadUrl"], "fileType": "mp3"},
                    headers=HEADERS,
                ),
                400,
                "upload",
            ),
        ]
        for response, status, operation in errors:
            assert response.status_code == status, response.text
            assert response.headers["content-type"] == "application/json"
            conforms("siro", operation, status, response.json())
        small = http.post(
            SIGNED_URLS, json={"fileType": "wav", "fileSize": 10}, headers=HEADERS
        ).json()["data"]
        too_big = http.put(small["uploadUrl"], content=wav, headers=small["uploadHeaders"])
        assert too_big.status_code == 400
        assert storage_code(too_big) == "EntityTooLarge"
        unsigned = http.put(
            small["uploadUrl"], content=wav[:10], headers={"Content-Type": "audio/wav"}
        )
        assert unsigned.status_code == 403
        assert storage_code(unsigned) == "SignatureDoesNotMatch"
        not_put = http.post(
            UPLOAD, json={"downloadUrl": small["downloadUrl"], "fileType": "wav"}, headers=HEADERS
        )
        assert not_put.status_code == 400
    mock.close()


async def test_50_concurrent_uploads_over_http(loopback: Callable[[Any], str], audio: Any) -> None:
    mock = SiroMock()
    base = loopback(mock.create_app())
    bodies = [audio.wav(0.1, tone=index) for index in range(50)]

    async def one(http: httpx.AsyncClient, content: bytes) -> tuple[httpx.Response, str]:
        data = await signed(http, "wav", len(content))
        put = await http.put(data["uploadUrl"], content=content, headers=data["uploadHeaders"])
        assert put.status_code == 200
        created = await http.post(
            UPLOAD, json={"downloadUrl": data["downloadUrl"], "fileType": "wav"}, headers=HEADERS
        )
        return created, str(data["downloadUrl"])

    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=50)
    ) as http:
        results = await asyncio.gather(*(one(http, body) for body in bodies))
        assert [created.status_code for created, _ in results] == [201] * 50
        ids = [created.json()["data"]["id"] for created, _ in results]
        assert len(set(ids)) == 50
        fetched = await asyncio.gather(*(http.get(url) for _, url in results))
        assert [f.content for f in fetched] == bodies
    for recording_id, body in zip(ids, bodies, strict=True):
        stored = mock.recordings[recording_id].file
        assert stored is not None
        assert stored.path.read_bytes() == body
    mock.close()


# -- schemathesis against the spec -------------------------------------------------------------


def seeded_urls(mock: SiroMock, app: Any, audio: Any) -> dict[str, str]:
    """One ``downloadUrl`` per ``fileType`` whose bytes really are of that type."""
    contents = {"wav": audio.wav(0.2), "mp3": audio.mp3(), "aac": adts()}

    async def seed() -> dict[str, str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return {
                kind: await uploaded(client, kind, content) for kind, content in contents.items()
            }

    return asyncio.run(seed())


def real_download_urls(urls: dict[str, str]) -> Callable[[Any], Any]:
    """``real_cases["upload"]``: a positive case names a URL the mock issued for its ``fileType``.

    Negative cases go out exactly as generated: ``fuzz_app`` applies this to positive cases only.
    """

    def make_real(case: Any) -> Any:
        if isinstance(case.body, dict):
            kind = case.body.get("fileType")
            if kind in urls:
                case.body["downloadUrl"] = urls[kind]
                case.body.pop("fileUrl", None)
        return case

    return make_real


def run_schemathesis(audio: Any, max_examples: int) -> None:
    mock = SiroMock()
    app = mock.create_app()
    try:
        report = fuzz_app(
            app,
            load_spec("siro"),
            headers=HEADERS,
            max_examples=max_examples,
            real_cases={"upload": real_download_urls(seeded_urls(mock, app, audio))},
        )
    finally:
        mock.close()
    print(f"\nsiro, {max_examples} examples: {report.summary()}")
    assert report.ok, report.summary()
    operations = {"POST /v1/core/recordings/signed-urls", "POST /v1/core/recordings/upload"}
    assert set(report.requests) == operations
    assert report.succeeded() == operations
    assert min(report.phase_requests("fuzzing").values()) >= max_examples
    assert {status for (_, status) in report.statuses} >= {201, 400, 401}


def test_schemathesis_finds_nothing(audio: Any) -> None:
    run_schemathesis(audio, max_examples=25)


@pytest.mark.slow
def test_schemathesis_finds_nothing_in_200_examples_per_operation(audio: Any) -> None:
    run_schemathesis(audio, max_examples=200)
