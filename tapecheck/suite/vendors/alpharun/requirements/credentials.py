"""Alpharun's credentials: an upload without an API key, or with a wrong one, is refused."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
    SEED,
    Upload,
    V,
    expect_error,
    refused,
)

__all__ = ["auth_missing", "auth_wrong"]


@requirement(
    V,
    "ALPHARUN-AUTH-MISSING",
    title="An upload without an API key is refused (401 or 403) with a JSON body",
    source=f"{SEED}, security bearerAuth (http bearer); CONTRACT.md: 401 or 403 for a missing "
    "credential, a JSON body for an error of a vendor that documents none.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="none")


@requirement(
    V,
    "ALPHARUN-AUTH-WRONG",
    title="An upload with a wrong API key, or another scheme, is refused (401 or 403)",
    source=f"{SEED}, security bearerAuth (http bearer); CONTRACT.md: 401 or 403 for a wrong "
    "credential.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="wrong")
    basic = {"Authorization": "Basic dGFwZWNoZWNrOndyb25n"}
    expect_error(s, await Upload(s).send(s, auth="none", headers=basic), AUTH_REFUSED)
