"""The rule registry: every lint rule, written once, beside its documentation.

A rule is a function decorated with :func:`rule`. The decorator records its
code, kebab-case name and default severity; the function's docstring is the
rule's documentation, with the headings of :data:`DOC_HEADINGS`, and it feeds
``tapecheck rule``, the SARIF rule list and the docs alike. The function takes
a :class:`~tapecheck.suite.lint.context.LintContext` and yields
:class:`Violation` objects, one per offending value (or returns one
:class:`Violations`, whose messages are made only when shown).

Registering the same code twice fails at import.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from tapecheck.reports.model import RuleDoc, Severity

if TYPE_CHECKING:
    from tapecheck.suite.lint.context import LintContext

__all__ = [
    "DOC_HEADINGS",
    "GENERIC_FAMILIES",
    "RULES",
    "CheckFunction",
    "DuplicateRuleError",
    "Rule",
    "Violation",
    "Violations",
    "all_rules",
    "has_rules",
    "load_rules",
    "rule",
    "rules_for",
]

#: Every rule's docstring has these headings, in this order (ruff's).
DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Fix safety", "References")

#: Generic rule families and the modules that define them.
GENERIC_FAMILIES = {
    "MAN": "tapecheck.suite.lint.manifest_rules",
    "SCH": "tapecheck.suite.lint.schema",
    "AUD": "tapecheck.suite.lint.audio",
    "SEC": "tapecheck.suite.lint.security",
    "TCK": "tapecheck.suite.lint.internal",
    # Live traffic: pages for `tapecheck rule`; only `tapecheck proxy` reports them.
    "FLW": "tapecheck.suite.proxy.rules",
}

#: What a rule replaces unless it says otherwise: the schema family's finding.
_SCHEMA_FAMILY = ("SCH",)

_CODE = re.compile(r"^[A-Z]{3}[0-9]{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Violation:
    """One offending value: where it is in the manifest and what is wrong with it.

    ``pointer`` is a JSON Pointer into the manifest (``/body/metadata/id``);
    for a missing value it names where the value should be.
    """

    pointer: str
    message: str
    fix: str | None = None


class Violations(Sequence[Violation]):
    """Many violations of one rule, each made only when it is read.

    A rule that can report once per item of a huge array (400,000 contacts, each
    wrong) returns one of these instead of yielding a :class:`Violation` each:
    ``pointer(n)`` and ``message(n)`` make the pointer and the message of the
    ``n``-th of ``count``. The engine lists only the first findings of a code in
    full (see :mod:`~tapecheck.suite.lint.overflow`); of the others it needs
    their number, the last one's pointer and the first one's message, so the
    rule never formats the rest. ``distinct`` says that no two pointers are the
    same (one violation per item), so the engine need not compare them to drop
    repeats. ``fix`` is every one's, or ``fix(n)`` the ``n``-th one's. ``find``,
    given pointers, gives the indexes of the violations at them without making
    every pointer (the engine's replacement by specific rules); without it they
    are compared. Read as a sequence, it is the violations.
    """

    __slots__ = ("_find", "_fix", "_message", "distinct", "pointers")

    def __init__(
        self,
        count: int,
        pointer: Callable[[int], str],
        message: Callable[[int], str],
        *,
        fix: str | Callable[[int], str | None] | None = None,
        distinct: bool = False,
        find: Callable[[Iterable[str]], Iterable[int]] | None = None,
    ) -> None:
        self.pointers: Sequence[str] = _Made(count, pointer)
        self._message = message
        self._fix = fix
        self._find = find
        self.distinct = distinct

    def message(self, index: int) -> str:
        """The message of the violation at ``pointers[index]``."""
        return self._message(index)

    def fix(self, index: int) -> str | None:
        """The fix of the violation at ``pointers[index]``."""
        return self._fix(index) if callable(self._fix) else self._fix

    def indexes_at(self, pointers: Iterable[str]) -> set[int]:
        """The indexes of the violations whose pointer is one of ``pointers``."""
        if self._find is not None:
            return set(self._find(pointers))
        wanted = set(pointers)
        return {index for index, pointer in enumerate(self.pointers) if pointer in wanted}

    def __len__(self) -> int:
        return len(self.pointers)

    @overload
    def __getitem__(self, index: int) -> Violation: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Violation]: ...

    def __getitem__(self, index: int | slice) -> Violation | Sequence[Violation]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        pointer = self.pointers[index]  # an index out of range raises here, as for a list
        index %= len(self.pointers)
        return Violation(pointer, self._message(index), self.fix(index))

    def __repr__(self) -> str:
        return f"Violations({len(self)}, first at {self.pointers[:1]!r})"


class _Made(Sequence[str]):
    """``count`` texts, each made by ``make(n)`` when read."""

    __slots__ = ("_count", "_make")

    def __init__(self, count: int, make: Callable[[int], str]) -> None:
        self._count = count
        self._make = make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError("violation index out of range")
        return self._make(index % self._count)

    def __iter__(self) -> Iterator[str]:
        return map(self._make, range(self._count))


CheckFunction = Callable[["LintContext"], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    code: str
    name: str
    severity: Severity
    check: CheckFunction
    doc: str
    #: Codes or prefixes of the generic findings this rule's finding replaces at the
    #: same pointer (``("SCH", "SEC002")``); by default a rule outside SCH replaces SCH.
    supersedes: tuple[str, ...] = ()
    fix_title: str | None = None
    vendor: str | None = None
    security_severity: float | None = None

    @property
    def family(self) -> str:
        return self.code[:3]

    def replaces(self, code: str) -> bool:
        """Whether this rule's finding replaces a finding of ``code`` on the same value."""
        return code != self.code and code.startswith(self.supersedes)

    @property
    def summary(self) -> str:
        """The first paragraph of ``What it does``, on one line."""
        section = self.section("What it does")
        first = section.split("\n\n", 1)[0]
        return " ".join(first.split())

    def section(self, heading: str) -> str:
        """The text under one ``## heading`` of the docstring."""
        match = re.search(
            rf"^## {re.escape(heading)}\s*\n(.*?)(?=^## |\Z)", self.doc, re.MULTILINE | re.DOTALL
        )
        return match.group(1).strip() if match else ""

    def explain(self) -> str:
        """The full page printed by ``tapecheck rule CODE``."""
        header = f"# {self.name} ({self.code})\n\nDefault severity: {self.severity}."
        if self.vendor:
            header += f" Vendor: {self.vendor}."
        if self.fix_title:
            header += f"\nFix: {self.fix_title}."
        return f"{header}\n\n{self.doc}\n"

    def to_doc(self) -> RuleDoc:
        return RuleDoc(
            code=self.code,
            name=self.name,
            severity=self.severity,
            summary=self.summary,
            explanation=self.doc,
            fix_title=self.fix_title,
            vendor=self.vendor,
            security_severity=self.security_severity,
        )


class DuplicateRuleError(RuntimeError):
    """Two rules registered under one code or one name."""


#: rules_for's answer per vendor, kept while the registry is unchanged (asked per file).
_BY_VENDOR: dict[str | None, tuple[Rule, ...]] = {}


class _Registry(dict[str, Rule]):
    """The registry: a dict whose every change (a rule registered, a test's
    ``monkeypatch.setitem``) drops :func:`rules_for`'s kept answers."""

    def __setitem__(self, code: str, found: Rule) -> None:
        _BY_VENDOR.clear()
        super().__setitem__(code, found)

    def __delitem__(self, code: str) -> None:
        _BY_VENDOR.clear()
        super().__delitem__(code)

    def pop(self, *args: Any) -> Any:
        _BY_VENDOR.clear()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Rule]:
        _BY_VENDOR.clear()
        return super().popitem()

    def clear(self) -> None:
        _BY_VENDOR.clear()
        super().clear()

    def update(self, *args: Any, **kwargs: Rule) -> None:
        _BY_VENDOR.clear()
        super().update(*args, **kwargs)

    def setdefault(self, code: str, default: Rule) -> Rule:
        _BY_VENDOR.clear()
        return super().setdefault(code, default)


