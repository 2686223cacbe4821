"""Bota's lint rules (BOT): the ids a credential implies, and the recording's times.

The credential kind is :attr:`LintContext.credential_kind` (the manifest's
``auth:`` wins over a literal token's prefix, as the spec's
``x-tapecheck.credentials`` list them); the id prefixes are the ``pattern`` of
the body properties in the spec. Nothing of the mock or the flow is imported
here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from tapecheck.suite.lint.context import LintContext, scalar_text
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.manifest import is_env_reference
from tapecheck.suite.pointers import join_pointer
from tapecheck.suite.values import instant_key, parse_datetime

__all__ = [
    "ended_before_started",
    "id_prefix_mismatch",
    "ids_missing_with_key",
    "ids_with_device_token",
]

_VENDOR = "bota"
#: The body ids that a device token implies and a key must name.
_IDS = ("device_id", "end_user_id")
_DEVICE_TOKEN = "device-token"
#: Credential kinds that act for the whole account, so the body names the device and end user.
_ACCOUNT_KEYS = ("secret-key", "restricted-key")
_STARTED, _ENDED = "started_at", "ended_at"
_LITERAL_PREFIX = re.compile(r"\^([A-Za-z0-9_-]+)")


def _ids(ctx: LintContext) -> tuple[str, ...]:
    """The ids this operation's body takes (none for ``upload-url``)."""
    return tuple(name for name in _IDS if ctx.body_property(name) is not None)


def _kind_label(kind: str) -> str:
    return kind.replace("-", " ")


