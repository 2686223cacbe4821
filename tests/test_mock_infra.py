"""The shared mock parts: storage, multipart, errors, auth, values, routes and serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tapecheck.suite import mocks, values
from tapecheck.suite.contacts import contact_clashes, repeats
from tapecheck.suite.mocks.auth import Credentials
from tapecheck.suite.mocks.errors import ErrorShape, MockError, SchemaErrors, exception_handlers
from tapecheck.suite.mocks.multipart import read_form
from tapecheck.suite.mocks.server import base_path, spec_routes
from tapecheck.suite.mocks.storage import BlobStore, TooLarge
from tapecheck.suite.specs import load_spec, vendors
from tapecheck.suite.vendors import vendor_module
from tapecheck.suite.vendors.crescendo.mock import CrescendoErrors

pytestmark = pytest.mark.anyio


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode()


def test_exports_are_sorted_and_present() -> None:
    assert mocks.__all__ == sorted(mocks.__all__, key=lambda n: (not n.isupper(), n))
    for name in mocks.__all__:
        assert hasattr(mocks, name)


# -- storage --------------------------------------------------------------------


async def test_save_stream_hashes_and_sizes(tmp_path: Path) -> None:
    store = BlobStore()
    stored = await store.save_stream(chunks_of(b"abc", b"def"), max_bytes=6)
    assert stored.size == 6
    assert stored.path.read_bytes() == b"abcdef"
    assert stored.sha256 == "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"
    store.close()
    assert not stored.path.exists()


async def test_save_stream_stops_at_the_chunk_past_the_limit() -> None:
    store = BlobStore()
    pulled: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for index in range(1000):
            pulled.append(index)
            yield b"x" * 10

    with pytest.raises(TooLarge) as caught:
        await store.save_stream(endless(), max_bytes=35)
    assert caught.value.limit == 35
    assert len(pulled) == 4  # the fourth chunk passes the limit; no fifth is read
    assert store.files() == []
    store.close()


# -- multipart ------------------------------------------------------------------


async def test_form_streams_file_parts_and_keeps_fields() -> None:
    store = BlobStore()
    body = multipart(
        "b0undary", [("metadata", None, b'{"id": "x"}'), ("audio", "a.wav", b"RIFF" * 100)]
    )
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]  # boundaries split across chunks
    form = await read_form(
        chunks_of(*pieces),
        "multipart/form-data; boundary=b0undary",
        store=store,
        max_file_bytes=400,
    )
    assert form.field("metadata") == '{"id": "x"}'
    audio = form.file("audio")
    assert audio is not None
    assert audio.filename == "a.wav"
    assert audio.size == 400
    form.close()
    assert store.files() == []
    store.close()


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("application/json", b"{}", "expected a multipart/form-data body"),
        ("multipart/form-data", b"--x\r\n", "no valid boundary"),
        ("multipart/form-data; boundary=x", b"garbage without any boundary", "malformed"),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nv',
            "ends before",
        ),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Type: text/plain\r\n\r\nv\r\n--x--\r\n",
            "Content-Disposition",
        ),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n--x--\r\n',
            "not UTF-8",
        ),
        ("multipart/form-data; boundary=x", b"", "ends before"),
    ],
)
async def test_malformed_forms_are_400(content_type: str, body: bytes, message: str) -> None:
    store = BlobStore()
    with pytest.raises(MockError) as caught:
        await read_form(chunks_of(body), content_type, store=store)
    assert caught.value.status == 400
    assert message in caught.value.message
    assert store.files() == []
    store.close()


async def test_a_file_part_over_the_limit_is_refused_with_nothing_kept() -> None:
    store = BlobStore()
    body = multipart("x", [("first", "a.bin", b"1" * 50), ("audio", None, b"2" * 500)])
    with pytest.raises(TooLarge):
        await read_form(
            chunks_of(body),
            "multipart/form-data; boundary=x",
            store=store,
            file_fields=("audio",),
            max_file_bytes=100,
        )
    assert store.files() == []
    store.close()


async def test_a_long_text_field_is_refused() -> None:
    store = BlobStore()
    body = multipart("x", [("metadata", None, b"a" * 2000)])
    with pytest.raises(MockError, match="longer than 1000 bytes"):
        await read_form(
            chunks_of(body), "multipart/form-data; boundary=x", store=store, max_field_bytes=1000
        )
    store.close()


# -- errors ---------------------------------------------------------------------


def _mock_error_shape(vendor: str) -> ErrorShape:
    """The error shape the vendor's reference mock answers in (its own, or its spec's)."""
    app = vendor_module(vendor, "mock").create_app()
    try:
        shape: ErrorShape = app.state.mock.error_shape
    finally:
        app.state.mock.close()
    return shape


def _error_schema(vendor: str) -> dict[str, Any]:
    spec = load_spec(vendor)
    return spec.json_schema(spec.resolve({"$ref": spec.ext["error-schema"]}))


def _documented_client_errors(vendor: str) -> list[int]:
    """The 4xx statuses the vendor's spec documents on any operation."""
    spec = load_spec(vendor)
    found = {int(s) for op in spec.operations.values() for s in op.responses() if s[0] == "4"}
    return sorted(found)


