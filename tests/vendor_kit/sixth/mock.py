"""The sixth vendor's reference mock: a raw-body upload and a read-back, nothing else.

Everything else comes from the spec through :class:`VendorMock`: the routes,
the credential scheme, the size limit and the formats (``x-tapecheck.audio``),
the success status and the error shape (``x-tapecheck.error-schema``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, Endpoint, VendorMock

__all__ = ["SixthMock", "create_app"]


class SixthMock(VendorMock):
    vendor = "sixth"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sizes: dict[tuple[str, str], int] = {}

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {"upload": self.upload, "get-recording": self.get_recording}

    def caller(self, request: Request, operation_id: str) -> str:
        return self.token_tenant(
            request, operation_id, status=401, missing="no credential", invalid="unknown token"
        )

    async def upload(self, request: Request) -> Response:
        tenant = self.caller(request, "upload")
        stored = await self.raw_body(request, "upload")
        await self.checked_audio(stored, "upload")
        recording = self.new_id()
        with self.lock:
            self.sizes[(tenant, recording)] = stored.size
        return self.respond("upload", {"id": recording, "size": stored.size})

    async def get_recording(self, request: Request) -> Response:
        tenant = self.caller(request, "get-recording")
        key = (tenant, request.path_params["id"])
        with self.lock:
            size = self.sizes.get(key)
        if size is None:
            raise MockError(404, "no such recording")
        return self.respond("get-recording", {"id": key[1], "size": size})


def create_app(
    *, token: str = DEFAULT_TOKEN, tenant: str = DEFAULT_TENANT, tenants: Any = None
) -> Any:
    return SixthMock(token=token, tenant=tenant, tenants=tenants).create_app()
