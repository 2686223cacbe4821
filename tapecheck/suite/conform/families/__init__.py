"""Generic requirement families: what a spec's ``x-tapecheck`` says, required of every vendor.

A family is one documented kind of behaviour (credentials refused, the size
limit, formats by content, the success status, the error shape, 404 for an
unknown id, damaged audio refused, the declared
type against the content), generated for every vendor whose spec states the facts it needs,
with the stable id ``<VENDOR>-<SUFFIX>``. Its level follows its fact: ``must``
where the spec quotes the vendor's docs for it (``x-tapecheck.sources``, or the
audio block's ``source``), ``should`` where it quotes none.
An error met on the way is held to the spec's ``error-schema`` (and its
``error-members``: the status repeated, the code per status, members that say
something; the ``error_members`` check) only where ``sources.error-schema``
quotes the docs for it; elsewhere a JSON body is all a family asks.
Where the docs pin narrower statuses than the contract's for a family, or one
of its cases, the spec says so in ``x-tapecheck.statuses`` (``credentials.missing:
[401]``).

A family's behaviour is ``run(session, scope)``: the :class:`Scope` says which
of its cases (``Family.cases``, e.g. the credentials family's ``missing`` and
``wrong``) and which operations one generated requirement checks.

What a vendor's folder says, in its ``requirements`` module (all optional):

``FAMILY_IDS: dict[str, str]``
    The ids a family's cases are generated under, so that a family takes over
    a requirement the vendor already had, under its existing id. A key is the
    family's name, then optionally ``.``-separated selectors, each one of the
    family's cases or an operationId of the spec::

        FAMILY_IDS = {
            "credentials.missing": "ACME-AUTH-MISSING",    # one case, every operation
            "credentials.wrong": "ACME-AUTH-WRONG",
            "size-limit": "ACME-SIZE-LIMIT",               # the whole family
            "success-status.upload": "ACME-UPLOAD-201",    # one operation
            "not-found.get-recording": "ACME-RECORDING-NOT-FOUND",
        }

    Selectors of one kind are alternatives, of two kinds both apply
    (``credentials.missing.upload``: the missing credential, on ``upload``
    only). Each mapped key is one requirement: the family's behaviour limited
    to that scope, at the family's level (``must`` only where the spec quotes
    the docs for the fact on each operation in scope), with the family's checks.
    Once a family has a mapped key, only its mapped keys are generated (the
    default ``<VENDOR>-<SUFFIX>`` is not): the folder names what it takes.
    A key naming no family, case or operation is an error at registration.

``FAMILY_FIXTURES: dict[str, Callable[[Session], AsyncContextManager[Mapping[str, Any]]]]``
    operationId -> what a call of that operation needs made first (a parent
    resource before an upload, a recording before its download): entered
    around each call a family makes, it yields :meth:`Session.call` arguments
    (``{"path": {...}}`` naming what it made, a ``json`` body the spec alone
    cannot give) and removes what it made on exit. An operation with path ids,
    or with a body the spec cannot fill, is in a family's reach only with a
    fixture. Where a fixture names a resource, the families check more: a
    refused change leaves it readable, and an unknown id is the last one of a
    path whose earlier ids exist.

``FAMILIES_COVERED: dict[str, tuple[str, ...]]``
    family name -> the folder's own ids that require the behaviour itself (in
    its own way): the family is not generated. Kept for what really differs
    from the generic behaviour; prefer ``FAMILY_IDS``.

A family is not generated either when the vendor registered a requirement of
the family's default id with a function of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tapecheck.suite.conform.families import behaviours, declared, identifiers, isolation, typed
from tapecheck.suite.conform.families import checks as _checks  # noqa: F401  (registers error_members)
from tapecheck.suite.conform.families.facts import fact_source
from tapecheck.suite.conform.families.scope import EVERYTHING, Scope
from tapecheck.suite.conform.requirements import REQUIREMENTS, Level, requirement
from tapecheck.suite.specs import Operation, Spec, load_spec

if TYPE_CHECKING:
    from tapecheck.suite.conform.session import Session

__all__ = [
    "FAMILIES",
    "Family",
    "FamilyRun",
    "Generated",
    "Scope",
    "covered",
    "family_id",
    "family_ids",
    "generated",
    "register_families",
]

#: A family's behaviour: the session, and the part of the family one requirement checks.
FamilyRun = Callable[["Session", Scope], Awaitable[None]]


@dataclass(frozen=True)
class Family:
    """One generic family: which operations it applies to, which fact gives its level."""

    name: str
    suffix: str
    title: str
    #: the ``x-tapecheck`` key whose ``sources`` entry quotes the docs
    fact: str
    operations: Callable[[Spec], list[Operation]]
    run: FamilyRun
    checks: tuple[str, ...]
    #: the cases a ``FAMILY_IDS`` key may select, each with the title of its requirement
    cases: Mapping[str, str] = field(default_factory=dict)
    #: more cases, read from the spec (the unique-keys family: one per documented key)
    spec_cases: Callable[[Spec], Mapping[str, str]] | None = None

    def cases_of(self, spec: Spec) -> Mapping[str, str]:
        """The cases a ``FAMILY_IDS`` key may select for ``spec``, with their titles."""
        return {**self.cases, **(self.spec_cases(spec) if self.spec_cases else {})}

    def source(self, spec: Spec, scope: Scope = EVERYTHING) -> str | None:
        """The quoted source of the family's fact, on each operation in scope (or ``None``)."""
        operations = scope.ops(self.operations(spec))
        found = [fact_source(spec, op, self.fact) for op in operations]
        if not found or any(f is None for f in found):
            return None
        return " ".join(dict.fromkeys(f for f in found if f))


