"""The vendor catalogue: one spec per vendor, and a package of its own behaviour, found by name.

A vendor is a spec in ``specs/<vendor>.yaml`` (the catalogue: :func:`vendors`)
plus, where it has behaviour of its own, a package here holding its lint
rules (``rules``), its reference mock (``mock``), its conformance flow
(``flow``, ``checks``, ``requirements``) and its mutants (``mutants``). Every
part is optional: a vendor without one gets only the generic families.
Nothing is imported until asked for, so ``tapecheck lint`` loads a vendor's
rules and never its mock.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tapecheck.suite.specs import NoSuchVendorError, vendors

__all__ = ["mock_factory", "optional_vendor_module", "vendor_module", "vendors"]


def vendor_module(vendor: str, part: str) -> ModuleType:
    """Import ``tapecheck.suite.vendors.<vendor>.<part>`` (``rules``, ``mock``, ...)."""
    if vendor not in vendors():
        raise NoSuchVendorError(vendor)
    return importlib.import_module(f"{__name__}.{vendor}.{part}")


def optional_vendor_module(vendor: str, part: str) -> ModuleType | None:
    """The vendor's ``part``, or ``None`` when its folder has none (or it has no folder).

    Only the absence of that module itself counts: an import error inside it
    is a bug and propagates.
    """
    if vendor not in vendors():
        raise NoSuchVendorError(vendor)
    name = f"{__name__}.{vendor}.{part}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"{__name__}.{vendor}"):
            return None
        raise


def mock_factory(vendor: str) -> Callable[..., Any]:
    """The vendor's ``create_app``: its folder's mock, else the mock its spec alone drives."""
    module = optional_vendor_module(vendor, "mock")
    if module is not None:
        factory: Callable[..., Any] = module.create_app
        return factory
    from tapecheck.suite.mocks.generic import spec_mock_factory

    return spec_mock_factory(vendor)
