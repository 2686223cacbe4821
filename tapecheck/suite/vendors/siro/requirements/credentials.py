"""Siro's x-siro-auth-token: missing or wrong tokens, and one user's uploads out of another's reach."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED, INVALID, OTHER_TENANT
from tapecheck.suite.conform.requirements import RequirementSkipped, requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
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
    level="must",
    source='Siro API reference, "Create a recording from upload": Authorizations '
    '"x-siro-auth-token string header required". The docs name no status: 401 or 403 '
    "passes, with a JSON body.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused_with(s, "none")


@requirement(
    V,
    "SIRO-AUTH-WRONG",
    title="signed-urls and upload with a wrong x-siro-auth-token are refused (401 or 403)",
    level="must",
    source='Siro API reference, "Create a recording from upload": x-siro-auth-token, "Custom '
    'authentication token for user-scoped endpoints". The docs name no status: 401 or 403 '
    "passes, with a JSON body.",
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
