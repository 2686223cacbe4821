"""Schema rules (SCH): the request checked against the vendor's OpenAPI spec.

Path and query parameters, headers (names case-insensitive) and the body are
validated against the operation's schemas with ``jsonschema`` (draft 2020-12).
Validators are built once per spec, operation and media type and reused for
every manifest. Each validation error becomes exactly one finding under one
code; one value is never reported twice. The request is read as it travels:

- form fields and parameters are text: a YAML number or boolean is fine where
  text is expected (and text is fine where the spec wants a number);
- JSON form fields (``x-tapecheck.json-fields``) are checked as the parsed
  document, whether the manifest writes them as a string or as YAML;
- ``${NAME}`` references stand for values the linter never needs: they
  satisfy every constraint;
- a missing value is reported where it should be: ``/body/metadata``,
  ``/files/audio`` for a file part, ``/headers/Tenant-Name``, ``/content``.

All seven rules share one pass over the request (``ctx.memo("schema", ...)``):
:mod:`~tapecheck.suite.lint._schema_pass` walks the request,
:mod:`~tapecheck.suite.lint._validation` builds and caches the validators
(formats as :mod:`tapecheck.suite.formats` reads them), and
:mod:`~tapecheck.suite.lint._schema_issues` turns jsonschema's errors into
findings.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence

from tapecheck.suite.lint._schema_issues import Issue, IssueRun, member_of
from tapecheck.suite.lint._schema_pass import check_request
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, Violations, rule

__all__ = [
    "invalid_format",
    "missing_required",
    "not_in_enum",
    "out_of_bounds",
    "refused_items_not_read",
    "undefined_property",
    "wrong_type",
]


# -- the rules ----------------------------------------------------------------


@rule("SCH001", "missing-required", fix_title="Add the missing value")
def missing_required(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that every value the spec requires is present.

    That covers body fields, form fields and file parts, headers, path and
    query parameters, and the raw body.

    The finding points where the value should be: `/body/metadata`,
    `/files/audio` for a file part, `/headers/Tenant-Name`, `/path/id`, or
    `/content` for a raw-body upload that names no file. An object that must
    hold one of several fields (an `anyOf` of `required` branches) gets one
    finding, at the object, naming the alternatives.

    ## Why is this bad?
    The vendor refuses a request without a required value (400, or 401/403 for
    a missing tenant header), often with a message that does not say which
    value is missing. A missing path parameter leaves an empty URL segment,
    which routes to another endpoint or to 404.

    ## Example
    ```yaml
    vendor: acme
    path: {tenantId: tenant-alpha}
    files: {audio: call.mp3}
    ```

    Use instead:
    ```yaml
    vendor: acme
    path: {tenantId: tenant-alpha}
    body:
      metadata: {id: call-123}
    files: {audio: call.mp3}
    ```

    ## Fix safety
    There is no automatic fix: a required value carries meaning (an id, a
    tenant, a file) that only the request's author knows. Do not fill it with
    a placeholder to silence the rule; the vendor would accept the request and
    store wrong data.

    ## References
    - The operation's `required` lists and `parameters` in `specs/<vendor>.yaml`
    - JSON Schema 2020-12 Validation, section 6.5.3 (`required`)
    - CONTRACT.md, section 2: "Missing things are SCH001"
    """
    yield from _violations(ctx, "SCH001")


