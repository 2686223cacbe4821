"""Corti's tenants: every operation refuses a missing Tenant-Name (another tenant: the tenant-isolation family)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from tapecheck.suite.conform.common import AUTH_REFUSED
from tapecheck.suite.conform.requirements import requirement
from tapecheck.suite.conform.session import Session
from tapecheck.suite.vendors.corti.requirements._interaction import (
    CREATE,
    DELETE_INTERACTION,
    ERROR_CHECKS,
    GET,
    LIST,
    TENANT_HEADER,
    V,
    call_refused,
    create_refused,
    encounter,
    expect_downloadable,
    expect_error,
    interaction,
    undo_create,
    upload_ok,
)

__all__ = ["tenant_required"]

#: A missing or empty Tenant-Name.
NO_TENANT = AUTH_REFUSED | {400}


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
