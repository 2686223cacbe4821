"""Audio rules (AUD): the file a request uploads, judged by its content.

Each audio file of the request (``ctx.audio_targets``: a multipart part, the
raw body, or the local file behind a signed URL; or an audio file linted
alone) is probed once. A file that is missing is MAN003's; an empty file is
AUD006 alone and a file of no known format AUD005 alone. Otherwise every rule
that holds is reported: a truncated MP3 over the size limit is AUD005 and
AUD001. Limits come from ``ctx.limits``: the spec's, overridden by the
configuration. Which files, in which state: :mod:`~tapecheck.suite.lint._audio_targets`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from tapecheck.suite.lint._audio_targets import probed_files, sound_files
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.lint.wording import (
    distinct_sizes,
    format_list,
    format_name,
    human_bytes,
    human_duration,
)
from tapecheck.suite.manifest import is_env_reference

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = [
    "audio_damaged",
    "audio_empty",
    "audio_format_not_accepted",
    "audio_too_large",
    "audio_too_long",
    "declared_size_mismatch",
    "declared_type_mismatch",
]

#: Content-Types that say "bytes", not which audio.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


# -- the rules -------------------------------------------------------------------------


@rule("AUD001", "audio-too-large", fix_title="Compress or split the recording")
def audio_too_large(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks the audio file's size against the vendor's upload limit.

    The default is the vendor's size limit, as its spec writes it
    (`x-tapecheck.audio.max-bytes`, quoting the vendor's docs; 1 MB =
    1,000,000 bytes unless the vendor says MiB); a vendor without a
    documented limit is not checked.

    Limits can be changed per vendor with `max-bytes` in
    `[tool.tapecheck.limits.<vendor>]`.

    ## Why is this bad?
    The vendor refuses the upload (400 or 413), often only after the whole
    file has been sent, which wastes the time and bandwidth of a large upload.

    ## Example
    ```yaml
    vendor: acme            # its spec: audio.max-bytes 25000000 (25 MB)
    files:
      audio: call-123.wav   # 26.2 MB of PCM
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: call-123.mp3   # the same call, encoded: 3.1 MB
    ```

    ## Fix safety
    There is no automatic fix. Re-encoding (WAV to MP3) keeps the whole
    recording at a lower fidelity; splitting it creates two recordings on the
    vendor's side. Check which the vendor's processing expects.

    ## References
    - The operation's `x-tapecheck.audio.max-bytes` in `specs/<vendor>.yaml`
    - The vendor's upload docs, quoted in the limit's `source`
    - CONTRACT.md, section 2: limits per vendor
    """
    limit = ctx.limits.max_bytes
    if limit is None:
        return
    for probed in sound_files(ctx):
        size = probed.info.size
        if size > limit:
            shown, limit_shown = distinct_sizes(size, limit)
            yield Violation(
                probed.pointer,
                f"audio {probed.name} is {shown} ({size:,} bytes); {ctx.vendor_title} accepts at "
                f"most {limit_shown} ({limit:,} bytes); compress or split the recording",
            )


