"""Corti's tenants: every operation refuses a missing or foreign tenant (tokens: the credentials family)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import httpx

from tapecheck.suite.conform.common import AUTH_REFUSED, OTHER_TENANT
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    CREATE,
    DELETE,
    DELETE_INTERACTION,
    ERROR_CHECKS,
    GET,
    LIST,
    TENANT_HEADER,
    Interaction,
    V,
    call_refused,
    create_refused,
    encounter,
    expect_downloadable,
    expect_error,
    interaction,
    listed,
    undo_create,
    upload_ok,
    upload_refused,
)

__all__ = ["tenant_isolation", "tenant_required"]

#: A request under a Tenant-Name the token does not belong to.
FOREIGN_TENANT = AUTH_REFUSED | OTHER_TENANT
#: A missing or empty Tenant-Name.
NO_TENANT = AUTH_REFUSED | {400}


async def _refused_everywhere(
    s: Session, handle: Interaction, statuses: Collection[int], **kw: Any
) -> None:
    """Upload a recording to ``handle``; then every operation refuses the credentials in ``kw``.

    The data is left as it was: the recording still downloads and is listed.
    """
    recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
    await create_refused(s, statuses, json=encounter(), **kw)
    ids = {"id": handle.id}
    rec = {**ids, "recordingId": recording}
    await call_refused(s, LIST, statuses, path=ids, **kw)
    await call_refused(s, GET, statuses, path=rec, **kw)
    await upload_refused(s, handle, s.media.audio_bytes("wav"), statuses, **kw)
    await call_refused(s, DELETE, statuses, path=rec, **kw)
    await call_refused(s, DELETE_INTERACTION, statuses, path=ids, **kw)
    await expect_downloadable(s, handle.id, recording)
    remaining, listing = await listed(s, handle.id)
    if recording.lower() not in remaining:
        s.fail(
            "status_code_expected",
            "A refused request changed data",
            f"recording {recording} is no longer listed",
            listing,
        )


async def _without_tenant(s: Session, operation: str, path: Mapping[str, str]) -> httpx.Response:
    """A request with the valid token and no ``Tenant-Name`` header at all."""
    op = s.op(operation)
    url = op.path
    for name, value in path.items():
        url = url.replace("{" + name + "}", value)
    kwargs: dict[str, Any] = {}
    if operation == CREATE:
        kwargs["json"] = encounter()
    request = s.client.build_request(
        op.method.upper(),
        url.lstrip("/"),
        headers={"Authorization": f"Bearer {s.credentials.token}"},
        **kwargs,
    )
    return await s.send(request)


@requirement(
    V,
    "CORTI-TENANT-REQUIRED",
    title="A request without a Tenant-Name, or with an empty one, is refused (400, 401 or 403)",
    level="must",
    source='Corti API reference, "Upload Recording", parameter Tenant-Name (in: header, required: '
    'true): "Ensures correct routing and authentication of the request." Responses 400 and '
    "403: 400, 401 or 403 passes.",
    checks=ERROR_CHECKS,
)
async def tenant_required(s: Session) -> None:
    async with interaction(s) as handle:
        recording = await upload_ok(s, handle, s.media.audio_bytes("wav"))
        ids = {"id": handle.id}
        for operation, path in (
            (CREATE, {}),
            (LIST, ids),
            (GET, {**ids, "recordingId": recording}),
        ):
            response = await _without_tenant(s, operation, path)
            if operation == CREATE:
                await undo_create(s, response)
            expect_error(s, response, operation, NO_TENANT)
        await create_refused(s, NO_TENANT, json=encounter(), headers={TENANT_HEADER: ""})
        await call_refused(s, LIST, NO_TENANT, path=ids, headers={TENANT_HEADER: ""})
        deleted = await _without_tenant(s, DELETE_INTERACTION, ids)
        expect_error(s, deleted, DELETE_INTERACTION, NO_TENANT)
        await expect_downloadable(s, handle.id, recording)


@requirement(
    V,
    "CORTI-TENANT-ISOLATION",
    title="Under another Tenant-Name the token reaches nothing: no interaction, no recording, no create",
    level="must",
    source='Corti API reference, "Upload Recording", Tenant-Name: "Identifies a distinct entity '
    "within Corti's multi-tenant system. Ensures correct routing and authentication of the "
    'request." Under another tenant nothing is reached; the docs name no status, so 401, '
    "403 or 404 passes.",
    checks=ERROR_CHECKS,
)
async def tenant_isolation(s: Session) -> None:
    other = s.credentials.tenant + "-tapecheck-other"
    async with interaction(s) as handle:
        await _refused_everywhere(s, handle, FOREIGN_TENANT, tenant=other)
