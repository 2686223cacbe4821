"""Reading Bota's recordings: one by id, and the list with its filters and pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Auth, Session
from tapecheck.suite.vendors.bota.requirements._recording import (
    ERROR_CHECKS,
    GET,
    INVALID,
    LIST,
    PAGE_COUNT,
    SUCCESS_CHECKS,
    V,
    created,
    expect_error,
    expect_ok,
    get,
    ids,
    instant,
    listing,
    uploaded,
)

__all__ = [
    "every",
    "get_recording",
    "later",
    "list_filters",
    "list_limit_bounds",
    "list_paging",
    "matches",
]


async def every(
    s: Session, query: Mapping[str, Any], *, auth: Auth = "valid"
) -> list[dict[str, Any]]:
    """All recordings matching ``query``, one page of 100 (the requirements stay under it)."""
    body = expect_ok(s, await listing(s, {**query, "limit": 100}, auth=auth), LIST)
    return list(body["data"])


def later(recording: Mapping[str, Any], than: Mapping[str, Any]) -> bool:
    """Whether ``recording`` was created strictly after ``than``, by the target's own stamps."""
    made, other = instant(recording.get("created_at")), instant(than.get("created_at"))
    return made is not None and other is not None and made > other


def matches(item: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether a listed recording fits the query's filters (created_after read as inclusive)."""
    for name in ("device_id", "end_user_id", "status"):
        if name in query and item.get(name) != query[name]:
            return False
    made, after = instant(item.get("created_at")), instant(query.get("created_after"))
    return made is None or after is None or made >= after


@requirement(
    V,
    "BOTA-GET",
    title="GET /recordings/{id} answers the recording as created",
    level="must",
    source="Bota's API reference: GET /recordings/{id}; Bota API reference, \"Create a new "
    "recording\": the recording object's fields.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def get_recording(s: Session) -> None:
    recording = await created(s, {"name": "tapecheck: get", "metadata": {"k": "v"}})
    same = {k: recording[k] for k in ("id", "device_id", "end_user_id", "name", "metadata")}
    expect_ok(s, await get(s, recording["id"]), GET, 200, status="pending", **same)


@requirement(
    V,
    "BOTA-LIST",
    title="GET /recordings answers {data, has_more} and honours device_id, status and created_after",
    level="must",
    source="Bota's API reference: GET /recordings with filters device_id, end_user_id, status, "
    "created_after, created_before, limit, offset, answering {data, has_more}.",
    checks=(*SUCCESS_CHECKS, "bota_recording_fields"),
)
async def list_filters(s: Session) -> None:
    marker = await created(s, {"name": "tapecheck: list marker"})
    pending = await created(s, {"name": "tapecheck: list pending"})
    done = await uploaded(s, {"name": "tapecheck: list uploaded"})
    since = {"device_id": ids(s)["device_id"], "created_after": marker["created_at"]}
    # A target that keeps whole seconds may stamp two recordings alike; only what is strictly
    # after (or before) in its own created_at is held to the filter.
    ours = {r["id"] for r in (pending, done) if later(r, marker)}
    before_done = {pending["id"]} if later(done, pending) else set()
    expectations: list[tuple[dict[str, Any], set[str], set[str]]] = [
        (since, ours, set()),
        ({**since, "status": "pending"}, ours - {done["id"]}, {done["id"]}),
        ({**since, "status": "uploaded"}, ours - {pending["id"]}, {pending["id"]}),
        ({**since, "end_user_id": ids(s)["end_user_id"]}, ours, set()),
        ({**since, "created_after": done["created_at"]}, set(), before_done),
    ]
    for query, wanted, unwanted in expectations:
        response = await listing(s, {**query, "limit": 100})
        items = expect_ok(s, response, LIST)["data"]
        found = {item.get("id") for item in items}
        wrong = {item.get("id") for item in items if not matches(item, query)}
        if wanted - found or unwanted & found or wrong:
            s.fail(
                "bota_recording_fields",
                "The filters are not honoured",
                f"{query}: missing {sorted(wanted - found)}, unexpected "
                f"{sorted((unwanted & found) | wrong)}",
                response,
            )


@requirement(
    V,
    "BOTA-LIST-PAGING",
    title="limit (default 10) and offset page the list; has_more says whether more follow",
    level="should",
    source="Bota's API reference gives GET /recordings limit and offset and the answer {data, "
    "has_more}, but no default page size; a reasonable expectation: 10 by default, and "
    "pages that neither overlap nor miss.",
    checks=SUCCESS_CHECKS,
)
async def list_paging(s: Session) -> None:
    marker = await created(s, {"name": "tapecheck: paging marker"})
    for index in range(PAGE_COUNT):
        await created(s, {"name": f"tapecheck: page item {index}"})
    query = {"device_id": ids(s)["device_id"], "created_after": marker["created_at"]}
    # Our 11 recordings follow the marker (fewer where the target stamps whole seconds).
    everything = [item["id"] for item in await every(s, query)]
    response = await listing(s, query)
    body = expect_ok(s, response, LIST)
    default = min(10, len(everything))
    if len(body["data"]) != default or body["has_more"] is not (len(everything) > 10):
        s.fail(
            "bota_recording_fields",
            "The default page is not 10",
            f"{len(everything)} match; without limit: {len(body['data'])} items, "
            f"has_more {body['has_more']!r}",
            response,
        )
    seen: list[str] = []
    for offset in range(0, len(everything), 5):
        response = await listing(s, {**query, "limit": 5, "offset": offset})
        page = expect_ok(s, response, LIST)
        more = offset + 5 < len(everything)
        if len(page["data"]) != min(5, len(everything) - offset) or page["has_more"] is not more:
            s.fail(
                "bota_recording_fields",
                "Wrong page",
                f"{len(everything)} match; limit 5 offset {offset}: {len(page['data'])} items, "
                f"has_more {page['has_more']!r}",
                response,
            )
        seen += [item["id"] for item in page["data"]]
    if sorted(seen) != sorted(everything):
        s.fail(
            "bota_recording_fields",
            "Pages overlap or miss recordings",
            f"pages of 5 gave {len(seen)} ids ({len(set(seen))} distinct) for {len(everything)}",
        )


@requirement(
    V,
    "BOTA-LIST-LIMIT-BOUNDS",
    title="limit outside 1..100 or not an integer, or a negative offset, is refused: 400 invalid_request",
    level="should",
    source="Bota's docs do not give bounds for limit and offset; a reasonable expectation: limit 1 "
    "to 100 and offset from 0, anything else 400 invalid_request.",
    checks=(*ERROR_CHECKS, "response_schema_conformance"),
)
async def list_limit_bounds(s: Session) -> None:
    for query in (
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "1.5"},
        {"offset": -1},
        {"offset": "abc"},
    ):
        expect_error(s, await listing(s, query), LIST, INVALID)
    for limit in (1, 100):
        expect_ok(s, await listing(s, {"limit": limit}), LIST)
