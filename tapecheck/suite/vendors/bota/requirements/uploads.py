"""Bota's upload flow: upload-url, the PUT to the storage host, upload-complete."""

from __future__ import annotations

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    AFTER_UPLOAD,
    ERROR_CHECKS,
    GET,
    INVALID,
    SUCCESS_CHECKS,
    UPLOAD_COMPLETE,
    UPLOAD_URL,
    UPLOAD_URL_OK,
    V,
    complete,
    created,
    expect_error,
    expect_ok,
    get,
    upload_url,
    uploaded,
    wav_request,
    with_audio,
)

__all__ = [
    "upload_complete",
    "upload_complete_not_pending",
    "upload_url_answer",
    "upload_url_invalid",
]


@requirement(
    V,
    "BOTA-UPLOAD-URL",
    title="upload-url answers {media_id, upload_url, expires_at, headers} and adds a pending media",
    level="must",
    source="Bota's API reference: POST /recordings/{id}/upload-url with {type, content_type, "
    "file_size_bytes, captured_at} answers {media_id, upload_url, expires_at, headers}; "
    'Bota API reference, "Create a new recording": media[] entries (med_*, status pending '
    "or uploaded). The docs name no status: 200 or 201 passes.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def upload_url_answer(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-url"})
    content = s.media.audio_bytes("wav")
    answer = expect_ok(
        s, await upload_url(s, recording["id"], wav_request(content)), UPLOAD_URL, UPLOAD_URL_OK
    )
    response = await get(s, recording["id"])
    body = expect_ok(s, response, GET, 200, status="pending")
    media = [m for m in body["media"] if m.get("id") == answer["media_id"]]
    expected = {"type": "audio", "mime_type": "audio/wav", "status": "pending"}
    if len(media) != 1 or any(media[0].get(k) != v for k, v in expected.items()):
        s.fail(
            "bota_recording_fields",
            "No pending media for the upload URL",
            f"expected one media {answer['media_id']} with {expected}; media: {body['media']}",
            response,
        )
    default = await upload_url(s, recording["id"], {})
    expect_ok(s, default, UPLOAD_URL, UPLOAD_URL_OK)


@requirement(
    V,
    "BOTA-UPLOAD-URL-INVALID",
    title="upload-url refuses a content_type or type outside the documented ones: 400",
    level="must",
    source="Bota's API reference: type audio|image|video; audio types audio/opus, audio/wav, "
    "audio/mpeg, audio/mp4, audio/webm, audio/ogg, audio/flac; images image/jpeg, "
    "image/png; video video/mp4; Bota's API reference: errors are {error: {code, message, "
    "details?}} with the codes invalid_request (400), unauthorized (401), not_found (404), "
    "resource_already_exists (409).",
    checks=ERROR_CHECKS,
)
async def upload_url_invalid(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-url invalid"})
    for body in (
        {"type": "audio", "content_type": "text/plain"},
        {"type": "audio", "content_type": "application/pdf"},
        {"type": "document", "content_type": "audio/wav"},
        {"type": "audio", "content_type": "audio/wav", "file_size_bytes": "large"},
    ):
        response = await upload_url(s, recording["id"], body)
        expect_error(s, response, UPLOAD_URL, INVALID)


@requirement(
    V,
    "BOTA-UPLOAD-COMPLETE",
    title="After the PUT, upload-complete answers 200 with the recording and its media uploaded",
    level="must",
    source="Bota's API reference: POST /recordings/{id}/upload-complete moves pending to uploaded; "
    "status pending -> uploaded -> processing -> completed | failed. Bota API reference, "
    '"Create a new recording": duration_ms "null until audio is uploaded".',
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def upload_complete(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: upload-complete"})
    answer = await with_audio(s, recording["id"])
    response = await complete(s, recording["id"])
    body = expect_ok(s, response, UPLOAD_COMPLETE, 200, id=recording["id"], status="uploaded")
    media = {m.get("id"): m for m in body["media"]}
    if media.get(answer["media_id"], {}).get("status") != "uploaded":
        s.fail(
            "bota_recording_fields",
            "Media not uploaded",
            f"media {answer['media_id']} after upload-complete: {media.get(answer['media_id'])}",
            response,
        )
    duration = body.get("duration_ms")
    if duration is not None and not 900 <= duration <= 1100:
        s.fail(
            "bota_recording_fields",
            "Wrong duration_ms",
            f"one second of audio, duration_ms {duration!r}",
            response,
        )
    later = await get(s, recording["id"])
    status = expect_ok(s, later, GET, 200).get("status")
    if status not in AFTER_UPLOAD:
        s.fail(
            "bota_recording_fields",
            "Status went back",
            f"after upload-complete the recording is {status!r}, not one of {sorted(AFTER_UPLOAD)}",
            later,
        )


@requirement(
    V,
    "BOTA-UPLOAD-COMPLETE-NOT-PENDING",
    title="upload-complete on a recording that is no longer pending is refused: 400 invalid_request",
    level="must",
    source="Bota's API reference: upload-complete answers 400 when the recording is not pending; "
    "Bota's API reference: errors are {error: {code, message, details?}} with the codes "
    "invalid_request (400), unauthorized (401), not_found (404), resource_already_exists "
    "(409).",
    checks=ERROR_CHECKS,
)
async def upload_complete_not_pending(s: Session) -> None:
    done = await uploaded(s, {"name": "tapecheck: completed twice"})
    expect_error(s, await complete(s, done["id"]), UPLOAD_COMPLETE, INVALID)
