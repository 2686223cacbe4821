"""The vendor catalogue beyond ``specs/``: specs from ``--spec FILE`` and third-party packages.

A spec that is not bundled joins the catalogue for the process under its
``x-tapecheck.vendor``: from ``--spec FILE`` (:func:`register_spec_text`, called
by :mod:`tapecheck.suite.cli_spec` once the spec is checked) or from an
installed package's ``tapecheck.vendors`` entry point, which names a package
holding ``spec.yaml`` and, optionally, the parts a vendor folder has
(``rules``, ``mock``, ``requirements``, ``mutants``, ...). The entry points are
read only for a name that is not bundled (and by :func:`all_vendors`), so a
lint run on the bundled vendors never scans them. A bundled vendor's name is
refused from either source.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tapecheck.suite.specs import (
    NoSuchVendorError,
    Spec,
    bundled_vendors,
    load_spec,
    load_spec_text,
    vendors,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "PACKAGE_SPEC",
    "Registration",
    "SpecRegistrationError",
    "VendorPackageError",
    "all_vendors",
    "extra",
    "forget_registered",
    "is_vendor",
    "register_spec_text",
    "registered",
    "scan_vendor_packages",
    "vendor_package",
]

#: The entry-point group through which an installed package adds a vendor.
ENTRY_POINT_GROUP = "tapecheck.vendors"
#: The spec file a third-party vendor package holds, beside its optional parts.
PACKAGE_SPEC = "spec.yaml"


class VendorPackageError(NoSuchVendorError):
    """An installed package's vendor that cannot join the catalogue; the message says why."""

    def __init__(self, vendor: str, message: str) -> None:
        self.vendor = vendor
        LookupError.__init__(self, message)


class SpecRegistrationError(ValueError):
    """A spec that cannot join the catalogue (a bundled name, no vendor name, a clash)."""


@dataclass(frozen=True)
class Registration:
    """A vendor that is not bundled: from ``--spec FILE`` or a third-party package."""

    text: str
    source: str
    package: str | None  # the module holding its optional parts (rules, mock, ...)


#: The vendors registered in this process, by name (``--spec`` or an entry point).
_EXTRA: dict[str, Registration] = {}


def registered() -> tuple[str, ...]:
    """The vendors registered in this process (``--spec``, packages already found)."""
    return tuple(_EXTRA)


def extra(vendor: str) -> Registration | None:
    """The registration of a vendor that is not bundled (packages scanned for it), or ``None``."""
    if vendor in _EXTRA or _discover(vendor):
        return _EXTRA[vendor]
    return None


def all_vendors() -> tuple[str, ...]:
    """:func:`~tapecheck.suite.specs.vendors` and every vendor an installed package adds.

    A broken or refused package is left out (:func:`scan_vendor_packages` names it).
    """
    scan_vendor_packages()
    return vendors()


def scan_vendor_packages() -> list[str]:
    """Register every vendor the installed packages add; what could not be, one sentence each."""
    problems: list[str] = []
    for name in _entry_points():
        if name in _EXTRA:
            continue
        try:
            _discover(name)
        except Exception as exc:  # a broken third-party package is named, never a traceback
            named = isinstance(exc, VendorPackageError | SpecRegistrationError)
            problems.append(str(exc) if named else f"{name}: {exc}")
    return problems


def is_vendor(vendor: str) -> bool:
    """Whether ``vendor`` is known; only a name that is not bundled scans the entry points."""
    return vendor in bundled_vendors() or vendor in _EXTRA or _discover(vendor)


def vendor_package(vendor: str) -> str | None:
    """The module of ``vendor``'s own parts (``<package>.rules``, ``.mock``, ...), if any."""
    if vendor in bundled_vendors():
        return f"tapecheck.suite.vendors.{vendor}"
    if vendor not in _EXTRA and not _discover(vendor):
        raise NoSuchVendorError(vendor)
    return _EXTRA[vendor].package


def register_spec_text(text: str, *, source: str, package: str | None = None) -> Spec:
    """Add a spec that is not bundled to this process's catalogue, under its ``x-tapecheck.vendor``.

    The caller has checked it (:func:`tapecheck.suite.spec_check.check_spec`).
    A bundled vendor's name is refused: a spec may not stand in for a vendor
    the suite already knows. Registering the same text twice is harmless.
    """
    spec = load_spec_text(text, source=source)
    name = spec.ext.get("vendor")
    if not isinstance(name, str) or not name:
        raise SpecRegistrationError(f"{source}: the spec names no x-tapecheck.vendor")
    if name in bundled_vendors():
        raise SpecRegistrationError(
            f"{source}: vendor {name!r} is bundled with tapecheck; give your API a name of its own"
        )
    known = _EXTRA.get(name)
    if known is not None and known.text != text:
        raise SpecRegistrationError(
            f"{source}: vendor {name!r} is already registered from {known.source}"
        )
    _EXTRA[name] = Registration(text=text, source=source, package=package)
    return spec


def forget_registered() -> None:
    """Forget every vendor registered in this process (a test that registered one cleans up)."""
    _EXTRA.clear()
    _entry_points.cache_clear()
    load_spec.cache_clear()


@functools.cache
def _entry_points() -> dict[str, str]:
    """Vendor name -> package, from the ``tapecheck.vendors`` entry points (scanned once)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _discover(vendor: str) -> bool:
    """Register ``vendor`` from an installed package's entry point, if one adds it.

    A package that cannot give a vendor (a bundled name, no spec, a broken
    one) raises :class:`VendorPackageError`, which names it.
    """
    package = _entry_points().get(vendor)
    if package is None:
        return False
    package = package.split(":")[0].strip()
    if vendor in bundled_vendors():
        raise VendorPackageError(
            vendor,
            f"the installed package {package!r} adds vendor {vendor!r}, "
            "which is bundled with tapecheck; a third-party vendor needs a name of its own",
        )
    source = f"{package}/{PACKAGE_SPEC}"
    from importlib import resources  # a third-party package only: not on lint's cold path

    try:
        text = str(resources.files(package).joinpath(PACKAGE_SPEC).read_text(encoding="utf-8"))
        spec = load_spec_text(text, source=source)
    except Exception as exc:  # an import error, no spec.yaml, broken YAML: all the package's
        raise VendorPackageError(vendor, f"{source}: cannot be read: {exc}") from None
    if spec.ext.get("vendor") != vendor:
        raise VendorPackageError(
            vendor,
            f"{source}: x-tapecheck.vendor is {spec.ext.get('vendor')!r}, "
            f"but the entry point names {vendor!r}",
        )
    register_spec_text(text, source=source, package=package)
    return True