@rule("AUD002", "audio-too-long", fix_title="Split the recording")
def audio_too_long(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks the audio's duration against the vendor's duration limit.

    The duration is read from the file's headers, never by decoding it. The
    default is the vendor's duration limit, as its spec writes it
    (`x-tapecheck.audio.max-duration-s`); vendors without one are not
    checked, nor are files whose duration cannot be known from their headers.

    The limit can be changed with `max-duration-s` in
    `[tool.tapecheck.limits.<vendor>]` (for a later version of the vendor's
    docs that allows more).

    ## Why is this bad?
    The vendor refuses a recording over its duration limit, or cuts it, and
    the refusal may come only after the upload or during processing.

    ## Example
    ```yaml
    vendor: acme              # its spec: audio.max-duration-s 3600
    content: ward-round.mp3   # 1 h 12 min
    ```

    Use instead:
    ```yaml
    vendor: acme
    content: ward-round-part1.mp3   # 40 min
    ```

    ## Fix safety
    There is no automatic fix. Splitting a recording creates several
    recordings on the vendor's side; cut at a pause, and upload each part to
    the same interaction if the vendor allows it.

    ## References
    - The operation's `x-tapecheck.audio.max-duration-s` in `specs/<vendor>.yaml`
    - The vendor's upload docs, quoted in the limit's `source`
    """
    limit = ctx.limits.max_duration_s
    if limit is None:
        return
    for probed in sound_files(ctx):
        duration = probed.info.duration_s
        if duration is not None and duration > limit:
            yield Violation(
                probed.pointer,
                f"audio {probed.name} lasts {human_duration(duration)} ({duration:,.1f} s); "
                f"{ctx.vendor_title} accepts at most {human_duration(limit)} ({limit:,g} s); "
                "split the recording",
            )


@rule("AUD003", "audio-format-not-accepted", fix_title="Convert the audio to an accepted format")
def audio_format_not_accepted(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the audio's real format, found from its content, is one the
    vendor accepts.

    The file's name plays no part here. The accepted formats are the
    operation's `x-tapecheck.audio.formats` in the vendor's spec (`any` for
    any audio).

    Formats can be changed with `formats` in `[tool.tapecheck.limits.<vendor>]`.

    ## Why is this bad?
    The vendor refuses a format it does not take (400 or 415), or accepts the
    upload and then fails to process it, which shows up only later as a
    failed job.

    ## Example
    ```yaml
    vendor: acme            # its spec: audio.formats [mp3, wav]
    files:
      audio: call-123.mp3   # really FLAC, renamed
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: call-123.mp3   # encoded as MP3
    ```

    ## Fix safety
    There is no automatic fix. Converting between lossy formats loses quality
    each time; convert from the original recording when you have it.

    ## References
    - The operation's `x-tapecheck.audio.formats` in `specs/<vendor>.yaml`
    - The vendor's upload docs, quoted in the formats' `source`
    """
    accepted = ctx.limits.formats
    if accepted is None:
        return
    for probed in sound_files(ctx):
        if probed.info.format not in accepted:
            yield Violation(
                probed.pointer,
                f"audio {probed.name} is {_content(probed.info)}; {ctx.vendor_title} accepts only "
                f"{format_list(accepted)}; convert the recording",
            )


@rule(
    "AUD004",
    "declared-type-mismatch",
    fix_title="Declare the type the content really has",
)
def declared_type_mismatch(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks each type the request declares for its audio against the audio's
    content.

    Declared types are the file extension, a part's or the raw body's
    `Content-Type`, and a body field that names the type (the spec's
    `x-tapecheck.audio.declared-type`, such as a `fileType` or a
    `content_type`).

    Types match by meaning: `audio/mpeg` = `audio/mp3`; `audio/wav` =
    `audio/wave` = `audio/x-wav`; `audio/mp4` = `audio/m4a`; Ogg Opus matches
    `audio/opus` and `audio/ogg`; a declared value stands for the formats the
    spec maps it to (an `aac` that matches AAC in ADTS or in MP4).
    A generic `application/octet-stream` declares nothing. The finding points
    at the declaration: the file entry for an extension, the header or field
    otherwise.

    ## Why is this bad?
    Vendors pick a decoder from the declared type. A mislabelled file is
    refused, fails in processing, or, for signed URLs, is stored under a
    Content-Type that breaks playback.

    ## Example
    ```yaml
    vendor: acme   # its spec: audio.declared-type at /fileType
    body: {downloadUrl: "https://storage.example.com/c.mp3", fileType: mp3}
    files: {audio: call.wav}   # WAV content
    ```

    Use instead:
    ```yaml
    vendor: acme
    body: {downloadUrl: "https://storage.example.com/c.wav", fileType: wav}
    files: {audio: call.wav}
    ```

    ## Fix safety
    There is no automatic fix. Changing the declaration is safe when the
    content is what you meant to send; if the wrong file was picked, fix the
    path instead.

    ## References
    - RFC 6838 (media types); RFC 3003 (`audio/mpeg`); RFC 7845 (Ogg Opus)
    - The operation's `x-tapecheck.audio.declared-type` in `specs/<vendor>.yaml`
    - CONTRACT.md, section 2: "Declared types match by meaning"
    """
    from tapecheck.suite.audio import EXTENSION_BY_FORMAT, formats_for_extension, formats_for_mime

    audio = (ctx.operation.audio if ctx.operation else None) or {}
    declared_type = audio.get("declared-type") or {}
    values: Mapping[str, Sequence[str]] = declared_type.get("values") or {}
    for probed in sound_files(ctx):
        real = probed.info.format
        for pointer, value, what in probed.target.declared_types:
            if not isinstance(value, str) or is_env_reference(value):
                continue
            if what == "file extension":
                claimed = formats_for_extension(value)
                if claimed is None or real in claimed:
                    continue
                suffix = value[value.rfind(".") :] if "." in value else value
                yield Violation(
                    pointer,
                    f"the file extension `{suffix}` of {probed.name} says "
                    f"{format_list(claimed)}, but the content is {_content(probed.info)}; "
                    f"rename it to `{EXTENSION_BY_FORMAT.get(real, '')}` or convert it",
                )
                continue
            if pointer.startswith("/body/"):
                if values:
                    if value not in values:
                        continue  # not a value of the spec's list: SCH003
                    claimed = frozenset(values[value])
                else:
                    claimed = formats_for_mime(_essence(value))
                if real in claimed:
                    continue
                better = [key for key, formats in values.items() if real in formats]
                fix = (
                    f"send `{pointer.rsplit('/', 1)[1]}: {better[0]}`"
                    if better
                    else f"{ctx.vendor_title} takes no {format_name(real)} here; convert the recording"
                )
                yield Violation(
                    pointer,
                    f"{what} {json.dumps(value)} says {format_list(claimed)}, but {probed.name} is "
                    f"{_content(probed.info)}; {fix}",
                )
                continue
            essence = _essence(value)
            if essence in _GENERIC_TYPES:
                continue
            claimed = formats_for_mime(essence)
            if real in claimed:
                continue
            says = format_list(claimed) if claimed else "no audio format tapecheck knows"
            mime = probed.info.mime or ""
            yield Violation(
                pointer,
                f"{what} `{value}` says {says}, but {probed.name} is {_content(probed.info)}"
                + (f"; send `{mime}`" if mime else ""),
            )


@rule("AUD005", "audio-damaged", fix_title="Re-export the recording from its source")
def audio_damaged(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports an audio file that is corrupt, truncated, or of no known audio
    format.

    That is: no readable header or stream, no audio format tapecheck
    recognises, or a header that contradicts the file, such as a WAV data
    chunk larger than the file.

    A file of no known format (random bytes, a text file) gets this finding
    alone; a damaged file of a known format is also checked by the other
    audio rules.

    ## Why is this bad?
    Vendors refuse such files (400), or accept them and fail or cut them in
    processing: a truncated recording loses its end without anyone noticing.

    ## Example
    ```yaml
    vendor: acme
    files:
      audio: call-123.wav   # copy interrupted: header says 30 s, file holds 12 s
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: call-123.wav   # complete copy
    ```

    ## Fix safety
    There is no automatic fix: repairing a header to match a truncated file
    makes it "valid" but still cut. Copy or export the recording again from
    its source.

    ## References
    - `tapecheck probe FILE` (what the file really holds)
    - RIFF/WAVE (Microsoft Multimedia Programming Interface, 1991); ISO/IEC
      11172-3 (MP3 frames); ISO/IEC 14496-12 (MP4)
    """
    for probed in probed_files(ctx):
        if probed.state == "unknown":
            reasons = [p.message for p in probed.info.problems]
            reason = "; ".join(reasons) or "no audio format recognised"
            yield Violation(
                probed.pointer,
                f"{probed.name} is not audio tapecheck recognises ({reason}); check that it "
                "is the recording you mean",
            )
        elif probed.state == "sound":
            damage = [p.message for p in probed.info.problems if p.kind in ("truncated", "corrupt")]
            if damage:
                kinds = {p.kind for p in probed.info.problems}
                how = "truncated" if "truncated" in kinds else "corrupt"
                yield Violation(
                    probed.pointer,
                    f"{probed.name} is {how}: {'; '.join(damage)}; re-export the recording",
                )


@rule("AUD006", "audio-empty", fix_title="Upload the recording, not an empty file")
def audio_empty(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports an audio file that is empty: 0 bytes, or 0 seconds of audio.

    A valid header around no audio at all counts as empty. No other audio
    rule is reported for that file.

    ## Why is this bad?
    Vendors refuse empty uploads (400), and a signed URL for 0 bytes cannot
    carry the recording. An empty file usually means an export or a download
    that failed.

    ## Example
    ```yaml
    vendor: acme
    files:
      audio: interview.mp3   # 0 bytes
    ```

    Use instead:
    ```yaml
    vendor: acme
    files:
      audio: interview.mp3   # the exported recording
    ```

    ## Fix safety
    There is no automatic fix: export or download the recording again.

    ## References
    - `tapecheck probe FILE`
    - CONTRACT.md, section 2: "a 0-byte file AUD006 alone"
    """
    for probed in probed_files(ctx):
        if probed.state == "empty":
            what = (
                "is empty (0 bytes)"
                if probed.info.size == 0
                else f"holds no audio (0 s in {probed.info.size:,} bytes)"
            )
            yield Violation(
                probed.pointer,
                f"{probed.name} {what}; export or download the recording again",
            )


@rule("AUD007", "declared-size-mismatch", fix_title="Declare the file's real size")
def declared_size_mismatch(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks a declared audio size (`fileSize`, `file_size_bytes`) against the
    file's real size.

    The file is the one in `files.audio`. Like every audio finding, this one
    points at the file entry (`/files/audio`); the message names the field
    to change.

    ## Why is this bad?
    Signed upload URLs are bound to the declared size: a storage host that
    signs `x-goog-content-length-range: 0,<fileSize>` takes at most that, so a
    larger file is refused with 403, and a smaller declaration than the file
    truncates nothing but fails the PUT.

    ## Example
    ```yaml
    vendor: acme   # its spec: audio.declared-size at /fileSize
    operation: signed-urls
    body: {fileType: mp3, fileSize: 1000000}
    files: {audio: call.mp3}   # 1,482,113 bytes
    ```

    Use instead:
    ```yaml
    vendor: acme
    operation: signed-urls
    body: {fileType: mp3, fileSize: 1482113}
    files: {audio: call.mp3}
    ```

    ## Fix safety
    There is no automatic fix in tapecheck. Setting the declared size to the
    file's size is safe as long as the same file is then uploaded; compute it
    when the request is built (`os.stat`) rather than writing it by hand.

    ## References
    - The operation's `x-tapecheck.audio.declared-size` in `specs/<vendor>.yaml`
    - Google Cloud Storage, "Signed URLs" (`x-goog-content-length-range`)
    """
    for probed in sound_files(ctx):
        declared = probed.target.declared_size
        if declared is None:
            continue
        pointer, value = declared
        if isinstance(value, bool) or not isinstance(value, int):
            continue  # not a number of bytes: the schema rules report it
        size = probed.info.size
        if value != size:
            field = pointer.rsplit("/", 1)[1]
            yield Violation(
                probed.pointer,
                f"`{field}` declares {value:,} bytes, but {probed.name} is {size:,} bytes "
                f"({human_bytes(size)}); declare `{field}: {size}`",
            )


# -- naming ----------------------------------------------------------------------------


def _content(info: AudioInfo) -> str:
    name = format_name(info.format)
    return f"{name} ({info.mime})" if info.mime else name


def _essence(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
