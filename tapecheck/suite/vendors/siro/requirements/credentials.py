"""Siro's x-siro-auth-token: missing or wrong tokens, and one user's uploads out of another's reach."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED, INVALID, OTHER_TENANT
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    NO_ERROR_BODY,
    SEED,
    SIGNED_URLS,
    UPLOAD,
    V,
    expect_created,
    expect_error,
    request_signed,
    stored,
    upload,
    upload_body,
)

__all__ = ["auth_missing", "auth_wrong", "refused_with", "user_isolation"]


@requirement(
    V,
    "SIRO-AUTH-MISSING",
    title="signed-urls and upload without x-siro-auth-token are refused (401 or 403)",
    source=f"{SEED}, Authorizations: x-siro-auth-token, header, required. CONTRACT.md: 401 or 403 "
    f"for a missing credential; {NO_ERROR_BODY}.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused_with(s, "none")


@requirement(
    V,
    "SIRO-AUTH-WRONG",
    title="signed-urls and upload with a wrong x-siro-auth-token are refused (401 or 403)",
    source=f"{SEED}, Authorizations: x-siro-auth-token (a user-scoped token). CONTRACT.md: 401 or "
    f"403 for a wrong credential; {NO_ERROR_BODY}.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused_with(s, "wrong")


async def refused_with(s: Session, auth: Auth) -> None:
    """signed-urls and an upload of stored audio with ``auth`` are refused (401 or 403)."""
    response = await request_signed(s, "mp3", 48_000, auth=auth)
    expect_error(s, response, SIGNED_URLS, AUTH_REFUSED)
    url = await stored(s, "mp3")
    response = await upload(s, upload_body(url), auth=auth)
    expect_error(s, response, UPLOAD, AUTH_REFUSED)


@requirement(
    V,
    "SIRO-USER-ISOLATION",
    title="A user cannot make a recording from another user's upload",
    source="VENDORS.md: x-siro-auth-token is a user-scoped token; CONTRACT.md: 403 or 404 for "
    "another tenant's resource (400 or 422 too: to that user the URL is one never issued). "
    "Needs a second user's token: --param other_token= against a real target.",
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
