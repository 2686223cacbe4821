"""Generic mutant families: a vendor's mock with the deviation each generated family catches.

One mutant per generated family, made by subclassing the vendor's mock class
and overriding one hook every :class:`~tapecheck.suite.mocks.vendor.VendorMock`
has (``token_tenant``, ``audio_limits``, ``success_status``,
``error_response``). The mock class is the one the spec alone drives, or the
one the vendor's ``mock`` module names as ``MOCK_CLASS``; a folder mock that
names none gets no generic mutants (its own ``mutants.py`` covers it). A family
mapped to the folder's ids (``FAMILY_IDS``) is expected to be caught by them; a
family the folder covers itself (``FAMILIES_COVERED``) gets its mutant too,
expected to be caught by the folder's own ids; where the deviation means
nothing for the vendor (its mock checks credentials in a flow of its own), its
``mutants`` module says so in ``GENERIC_NOT_APPLICABLE`` (family -> why).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tapecheck.suite.audio import AudioInfo
from tapecheck.suite.conform.families import FAMILIES, Family, covered, generated
from tapecheck.suite.conform.families.deviations import DEVIATIONS
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.limits import AudioLimits, probe_stored
from tapecheck.suite.mocks.mutant import Mutant, app_factory
from tapecheck.suite.mocks.storage import StoredFile
from tapecheck.suite.vendors import optional_vendor_module

__all__ = ["generic_mutants", "mock_class"]


def mock_class(vendor: str) -> type[Any] | None:
    """The class a generic mutant subclasses: the folder mock's ``MOCK_CLASS``, or the spec's."""
    module = optional_vendor_module(vendor, "mock")
    if module is not None:
        found: type[Any] | None = getattr(module, "MOCK_CLASS", None)
        return found
    from tapecheck.suite.mocks.generic import spec_mock_class

    return spec_mock_class(vendor)


def _credentials_ignored(base: type[Any]) -> dict[str, Any]:
    def token_tenant(self: Any, request: Request, operation_id: str, **_: Any) -> str:
        return str(self.tenant)

    return {"token_tenant": token_tenant}


def _limit_not_enforced(base: type[Any]) -> dict[str, Any]:
    def audio_limits(self: Any, operation_id: str) -> AudioLimits:
        limits: AudioLimits = base.audio_limits(self, operation_id)
        return replace(limits, max_bytes=None)

    return {"audio_limits": audio_limits}


def _formats_not_checked(base: type[Any]) -> dict[str, Any]:
    def audio_limits(self: Any, operation_id: str) -> AudioLimits:
        limits: AudioLimits = base.audio_limits(self, operation_id)
        return replace(limits, formats=None)

    return {"audio_limits": audio_limits}


def _wrong_success_status(base: type[Any]) -> dict[str, Any]:
    def success_status(self: Any, operation_id: str) -> int:
        documented = int(base.success_status(self, operation_id))
        return 200 if documented != 200 else 201

    return {"success_status": success_status}


def _error_shape_broken(base: type[Any]) -> dict[str, Any]:
    def error_response(self: Any, error: MockError) -> Response:
        return JSONResponse({"problem": error.message}, status_code=error.status)

    return {"error_response": error_response}


def _unknown_ids_answered(base: type[Any]) -> dict[str, Any]:
    def error_response(self: Any, error: MockError) -> Response:
        if error.status == 404:
            return JSONResponse({}, status_code=200)
        return base.error_response(self, error)  # type: ignore[no-any-return]

    return {"error_response": error_response}


def _audio_not_validated(base: type[Any]) -> dict[str, Any]:
    async def checked_audio(
        self: Any, stored: StoredFile, operation_id: str, *, allow_silent: bool = False
    ) -> AudioInfo:
        return await probe_stored(stored)

    return {"checked_audio": checked_audio}


#: family name -> (mutant name, what it does, the hooks it overrides)
_DEVIATIONS = {
    "credentials": ("credentials-ignored", "takes any credential, or none", _credentials_ignored),
    "size-limit": ("limit-not-enforced", "stores audio of any size", _limit_not_enforced),
    "formats": ("formats-not-checked", "stores audio of any format", _formats_not_checked),
    "success-status": (
        "wrong-success-status",
        "answers a success with another status than documented",
        _wrong_success_status,
    ),
    "error-shape": ("error-shape-broken", "answers errors in another shape", _error_shape_broken),
    "not-found": ("unknown-id-200", "answers an unknown id 200", _unknown_ids_answered),
    "damaged-audio": (
        "audio-not-validated",
        "stores any bytes: empty, no audio format, a lying header",
        _audio_not_validated,
    ),
    **DEVIATIONS,
}


def _caught_by(vendor: str) -> list[tuple[Family, tuple[str, ...]]]:
    """Each family generated for ``vendor`` or covered by its folder, with the ids catching it."""
    expected: dict[str, list[str]] = {}
    for one in generated(vendor):
        expected.setdefault(one.family.name, []).append(one.id)
    for name, ids in covered(vendor).items():
        expected.setdefault(name, []).extend(ids)
    return [
        (family, tuple(dict.fromkeys(expected[family.name])))
        for family in FAMILIES
        if expected.get(family.name)
    ]


def _errors_not_json(base: type[Any]) -> dict[str, Any]:
    def error_response(self: Any, error: MockError) -> Response:
        return PlainTextResponse(error.message, status_code=error.status)

    return {"error_response": error_response}


#: family name -> further deviations the family catches, beside its one in ``_DEVIATIONS``
_MORE_DEVIATIONS = {
    "error-shape": (
        ("errors-not-json", "answers errors as text/plain sentences", _errors_not_json),
    ),
}


def generic_mutants(vendor: str) -> list[Mutant]:
    """The mutants of each family generated for ``vendor`` (none without a mock class).

    ``GENERIC_NOT_APPLICABLE`` in the vendor's ``mutants`` module names a family (all
    its mutants) or one mutant (``error-shape-broken``) that means nothing for it.
    """
    base = mock_class(vendor)
    if base is None:
        return []
    module = optional_vendor_module(vendor, "mutants")
    skipped = dict(getattr(module, "GENERIC_NOT_APPLICABLE", {})) if module is not None else {}
    found: list[Mutant] = []
    for family, expect in _caught_by(vendor):
        if family.name in skipped:
            continue
        for name, description, hooks in (
            _DEVIATIONS[family.name],
            *_MORE_DEVIATIONS.get(family.name, ()),
        ):
            if name in skipped:
                continue
            title = "".join(part.title() for part in name.split("-"))
            attrs = {**hooks(base), "__module__": __name__}
            cls = type(f"{base.__name__}{title}", (base,), attrs)
            found.append(Mutant(f"generic-{name}", description, app_factory(cls), expect))
    return found
