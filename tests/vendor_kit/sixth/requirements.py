"""The sixth vendor's requirements: what the generic families will one day give every spec."""

from __future__ import annotations

import inspect
from typing import Any

import httpx

from tapecheck.suite.conform.common import AUTH_REFUSED, TOO_LARGE, expect_error, expect_success
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session

__all__ = ["credentials", "size_limit", "upload"]

V = "sixth"
SOURCE = "tests/vendor_kit/sixth.yaml (a test fixture)"
CHECKS = ("status_code_expected", "error_body_shape")
# Requirement levels are being added in parallel (the verdict issue); pass one when taken.
LEVEL: dict[str, Any] = (
    {"level": "must"} if "level" in inspect.signature(requirement).parameters else {}
)


async def _upload(s: Session, content: bytes, **kw: Any) -> httpx.Response:
    headers = {"Content-Type": "application/octet-stream"}
    return await s.call("upload", content=content, headers=headers, **kw)


@requirement(
    V, "SIXTH-UPLOAD-201", title="A wav is stored (201) and read back", source=SOURCE, **LEVEL
)
async def upload(s: Session) -> None:
    wav = s.media.audio_bytes("wav")
    response = await _upload(s, wav)
    expect_success(s, response, "upload")
    back = await s.call("get-recording", path={"id": str(response.json()["id"])})
    expect_success(s, back, "get-recording")
    if back.json()["size"] != len(wav):
        s.fail("response_body", "Wrong size read back", f"{back.json()} for {len(wav)}", back)


@requirement(
    V, "SIXTH-CREDENTIALS", title="No or a wrong credential is refused", source=SOURCE, **LEVEL
)
async def credentials(s: Session) -> None:
    wav = s.media.audio_bytes("wav")
    for auth in ("none", "wrong"):
        response = await _upload(s, wav, auth=auth)
        expect_error(s, response, "upload", AUTH_REFUSED)


@requirement(
    V, "SIXTH-SIZE-LIMIT", title="An upload over the size limit is refused", source=SOURCE, **LEVEL
)
async def size_limit(s: Session) -> None:
    limit = int((s.op("upload").audio or {})["max-bytes"])
    over = s.media.sized("wav", size_bytes=limit + 1).read_bytes()
    expect_error(s, await _upload(s, over), "upload", TOO_LARGE)
