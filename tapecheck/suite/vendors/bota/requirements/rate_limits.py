"""Bota's rate-limit headers: on every answer to a valid credential, Remaining decreasing."""

from __future__ import annotations

import itertools

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.bota.checks import rate_limit
from tapecheck.suite.vendors.bota.requirements._recording import (
    UNKNOWN,
    V,
    any_upload_request,
    create,
    created,
    get,
    idempotency_key,
    ids,
    listing,
    upload_url,
)

__all__ = ["rate_limit_headers"]


@requirement(
    V,
    "BOTA-RATE-LIMIT-HEADERS",
    title="Answers carry X-RateLimit-Limit/-Remaining/-Reset, errors included; Remaining decreases",
    level="should",
    source="Bota's API reference names the headers X-RateLimit-Limit, X-RateLimit-Remaining and "
    "X-RateLimit-Reset on rate-limited answers; it does not say they come with every answer "
    "or how they count. A reasonable expectation: they come with every answer to a valid "
    "credential.",
    checks=("bota_rate_limit_headers",),
)
async def rate_limit_headers(s: Session) -> None:
    key = idempotency_key()
    recording = await created(s, {"name": "tapecheck: rate limit"})
    answers = [
        await create(s, {**ids(s), "name": "a"}, headers=key),
        await get(s, recording["id"]),
        await listing(s),
        await upload_url(s, recording["id"], any_upload_request()),
        await create(s, {"name": "tapecheck: no ids"}),
        await get(s, UNKNOWN),
        await create(s, {**ids(s), "name": "b"}, headers=key),
    ]
    for response in answers:
        s.expect(response, "bota_rate_limit_headers")
    budgets = [await listing(s) for _ in range(3)]
    for before, after in itertools.pairwise(budgets):
        s.expect(after, "bota_rate_limit_headers")
        a, b = rate_limit(before), rate_limit(after)
        if a is None or b is None:
            continue
        renewed = b["X-RateLimit-Reset"] > a["X-RateLimit-Reset"]
        if b["X-RateLimit-Remaining"] >= a["X-RateLimit-Remaining"] and not renewed:
            s.fail(
                "bota_rate_limit_headers",
                "X-RateLimit-Remaining does not decrease",
                f"{a['X-RateLimit-Remaining']} then {b['X-RateLimit-Remaining']} in the same "
                f"window (X-RateLimit-Reset {a['X-RateLimit-Reset']})",
                after,
            )