@pytest.mark.parametrize("vendor", vendors())
def test_error_shapes_match_the_specs_error_schema(vendor: str) -> None:
    from jsonschema import Draft202012Validator

    shape = _mock_error_shape(vendor)
    validator = Draft202012Validator(_error_schema(vendor))
    for status in _documented_client_errors(vendor):
        body = shape.body(MockError(status, "what went wrong", details={"/a": "bad"}))
        assert list(validator.iter_errors(body)) == [], status


@pytest.mark.parametrize("vendor", vendors())
@pytest.mark.parametrize("status", [400, 401, 404, 413, 500])
def test_the_spec_alone_gives_an_error_body_that_matches_its_schema(
    vendor: str, status: int
) -> None:
    from jsonschema import Draft202012Validator

    body = SchemaErrors.of(load_spec(vendor)).body(MockError(status, "what went wrong"))
    assert list(Draft202012Validator(_error_schema(vendor)).iter_errors(body)) == []
    assert "what went wrong" in str(body)


def test_a_spec_without_an_error_schema_gets_code_and_message() -> None:
    spec = load_spec("crescendo")
    bare = type(spec)(source="bare.yaml", raw={"x-tapecheck": {"vendor": "bare"}}, sha256="0")
    body = SchemaErrors.of(bare).body(MockError(404, "no such thing"))
    assert body == {"code": "not-found", "message": "no such thing"}


def test_crescendo_500_is_message_only() -> None:
    assert CrescendoErrors().body(MockError(500, "boom")) == {"message": "boom"}


async def test_framework_errors_come_out_in_the_vendor_shape() -> None:
    async def fails(request: Request) -> Response:
        raise RuntimeError("bug")

    async def ok(request: Request) -> Response:
        return JSONResponse({})

    app = Starlette(
        routes=[Route("/ok", ok, methods=["POST"]), Route("/bug", fails)],
        exception_handlers=exception_handlers(CrescendoErrors().response),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        missing = await client.get("/nowhere")
        wrong = await client.get("/ok")
        bug = await client.get("/bug")
    assert missing.status_code == 404
    assert missing.json()["code"] == "NotFound"
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "MethodNotAllowed"
    assert wrong.headers["allow"] == "POST"
    assert bug.status_code == 500
    assert bug.json() == {"message": "Internal Server Error"}
    for response in (missing, wrong, bug):
        assert response.headers["content-type"] == "application/json"


# -- auth -----------------------------------------------------------------------


def test_credentials_map_tokens_to_tenants() -> None:
    credentials = Credentials.of("t1", "a", {"b": "t2"})
    assert credentials.tenant_of("t1") == "a"
    assert credentials.tenant_of("t2") == "b"
    assert credentials.tenant_of("t3") is None
    assert credentials.tenant_of("") is None
    assert credentials.tenant_of(None) is None
    with pytest.raises(ValueError, match="reuses"):
        Credentials.of("t1", "a", {"b": "t1"})


# -- routes and serving -----------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "prefix"),
    [("corti", "/v2"), ("alpharun", "/api/v1"), ("crescendo", ""), ("bota", "/v1"), ("siro", "")],
)
def test_base_path(vendor: str, prefix: str) -> None:
    assert base_path(load_spec(vendor)) == prefix


def test_spec_routes_refuse_a_missing_or_unknown_endpoint() -> None:
    async def endpoint(request: Request) -> Response:
        return Response()

    spec = load_spec("crescendo")
    with pytest.raises(ValueError, match=r"without an endpoint \['status'\]"):
        spec_routes(spec, {"upload": endpoint})
    with pytest.raises(ValueError, match=r"without an operation \['extra'\]"):
        spec_routes(spec, {"upload": endpoint, "status": endpoint, "extra": endpoint})


