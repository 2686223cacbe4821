"""The proxy's parts: request capture, operation matching, decoding of response bodies."""

from __future__ import annotations

import gzip
import itertools
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.suite.proxy import capture as capture_module
from tapecheck.suite.proxy.capture import BodyCapture, safe_name
from tapecheck.suite.proxy.document import match_operation
from tapecheck.suite.proxy.responses import MAX_DECODED_BYTES, check_response, decoded
from tapecheck.suite.specs import load_spec

FORM = (
    b'--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"id": "call-1"}\r\n'
    b'--b\r\nContent-Disposition: form-data; name="audio"; filename="../../etc/call.wav"\r\n'
    b"Content-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n--b--\r\n"
)


def _captured(chunks: list[bytes]) -> BodyCapture:
    found = BodyCapture("multipart/form-data; boundary=b")
    for chunk in chunks:
        found.feed(chunk)
    found.finish()
    return found


@given(st.lists(st.integers(min_value=1, max_value=len(FORM) - 1), max_size=8, unique=True))
def test_a_form_is_captured_the_same_however_it_is_chunked(cuts: list[int]) -> None:
    edges = [0, *sorted(cuts), len(FORM)]
    found = _captured([FORM[a:b] for a, b in itertools.pairwise(edges)])
    try:
        assert found.problem is None
        assert found.fields == {"metadata": '{"id": "call-1"}'}
        part = found.files["audio"]
        assert (part.filename, part.content_type) == ("call.wav", "audio/wav")
        assert part.path.read_bytes() == b"RIFF....WAVE"
        assert part.path.parent == found.folder  # the part's ../ stays inside the folder
    finally:
        found.cleanup()
    assert not found.files["audio"].path.exists()


def test_a_form_that_ends_early_is_noted_not_raised() -> None:
    found = _captured([FORM[:60]])
    try:
        assert found.problem is not None
        assert "closing boundary" in found.problem
    finally:
        found.cleanup()


def test_a_raw_body_past_the_spool_limit_is_cut_and_marked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(capture_module, "MAX_SPOOL_BYTES", 10)
    found = BodyCapture("application/octet-stream")
    found.feed(b"x" * 8)
    found.feed(b"y" * 8)
    found.finish()
    try:
        assert found.raw is not None
        assert (found.raw.size, found.raw.truncated) == (16, True)
        assert found.raw.path.read_bytes() == b"x" * 8 + b"yy"
    finally:
        found.cleanup()


def test_a_json_body_is_kept_in_memory_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture_module, "MAX_TEXT_BYTES", 4)
    found = BodyCapture("application/json")
    found.feed(b'{"a": 1}')
    found.finish()
    assert (bytes(found.text), found.text_truncated, found.raw) == (b'{"a"', True, None)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("call.wav", "call.wav"),
        ("../../x.mp3", "x.mp3"),
        ("C:\\a\\b c.wav", "b_c.wav"),
        ("..", "f"),
    ],
)
def test_safe_name(name: str, safe: str) -> None:
    assert safe_name(name, "f") == safe


@pytest.mark.parametrize(
    ("vendor", "method", "path", "operation", "params"),
    [
        ("corti", "POST", "/v2/interactions/abc/recordings/", "upload", {"id": "abc"}),
        ("corti", "GET", "/v2/interactions/abc/recordings/", "list-recordings", {"id": "abc"}),
        ("corti", "POST", "/v2/interactions/", "create-interaction", {}),
        ("corti", "POST", "/v2/interactions/a%2Fb/recordings/", "upload", {"id": "a/b"}),
        ("bota", "POST", "/v1/recordings/rec_1/upload-url", "upload-url", {"id": "rec_1"}),
        ("corti", "PUT", "/v2/interactions/", None, None),
        ("corti", "POST", "/interactions/", None, None),  # outside the base path
        ("corti", "POST", "/v2/interactions/abc/recordings", None, None),  # no trailing slash
    ],
)
def test_match_operation(
    vendor: str, method: str, path: str, operation: str | None, params: dict[str, str] | None
) -> None:
    spec = load_spec(vendor)
    prefix = "/v2" if vendor == "corti" else "/v1"
    found = match_operation(spec, prefix, method, path)
    if operation is None:
        assert found is None
    else:
        assert found is not None
        assert (found.operation.operation_id, found.path_params) == (operation, params)


def test_decoded_inflates_gzip_and_deflate_and_refuses_bombs_and_unknown_codings() -> None:
    text = b'{"recordingId": "x"}'
    assert decoded(gzip.compress(text), "gzip") == text
    assert decoded(zlib.compress(text), "deflate") == text
    assert decoded(text, None) == text
    assert decoded(text, "br") is None
    assert decoded(b"not gzip", "gzip") is None
    bomb = gzip.compress(bytes(MAX_DECODED_BYTES + 1))
    assert len(bomb) < 100_000
    assert decoded(bomb, "gzip") is None


def test_check_response_judges_status_schema_and_type() -> None:
    spec = load_spec("corti")
    upload = spec.operation("upload")
    json_type = [("content-type", "application/json")]
    ok = b'{"recordingId": "f47ac10b-58cc-4372-a567-0e02b2c3d479"}'
    assert list(check_response(spec, upload, 201, json_type, ok)) == []
    assert [c for c, _v in check_response(spec, upload, 299, json_type, ok)] == ["FLW002"]
    assert [c for c, _v in check_response(spec, upload, 201, json_type, b'{"id": 1}')] == ["FLW003"]
    html = [("content-type", "text/html")]
    assert [c for c, _v in check_response(spec, upload, 201, html, b"<html>")] == ["FLW005"]
    assert list(check_response(spec, upload, 201, json_type, None)) == []  # too big to keep


def test_traffic_keeps_body_texts_within_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from tapecheck.reports.traffic import BodySummary, TrafficExchange
    from tapecheck.suite.proxy import traffic as traffic_module

    monkeypatch.setattr(traffic_module, "MAX_KEPT_TEXT_BYTES", 10)
    traffic = traffic_module.Traffic(vendor="corti", target="embedded")
    for _ in range(3):
        traffic.add(
            TrafficExchange(
                method="GET",
                url="/v2/x",
                path="/v2/x",
                request_body=BodySummary(size=6, sha256="0" * 64, text="abcdef"),
                document={"vendor": "corti"},
            )
        )
    kept = [(e.request_body.text, e.document) for e in traffic.log().exchanges]
    assert kept[0] == ("abcdef", {"vendor": "corti"})
    assert kept[1:] == [(None, None), (None, None)]
    assert [e.request_body.size for e in traffic.log().exchanges] == [6, 6, 6]
