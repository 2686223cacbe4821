"""Siro's lint rules (SIR): body fields that Siro ignores.

Nothing of the mock or the flow is imported here.
"""

from __future__ import annotations

from collections.abc import Iterator

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.pointers import join_pointer

__all__ = ["customer_fields_ignored"]

_VENDOR = "siro"
_CRM_OBJECTS = "crmObjects"
#: The fields Siro uses to find CRM objects itself, and ignores when ``crmObjects`` is given.
_IGNORED_WITH_CRM = ("customerPhone", "customerName")


@rule(
    "SIR001",
    "customer-fields-ignored",
    severity="info",
    vendor=_VENDOR,
    fix_title="Drop customerPhone/customerName, or drop crmObjects to let Siro find the CRM objects",
)
def customer_fields_ignored(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Notes `customerPhone` and `customerName` given together with `crmObjects`.

    One finding per ignored field, at the field (`/body/customerPhone`): both
    beside `crmObjects` give two findings. Null values are not reported. This
    is an `info` finding: it never changes the exit status.

    ## Why is this bad?
    Siro uses the customer's phone and name to look up the CRM objects to link
    the recording to, but only when `crmObjects` is not given: then it links
    exactly those objects and ignores both fields. Sending them suggests a link
    that will not happen, for example when the customer is not among the
    listed objects.

    ## Example
    ```yaml
    vendor: siro
    body:
      downloadUrl: https://storage.example.com/recordings/abc.mp3
      fileType: mp3
      crmObjects: [{objectType: Opportunity, objectId: "006XX000004TmiQ"}]
      customerPhone: "+14155552671"
    ```

    Use instead:
    ```yaml
    vendor: siro
    body:
      downloadUrl: https://storage.example.com/recordings/abc.mp3
      fileType: mp3
      crmObjects: [{objectType: Opportunity, objectId: "006XX000004TmiQ"}]
    ```

    ## Fix safety
    There is no automatic fix. Removing the fields changes nothing Siro does.
    If the phone-based match is what you want, remove `crmObjects` instead;
    that changes which CRM objects get the recording.

    ## References
    - Siro API, "Create a recording from uploaded audio" (`POST /v1/core/recordings/upload`)
    - Seed: `shared/seeds/siro-create-recording-from-upload.md` (`customerPhone`, `customerName`: "Ignored if CRM objects are passed.")
    """
    if ctx.body_property(_CRM_OBJECTS) is None:
        return  # an operation without CRM objects (signed-urls): unknown fields are SCH006
    body = ctx.section("body")
    if body.get(_CRM_OBJECTS) is None:
        return
    for name in _IGNORED_WITH_CRM:
        if body.get(name) is not None:
            yield Violation(
                join_pointer("body", name),
                f"`{name}` is ignored because `{_CRM_OBJECTS}` is given; remove `{name}`, or "
                f"remove `{_CRM_OBJECTS}` to let Siro find the CRM objects by the customer",
            )