def test_running_serves_on_loopback_and_stops(loopback: Callable[[Any], str]) -> None:
    async def hello(request: Request) -> Response:
        return JSONResponse({"hello": "world"})

    origin = loopback(Starlette(routes=[Route("/", hello)]))
    assert origin.startswith("http://127.0.0.1:")
    assert httpx.get(origin + "/", timeout=5).json() == {"hello": "world"}


def test_cli_mock_prints_the_base_url_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from tapecheck.suite.cli import main; main()"]
    with subprocess.Popen(
        [*command, "mock", "corti", "--port", "0", "--token", "tok", "--tenant", "acme"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    ) as process:
        _talk_to_cli_mock(process)
    assert process.returncode == 0
    assert list(tmp_path.iterdir()) == []  # the uploads' folder went with the server


def _talk_to_cli_mock(process: subprocess.Popen[str]) -> None:
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("tapecheck mock corti: base URL http://127.0.0.1:")
        base = line.rsplit(" ", 1)[1].strip()
        assert base.endswith("/v2")
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.post(
                    base + "/interactions/",
                    json={
                        "encounter": {
                            "identifier": "e1",
                            "status": "planned",
                            "type": "consultation",
                        }
                    },
                    headers={"Authorization": "Bearer tok", "Tenant-Name": "acme"},
                    timeout=30,
                )
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert response.status_code == 201
        refused = httpx.get(
            base + "/interactions/" + response.json()["interactionId"] + "/recordings/",
            headers={"Authorization": "Bearer test-token", "Tenant-Name": "acme"},
            timeout=30,
        )
        assert refused.status_code == 403
        interaction = response.json()["interactionId"]
        upload = httpx.post(
            f"{base}/interactions/{interaction}/recordings/",
            content=b"not audio",
            headers={
                "Authorization": "Bearer tok",
                "Tenant-Name": "acme",
                "Content-Type": "application/octet-stream",
            },
            timeout=30,
        )
        assert upload.status_code == 400
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)


@pytest.mark.parametrize(("vendor", "message"), [("nope", "unknown vendor 'nope'")])
def test_cli_mock_refuses_an_unknown_vendor(vendor: str, message: str) -> None:
    from click.testing import CliRunner

    from tapecheck.suite.cli import main

    result = CliRunner().invoke(main, ["mock", vendor])
    assert result.exit_code == 2
    assert message in result.output


# -- values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T14:30:00Z", datetime(2024, 1, 15, 14, 30, tzinfo=UTC)),
        (
            "2024-01-15t14:30:00.5+02:00",
            datetime(2024, 1, 15, 14, 30, 0, 500000, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-01-15 14:30:00", datetime(2024, 1, 15, 14, 30)),
        ("2024-01-15", None),
        ("2024-02-30T00:00:00Z", None),
        ("2024-01-15T14:30:00+0200", None),
        ("yesterday", None),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    assert values.parse_datetime(text) == expected


def test_to_instant_reads_naive_as_utc() -> None:
    naive = values.parse_datetime("2024-01-15T14:30:00")
    aware = values.parse_datetime("2024-01-15T15:30:00+01:00")
    assert naive is not None
    assert aware is not None
    assert values.to_instant(naive) == values.to_instant(aware)


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("+1 415 555 2671", "+14155552671"),
        ("14155552671", "+14155552671"),
        (14155552671, "+14155552671"),
        ("+1 000", None),
        (True, None),
    ],
)
def test_to_e164(value: object, e164: str | None) -> None:
    assert values.to_e164(value) == e164


def test_contact_clashes_count_each_repeating_contact_and_key() -> None:
    contacts: list[Any] = [
        {"email": "A@x.com", "phone_number": "+14155552671"},
        {"email": "a@x.com", "phone_number": 14155552671},
        {"email": "a@X.com"},
        {"ext_id": None, "email": None, "phone_number": "+1 415-555-2672"},
        "not a contact",
    ]
    clashes = contact_clashes(
        contacts,
        ["email", "phone_number", "ext_id"],
        case_insensitive=["email"],
        phone_keys=["phone_number"],
    )
    assert [(c.index, c.key, c.first) for c in clashes] == [
        (1, "email", 0),
        (1, "phone_number", 0),
        (2, "email", 0),
    ]


