"""The deviations of the tenant and identifier families: one hook of the mock each.

Each function takes the mock class a generic mutant subclasses and answers the
methods to override (:mod:`.mutants` builds the class). The hooks are those of
every :class:`~tapecheck.suite.mocks.vendor.VendorMock`: ``token_tenant`` (who
the caller is), ``id_charset`` and ``unique_keys`` (the spec's facts as the
mock applies them), ``declared_size`` (what an upload may carry), ``declared_formats`` and
``checked_audio`` (what a declared type stands for, what audio passes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from starlette.requests import Request

from tapecheck.suite.audio import AudioInfo, formats_for_extension, formats_for_mime
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.limits import audio_refusal, probe_stored
from tapecheck.suite.mocks.storage import BlobStore, StoredFile

__all__ = ["DEVIATIONS"]


def _named_tenant(self: Any, request: Request) -> str | None:
    location = self.spec.ext.get("tenant")
    if not isinstance(location, Mapping):
        return None
    name = str(location.get("name", ""))
    if location.get("in") == "header":
        value = request.headers.get(name)
        return value.strip() if value else None
    found = request.path_params.get(name)
    return None if found is None else str(found)


def _tenant_not_checked(base: type[Any]) -> dict[str, Any]:
    def token_tenant(self: Any, request: Request, operation_id: str, **options: Any) -> str:
        own = str(base.token_tenant(self, request, operation_id, **options))
        # A valid credential opens whichever tenant the request names.
        return _named_tenant(self, request) or own

    return {"token_tenant": token_tenant}


def _charset_not_checked(base: type[Any]) -> dict[str, Any]:
    def id_charset(self: Any, operation_id: str) -> Mapping[str, Any] | None:
        return None

    return {"id_charset": id_charset}


def _duplicates_accepted(base: type[Any]) -> dict[str, Any]:
    def unique_keys(self: Any, operation_id: str) -> Mapping[str, Any]:
        return {}

    return {"unique_keys": unique_keys}


def _declared_size_ignored(base: type[Any]) -> dict[str, Any]:
    def declared_size(self: Any, operation_id: str, declared: int | None) -> int | None:
        return None

    return {"declared_size": declared_size}


def _declared_type_trusted(base: type[Any]) -> dict[str, Any]:
    def declared_formats(self: Any, operation_id: str, declared: str) -> frozenset[str] | None:
        return None  # a declared type is never compared with the content

    async def checked_audio(
        self: Any, stored: StoredFile, operation_id: str, *, allow_silent: bool = False
    ) -> AudioInfo:
        limits = self.audio_limits(operation_id)
        label = formats_for_mime(stored.content_type or "") | (
            formats_for_extension(stored.filename or "") or frozenset()
        )
        if limits.formats is not None and label & limits.formats:
            # Labelled as an accepted format: taken as one, whatever the content is.
            limits = replace(limits, formats=None)
        info = await probe_stored(stored)
        reason = audio_refusal(info, limits, allow_silent=allow_silent)
        if reason is not None:
            BlobStore.discard(stored)
            raise MockError(400, reason)
        return info

    return {"declared_formats": declared_formats, "checked_audio": checked_audio}


#: family name -> (mutant name, what it does, the hooks it overrides)
DEVIATIONS: dict[str, tuple[str, str, Callable[[type[Any]], dict[str, Any]]]] = {
    "tenant-isolation": (
        "tenant-not-checked",
        "serves whichever tenant a request names to any valid credential",
        _tenant_not_checked,
    ),
    "id-charset": (
        "id-charset-not-checked",
        "takes an id with characters outside its declared charset",
        _charset_not_checked,
    ),
    "unique-keys": (
        "duplicate-keys-accepted",
        "takes items that share a key documented unique",
        _duplicates_accepted,
    ),
    "declared-type": (
        "declared-type-trusted",
        "takes audio as the type its request declares, whatever its content is",
        _declared_type_trusted,
    ),
    "declared-size": (
        "declared-size-ignored",
        "stores an upload of any size, whatever size its request declared",
        _declared_size_ignored,
    ),
}