_ERROR = ("status_code_expected", "error_body_shape", "error_members")
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
        cases={
            "missing": "A request without a credential is refused on each secured operation",
            "wrong": "A request with a wrong credential is refused on each secured operation",
        },
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
        "An error answer's body follows the documented error schema and members",
        "error-schema",
        behaviours.error_operations,
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
        spec_cases=identifiers.unique_cases,
    ),
    Family(
        "declared-size",
        "DECLARED-SIZE",
        "An upload of one byte more than its request declared is refused; exactly that is stored",
        "declared-size",
        declared.declared_operations,
        declared.declared_size,
        ("status_code_expected",),
    ),
    Family(
        "declared-type",
        "DECLARED-TYPE",
        "Audio whose content is another format than its declared type is refused",
        "declared-type",
        typed.typed_operations,
        typed.declared_type,
        _ERROR,
        cases=typed.CASES,
    ),
    Family(
        "damaged-audio",
        "DAMAGED-AUDIO",
        "Audio that is empty, in no audio format, or damaged (a header that lies) is refused",
        "damaged-audio",
        behaviours.damaged_operations,
        behaviours.damaged_audio,
        _ERROR,
        cases={
            "empty": "An empty audio upload is refused",
            "garbage": "Bytes that are no audio format are refused",
            "corrupt": "A WAV whose header claims more audio than the file holds is refused",
        },
    ),
)


@dataclass(frozen=True)
class Generated:
    """One requirement a family generates for a vendor: its id and the scope it checks."""

    family: Family
    id: str
    scope: Scope = EVERYTHING


def family_id(vendor: str, family: Family) -> str:
    return f"{vendor.upper()}-{family.suffix}"


def _requirements_module_attr(vendor: str, name: str) -> dict[str, Any]:
    from tapecheck.suite.vendors import optional_vendor_module

    module = optional_vendor_module(vendor, "requirements")
    return dict(getattr(module, name, {})) if module is not None else {}


def covered(vendor: str) -> Mapping[str, tuple[str, ...]]:
    """The families the vendor's folder requires itself (family name -> its own ids)."""
    declared = _requirements_module_attr(vendor, "FAMILIES_COVERED")
    return {str(k): tuple(v) for k, v in declared.items()}