def test_uuid_and_email() -> None:
    assert values.is_uuid("F47AC10B-58CC-4372-A567-0E02B2C3D479")
    assert not values.is_uuid("{f47ac10b-58cc-4372-a567-0e02b2c3d479}")
    assert not values.is_uuid("f47ac10b58cc4372a5670e02b2c3d479")
    assert values.is_email("someone@example.com")
    assert not values.is_email("someone@localhost")
    assert not values.is_email("nobody")
    assert repeats(["a", "b", "a", "a"]) == [(2, 0), (3, 0)]


# -- mutants are small subclasses -------------------------------------------------


async def test_a_mutant_is_one_overridden_hook() -> None:
    from tapecheck.suite.vendors.alpharun.mock import AlpharunMock
    from tapecheck.suite.vendors.crescendo.mock import CrescendoMock

    class CreatedIs200(AlpharunMock):
        def success_status(self, operation_id: str) -> int:
            return 200

    class FinishesAtOnce(CrescendoMock):
        finishing_poll = 1

    wav = (
        b"RIFF"
        + (36 + 1600).to_bytes(4, "little")
        + b"WAVEfmt "
        + bytes.fromhex("1000000001000100401f0000803e000002001000")
        + b"data"
        + (1600).to_bytes(4, "little")
        + bytes(1600)
    )
    alpharun = CreatedIs200()
    transport = httpx.ASGITransport(app=alpharun.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://a/api/v1") as client:
        fields = {
            "teammate_email": "rep@example.com",
            "recorded_at": "2024-01-15T14:30:00Z",
            "contacts": '[{"email": "pat@example.com"}]',
        }
        response = await client.post(
            "/recordings/upload",
            headers={"Authorization": "Bearer test-token"},
            files=[*((k, (None, v)) for k, v in fields.items()), ("audio", ("a.wav", wav))],
        )
    assert response.status_code == 200
    alpharun.close()

    crescendo = FinishesAtOnce()
    transport = httpx.ASGITransport(app=crescendo.create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
        accepted = await client.post(
            "/api/v1/voc/tenants/tenant-a/recording",
            headers={"Authorization": "Bearer test-token"},
            files=[("metadata", (None, '{"id": "x"}')), ("audio", ("a.wav", wav))],
        )
        status = await client.get(
            f"/api/v1/voc/tenants/tenant-a/recording/{accepted.json()['id']}/status",
            headers={"Authorization": "Bearer test-token"},
        )
    assert status.json()["status"] == "completed"
    crescendo.close()


# -- garbage in, a documented 4xx out ----------------------------------------------

_UPLOADS = {
    "corti": ("/v2/interactions/{interaction}/recordings/", {"Tenant-Name": "tenant-a"}),
    "crescendo": ("/api/v1/voc/tenants/tenant-a/recording", {}),
    "alpharun": ("/api/v1/recordings/upload", {}),
}


@pytest.mark.parametrize("vendor", sorted(_UPLOADS))
def test_garbage_bodies_get_a_documented_4xx(vendor: str) -> None:
    import asyncio

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tapecheck.suite.vendors import vendor_module

    mock = vendor_module(vendor, "mock").create_app()
    path, extra = _UPLOADS[vendor]
    operation = load_spec(vendor).operation("upload")
    documented = {int(code) for code in operation.responses() if code.startswith("4")}
    headers = {"Authorization": "Bearer test-token", **extra}

    async def interaction() -> str:
        if vendor != "corti":
            return ""
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=mock), base_url="http://m"
        ) as c:
            encounter = {"identifier": "g", "status": "planned", "type": "consultation"}
            created = await c.post(
                "/v2/interactions/", json={"encounter": encounter}, headers=headers
            )
            return str(created.json()["interactionId"])

    url = path.format(interaction=asyncio.run(interaction()))
    content_types = st.sampled_from(
        [
            "application/octet-stream",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "multipart/form-data; boundary=" + "b" * 80,
            "application/json",
            "text/plain; charset=utf-8",
            "",
        ]
    )

    async def send(body: bytes, content_type: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=mock, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:
            return await client.post(
                url, content=body, headers={**headers, "Content-Type": content_type}
            )

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        body=st.one_of(
            st.binary(max_size=2000),
            st.builds(
                lambda a, b: b"--x\r\n" + a + b"\r\n--x" + b,
                st.binary(max_size=300),
                st.binary(max_size=20),
            ),
        ),
        content_type=content_types,
    )
    def check(body: bytes, content_type: str) -> None:
        response = asyncio.run(send(body, content_type))
        assert response.status_code in documented, response.text
        assert response.headers["content-type"] == "application/json"

    check()
    mock.state.mock.close()