@rule(
    "BOT001",
    "ids-with-device-token",
    vendor=_VENDOR,
    fix_title="Remove device_id and end_user_id from a device-token request",
)
def ids_with_device_token(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that a request made with a device token (`dtok_...`) sends neither
    `device_id` nor `end_user_id`.

    The credential kind is the manifest's `auth: device-token`, else the prefix
    of a literal token; when neither tells it, the rule is silent. One finding
    per id sent (even a null one), at the id (`/body/device_id`).

    ## Why is this bad?
    A device token is bound to one device and its end user, and Bota fills
    both in from the token. The docs say they must not be sent: the request is
    refused (400 `invalid_request`), and an id that differs from the token's
    would be a request to write into another device's recordings.

    ## Example
    ```yaml
    vendor: bota
    auth: device-token
    headers: {Authorization: "Bearer ${BOTA_DEVICE_TOKEN}"}
    body: {device_id: dev_kitchen01, end_user_id: eu_4711, name: Standup}
    ```

    Use instead:
    ```yaml
    vendor: bota
    auth: device-token
    headers: {Authorization: "Bearer ${BOTA_DEVICE_TOKEN}"}
    body: {name: Standup}
    ```

    ## Fix safety
    There is no automatic fix. Removing the ids is what Bota expects; if they
    are there because the recording belongs to another device, the request
    needs a secret or restricted key instead of this token.

    ## References
    - Bota API, "Create a recording" (`POST /recordings`)
    - Seed: `shared/seeds/bota-create-recording.md` (with a device token, the ids are "automatically populated from the token and should NOT be included in the request")
    """
    if ctx.credential_kind != _DEVICE_TOKEN:
        return
    body = ctx.section("body")
    for name in _ids(ctx):
        if name in body:
            yield Violation(
                join_pointer("body", name),
                f"`{name}` is sent with a device token, which already names its device and end "
                f"user; remove `{name}` (or use a secret key to name another one)",
            )


@rule(
    "BOT002",
    "ids-missing-with-key",
    vendor=_VENDOR,
    fix_title="Name the device and end user in the body",
)
def ids_missing_with_key(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that a request made with a secret key (`sk_live_`, `sk_test_`) or a
    restricted key (`rk_`) names both `device_id` and `end_user_id`.

    The credential kind is the manifest's `auth:`, else the prefix of a literal
    token; when neither tells it, the rule is silent. One finding per missing
    (or null) id, where it should be (`/body/device_id`): two missing ids are
    two findings.

    ## Why is this bad?
    A key acts for the whole account, not for one device, so Bota cannot tell
    whose recording this is. The schema cannot require the ids (a device token
    must not send them), so only this rule catches the omission before Bota
    refuses it (400 `invalid_request`).

    ## Example
    ```yaml
    vendor: bota
    auth: secret-key
    headers: {Authorization: "Bearer ${BOTA_SECRET_KEY}"}
    body: {name: Standup}
    ```

    Use instead:
    ```yaml
    vendor: bota
    auth: secret-key
    headers: {Authorization: "Bearer ${BOTA_SECRET_KEY}"}
    body: {device_id: dev_kitchen01, end_user_id: eu_4711, name: Standup}
    ```

    ## Fix safety
    There is no automatic fix: only you know which device captured the
    recording and which end user it belongs to. A wrong pair files the
    recording under someone else.

    ## References
    - Bota API, "Create a recording" (`POST /recordings`)
    - Seed: `shared/seeds/bota-create-recording.md` (with a secret key, "device_id and end_user_id in request body")
    """
    kind = ctx.credential_kind
    if kind not in _ACCOUNT_KEYS:
        return
    body = ctx.section("body")
    for name in _ids(ctx):
        if body.get(name) is None:
            example = "dev_..." if name == "device_id" else "eu_..."
            yield Violation(
                join_pointer("body", name),
                f"`{name}` is missing; with a {_kind_label(kind)} the body must name the "
                f"{name.removesuffix('_id').replace('_', ' ')}: add `{name}: {example}`",
            )


def _moment(value: object) -> datetime | None:
    return parse_datetime(scalar_text(value))


@rule(
    "BOT003",
    "ended-before-started",
    vendor=_VENDOR,
    fix_title="Make ended_at equal to or later than started_at",
)
def ended_before_started(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that `ended_at` is not before `started_at`.

    The two are compared as instants, whatever their offsets
    (`2024-05-01T10:00:00+02:00` is before `2024-05-01T09:30:00Z`); a time
    without an offset is taken as UTC. Values that are not date-times are left
    to SCH004. The finding points at `ended_at`.

    ## Why is this bad?
    A recording cannot end before it starts. Bota derives the recording's
    timeline from these times, so a swapped pair, or a local time sent with
    the wrong offset, misplaces it in every list filtered by time.

    ## Example
    ```yaml
    body:
      started_at: "2024-05-01T10:00:00+02:00"
      ended_at: "2024-05-01T07:45:00Z"
    ```

    Use instead:
    ```yaml
    body:
      started_at: "2024-05-01T10:00:00+02:00"
      ended_at: "2024-05-01T08:45:00Z"
    ```

    ## Fix safety
    There is no automatic fix. Swapping the two values is right only when they
    were swapped; often one of them carries the wrong offset (local time
    written as `Z`).

    ## References
    - Bota API, "Create a recording" (`POST /recordings`; `started_at`, `ended_at`: ISO 8601)
    - Seed: `shared/seeds/bota-create-recording.md`
    - RFC 3339, section 5.6 (Internet date/time format)
    """
    if ctx.body_property(_STARTED) is None or ctx.body_property(_ENDED) is None:
        return
    body = ctx.section("body")
    started, ended = _moment(body.get(_STARTED)), _moment(body.get(_ENDED))
    if started is None or ended is None:
        return
    if instant_key(ended) < instant_key(started):
        yield Violation(
            join_pointer("body", _ENDED),
            f"ended_at {scalar_text(body[_ENDED])!r} is before started_at "
            f"{scalar_text(body[_STARTED])!r} (compared as instants, no offset = UTC); "
            "check both values and their offsets",
        )


@rule(
    "BOT004",
    "id-prefix-mismatch",
    vendor=_VENDOR,
    fix_title="Use the id with its Bota prefix (dev_, eu_)",
)
def id_prefix_mismatch(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that `device_id` starts with `dev_` and `end_user_id` with `eu_`.

    The prefixes are the `pattern` of the body properties in `specs/bota.yaml`.
    A `${...}` reference is not checked, and an id already flagged by BOT001
    (sent with a device token) is not flagged again. This rule replaces the
    SCH004 `pattern` finding on the same value.

    ## Why is this bad?
    Bota's ids carry their type in a prefix (`dev_` device, `eu_` end user,
    `rec_` recording, `med_` media). An id without it is usually your own id
    for the device or user, or an id of the wrong type (an end user's id in
    `device_id`): Bota finds no such device and refuses the request.

    ## Example
    ```yaml
    vendor: bota
    auth: secret-key
    body: {device_id: kitchen01, end_user_id: dev_4711}
    ```

    Use instead:
    ```yaml
    vendor: bota
    auth: secret-key
    body: {device_id: dev_kitchen01, end_user_id: eu_4711}
    ```

    ## Fix safety
    There is no automatic fix. Adding the prefix is right only when the rest is
    Bota's id; your own device or user ids must be looked up in Bota first.

    ## References
    - Bota API, "Create a recording" (`POST /recordings`) and the id prefixes of the API reference
    - Seed: `shared/seeds/bota-create-recording.md`
    """
    body = ctx.section("body")
    skip_sent = ctx.credential_kind == _DEVICE_TOKEN
    for name in _IDS:
        schema = ctx.body_property(name)
        pattern = schema.get("pattern") if schema else None
        value = body.get(name)
        if not isinstance(pattern, str) or not isinstance(value, str) or skip_sent:
            continue
        if is_env_reference(value) or re.search(pattern, value):
            continue
        literal = _LITERAL_PREFIX.fullmatch(pattern)
        wanted = f"start with {literal.group(1)!r}" if literal else f"match {pattern!r}"
        yield Violation(
            join_pointer("body", name),
            f"`{name}` {value!r} does not {wanted}; use the id Bota gave the "
            f"{name.removesuffix('_id').replace('_', ' ')}, not your own",
        )
