"""Siro's signed-urls: the URL to PUT to, its headers, and the URL to upload."""

from __future__ import annotations

from tapecheck.suite.conform.common import INVALID
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.siro.requirements._signed_url import (
    ERROR_CHECKS,
    SIGNED_CHECKS,
    SIGNED_URLS,
    V,
    expect_error,
    signed,
)

__all__ = ["signed_urls", "signed_urls_invalid"]


@requirement(
    V,
    "SIRO-SIGNED-URLS",
    title="signed-urls answers 200 or 201 with uploadUrl, uploadHeaders, downloadUrl and expiresAt",
    level="must",
    source="Siro's API reference (signed URLs): POST /v1/core/recordings/signed-urls with "
    "{fileType, fileSize} answers data {uploadUrl, uploadHeaders {Content-Type, "
    'x-goog-content-length-range: "0,<fileSize>"}, downloadUrl, expiresAt}; MIME types mp3 '
    "audio/mpeg, wav audio/wav, aac audio/aac. The docs name no status: 200 or 201 passes.",
    checks=SIGNED_CHECKS,
)
async def signed_urls(s: Session) -> None:
    for file_type, size in (("mp3", 48_000), ("wav", 1), ("aac", 25_000_000)):
        await signed(s, file_type, size, checks=SIGNED_CHECKS)


@requirement(
    V,
    "SIRO-SIGNED-URLS-INVALID",
    title="signed-urls refuses a fileType outside mp3|aac|wav, a missing field or a non-integer size",
    level="must",
    source="Siro's API reference (signed URLs): the body is {fileType, fileSize}; Siro API "
    'reference, "Create a recording from upload": fileType "Available options: mp3, aac, '
    'wav". The docs name no status: 400 or 422 passes, with a JSON body.',
    checks=ERROR_CHECKS,
)
async def signed_urls_invalid(s: Session) -> None:
    for body in (
        {"fileType": "flac", "fileSize": 48_000},
        {"fileType": "m4a", "fileSize": 48_000},
        {"fileType": "", "fileSize": 48_000},
        {"fileSize": 48_000},
        {"fileType": "mp3"},
        {"fileType": "mp3", "fileSize": "large"},
    ):
        expect_error(s, await s.call(SIGNED_URLS, json=body), SIGNED_URLS, INVALID)
