"""Corti's lint rules (COR): the interaction id, the tenant header and the raw body.

The tenant header's name comes from the spec's ``x-tapecheck.tenant``; the
rules apply to the operations whose spec has the value in question (a path
``id``, an ``application/octet-stream`` body). Nothing of the mock or the flow
is imported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.manifest import is_env_reference
from tapecheck.suite.pointers import join_pointer
from tapecheck.suite.values import is_uuid

__all__ = ["body_not_octet_stream", "interaction_id_not_uuid", "tenant_name_missing"]

_VENDOR = "corti"
_OCTET_STREAM = "application/octet-stream"
_ID = "id"


def _canonical_uuid(value: str) -> str | None:
    """The hyphenated form of a UUID written another way (braces, ``urn:uuid:``, no hyphens)."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


@rule(
    "COR001",
    "interaction-id-not-uuid",
    vendor=_VENDOR,
    fix_title="Write the interaction id as a hyphenated UUID",
)
def interaction_id_not_uuid(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the interaction `id` in the path is a UUID in its hyphenated
    8-4-4-4-12 form (any case).

    Braces (`{...}`), a `urn:uuid:` prefix and the 32 hex digits without hyphens
    are flagged too: they name a UUID, but not in the form Corti's path takes.
    A `${...}` reference is not checked. A missing `id` is SCH001; this rule
    replaces the SCH004 `format: uuid` finding on the same value.

    ## Why is this bad?
    Corti's recording endpoints take the interaction's id, the `interactionId`
    that creating the interaction answered, which is always a UUID. Any other
    value, such as your own encounter identifier, is refused (400) or names no
    interaction (404), and the recording is not stored.

    ## Example
    ```yaml
    vendor: corti
    path: {id: "{f47ac10b-58cc-4372-a567-0e02b2c3d479}"}
    ```

    Use instead:
    ```yaml
    vendor: corti
    path: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}
    ```

    ## Fix safety
    There is no automatic fix. Rewriting braces, a `urn:uuid:` prefix or
    missing hyphens is safe (the message gives the hyphenated form). Any other
    value is probably not an interaction id at all: use the `interactionId`
    from `POST /interactions/`, not the encounter's `identifier`.

    ## References
    - Corti API, "Upload Recording" (`recordings_upload`; index: <https://docs.corti.ai/llms.txt>)
    - Seed: `shared/seeds/corti-upload-recording.md` (`CommonInteractionId`: "Must be a valid UUID.")
    - RFC 9562, Universally Unique IDentifiers (UUIDs), section 4 (string format)
    """
    if ctx.operation is None or not any(
        param["name"] == _ID for param in ctx.operation.parameters_in("path")
    ):
        return
    path = ctx.section("path")
    if _ID not in path:
        return
    value = path[_ID]
    if is_uuid(value) or is_env_reference(value):
        return
    pointer = join_pointer("path", _ID)
    canonical = _canonical_uuid(value) if isinstance(value, str) else None
    if canonical is not None:
        yield Violation(
            pointer,
            f"interaction id {value!r} is a UUID written in another form; Corti takes the "
            f"hyphenated form {canonical!r}",
            fix=f"write the id as {canonical}",
        )
    else:
        yield Violation(
            pointer,
            f"interaction id {value!r} is not a UUID; use the `interactionId` answered by "
            "`POST /interactions/` (8-4-4-4-12 hex digits, e.g. "
            "f47ac10b-58cc-4372-a567-0e02b2c3d479)",
        )


def _tenant_header(ctx: LintContext) -> str | None:
    tenant = ctx.spec.ext.get("tenant") if ctx.spec else None
    if not isinstance(tenant, Mapping) or tenant.get("in") != "header":
        return None
    name = str(tenant["name"])
    if ctx.operation is None or not any(
        param["name"].lower() == name.lower() for param in ctx.operation.parameters_in("header")
    ):
        return None
    return name


@rule(
    "COR002",
    "tenant-name-missing",
    vendor=_VENDOR,
    fix_title="Add the `Tenant-Name` header",
)
def tenant_name_missing(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the request carries a non-empty `Tenant-Name` header.

    Header names match case-insensitively. A header that is present but empty
    (or only spaces, or null) is flagged like a missing one; a `${...}`
    reference counts as a value. This rule replaces the SCH001 finding for the
    missing header.

    ## Why is this bad?
    Corti is multi-tenant: every call names its tenant in `Tenant-Name`, which
    routes and authenticates the request. Without it the token is refused (403)
    even when it is valid.

    ## Example
    ```yaml
    vendor: corti
    headers:
      Authorization: "Bearer ${CORTI_TOKEN}"
    ```

    Use instead:
    ```yaml
    vendor: corti
    headers:
      Authorization: "Bearer ${CORTI_TOKEN}"
      Tenant-Name: "${CORTI_TENANT}"
    ```

    ## Fix safety
    There is no automatic fix: only you know the tenant. The token must belong
    to that tenant; a token of another tenant is refused just the same.

    ## References
    - Corti API, "Upload Recording" (index: <https://docs.corti.ai/llms.txt>)
    - Seed: `shared/seeds/corti-upload-recording.md` (parameter `Tenant-Name`, `in: header`, `required: true`)
    """
    name = _tenant_header(ctx)
    if name is None:
        return
    found = ctx.header(name)
    if found is None:
        yield Violation(
            ctx.header_pointer(name),
            f"the `{name}` header is missing; add `{name}: ${{CORTI_TENANT}}` (your tenant's "
            "name) to `headers`",
        )
        return
    pointer, value = found
    if value is None or (isinstance(value, str) and not value.strip()):
        yield Violation(
            pointer,
            f"the `{name}` header is empty; give your tenant's name, e.g. "
            f"`{name}: ${{CORTI_TENANT}}`",
        )


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


@rule(
    "COR003",
    "body-not-octet-stream",
    vendor=_VENDOR,
    fix_title="Send the audio as the raw `content` with Content-Type application/octet-stream",
)
def body_not_octet_stream(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the recording is sent as a raw `application/octet-stream` body.

    Two things are flagged: audio given as a multipart part in `files` instead
    of the raw body in `content` (the finding points at `/content`, or at
    `/files` when `content` is given as well), and a `Content-Type` header
    other than `application/octet-stream` (the finding points at the header).
    A request with neither `content` nor `files` is SCH001.

    ## Why is this bad?
    Corti's upload takes the audio bytes as the whole body. A multipart form
    wraps them in boundaries and part headers, which Corti would store as part
    of the "audio" or refuse (400); another Content-Type, such as `audio/wav`,
    is not what the endpoint declares.

    ## Example
    ```yaml
    vendor: corti
    headers: {Content-Type: audio/wav}
    files:
      audio: visit.wav
    ```

    Use instead:
    ```yaml
    vendor: corti
    headers: {Content-Type: application/octet-stream}
    content: visit.wav
    ```

    ## Fix safety
    There is no automatic fix. Moving a file from `files` to `content` is safe
    when there is one part; with several, only one recording can go in one
    request, so upload each file on its own.

    ## References
    - Corti API, "Upload Recording" (index: <https://docs.corti.ai/llms.txt>)
    - Seed: `shared/seeds/corti-upload-recording.md` (`requestBody.content: application/octet-stream`)
    - RFC 2046, section 4.5.1 (`application/octet-stream`)
    """
    if ctx.operation is None or _OCTET_STREAM not in ctx.operation.media_types:
        return
    files = ctx.data.get("files")
    if isinstance(files, Mapping) and files:
        if ctx.data.get("content") is None:
            yield Violation(
                "/content",
                "the audio is given as a multipart part in `files`; Corti takes the raw bytes: "
                f"write `content: {_first_path(files)}` instead of `files`",
            )
        else:
            yield Violation(
                "/files",
                "`files` adds multipart parts to a raw-body upload; Corti takes only the bytes "
                "of `content`, so remove `files`",
            )
    found = ctx.header("Content-Type")
    if found is not None:
        pointer, value = found
        if isinstance(value, str) and is_env_reference(value):
            return
        if not isinstance(value, str) or _media_type(value) != _OCTET_STREAM:
            yield Violation(
                pointer,
                f"Content-Type {value!r} is not {_OCTET_STREAM}; Corti takes the recording as "
                f"raw bytes, so send `Content-Type: {_OCTET_STREAM}`",
            )


def _first_path(files: Mapping[object, object]) -> str:
    for entry in files.values():
        if isinstance(entry, str):
            return entry
        if isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
            return str(entry["path"])
    return "recording.wav"
