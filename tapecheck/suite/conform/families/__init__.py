"""Generic requirement families: what a spec's ``x-tapecheck`` says, required of every vendor.

A family is one documented kind of behaviour (credentials refused, the size
limit, formats by content, the success status, the error shape, 404 for an
unknown id), generated for every vendor whose spec states the facts it needs,
with the stable id ``<VENDOR>-<SUFFIX>``. Its level follows its fact: ``must``
where the spec quotes the vendor's docs for it (``x-tapecheck.sources``, or the
audio block's ``source``), ``should`` where it quotes none.

A vendor whose folder already requires a behaviour keeps its own requirement:
a family is not generated when the vendor registered a requirement of the
family's id, or when its ``requirements`` module lists the family in
``FAMILIES_COVERED`` (family name -> the vendor's ids that cover it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tapecheck.suite.conform.families import behaviours, identifiers, isolation
from tapecheck.suite.conform.families.facts import fact_source
from tapecheck.suite.conform.requirements import (
    REQUIREMENTS,
    Level,
    RequirementFunction,
    requirement,
)
from tapecheck.suite.specs import Operation, Spec, load_spec

__all__ = ["FAMILIES", "Family", "covered", "family_id", "generated", "register_families"]


@dataclass(frozen=True)
class Family:
    """One generic family: which operations it applies to, which fact gives its level."""

    name: str
    suffix: str
    title: str
    #: the ``x-tapecheck`` key whose ``sources`` entry quotes the docs
    fact: str
    operations: Callable[[Spec], list[Operation]]
    run: RequirementFunction
    checks: tuple[str, ...]

    def source(self, spec: Spec) -> str | None:
        """The quoted source of the family's fact, on each operation it applies to (or ``None``)."""
        operations = self.operations(spec)
        found = [fact_source(spec, op, self.fact) for op in operations]
        if not found or any(f is None for f in found):
            return None
        return " ".join(dict.fromkeys(f for f in found if f))


_ERROR = ("status_code_expected", "error_body_shape")
_SUCCESS = ("status_code_expected", "json_content_type", "response_schema_conformance")

FAMILIES: tuple[Family, ...] = (
    Family(
        "credentials",
        "CREDENTIALS",
        "A request without, or with a wrong, credential is refused on each secured operation",
        "credentials",
        behaviours.credentials_operations,
        behaviours.credentials,
        _ERROR,
    ),
    Family(
        "size-limit",
        "SIZE-LIMIT",
        "Audio of exactly the size limit is accepted; one byte more is refused",
        "audio",
        behaviours.size_operations,
        behaviours.size_limit,
        (*_ERROR, "response_schema_conformance"),
    ),
    Family(
        "formats",
        "FORMATS",
        "Audio of a format the operation does not accept (by its content) is refused",
        "audio",
        behaviours.formats_operations,
        behaviours.formats,
        _ERROR,
    ),
    Family(
        "success-status",
        "SUCCESS-STATUS",
        "A valid minimal request gets the documented success status",
        "success-status",
        behaviours.success_operations,
        behaviours.success_status,
        _SUCCESS,
    ),
    Family(
        "error-shape",
        "ERROR-BODY",
        "An error answer's body follows the documented error schema",
        "error-schema",
        behaviours.not_found_operations,
        behaviours.error_shape,
        _ERROR,
    ),
    Family(
        "not-found",
        "NOT-FOUND",
        "A well-formed id that names nothing is answered 404",
        "not-found",
        behaviours.not_found_operations,
        behaviours.not_found,
        _ERROR,
    ),
    Family(
        "tenant-isolation",
        "TENANT-ISOLATION",
        "A request naming another tenant than the credential's creates and reads nothing",
        "tenant",
        isolation.isolation_operations,
        isolation.tenant_isolation,
        _ERROR,
    ),
    Family(
        "id-charset",
        "ID-CHARSET",
        "An id inside its declared charset is accepted; one with a character outside it is refused",
        "id-charset",
        identifiers.charset_operations,
        identifiers.id_charset,
        (*_ERROR, "response_schema_conformance"),
    ),
    Family(
        "unique-keys",
        "UNIQUE-KEYS",
        "Items with distinct keys are accepted; two sharing a key documented unique are refused",
        "unique-keys",
        identifiers.unique_operations,
        identifiers.unique_keys,
        (*_ERROR, "response_schema_conformance"),
    ),
)


def family_id(vendor: str, family: Family) -> str:
    return f"{vendor.upper()}-{family.suffix}"


def covered(vendor: str) -> Mapping[str, tuple[str, ...]]:
    """The families the vendor's folder requires itself (family name -> its own ids)."""
    from tapecheck.suite.vendors import optional_vendor_module

    module = optional_vendor_module(vendor, "requirements")
    declared = getattr(module, "FAMILIES_COVERED", {}) if module is not None else {}
    return {str(k): tuple(v) for k, v in dict(declared).items()}


def _applies(spec: Spec, family: Family) -> bool:
    if family.name == "error-shape":
        # An error body to look at: an unknown id, or else a refused credential.
        return bool(family.operations(spec) or behaviours.credentials_operations(spec))
    return bool(family.operations(spec))


def _level_and_source(spec: Spec, family: Family) -> tuple[Level, str]:
    if family.name == "error-shape":
        quoted = fact_source(spec, None, family.fact)
    else:
        quoted = family.source(spec)
    where = f"specs/{spec.vendor}.yaml x-tapecheck"
    if quoted:
        return "must", f"{quoted} (quoted in {where}, {family.fact!r})"
    return "should", (
        f"{where} states {family.fact!r} but quotes no source for it: the docs are silent, "
        "so this is a reasonable expectation, not a documented one"
    )


def generated(vendor: str) -> list[tuple[Family, str]]:
    """The families generated for ``vendor`` (with their ids), in catalogue order.

    Call after the vendor's own requirements are registered (:func:`catalogue` does).
    """
    spec = load_spec(vendor)
    own = covered(vendor)
    registered = REQUIREMENTS.get(vendor, {})
    found: list[tuple[Family, str]] = []
    for family in FAMILIES:
        rid = family_id(vendor, family)
        mine = registered.get(rid)
        if family.name in own or (mine is not None and mine.run is not family.run):
            continue
        if _applies(spec, family):
            found.append((family, rid))
    return found


def register_families(vendor: str) -> None:
    """Register the families generated for ``vendor`` (idempotent)."""
    spec = load_spec(vendor)
    for family, rid in generated(vendor):
        level, source = _level_and_source(spec, family)
        requirement(
            vendor, rid, title=family.title, level=level, source=source, checks=family.checks
        )(family.run)
