"""Corti's recordings: uploaded as raw audio, listed, downloaded byte for byte, deleted."""

from __future__ import annotations

from tapecheck.suite.conform.common import NOT_FOUND, expect_success
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    DELETE,
    ERROR_CHECKS,
    GET,
    V,
    call_refused,
    expect_downloadable,
    interaction,
    listed,
    upload_ok,
)

__all__ = [
    "recording_deleted",
    "recording_downloaded",
    "recordings_listed",
    "upload_formats",
]


@requirement(
    V,
    "CORTI-UPLOAD-FORMATS",
    title="Any common audio format is accepted (wav, mp3, aac, m4a, opus, ogg, flac, webm)",
    level="should",
    source="Corti's docs name no audio format limit (\"Upload a recording for a given "
    'interaction"); a reasonable expectation: common formats (wav, mp3, aac, m4a, opus, '
    "ogg, flac, webm) are accepted.",
    checks=("status_code_expected", "response_schema_conformance"),
)
async def upload_formats(s: Session) -> None:
    async with interaction(s) as handle:
        for fmt in ("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm"):
            await upload_ok(s, handle, s.media.audio_bytes(fmt))


@requirement(
    V,
    "CORTI-RECORDING-LIST",
    title="The interaction's recording list holds every uploaded recording, each id once",
    level="must",
    source="Corti's API reference (Recordings): GET /interactions/{id}/recordings/ answers 200 "
    "{recordings: [uuid, ...]}.",
    checks=("status_code_expected", "json_content_type", "response_schema_conformance"),
)
async def recordings_listed(s: Session) -> None:
    async with interaction(s) as handle:
        first = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        second = await upload_ok(s, handle, s.media.audio_bytes("mp3"))
        if first.lower() == second.lower():
            s.fail("response_schema_conformance", "Two uploads, one id", f"both are {first}")
        ids, listing = await listed(s, handle.id)
        for recording in (first, second):
            if ids.count(recording.lower()) != 1:
                s.fail(
                    "response_schema_conformance",
                    "Recording not listed once",
                    f"{recording} appears {ids.count(recording.lower())} times in {ids}",
                    listing,
                )


@requirement(
    V,
    "CORTI-RECORDING-GET",
    title="A recording downloads as the exact bytes that were uploaded",
    level="must",
    source="Corti's API reference (Recordings): GET /interactions/{id}/recordings/{recordingId} "
    "answers 200 with the audio bytes.",
    checks=("status_code_expected", "corti_recording_media_type", "recording_bytes_equal"),
)
async def recording_downloaded(s: Session) -> None:
    async with interaction(s) as handle:
        for fmt in ("wav", "mp3"):
            sent = s.media.audio_bytes(fmt)
            recording = await upload_ok(s, handle, sent)
            response = await s.call(GET, path={"id": handle.id, "recordingId": recording})
            s.expect(
                response,
                "status_code_expected",
                "corti_recording_media_type",
                operation=GET,
                status=200,
            )
            if response.content != sent:
                s.fail(
                    "recording_bytes_equal",
                    "Downloaded audio differs from the upload",
                    f"uploaded {len(sent)} bytes of {fmt}, got {len(response.content)} bytes "
                    f"that {'start' if response.content[:64] == sent[:64] else 'do not start'} alike",
                    response,
                )


@requirement(
    V,
    "CORTI-RECORDING-DELETE",
    title="Deleting a recording answers 204; then it is 404 and no longer listed",
    level="must",
    source="Corti's API reference (Recordings): DELETE /interactions/{id}/recordings/{recordingId} "
    "answers 204; GET and DELETE answer 404 for an unknown id.",
    checks=("status_code_expected", *ERROR_CHECKS[1:], "response_schema_conformance"),
)
async def recording_deleted(s: Session) -> None:
    async with interaction(s) as handle:
        kept = await upload_ok(s, handle, s.media.audio_bytes("mp3"))
        doomed = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        path = {"id": handle.id, "recordingId": doomed}
        response = await s.call(DELETE, path=path)
        expect_success(s, response, DELETE, json=False)
        handle.recordings.remove(doomed)
        await call_refused(s, GET, NOT_FOUND, path=path)
        await call_refused(s, DELETE, NOT_FOUND, path=path)
        ids, listing = await listed(s, handle.id)
        if doomed.lower() in ids or kept.lower() not in ids:
            s.fail(
                "response_schema_conformance",
                "Wrong recordings listed after a delete",
                f"deleted {doomed}, kept {kept}; listed {ids}",
                listing,
            )
        await expect_downloadable(s, handle.id, kept)
