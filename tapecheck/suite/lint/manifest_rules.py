"""Manifest rules (MAN): the manifest itself, before the request it describes.

MAN001 and MAN002 are fatal: when the file does not parse, or names no known
vendor or operation, nothing else can be read and the engine runs only the
MAN rules. MAN003 to MAN005 need a parsed manifest (or, for MAN003, an audio
file given alone) and no vendor.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.manifest import KNOWN_KEYS
from tapecheck.suite.pointers import join_pointer

__all__ = [
    "file_outside_folder",
    "file_unreadable",
    "manifest_not_parsable",
    "unknown_manifest_key",
    "unknown_vendor_or_operation",
]

#: Opened without blocking: a FIFO named as audio must not hang the linter.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


@rule("MAN001", "manifest-not-parsable", fix_title="Fix the syntax so the file is one mapping")
def manifest_not_parsable(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports a manifest that does not parse as JSON or YAML, or is not a
    mapping.

    `.json` files are strict JSON; an empty file and duplicate keys are
    reported too.

    The finding is positioned at the line and column where parsing stopped.
    Nothing else is checked in that file.

    ## Why is this bad?
    A manifest that does not parse describes no request at all: every other
    rule is silent about it, so a broken file would otherwise pass as clean.

    ## Example
    ```yaml
    vendor: acme
    body:
      metadata: {id: call-123
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      metadata: {id: call-123}
    ```

    ## Fix safety
    There is no automatic fix: the intended structure cannot be guessed from a
    syntax error. Duplicate keys are refused too; keep the one you mean.

    ## References
    - YAML 1.2, chapter 7 (flow style) and chapter 8 (block style)
    - RFC 8259 (JSON)
    - CONTRACT.md, section 1: "The request manifest"
    """
    error = ctx.load_error
    if error is None:
        return
    where = f" (line {error.line}, column {error.column})" if error.line else ""
    yield Violation(
        "",
        f"{error.message}{where}; fix the file so that it is one mapping of manifest keys",
    )


@rule(
    "MAN002",
    "unknown-vendor-or-operation",
    fix_title="Name a known vendor and one of its operations",
)
def unknown_vendor_or_operation(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports a manifest whose vendor or operation is unknown, or that names
    no vendor.

    A manifest without `vendor` takes the one of `--vendor`; when neither
    names one, there is nothing to check it against.

    The vendors are the specs in `specs/` and the operations their
    operationIds (`tapecheck specs` lists both). Without `operation`, the vendor's upload request is meant.

    ## Why is this bad?
    The vendor and the operation choose every schema, limit and rule that
    applies. Without them nothing else can be checked, so the file would pass
    as clean while nothing was verified.

    ## Example
    ```yaml
    vendor: acmee
    operation: uplaod
    ```

    Use instead:
    ```yaml
    vendor: acme
    operation: upload
    ```

    ## Fix safety
    There is no automatic fix. The message suggests the closest known name;
    check that it is the vendor and the request you mean.

    ## References
    - `tapecheck specs` (vendors and operations)
    - CONTRACT.md, section 1: `operation` and `--vendor`
    """
    if ctx.load_error is not None or ctx.resolve_error is None:
        return
    yield Violation(ctx.resolve_pointer, ctx.resolve_error, _closest_name(ctx))


def _closest_name(ctx: LintContext) -> str | None:
    """``Did you mean `upload`?`` for a misspelt vendor or operation."""
    from tapecheck.suite.specs import NoSuchVendorError, load_spec, vendors

    key = ctx.resolve_pointer.lstrip("/")
    written = ctx.data.get(key)
    if key not in ("vendor", "operation") or written is None:
        return None
    if key == "vendor":
        known: list[str] = list(vendors())
    else:
        try:
            known = list(load_spec(str(ctx.data.get("vendor"))).operations)
        except NoSuchVendorError:
            return None
    close = difflib.get_close_matches(str(written).lower(), known, n=1, cutoff=0.6)
    return f"Did you mean `{close[0]}`?" if close else None


@rule("MAN003", "file-unreadable", fix_title="Point at a file that exists and can be read")
def file_unreadable(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports a file named in `files` or `content` that does not exist or
    cannot be read.

    A folder where a file is expected, an empty path, and a path given on
    the command line that does not exist are reported too.

    Paths are relative to the manifest's folder.

    ## Why is this bad?
    The request cannot be sent without its file, and none of the audio rules
    can check what is not there: the manifest would look clean while its
    upload is bound to fail.

    ## Example
    ```yaml
    vendor: acme
    files:
      audio: recordings/call-123.mp3   # the file is in calls/
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: calls/call-123.mp3
    ```

    ## Fix safety
    There is no automatic fix: a file of the same name elsewhere may be another
    recording.

    ## References
    - CONTRACT.md, section 1: "Paths in `files` and `content` are relative to
      the manifest's folder"
    """
    if ctx.manifest is None:
        if ctx.load_error is None and ctx.audio_alone is not None:
            problem = _unreadable(ctx.audio_alone)
            if problem:
                yield Violation("", f"{json.dumps(ctx.path)} {problem}; check the path")
        return
    files = ctx.data.get("files")
    if isinstance(files, Mapping):
        for key, entry in files.items():
            written = entry.get("path") if isinstance(entry, Mapping) else entry
            if written == "":
                yield Violation(
                    join_pointer("files", str(key)),
                    f"`files.{key}` is an empty path; name the file to upload",
                )
    if ctx.data.get("content") == "":
        yield Violation("/content", "`content` is an empty path; name the file to upload")
    for ref in ctx.file_refs():
        problem = _unreadable(ref.resolved)
        if problem:
            yield Violation(
                ref.pointer,
                f"{_entry_name(ref.pointer)} {json.dumps(ref.written)} {problem}; check the path "
                "(relative to the manifest's folder)",
            )


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or ``None`` when it can."""
    if _readable_file(path):  # the common case in three system calls; else say why
        return None
    try:
        if not path.exists():
            if path.is_symlink():
                return "is a symbolic link to nothing (or a loop of links)"
            return "does not exist"
        if path.is_dir():
            return "is a folder, not a file"
        if not path.is_file():  # opening a FIFO for reading would block forever
            return "is not a regular file (a FIFO, socket or device)"
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"cannot be read ({reason})"
    return None


def _readable_file(path: Path) -> bool:
    """A regular file whose first byte can be read (opened without blocking on a FIFO)."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError):
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode) and os.read(fd, 1) is not None
    except OSError:
        return False
    finally:
        os.close(fd)