@rule("SCH002", "wrong-type", fix_title="Write the value with the type the spec declares")
def wrong_type(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that each value has the JSON type the spec declares.

    A string where the spec wants an object is flagged, and so is an object
    where it wants a string.

    Form fields and parameters travel as text, so a YAML number or boolean is
    fine where the spec expects a string; an object or a list in a form field
    that is not a JSON field (`x-tapecheck.json-fields`) is flagged. So are a
    JSON form field whose text is not JSON, manifest sections that must be
    mappings (`path`, `query`, `headers`, `body`, `files`) and a `body` given
    to an operation that takes raw bytes.

    ## Why is this bad?
    The vendor parses the value with the type of its schema and refuses the
    request (400) when it cannot, or, worse, stores a stringified object such
    as `[object Object]`.

    ## Example
    ```yaml
    vendor: acme
    operation: create-interaction
    body:
      encounter: first visit
    ```

    Use instead:
    ```yaml
    vendor: acme
    operation: create-interaction
    body:
      encounter: {identifier: visit-1, status: planned, type: consultation}
    ```

    ## Fix safety
    There is no automatic fix. Quoting a number is always safe where the spec
    wants a string; turning a string into an object is not, since its fields
    must be chosen.

    ## References
    - JSON Schema 2020-12 Validation, section 6.1.1 (`type`)
    - OpenAPI 3.1, "Encoding Object" (how form fields travel)
    - CONTRACT.md, section 2: "Form fields travel as text"
    """
    yield from _violations(ctx, "SCH002")


@rule("SCH003", "not-in-enum", fix_title="Use one of the values the spec lists")
def not_in_enum(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that a value the spec restricts to a list (`enum`, `const`) is
    one of the listed values.

    Values are compared exactly (case matters). The manifest's own `auth`
    must be one of the vendor's credential kinds.

    ## Why is this bad?
    Enumerated values select behaviour on the vendor's side (a file type, an
    encounter status). A value outside the list is refused (400); a near miss
    such as `MP3` for `mp3` is still a miss.

    ## Example
    ```yaml
    vendor: acme
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: MP3
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    ## Fix safety
    There is no automatic fix. The message suggests the listed value closest to
    the one written; check that it means what you meant (`aac` and `mp3` are
    both valid and not interchangeable).

    ## References
    - JSON Schema 2020-12 Validation, sections 6.1.2 and 6.1.3 (`enum`, `const`)
    - The operation's schemas in `specs/<vendor>.yaml`
    """
    yield from _violations(ctx, "SCH003")


@rule("SCH004", "invalid-format", fix_title="Write the value in the format the spec declares")
def invalid_format(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks string values against the spec's `format` (uuid, email,
    date-time, uri) and `pattern`.

    Dates (`format: date`, `YYYY-MM-DD`) are checked as well.

    UUIDs are the hyphenated 8-4-4-4-12 form in any case (braces, `urn:uuid:`
    and the form without hyphens are flagged); e-mail addresses are checked by
    syntax, without a DNS look-up; date-times are RFC 3339 with `T`, `t` or a
    space between date and time and an offset (`Z`, `+02:00`). A `${NAME}`
    reference satisfies every format and pattern.

    ## Why is this bad?
    The vendor validates these formats and refuses the request (400) when one
    does not parse; an id in the wrong shape can also route the request to
    the wrong resource or to 404.

    ## Example
    ```yaml
    vendor: acme
    body:
      teammate_email: ada@
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      teammate_email: ada@example.com
    ```

    ## Fix safety
    There is no automatic fix. Reformatting a date-time is safe only when its
    offset is known: adding `Z` to a local time moves the instant.

    ## References
    - JSON Schema 2020-12 Validation, sections 6.3.3 (`pattern`) and 7 (`format`)
    - RFC 3339, section 5.6 (date-time); RFC 9562, section 4 (UUID string form)
    - RFC 5321/5322 (e-mail address syntax); RFC 3986, section 4.3 (absolute URI)
    """
    yield from _violations(ctx, "SCH004")


@rule("SCH005", "out-of-bounds", fix_title="Bring the value within the spec's bounds")
def out_of_bounds(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks values against the spec's size keywords (`minItems`, `maxLength`,
    `minimum`, ...).

    These are `minItems`/`maxItems`, `minLength`/`maxLength`,
    `minimum`/`maximum` and their exclusive forms, `multipleOf`,
    `minProperties`/`maxProperties` and `uniqueItems`.

    ## Why is this bad?
    The vendor refuses values outside these bounds (400). An empty list where
    one item is required (a `contacts` list) or a size of 0 bytes
    (`fileSize`) is a request that cannot succeed.

    ## Example
    ```yaml
    vendor: acme
    body:
      contacts: []
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      contacts:
        - {email: ada@example.com}
    ```

    ## Fix safety
    There is no automatic fix: truncating a string or a list loses data, and a
    number clamped to a bound is another number.

    ## References
    - JSON Schema 2020-12 Validation, sections 6.2 to 6.5
    - The operation's schemas in `specs/<vendor>.yaml`
    """
    yield from _violations(ctx, "SCH005")


@rule(
    "SCH006",
    "undefined-property",
    severity="warning",
    fix_title="Remove the property, or use the name the spec defines",
)
def undefined_property(ctx: LintContext) -> Iterable[Violation]:
    """## What it does
    Warns about a body property, form field or file part that the spec does
    not define.

    This holds even where the schema allows extra properties; objects that
    declare `additionalProperties`, or list no `properties` at all, stay
    open.

    Fields from another version of the vendor's docs (`x-tapecheck.later-fields`,
    such as a `fileUrl` of a later version) are named with the version that defines them:
    the linter holds a request to the version of the docs the spec follows.

    ## Why is this bad?
    Most vendors ignore properties they do not know, so a misspelt optional
    field (`titel`) is silently dropped, and a field renamed between versions
    of the docs works against one server and not against another.

    ## Example
    ```yaml
    vendor: acme
    body:
      fileUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      downloadUrl: https://storage.example.com/call.mp3
      fileType: mp3
    ```

    ## Fix safety
    There is no automatic fix. Renaming a later-version field to the name this
    version uses is safe when the meaning is the same (`fileUrl` and
    `downloadUrl`); removing a field may drop data the vendor would have used.

    ## References
    - JSON Schema 2020-12 Core, section 10.3.2 (`properties`, `additionalProperties`)
    - The operation's `x-tapecheck.later-fields` in `specs/<vendor>.yaml`
    - CONTRACT.md, section 2: fields from later versions of a vendor's docs
    """
    return _violations(ctx, "SCH006")


@rule(
    "SCH007",
    "refused-items-not-read",
    fix_title="Fix the items reported in detail, then lint again",
)
def refused_items_not_read(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Counts the items of a large array that the schema refuses past the first
    1,000 such items, which the other SCH rules report one by one.

    In an array of at least 1,000 items (400,000 contacts fit under the 16 MB
    manifest cap), the first 1,000 refused items are read in detail (SCH001
    to SCH005, at each value); the rest are this one finding, at the first of
    them, with their number and the first and last item. An item refused only
    because it holds `${...}` references (which satisfy every constraint) is
    not counted.

    ## Why is this bad?
    The vendor refuses a request with even one invalid item. Reading every
    refused item in detail would take about a minute and most of a gigabyte
    for 400,000 of them, and the same mistake repeated 400,000 times is fixed
    once, where the file is generated.

    ## Example
    ```yaml
    vendor: acme
    body:
      contacts:  # 400,000 of them
        - {email: person0 at example.com}
        - {email: person1 at example.com}
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      contacts:
        - {email: person0@example.com}
        - {email: person1@example.com}
    ```

    ## Fix safety
    There is no automatic fix: fix the items reported in detail (usually one
    mistake in whatever wrote the file), then lint again to see the rest.

    ## References
    - JSON Schema 2020-12 Core, section 10.3.1.2 (`items`)
    - The operation's schemas in `specs/<vendor>.yaml`
    """
    yield from _violations(ctx, "SCH007")


def _violations(ctx: LintContext, code: str) -> Sequence[Violation]:
    found = [
        issue for issue in ctx.memo("schema", lambda: check_request(ctx)) if issue.code == code
    ]
    if any(isinstance(issue, IssueRun) for issue in found):
        return _lazy(found)
    return [Violation(i.pointer, i.message, i.fix) for i in found if isinstance(i, Issue)]


def _lazy(found: list[Issue | IssueRun]) -> Violations:
    """Issues and runs of issues as violations made when read (a run holds a million)."""
    starts = list(itertools.accumulate((_count(issue) for issue in found), initial=0))

    def issue(index: int) -> Issue:
        at = bisect.bisect_right(starts, index) - 1
        item = found[at]
        return item.issue(index - starts[at]) if isinstance(item, IssueRun) else item

    def pointer(index: int) -> str:
        at = bisect.bisect_right(starts, index) - 1
        item = found[at]
        return item.pointer(index - starts[at]) if isinstance(item, IssueRun) else item.pointer

    def find(pointers: Iterable[str]) -> Iterator[int]:
        alone = {item.pointer: at for at, item in enumerate(found) if isinstance(item, Issue)}
        runs: dict[str, list[int]] = {}
        for at, item in enumerate(found):
            if isinstance(item, IssueRun):
                runs.setdefault(item.prefix, []).append(at)
        wanted: dict[int, set[str]] = {}
        for one in pointers:
            if one in alone:
                yield starts[alone[one]]
            member = member_of(one)
            if member is not None:
                for at in runs.get(member[0], []):
                    wanted.setdefault(at, set()).add(member[1])
        for at, names in wanted.items():
            run = found[at]
            assert isinstance(run, IssueRun)
            hits = map(names.__contains__, run.names)
            yield from (starts[at] + index for index in itertools.compress(itertools.count(), hits))

    return Violations(
        starts[-1],
        pointer,
        lambda index: issue(index).message,
        fix=lambda index: issue(index).fix,
        distinct=True,  # the schema pass reports a pointer once
        find=find,
    )


def _count(issue: Issue | IssueRun) -> int:
    return len(issue.names) if isinstance(issue, IssueRun) else 1
