"""Corti's own check: what its recording download promises (its error body: ``error-members``).

Registered in :data:`tapecheck.suite.conform.checks.CHECKS` like the generic
checks, so a requirement names them and a failure carries their name.
"""

from __future__ import annotations

import httpx

from tapecheck.suite.conform.checks import (
    CheckContext,
    ConformanceFailure,
    check,
    media_type,
)

__all__ = ["corti_recording_media_type"]

#: What a recording download may be labelled: the spec's two types, or the audio's own type.
_RECORDING_TYPES = ("application/octet-stream", "text/plain")


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