def family_ids(vendor: str) -> dict[str, str]:
    """The folder's ``FAMILY_IDS``: family key -> the vendor's existing id."""
    return {str(k): str(v) for k, v in _requirements_module_attr(vendor, "FAMILY_IDS").items()}


def parse_key(spec: Spec, key: str) -> tuple[Family, Scope]:
    """A ``FAMILY_IDS`` key: its family and the scope its selectors name."""
    name, *selectors = key.split(".")
    family = next((f for f in FAMILIES if f.name == name), None)
    if family is None:
        known = ", ".join(f.name for f in FAMILIES)
        raise ValueError(f"FAMILY_IDS key {key!r}: no family {name!r} (families: {known})")
    cases: set[str] = set()
    operations: set[str] = set()
    named = family.cases_of(spec)
    for selector in selectors:
        if selector in named:
            cases.add(selector)
        elif selector in spec.operations:
            operations.add(selector)
        else:
            raise ValueError(
                f"FAMILY_IDS key {key!r}: {selector!r} is neither a case of {name!r} "
                f"({', '.join(named) or 'it has none'}) nor an operationId of the spec"
            )
    return family, Scope(
        frozenset(cases) if cases else None, frozenset(operations) if operations else None
    )


def _applies(spec: Spec, family: Family, scope: Scope) -> bool:
    return bool(scope.ops(family.operations(spec)))


def _level_and_source(spec: Spec, family: Family, scope: Scope = EVERYTHING) -> tuple[Level, str]:
    quoted = family.source(spec, scope)
    if quoted:
        return "must", quoted
    return "should", (
        f"The vendor's docs are silent on this ({family.fact!r}: the spec quotes no source "
        "for it): a reasonable expectation, not a documented one."
    )


def _title(spec: Spec, family: Family, scope: Scope) -> str:
    named = family.cases_of(spec)
    cases = [c for c in named if scope.cases is not None and c in scope.cases]
    title = "; ".join(named[c] for c in cases) if cases else family.title
    if scope.operations:
        title += f" ({', '.join(sorted(scope.operations))})"
    return title


def generated(vendor: str) -> list[Generated]:
    """The requirements the families generate for ``vendor``, in catalogue order.

    Call after the vendor's own requirements are registered (:func:`catalogue` does).
    """
    spec = load_spec(vendor)
    own = covered(vendor)
    mapped: dict[str, list[Generated]] = {}
    for key, rid in family_ids(vendor).items():
        family, scope = parse_key(spec, key)
        if not _applies(spec, family, scope):
            raise ValueError(
                f"FAMILY_IDS key {key!r} ({rid}): the family applies to no operation in its "
                f"scope in specs/{vendor}.yaml (is a FAMILY_FIXTURES entry missing?)"
            )
        mapped.setdefault(family.name, []).append(Generated(family, rid, scope))
    registered = REQUIREMENTS.get(vendor, {})
    found: list[Generated] = []
    for family in FAMILIES:
        if family.name in mapped:
            found.extend(mapped[family.name])
            continue
        rid = family_id(vendor, family)
        mine = registered.get(rid)
        if family.name in own or (mine is not None and not _is_family_run(mine.run)):
            continue
        if _applies(spec, family, EVERYTHING):
            found.append(Generated(family, rid))
    return found


def _is_family_run(func: object) -> bool:
    return getattr(func, "__module__", None) == __name__


def _bound(family: Family, scope: Scope) -> Callable[[Session], Awaitable[None]]:
    async def run(s: Session) -> None:
        await family.run(s, scope)

    run.__qualname__ = run.__name__ = f"{family.run.__name__}_{scope.label()}"
    run.__doc__ = family.run.__doc__
    return run


def register_families(vendor: str) -> None:
    """Register the requirements the families generate for ``vendor`` (idempotent)."""
    spec = load_spec(vendor)
    for made in generated(vendor):
        level, source = _level_and_source(spec, made.family, made.scope)
        requirement(
            vendor,
            made.id,
            title=_title(spec, made.family, made.scope),
            level=level,
            source=source,
            checks=made.family.checks,
        )(_bound(made.family, made.scope))