RULES: dict[str, Rule] = _Registry()


def rule(
    code: str,
    name: str,
    *,
    # The generic codes or families (prefixes) whose finding on the same value this
    # rule's finding replaces; by default a rule of any family but SCH replaces SCH
    # (a non-UUID id is one finding, not two). See Rule.supersedes.
    supersedes: tuple[str, ...] | None = None,
    severity: Severity = "error",
    fix_title: str | None = None,
    vendor: str | None = None,
    security_severity: float | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as the rule ``code``.

    ``security_severity`` (0.0-10.0) marks a rule that flags a security problem:
    SARIF carries it so that code scanning ranks the alert (low, medium, high).
    """
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must be three capitals and three digits")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")

    def decorate(check: CheckFunction) -> CheckFunction:
        existing = RULES.get(code)
        # A module imported again (pytester, importlib.reload) registers its own codes anew.
        if existing is not None and (existing.check.__module__, existing.check.__qualname__) != (
            check.__module__,
            check.__qualname__,
        ):
            raise DuplicateRuleError(
                f"rule {code} is already registered by {existing.check.__module__}"
            )
        for other in RULES.values():
            if other.name == name and other.code != code:
                raise DuplicateRuleError(f"rule name {name!r} is already used by {other.code}")
        RULES[code] = Rule(
            code=code,
            name=name,
            severity=severity,
            check=check,
            doc=inspect.cleandoc(check.__doc__ or ""),
            supersedes=_default_supersedes(code) if supersedes is None else supersedes,
            fix_title=fix_title,
            vendor=vendor,
            security_severity=security_severity,
        )
        return check

    return decorate


def _default_supersedes(code: str) -> tuple[str, ...]:
    return () if code.startswith(_SCHEMA_FAMILY) else _SCHEMA_FAMILY


@functools.cache
def has_rules(vendor: str) -> bool:
    """Whether the vendor's folder has a ``rules`` module (a spec alone has none)."""
    from tapecheck.suite.catalogue import vendor_package

    try:
        package = vendor_package(vendor)  # a third-party vendor's parts are in its own package
    except LookupError:
        return False
    if package is None:
        return False
    try:
        return importlib.util.find_spec(f"{package}.rules") is not None
    except ModuleNotFoundError:  # no folder at all
        return False


def load_rules(vendors: Iterable[str] = ()) -> None:
    """Import the generic families and the rules of ``vendors`` (each once)."""
    # Called once per linted file: a look-up in sys.modules, not the import machinery.
    for module in (*GENERIC_FAMILIES.values(), *(_rules_module(v) for v in vendors)):
        if module not in sys.modules:
            importlib.import_module(module)


@functools.cache
def _rules_module(vendor: str) -> str:
    """A vendor's rules module: in its folder here, or in its third-party package."""
    from tapecheck.suite.catalogue import vendor_package

    return f"{vendor_package(vendor)}.rules"


def all_rules() -> list[Rule]:
    """Every rule of every vendor, sorted by code (imports every vendor's rules)."""
    from tapecheck.suite.specs import vendors

    load_rules([vendor for vendor in vendors() if has_rules(vendor)])
    from tapecheck.suite.vendors import optional_vendor_module

    for vendor in vendors():  # a vendor's live-traffic (FLW) rules, where it has any
        optional_vendor_module(vendor, "live")
    return sorted(RULES.values(), key=lambda r: r.code)


def rules_for(vendor: str | None) -> Iterator[Rule]:
    """The generic rules and the rules of ``vendor``, in code order."""
    load_rules([vendor] if vendor and has_rules(vendor) else [])
    found = _BY_VENDOR.get(vendor)
    if found is None:
        found = _BY_VENDOR[vendor] = tuple(
            RULES[code]
            for code in sorted(RULES)
            if RULES[code].vendor is None or RULES[code].vendor == vendor
        )
    return iter(found)
