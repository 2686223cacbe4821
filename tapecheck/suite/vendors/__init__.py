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

from tapecheck.suite.catalogue import vendor_package
from tapecheck.suite.specs import vendors

__all__ = ["mock_factory", "optional_vendor_module", "vendor_module", "vendors"]


def vendor_module(vendor: str, part: str) -> ModuleType:
    """Import ``tapecheck.suite.vendors.<vendor>.<part>`` (``rules``, ``mock``, ...).

    A third-party vendor's parts live in its own package (entry point
    ``tapecheck.vendors``); a vendor from ``--spec FILE`` alone has none.
    """
    package = vendor_package(vendor)
    if package is None:
        raise ModuleNotFoundError(f"vendor {vendor!r} is a spec alone: it has no {part!r}")
    return importlib.import_module(f"{package}.{part}")


def optional_vendor_module(vendor: str, part: str) -> ModuleType | None:
    """The vendor's ``part``, or ``None`` when its folder has none (or it has no folder).

    Only the absence of that module itself counts: an import error inside it
    is a bug and propagates.
    """
    package = vendor_package(vendor)
    if package is None:
        return None
    name = f"{package}.{part}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, package):
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
