"""Siro's users: one user's uploads out of another's reach (tokens: the credentials family)."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID, OTHER_TENANT
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    UPLOAD,
    V,
    expect_created,
    expect_error,
    stored,
    upload,
    upload_body,
)

__all__ = ["user_isolation"]


@requirement(
    V,
    "SIRO-USER-ISOLATION",
    title="A user cannot make a recording from another user's upload",
    level="should",
    source="Siro's docs call the token user-scoped but do not say what another user's signed URL "
    "gets; a reasonable expectation: 400, 403, 404 or 422, never a recording. Needs a "
    "second user's token: --param other_token= against a real target.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def user_isolation(s: Session) -> None:
    other = s.credentials.other_token
    if other is None:
        raise RequirementSkipped("needs a second user's token: --param other_token=...")
    theirs = await stored(s, "mp3", auth=other)
    body = upload_body(theirs)
    expect_error(s, await upload(s, body), UPLOAD, INVALID | OTHER_TENANT)
    expect_created(s, await upload(s, body, auth=other))
