"""Crescendo's lint rules (CRS): the ``metadata`` form field and the audio part.

The JSON field, its ``id`` and the character set come from the spec's
``x-tapecheck.id-charset`` (``/metadata/id``, ``^[A-Za-z0-9._-]+$``); the audio
part names from ``x-tapecheck.audio.parts``. Nothing of the mock or the flow
is imported here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tapecheck.suite.lint.context import JsonField, LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.pointers import join_pointer

__all__ = [
    "audio_part_missing",
    "audio_parts_both",
    "metadata_id_charset",
    "metadata_id_missing",
    "metadata_not_json_object",
]

_VENDOR = "crescendo"


@dataclass(frozen=True)
class _IdField:
    """Where the restricted id lives: a JSON form field and a key inside it."""

    field: str  # the form field: metadata
    key: str  # the key inside its document: id
    pattern: re.Pattern[str]

    @property
    def pointer(self) -> str:
        return join_pointer("body", self.field, self.key)


def _id_field(ctx: LintContext) -> _IdField | None:
    charset = ctx.operation.ext.get("id-charset") if ctx.operation else None
    if not isinstance(charset, Mapping):
        return None
    tokens = str(charset["pointer"]).strip("/").split("/")
    if len(tokens) != 2:
        return None
    return _IdField(tokens[0], tokens[1], re.compile(str(charset["pattern"])))


def _document(ctx: LintContext) -> tuple[_IdField, JsonField] | None:
    where = _id_field(ctx)
    if where is None:
        return None
    found = ctx.json_fields.get(where.field)
    return None if found is None else (where, found)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


@rule(
    "CRS001",
    "metadata-not-json-object",
    vendor=_VENDOR,
    fix_title="Write `metadata` as a JSON object",
)
def metadata_not_json_object(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the `metadata` form field holds a JSON object.

    `metadata` may be written in the manifest as a YAML/JSON object or as the
    JSON string that goes on the wire; both are read the same way. The rule
    fires when the string does not parse as JSON, or when the document is not
    an object (an array, a number, a string, null). A missing `metadata` is
    SCH001.

    ## Why is this bad?
    Crescendo reads the recording's metadata, and its `id` in particular, from
    a JSON object in this field. Anything else is refused with 400 `BadRequest`
    before the audio is looked at.

    ## Example
    ```yaml
    body:
      metadata: '{"id": "call-123", "kind": "phonecall"'   # the closing brace is missing
    ```

    Use instead:
    ```yaml
    body:
      metadata: {id: call-123, kind: phonecall}
    ```

    ## Fix safety
    There is no automatic fix. Repairing broken JSON means guessing what was
    meant; check that the repaired object still holds the `id` your system
    uses to find the recording again.

    ## References
    - Crescendo docs, "Upload a VOC recording" (index: <https://docs.crescendo.ai/llms.txt>)
    - Seed: `shared/seeds/crescendo-upload-voc-recording.md` (`metadata`: "JSON string ... Must include `id`")
    - RFC 8259, The JSON Data Interchange Format
    """
    found = _document(ctx)
    if found is None:
        return
    _, field = found
    if field.error is not None:
        yield Violation(
            field.pointer,
            f"`{field.name}` is not valid JSON ({field.error}); write it as a JSON object "
            f'such as {{"id": "call-123"}}, or as a YAML mapping',
        )
    elif not isinstance(field.value, Mapping):
        shown = json.dumps(field.value, default=str)
        yield Violation(
            field.pointer,
            f"`{field.name}` is {_kind(field.value)} ({shown[:60]}), not a JSON object; "
            f'wrap it in an object such as {{"id": "call-123"}}',
        )


