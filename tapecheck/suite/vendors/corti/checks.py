"""Corti's own checks: what its documented error body and recording download promise.

Registered in :data:`tapecheck.suite.conform.checks.CHECKS` like the generic
checks, so a requirement names them and a failure carries their name.
"""

from __future__ import annotations

import httpx

from tapecheck.suite.conform.checks import (
    CheckContext,
    ConformanceFailure,
    body_json,
    check,
    media_type,
)

__all__ = ["corti_error_status_matches", "corti_recording_media_type"]

#: What a recording download may be labelled: the spec's two types, or the audio's own type.
_RECORDING_TYPES = ("application/octet-stream", "text/plain")


@check
def corti_error_status_matches(ctx: CheckContext, response: httpx.Response) -> None:
    """An ``ErrorResponse``'s ``status`` member is the HTTP status it came with.

    Corti labels its errors RFC 9457, whose ``status`` member carries the HTTP
    status code; a body that says 400 on a 403 misleads every client that
    reads the body instead of the status line.
    """
    body = body_json(response)
    if not isinstance(body, dict) or "status" not in body:
        return  # error_body_shape reports a missing member
    status = body["status"]
    if isinstance(status, bool) or not isinstance(status, int) or status != response.status_code:
        raise ConformanceFailure(
            "corti_error_status_matches",
            "Error status disagrees with HTTP",
            f"the body says status {status!r}, the response is {response.status_code}",
        )


@check
def corti_recording_media_type(ctx: CheckContext, response: httpx.Response) -> None:
    """A recording download is labelled as bytes: octet-stream, the docs' text/plain, or audio/*."""
    media = media_type(response)
    if media in _RECORDING_TYPES or media.startswith("audio/"):
        return
    raise ConformanceFailure(
        "corti_recording_media_type",
        "Recording served with the wrong Content-Type",
        f"Content-Type is {media or 'missing'!r}; expected application/octet-stream, "
        "text/plain (the docs' label) or an audio/* type",
    )
