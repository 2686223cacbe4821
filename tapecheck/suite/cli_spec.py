"""``--spec FILE``: a spec that is not bundled joins the catalogue for one command.

Every command that names a vendor (``specs check``, ``lint``, ``mock``,
``conform``, ``selftest``) takes ``--spec FILE``: an OpenAPI 3.0 or 3.1
document with the ``x-tapecheck`` extensions. It is checked as ``specs check``
checks it, then registered under its ``x-tapecheck.vendor`` for the rest of
the process, so the generic families, the generic mock and the manifests'
``vendor:`` all find it by that name. A spec that fails the check, a vendor
name that is bundled, or a VENDOR argument that names another vendor is a
usage error (exit 2), with the problems named.

A command added later (``proxy``) takes it the same way: decorate it with
:data:`spec_option` and resolve its vendor with :func:`vendor_or_spec`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

__all__ = ["EXIT_USAGE", "MAX_SPEC_BYTES", "spec_option", "use_spec", "vendor_or_spec"]

EXIT_USAGE = 2
#: The largest spec read (the bundled ones are under 100 KB); a bigger file is refused unread.
MAX_SPEC_BYTES = 10_000_000

#: The option every vendor-naming command adds (one spec per run).
spec_option = click.option(
    "--spec",
    "spec_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An OpenAPI 3.0/3.1 spec with x-tapecheck for an API that is not bundled; "
    "its x-tapecheck.vendor names the vendor.",
)


def _fail(message: str) -> NoReturn:
    click.echo(f"tapecheck: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def use_spec(path: Path) -> str:
    """Check ``path`` and register it; its vendor name (exit 2 on any problem)."""
    from tapecheck.suite.catalogue import SpecRegistrationError, register_spec_text

    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            _fail(f"--spec {path}: larger than {MAX_SPEC_BYTES:,} bytes; is it a spec?")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"--spec {path}: cannot read the file: {getattr(exc, 'strerror', None) or exc}")
    _valid_or_fail(text, str(path), f"--spec {path}")
    try:
        spec = register_spec_text(text, source=str(path))
    except SpecRegistrationError as exc:
        _fail(str(exc))
    return spec.vendor


def _valid_or_fail(text: str, source: str, what: str) -> None:
    from tapecheck.suite.spec_check import check_spec

    problems = check_spec(text, source=source)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        _fail(f"{what}: the spec is not valid ({len(problems)} problems; see above)")


def vendor_or_spec(vendor: str | None, spec_file: Path | None, *, what: str = "VENDOR") -> str:
    """The vendor a command runs for: VENDOR, or the ``--spec`` vendor (they must agree)."""
    from tapecheck.suite.catalogue import extra, is_vendor
    from tapecheck.suite.specs import bundled_vendors, vendors

    if spec_file is not None:
        named = use_spec(spec_file)
        if vendor is not None and vendor != named:
            _fail(f"{what} {vendor!r} is not the vendor of --spec {spec_file} ({named!r})")
        return named
    if vendor is None:
        _fail(f"give a {what} or --spec FILE; known vendors: {', '.join(bundled_vendors())}")
    try:
        known = is_vendor(vendor)
    except Exception as exc:  # a broken installed package is named, never a traceback
        _fail(f"vendor {vendor!r}: {exc}")
    if not known:
        _fail(f"unknown vendor {vendor!r}; use one of {', '.join(vendors())} or --spec FILE")
    found = extra(vendor) if vendor not in bundled_vendors() else None
    if found is not None and found.package is not None:  # a package's spec is checked as --spec's
        _valid_or_fail(found.text, found.source, f"vendor {vendor!r} ({found.package})")
    return vendor
