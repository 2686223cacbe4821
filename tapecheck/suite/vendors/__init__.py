"""The vendor catalogue: one package per vendor, found by name, imported lazily.

A vendor is a spec in ``specs/<vendor>.yaml`` plus a package here holding its
lint rules (``rules``), its reference mock (``mock``), its conformance flow
(``flow``, ``checks``, ``requirements``) and its mutants (``mutants``). Nothing
is imported until asked for, so ``tapecheck lint`` loads a vendor's rules and
never its mock.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from tapecheck.suite.specs import NoSuchVendorError, vendors

__all__ = ["vendor_module", "vendors"]


def vendor_module(vendor: str, part: str) -> ModuleType:
    """Import ``tapecheck.suite.vendors.<vendor>.<part>`` (``rules``, ``mock``, ...)."""
    if vendor not in vendors():
        raise NoSuchVendorError(vendor)
    return importlib.import_module(f"{__name__}.{vendor}.{part}")
