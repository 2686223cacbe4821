"""Alpharun's credentials: an upload without an API key, or with a wrong one, is refused."""

from __future__ import annotations

from tapecheck.suite.conform.common import AUTH_REFUSED
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.alpharun.requirements._upload_request import (
    ERROR_CHECKS,
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
    level="must",
    source='Alpharun API reference, "Upload Recording": security bearerAuth (type: http, scheme: '
    "bearer). The docs name no status: 401 or 403 passes.",
    checks=ERROR_CHECKS,
)
async def auth_missing(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="none")


@requirement(
    V,
    "ALPHARUN-AUTH-WRONG",
    title="An upload with a wrong API key, or another scheme, is refused (401 or 403)",
    level="must",
    source='Alpharun API reference, "Upload Recording": security bearerAuth (type: http, scheme: '
    "bearer). The docs name no status: 401 or 403 passes.",
    checks=ERROR_CHECKS,
)
async def auth_wrong(s: Session) -> None:
    await refused(s, Upload(s), AUTH_REFUSED, auth="wrong")
    basic = {"Authorization": "Basic dGFwZWNoZWNrOndyb25n"}
    expect_error(s, await Upload(s).send(s, auth="none", headers=basic), AUTH_REFUSED)
