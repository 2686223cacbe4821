"""The schema rules' issues: one per value, and jsonschema's errors read as issues.

Each validation error becomes exactly one issue under one code
(:data:`CODE_FOR_KEYWORD`); when one value breaks several keywords, the most
telling code wins (:data:`RANK`), and nothing under a value of the wrong type
is reported again. An ``anyOf``/``oneOf`` failure becomes one issue for "none
of these members is there", or the issues of its closest branch.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from tapecheck.suite.lint._schema_walk import as_list
from tapecheck.suite.lint._validation import READ_REFUSED, UNREAD_KEYWORD
from tapecheck.suite.lint.wording import (
    code_listing,
    describe_pointer,
    did_you_mean,
    plain,
    show_value,
    type_names,
    typed,
)
from tapecheck.suite.manifest import is_env_reference
from tapecheck.suite.pointers import escape_token, unescape_token

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = [
    "CODE_FOR_KEYWORD",
    "RANK",
    "Issue",
    "IssueRun",
    "Issues",
    "Locate",
    "map_errors",
    "member_of",
]

#: Turns the path of a value inside the validated instance into a manifest pointer.
Locate = Callable[[Sequence[str | int]], str]

#: Which code a jsonschema keyword's error becomes.
CODE_FOR_KEYWORD: Mapping[str, str] = {
    "required": "SCH001",
    "dependentRequired": "SCH001",
    "type": "SCH002",
    "enum": "SCH003",
    "const": "SCH003",
    "not": "SCH003",
    "format": "SCH004",
    "pattern": "SCH004",
    "propertyNames": "SCH004",
    **dict.fromkeys(
        (
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minProperties",
            "maxProperties",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
        ),
        "SCH005",
    ),
}
#: Keywords whose errors SCH006 reports from its own walk (it also sees open objects).
_UNKNOWN_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})
#: When one value breaks several keywords, the first code in this order is the finding.
RANK = {
    code: rank
    for rank, code in enumerate(
        ("SCH001", "SCH002", "SCH003", "SCH004", "SCH005", "SCH006", "SCH007")
    )
}
#: What ``format`` errors tell the user to write instead.
_FORMAT_HINTS = {
    "uuid": "is not a UUID; write the hyphenated 8-4-4-4-12 form, such as "
    "`f47ac10b-58cc-4372-a567-0e02b2c3d479` (no braces, no `urn:uuid:`)",
    "email": "is not a valid e-mail address; write one such as `ada@example.com`",
    "date-time": "is not an RFC 3339 date-time; write date, time and offset, such as "
    "`2024-01-15T14:30:00Z` or `2024-01-15T14:30:00+02:00`",
    "date": "is not a date; write `YYYY-MM-DD`, such as `2024-01-15`",
    "uri": "is not an absolute URI; write the scheme and host, such as `https://example.com/file`",
}
#: How the numeric bounds read in a message.
_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "greater than",
    "exclusiveMaximum": "less than",
    "multipleOf": "a multiple of",
}


@dataclass(frozen=True)
class Issue:
    """One finding of a schema rule, before it becomes a :class:`Violation`."""

    code: str
    pointer: str
    message: str
    fix: str | None = None


@dataclass(eq=False)
class IssueRun:
    """Issues of one code at many members of one object, each made only when read.

    A closed object with a million members that the schema does not define is
    one run: the names are kept, and a member's pointer, message and fix are
    made only for the findings listed.
    """

    code: str
    prefix: str  # the object's pointer
    names: Sequence[str]
    message: Callable[[str, str], str]  # (pointer, name) -> the message
    fix: Callable[[str], str | None]  # name -> the fix
    #: Runs of one ``part_of`` are stretches of one walk of one object: no name is in two.
    part_of: int | None = None

    def pointer(self, index: int) -> str:
        return f"{self.prefix}/{escape_token(self.names[index])}"

    def issue(self, index: int) -> Issue:
        pointer, name = self.pointer(index), self.names[index]
        return Issue(self.code, pointer, self.message(pointer, name), self.fix(name))

    @functools.cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.names)


def member_of(pointer: str) -> tuple[str, str] | None:
    """``(object's pointer, member name)`` of a pointer written as :func:`join_pointer`
    writes it; ``None`` for the root or a token no member name is written as."""
    parent, slash, token = pointer.rpartition("/")
    name = unescape_token(token)
    return (parent, name) if slash and escape_token(name) == token else None


@dataclass
class Issues:
    """The findings of one request: one per pointer, and none under a value already judged."""

    found: dict[str, Issue] = field(default_factory=dict)
    covered: list[str] = field(default_factory=list)
    #: Runs of issues (:meth:`add_run`), each with the number of ``found`` before it.
    runs: list[tuple[int, IssueRun]] = field(default_factory=list)
    #: Object pointer -> names of its members found, covered or in a run; kept from the
    #: first run on (a run's members are told apart without a pointer each).
    _members: dict[str, set[str]] | None = None
    _runs_at: dict[str, list[IssueRun]] = field(default_factory=dict)

    def add(self, code: str, pointer: str, message: str, fix: str | None = None) -> None:
        if pointer in self.found or self.is_covered(pointer) or self._in_run(pointer):
            return
        self.found[pointer] = Issue(code, pointer, message, fix)
        self._note(pointer)

    def cover(self, pointer: str) -> None:
        """Nothing at or under ``pointer`` is reported from now on."""
        self.covered.append(pointer)
        self._note(pointer)

    def is_covered(self, pointer: str) -> bool:
        return any(pointer == p or pointer.startswith(p + "/") for p in self.covered)

    def add_ranked(self, issues: Iterable[Issue]) -> None:
        """Add a batch of one validation: the most telling code of a value first."""
        for issue in sorted(issues, key=lambda i: RANK[i.code]):
            self.add(issue.code, issue.pointer, issue.message, issue.fix)
            if issue.code == "SCH002":
                self.cover(issue.pointer)

    def add_run(self, run: IssueRun) -> None:
        """Add the issues of a run, as :meth:`add` would each, in order."""
        if self.is_covered(run.prefix):
            return
        if self._members is None:
            self._members = {}
            for pointer in itertools.chain(self.found, self.covered):
                self._note(pointer)
        for earlier in self._runs_at.get(run.prefix, []):
            if run.part_of is None or earlier.part_of != run.part_of:
                self._members.setdefault(run.prefix, set()).update(earlier.name_set)
        taken = self._members.get(run.prefix)
        if taken and not taken.isdisjoint(run.names):
            run.names = [name for name in run.names if name not in taken]
        if run.names:
            self.runs.append((len(self.found), run))
            self._runs_at.setdefault(run.prefix, []).append(run)

    def listed(self) -> list[Issue | IssueRun]:
        """Every issue and run, in the order added."""
        found: list[Issue | IssueRun] = list(self.found.values())
        for position, run in reversed(self.runs):
            found.insert(position, run)
        return found

    def _note(self, pointer: str) -> None:
        member = member_of(pointer) if self._members is not None else None
        if self._members is not None and member is not None:
            self._members.setdefault(member[0], set()).add(member[1])

    def _in_run(self, pointer: str) -> bool:
        if not self._runs_at:
            return False
        member = member_of(pointer)
        return member is not None and any(
            member[1] in run.name_set for run in self._runs_at.get(member[0], [])
        )


def map_errors(errors: Iterable[ValidationError], locate: Locate) -> list[Issue]:
    """Each error as one issue, after choosing the telling branch of anyOf/oneOf."""
    found: list[Issue] = []
    for error in errors:
        found += _map_error(error, locate)
    return found


def _map_error(error: ValidationError, locate: Locate) -> list[Issue]:
    if isinstance(error.instance, str) and is_env_reference(error.instance):
        return []
    tokens = list(error.absolute_path)
    pointer: str = locate(tokens)
    keyword = str(error.validator) if error.validator is not None else "false"
    if keyword in ("anyOf", "oneOf"):
        return _map_alternatives(error, locate, pointer)
    if keyword in _UNKNOWN_KEYWORDS:
        return []
    if keyword == UNREAD_KEYWORD:
        return [_unread(pointer, list(cast("list[int]", error.validator_value)))]
    expected: Any = error.validator_value
    instance: Any = error.instance if isinstance(error.instance, Mapping) else {}
    if keyword == "required":
        return [_missing(locate([*tokens, name])) for name in expected if name not in instance]
    if keyword == "dependentRequired":
        return [
            _missing(locate([*tokens, name]))
            for trigger, names in dict(expected).items()
            if trigger in instance
            for name in names
            if name not in instance
        ]
    code = CODE_FOR_KEYWORD.get(keyword, "SCH003")
    return [Issue(code, pointer, _message(keyword, error, pointer), _enum_fix(keyword, error))]


def _unread(pointer: str, unread: list[int]) -> Issue:
    """SCH007: the refused items of a large array past the first ones read."""
    array = pointer.rpartition("/")[0]
    return Issue(
        "SCH007",
        pointer,
        f"{describe_pointer(array)} has {len(unread):,} more items the schema refuses "
        f"(items {unread[0]} to {unread[-1]}), not read in detail: only the first "
        f"{READ_REFUSED:,} refused items of an array are; fix those and lint again",
    )


def _missing(pointer: str) -> Issue:
    parent, _, name = pointer.rpartition("/")
    name = unescape_token(name)
    if parent == "/files":
        message = f"required file part `{name}` is missing; add it under `files` ({name}: FILE)"
    elif parent == "/body":
        message = f"required field `{name}` is missing; add it under `body`"
    else:
        message = f"{describe_pointer(parent)} is missing its required field `{name}`; add it"
    return Issue("SCH001", pointer, message)


def _map_alternatives(error: ValidationError, locate: Locate, pointer: str) -> list[Issue]:
    """An anyOf/oneOf failure: one issue for "none of these is there", else the closest branch."""
    context = list(error.context or [])
    what = describe_pointer(pointer)
    if not context:  # oneOf: valid under more than one branch
        return [
            Issue(
                "SCH003",
                pointer,
                f"{what} matches more than one of the shapes the spec allows; make it match one",
            )
        ]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if all(_lacking(errors) for errors in branches.values()):
        names = _unique(name for errors in branches.values() for name in _absent_names(errors))
        return [
            Issue("SCH001", pointer, f"{what} needs at least one of {code_listing(names)}; add one")
        ]
    if all(e.validator == "type" and not e.relative_path for e in context):
        expected = _unique(t for e in context for t in as_list(e.validator_value))
        return [
            Issue(
                "SCH002",
                pointer,
                f"{what} is {typed(error.instance)}; expected {type_names(expected)}",
            )
        ]
    from jsonschema.exceptions import best_match

    def wrong_shape(errors: list[ValidationError]) -> bool:
        return any(e.validator == "type" and not e.relative_path for e in errors)

    candidates = (
        [i for i, errors in branches.items() if not _lacking(errors) and not wrong_shape(errors)]
        or [i for i, errors in branches.items() if not wrong_shape(errors)]
        or list(branches)
    )
    best = best_match(e for index in candidates for e in branches[index])
    chosen = branches[best.relative_schema_path[0]] if best is not None else context
    found: list[Issue] = []
    for sub in chosen:
        found += _map_error(sub, locate)
    return found


def _lacking(errors: Sequence[ValidationError]) -> bool:
    """A branch that fails only because the members it needs are absent or null."""
    return all(
        (e.validator == "required" and not e.relative_path)
        or (e.instance is None and len(e.relative_path) == 1)
        for e in errors
    )


def _absent_names(errors: Sequence[ValidationError]) -> Iterator[str]:
    for e in errors:
        if e.validator == "required":
            instance: Any = e.instance if isinstance(e.instance, Mapping) else {}
            yield from (str(n) for n in as_list(e.validator_value) if n not in instance)
        else:
            yield str(e.relative_path[0])


def _message(keyword: str, error: ValidationError, pointer: str) -> str:
    what = describe_pointer(pointer)
    value: Any = error.instance
    expected: Any = error.validator_value
    shown = show_value(value)
    if keyword == "type":
        return f"{what} is {typed(value)}; expected {type_names(as_list(expected))}"
    if keyword == "enum":
        return f"{what} {shown} is not one of {code_listing([plain(v) for v in expected])}"
    if keyword == "const":
        return f"{what} {shown} must be {plain(expected)}"
    if keyword == "format":
        return f"{what} {shown} {_FORMAT_HINTS.get(str(expected), f'is not a valid {expected}')}"
    if keyword == "pattern":
        return f"{what} {shown} does not match the pattern `{expected}`"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return f"{what} {shown} has {len(value)} characters; it must have {bound} {expected}"
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return f"{what} has {len(value)} item(s); it must have {bound} {expected}"
    if keyword in ("minProperties", "maxProperties"):
        bound = "at least" if keyword == "minProperties" else "at most"
        return f"{what} has {len(value)} member(s); it must have {bound} {expected}"
    if keyword in _BOUNDS:
        return f"{what} is {shown}; it must be {_BOUNDS[keyword]} {expected}"
    if keyword == "uniqueItems":
        return f"{what} repeats an item; each item must be different"
    return f"{what} {shown} is not allowed here ({error.message})"


def _enum_fix(keyword: str, error: ValidationError) -> str | None:
    if keyword == "enum" and isinstance(error.instance, str):
        return did_you_mean(error.instance, [str(v) for v in as_list(error.validator_value)])
    return None


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