@rule(
    "CRS002",
    "metadata-id-missing",
    vendor=_VENDOR,
    fix_title="Add an `id` to `metadata`",
)
def metadata_id_missing(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the `metadata` object has an `id`.

    The finding points at `/body/metadata/id`, where the value should be. When
    `metadata` is not a JSON object at all, CRS001 reports it instead.

    ## Why is this bad?
    Crescendo requires `metadata.id`: it is your key for the recording, given
    back as `recordingId` when you poll the job's status. An upload without it
    is refused with 400 `BadRequest`.

    ## Example
    ```yaml
    body:
      metadata: {kind: phonecall, source: your-system}
    ```

    Use instead:
    ```yaml
    body:
      metadata: {id: call-123, kind: phonecall, source: your-system}
    ```

    ## Fix safety
    There is no automatic fix: only your system knows the id of the call.
    Choose one that is unique per recording and uses only the characters
    CRS003 allows.

    ## References
    - Crescendo docs, "Upload a VOC recording" (index: <https://docs.crescendo.ai/llms.txt>)
    - Seed: `shared/seeds/crescendo-upload-voc-recording.md` ("JSON string containing recording metadata. Must include `id`")
    """
    found = _document(ctx)
    if found is None:
        return
    where, field = found
    if field.error is None and isinstance(field.value, Mapping) and where.key not in field.value:
        yield Violation(
            where.pointer,
            f"`{where.field}` has no `{where.key}`; add your recording's id, "
            f'e.g. {{"{where.key}": "call-123", ...}}',
        )


@rule(
    "CRS003",
    "metadata-id-charset",
    vendor=_VENDOR,
    fix_title="Use only ASCII letters, digits, `.`, `-` and `_` in `metadata.id`",
)
def metadata_id_charset(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that `metadata.id` is a non-empty string of ASCII letters, digits,
    `.`, `-` and `_` only.

    The character set is the spec's (`x-tapecheck.id-charset` in
    `specs/crescendo.yaml`). Spaces, `/`, `:`, `@`, accented letters and any
    other character are flagged, and so is an id that is empty or not a string
    (a number, null, an object). The finding points at `/body/metadata/id`,
    also when `metadata` is written as a JSON string (the position is then the
    string's).

    ## Why is this bad?
    Crescendo refuses the upload with 400 `BadRequest` when the id has any
    other character. Ids copied from other systems often do: a phone system's
    `call 123`, a CRM's `case/42`, an e-mail address.

    ## Example
    ```yaml
    body:
      metadata: {id: "call 123/2024", kind: phonecall}
    ```

    Use instead:
    ```yaml
    body:
      metadata: {id: call-123_2024, kind: phonecall}
    ```

    ## Fix safety
    There is no automatic fix. Replacing the offending characters (with `-` or
    `_`) can make two different ids equal, so keep a mapping from your system's
    ids to the ones you send, or encode them reversibly.

    ## References
    - Crescendo docs, "Upload a VOC recording" (index: <https://docs.crescendo.ai/llms.txt>)
    - Seed: `shared/seeds/crescendo-upload-voc-recording.md` ("`metadata.id` must contain only letters, numbers, dots, dashes, or underscores")
    """
    found = _document(ctx)
    if found is None:
        return
    where, field = found
    if field.error is not None or not isinstance(field.value, Mapping):
        return
    if where.key not in field.value:
        return
    value = field.value[where.key]
    name = f"`{where.field}.{where.key}`"
    if not isinstance(value, str):
        yield Violation(
            where.pointer,
            f"{name} is {_kind(value)}, not a string; write it as a string of letters, "
            f'digits, ".", "-" and "_", e.g. "call-123"',
        )
    elif not value:
        yield Violation(
            where.pointer,
            f'{name} is empty; give the recording a non-empty id such as "call-123"',
        )
    elif where.pattern.fullmatch(value) is None:
        bad = sorted({char for char in value if where.pattern.fullmatch(char) is None})
        shown = ", ".join(repr(char) for char in bad)
        yield Violation(
            where.pointer,
            f"{name} {value!r} has characters Crescendo refuses ({shown}); use only ASCII "
            f'letters, digits, ".", "-" and "_"',
        )


def _audio_parts(ctx: LintContext) -> tuple[list[str], dict[str, Any]] | None:
    audio = ctx.operation.audio if ctx.operation else None
    if not audio or audio.get("location") != "part":
        return None
    files = ctx.data.get("files")
    given = {str(k): v for k, v in files.items()} if isinstance(files, Mapping) else {}
    return [str(part) for part in audio.get("parts", [])], given


@rule(
    "CRS004",
    "audio-part-missing",
    vendor=_VENDOR,
    fix_title="Add the audio as the `audio` part",
)
def audio_part_missing(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the upload carries its audio in a multipart file part named
    `audio` (or, alternatively, `file`).

    The part names are the spec's (`x-tapecheck.audio.parts`). In a manifest
    the parts are the entries of `files`; a file named only in `content`, or a
    part under another name, does not count. The finding points at
    `/files/audio`, where the part should be.

    ## Why is this bad?
    The schema of the seed requires only `metadata`, so the request looks
    valid, yet Crescendo has nothing to process and refuses it with 400
    `BadRequest`.

    ## Example
    ```yaml
    body:
      metadata: {id: call-123}
    files:
      recording: call.mp3
    ```

    Use instead:
    ```yaml
    body:
      metadata: {id: call-123}
    files:
      audio: call.mp3
    ```

    ## Fix safety
    There is no automatic fix. Renaming a part is safe; when the manifest names
    no audio file at all, pick the right recording for this `metadata.id`.

    ## References
    - Crescendo docs, "Upload a VOC recording" (index: <https://docs.crescendo.ai/llms.txt>)
    - Seed: `shared/seeds/crescendo-upload-voc-recording.md` (`audio`, "or, alternatively, `file`"; `curl -F "audio=@./call.mp3"`)
    """
    found = _audio_parts(ctx)
    if found is None:
        return
    parts, given = found
    if parts and not any(given.get(part) is not None for part in parts):
        named = " or ".join(f"`{part}`" for part in parts)
        yield Violation(
            join_pointer("files", parts[0]),
            f"the request has no audio part ({named}); add the recording as "
            f"`files: {{{parts[0]}: call.mp3}}`",
        )


@rule(
    "CRS005",
    "audio-parts-both",
    severity="warning",
    vendor=_VENDOR,
    fix_title="Send the audio in one part only",
)
def audio_parts_both(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns when both the `audio` and the `file` part are given.

    The finding points at the alternative part (`/files/file`).

    ## Why is this bad?
    Crescendo takes the audio from `audio` or, alternatively, from `file`; the
    docs do not say which one wins when both come. One of the two recordings
    is silently dropped, and the upload is twice as large as it needs to be
    (both count against the 25 MB limit).

    ## Example
    ```yaml
    files:
      audio: call.mp3
      file: call-backup.mp3
    ```

    Use instead:
    ```yaml
    files:
      audio: call.mp3
    ```

    ## Fix safety
    There is no automatic fix. Check which of the two files is the recording
    of this `metadata.id` before removing the other; when they are two
    different calls, upload them as two requests with two ids.

    ## References
    - Crescendo docs, "Upload a VOC recording" (index: <https://docs.crescendo.ai/llms.txt>)
    - Seed: `shared/seeds/crescendo-upload-voc-recording.md` (`file`: "Alternative field name for the audio file")
    """
    found = _audio_parts(ctx)
    if found is None:
        return
    parts, given = found
    present = [part for part in parts if given.get(part) is not None]
    for extra in present[1:]:
        yield Violation(
            join_pointer("files", extra),
            f"both `{present[0]}` and `{extra}` parts are given; Crescendo reads one of them, "
            f"so remove `{extra}` (or upload the second recording on its own)",
        )