def _entry_name(pointer: str) -> str:
    return "`content`" if pointer == "/content" else f"`{pointer[1:].replace('/', '.')}`"


@rule(
    "MAN004",
    "file-outside-folder",
    severity="warning",
    fix_title="Keep the file in the manifest's folder tree",
)
def file_outside_folder(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns about a file path that leaves the manifest's folder tree (`..` or
    an absolute path).

    The check is lexical: an absolute path, or a relative one whose `..`
    climbs above the manifest's folder (symbolic links are not followed).
    The file is still read and checked.

    ## Why is this bad?
    A manifest is committed with its recordings. A path outside its folder
    works on one machine and breaks on every other checkout and in CI; an
    absolute path can also leak a user name or a home directory.

    ## Example
    ```yaml
    vendor: acme
    files:
      audio: ../../shared/call-123.mp3
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: audio/call-123.mp3
    ```

    ## Fix safety
    There is no automatic fix: moving the file changes the repository. Move
    or copy the recording next to the manifest, then update the path.

    ## References
    - CONTRACT.md, section 2: "MAN004 is lexical"
    """
    if ctx.manifest is None:
        return
    for ref in ctx.file_refs():
        if ctx.leaves_folder(ref.written):
            written = ref.written
            absolute = written.startswith(("/", "\\")) or (len(written) > 1 and written[1] == ":")
            how = "is absolute" if absolute else "climbs out of the manifest's folder with `..`"
            yield Violation(
                ref.pointer,
                f"{_entry_name(ref.pointer)} {json.dumps(ref.written)} {how}; keep the file in the "
                "manifest's folder tree and write a relative path",
            )


@rule("MAN005", "unknown-manifest-key", severity="warning", fix_title="Remove or rename the key")
def unknown_manifest_key(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns about an unknown top-level manifest key.

    The known keys are `vendor`, `operation`, `path`, `query`, `headers`,
    `body`, `files`, `content` and `auth`.

    ## Why is this bad?
    An unknown key is ignored, so its content never reaches the request: a
    misspelt `header:` sends no headers at all, and a body field written at
    the top level is not sent.

    ## Example
    ```yaml
    vendor: acme
    header: {Authorization: "Bearer ${ACME_API_KEY}"}
    ```

    Use instead:
    ```yaml
    vendor: acme
    headers: {Authorization: "Bearer ${ACME_API_KEY}"}
    ```

    ## Fix safety
    There is no automatic fix. Renaming a key to the suggested one is safe when
    it was a misspelling; a body field written at the top level belongs under
    `body`.

    ## References
    - CONTRACT.md, section 1: "The request manifest"
    """
    if ctx.manifest is None:
        return
    known = sorted(KNOWN_KEYS)
    for key in ctx.data:
        name = str(key)
        if name in KNOWN_KEYS:
            continue
        close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
        yield Violation(
            join_pointer(name),
            f"unknown manifest key `{name}` is ignored; {hint}",
            f"Rename it to `{close[0]}`" if close else None,
        )
