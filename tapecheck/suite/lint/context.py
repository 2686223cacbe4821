"""What a rule sees: one manifest (or one audio file) read as the request it describes.

A :class:`LintContext` is built once per linted file. It resolves the vendor and
the operation, reads headers case-insensitively, resolves file paths relative
to the manifest, parses JSON form fields once and probes each audio file once;
rules only ask. Nothing here reports: rules yield violations.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from tapecheck.suite.manifest import Manifest, ManifestError, is_env_reference
from tapecheck.suite.pointers import follow, join_pointer, split_pointer
from tapecheck.suite.specs import (
    NoSuchOperationError,
    NoSuchVendorError,
    Operation,
    Spec,
    load_spec,
)

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = [
    "AudioLimits",
    "AudioTarget",
    "FileRef",
    "JsonField",
    "LintContext",
    "Locator",
    "scalar_text",
]

_T = TypeVar("_T")

if TYPE_CHECKING:
    _once = functools.cached_property
else:

    class _once:
        """``functools.cached_property`` without its lock (Python 3.11 takes one on every
        first read, a few microseconds a context): a context is read by one thread."""

        def __init__(self, compute):
            self._compute = compute
            self._name = compute.__name__
            self.__doc__ = compute.__doc__

        def __set_name__(self, owner, name):
            self._name = name

        def __get__(self, instance, owner=None):
            if instance is None:
                return self
            value = instance.__dict__[self._name] = self._compute(instance)
            return value


#: body_property's answers, per spec (digest and source), operation, media type and name.
_BODY_PROPERTIES: dict[tuple[str, str, str, str, str], Mapping[str, Any] | None] = {}
#: The limits of operations without configured overrides, per spec and operation.
_SPEC_LIMITS: dict[tuple[str, str, str], AudioLimits] = {}
_MAX_KEPT = 4096

#: A manifest key whose value names a file on disk.
_FILE_KEYS = ("files", "content")


@dataclass(frozen=True)
class AudioLimits:
    """The limits in force for one operation: the spec's, overridden by configuration."""

    max_bytes: int | None = None
    max_duration_s: float | None = None
    formats: frozenset[str] | None = None  # None: any audio

    @classmethod
    def from_operation(
        cls, operation: Operation | None, overrides: Mapping[str, Any] | None = None
    ) -> AudioLimits:
        audio: Mapping[str, Any] = (operation.audio if operation else None) or {}
        overrides = overrides or {}
        formats = overrides.get("formats", audio.get("formats", "any"))
        return cls(
            max_bytes=overrides.get("max-bytes", audio.get("max-bytes")),
            max_duration_s=overrides.get("max-duration-s", audio.get("max-duration-s")),
            formats=None if formats in (None, "any") else frozenset(formats),
        )


@dataclass(frozen=True)
class FileRef:
    """A file the manifest names: a ``files`` entry or the raw ``content``."""

    pointer: str  # /files/audio or /content
    key: str  # the part name, or "" for the raw body
    written: str  # the path as written in the manifest
    resolved: Path  # the path on disk (relative to the manifest's folder)
    content_type: str | None = None  # the part's or raw body's declared Content-Type
    content_type_pointer: str | None = None


@dataclass(frozen=True)
class AudioTarget:
    """A file that holds the operation's audio, with what the request declares of it."""

    ref: FileRef
    #: (pointer, value, what) for each declared type: the extension, the part or body
    #: Content-Type, and the body field (``fileType``, ``content_type``).
    declared_types: tuple[tuple[str, str, str], ...] = ()
    #: (pointer, value) of a body field declaring the size (``fileSize``).
    declared_size: tuple[str, Any] | None = None


@dataclass(frozen=True)
class JsonField:
    """A form field that carries a JSON document, parsed once."""

    name: str
    pointer: str
    raw: Any  # as written: a string, or an already structured value
    value: Any = None  # the parsed document (or ``raw`` when it was structured)
    error: str | None = None  # why the string is not JSON


class Locator:
    """Turns manifest pointers into 1-based line/column positions."""

    def __init__(self, manifest: Manifest | None) -> None:
        self._manifest = manifest

    def __call__(self, pointer: str) -> tuple[int, int]:
        return self._manifest.position(pointer) if self._manifest else (1, 1)


@dataclass
class LintContext:
    """One linted file: a manifest, or an audio file given alone."""

    path: str
    manifest: Manifest | None = None
    load_error: ManifestError | None = None
    #: MAN002: why the vendor or operation could not be resolved.
    resolve_error: str | None = None
    resolve_pointer: str = ""
    vendor: str | None = None
    spec: Spec | None = None
    operation: Operation | None = None
    limits: AudioLimits = field(default_factory=AudioLimits)
    audio_alone: Path | None = None  # set when an audio file is linted without a manifest
    _probes: dict[Path, AudioInfo] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- building ------------------------------------------------------------

    @classmethod
    def for_manifest(
        cls,
        loaded: Manifest | ManifestError,
        *,
        default_vendor: str | None,
        limit_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> LintContext:
        if isinstance(loaded, ManifestError):
            return cls(path=loaded.path, load_error=loaded)
        ctx = cls(path=loaded.path, manifest=loaded)
        vendor_value = loaded.data.get("vendor", default_vendor)
        vendor_pointer = "/vendor" if "vendor" in loaded.data else ""
        if vendor_value is None:
            ctx.resolve_error = "the manifest names no vendor; add `vendor:` or pass --vendor"
            ctx.resolve_pointer = "/vendor"
            return ctx
        try:
            spec = load_spec(str(vendor_value))
        except NoSuchVendorError as exc:
            ctx.resolve_error = str(exc)
            ctx.resolve_pointer = vendor_pointer
            return ctx
        operation_value = loaded.data.get("operation")
        try:
            operation = spec.operation(None if operation_value is None else str(operation_value))
        except NoSuchOperationError as exc:
            ctx.resolve_error = str(exc)
            ctx.resolve_pointer = "/operation"
            return ctx
        ctx.vendor, ctx.spec, ctx.operation = spec.vendor, spec, operation
        overrides = (limit_overrides or {}).get(spec.vendor)
        if overrides:
            ctx.limits = AudioLimits.from_operation(operation, overrides)
        else:  # the spec's own limits: the same for every manifest of the operation
            key = (spec.sha256, spec.source, operation.operation_id)
            limits = _SPEC_LIMITS.get(key)
            if limits is None:
                limits = AudioLimits.from_operation(operation)
                if len(_SPEC_LIMITS) < _MAX_KEPT:
                    _SPEC_LIMITS[key] = limits
            ctx.limits = limits
        return ctx

    @classmethod
    def for_audio(
        cls,
        path: Path,
        *,
        display: str,
        vendor: str,
        limit_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> LintContext:
        """An audio file checked against the upload limits of ``vendor``'s default operation."""
        spec = load_spec(vendor)
        operation = spec.default_operation
        return cls(
            path=display,
            vendor=spec.vendor,
            spec=spec,
            operation=operation,
            limits=AudioLimits.from_operation(operation, (limit_overrides or {}).get(spec.vendor)),
            audio_alone=path,
        )

    @property
    def vendor_title(self) -> str:
        """The vendor as messages name it: the spec's title (``Acme``), else its name."""
        return self.spec.title if self.spec else str(self.vendor)

    @property
    def fatal(self) -> bool:
        """True when only MAN001/MAN002 can be reported (nothing else can be read)."""
        return self.load_error is not None or self.resolve_error is not None

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()`` once per context and ``key``: rules of one family share one pass.

        The schema rules validate a request once and each of SCH001-SCH006 keeps
        its own findings; a key names the family that computes it (``"schema"``).
        """
        if key not in self._memo:
            self._memo[key] = compute()
        value: _T = self._memo[key]
        return value

    @property
    def locate(self) -> Locator:
        return Locator(self.manifest)

    # -- the request ---------------------------------------------------------

    @property
    def data(self) -> Mapping[str, Any]:
        return self.manifest.data if self.manifest else {}

    def section(self, key: str) -> Mapping[str, Any]:
        """``path``, ``query``, ``headers`` or ``body`` as a mapping (empty when absent or not a mapping)."""
        value = self.data.get(key)
        return value if isinstance(value, Mapping) else {}

    @property
    def body(self) -> Any:
        return self.data.get("body")

    def header(self, name: str) -> tuple[str, Any] | None:
        """``(pointer, value)`` of a header, matched case-insensitively."""
        wanted = name.lower()
        for key, value in self.section("headers").items():
            if str(key).lower() == wanted:
                return join_pointer("headers", str(key)), value
        return None

    def header_pointer(self, name: str) -> str:
        """The pointer of a header, present or not (missing: the spec's spelling)."""
        found = self.header(name)
        return found[0] if found else join_pointer("headers", name)

    @property
    def media_type(self) -> str | None:
        """The request's media type: declared by the spec, or by Content-Type for raw bodies."""
        if self.operation is None or not self.operation.media_types:
            return None
        return self.operation.media_types[0]

    @property
    def is_multipart(self) -> bool:
        return self.media_type == "multipart/form-data"

    def body_property(self, name: str) -> Mapping[str, Any] | None:
        """The spec's schema of the top-level body property ``name`` (resolved), or ``None``."""
        body = self.operation.request_body if self.operation else None
        media = self.media_type
        if self.spec is None or self.operation is None or body is None or media is None:
            return None
        # The same answer for every manifest of the operation: kept per process.
        key = (self.spec.sha256, self.spec.source, self.operation.operation_id, media, name)
        if key in _BODY_PROPERTIES:
            return _BODY_PROPERTIES[key]
        schema = self.spec.resolve(body.get("content", {}).get(media, {}).get("schema", {}))
        properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        found = properties.get(name) if isinstance(properties, Mapping) else None
        resolved = self.spec.resolve(found) if isinstance(found, Mapping) else None
        if len(_BODY_PROPERTIES) < _MAX_KEPT:
            _BODY_PROPERTIES[key] = resolved
        return resolved

    @_once
    def files(self) -> dict[str, FileRef]:
        """The ``files`` entries that name a path (others are left to the schema rules)."""
        found: dict[str, FileRef] = {}
        files = self.data.get("files")
        if not isinstance(files, Mapping):
            return found
        for key, entry in files.items():
            pointer = join_pointer("files", str(key))
            written, content_type, type_pointer = entry, None, None
            if isinstance(entry, Mapping):
                written = entry.get("path")
                content_type = entry.get("content_type")
                type_pointer = pointer + "/content_type" if content_type is not None else None
                if isinstance(written, str):
                    pointer_for_path = pointer
                else:
                    continue
            else:
                pointer_for_path = pointer
            if not isinstance(written, str) or not written:
                continue
            found[str(key)] = FileRef(
                pointer=pointer_for_path,
                key=str(key),
                written=written,
                resolved=self._resolve(written),
                content_type=content_type if isinstance(content_type, str) else None,
                content_type_pointer=type_pointer,
            )
        return found

    @_once
    def content(self) -> FileRef | None:
        written = self.data.get("content")
        if not isinstance(written, str) or not written:
            return None
        found = self.header("Content-Type")
        content_type = found[1] if found and isinstance(found[1], str) else None
        return FileRef(
            pointer="/content",
            key="",
            written=written,
            resolved=self._resolve(written),
            content_type=content_type,
            content_type_pointer=found[0] if found else None,
        )

    def file_refs(self) -> Iterator[FileRef]:
        """Every file the manifest names, ``files`` first, then ``content``."""
        yield from self.files.values()
        if self.content is not None:
            yield self.content

    def _resolve(self, written: str) -> Path:
        if self.manifest is None:
            return Path(written)
        return _resolved(self.manifest.directory, written)

    @staticmethod
    def leaves_folder(written: str) -> bool:
        """Lexically: an absolute path, or ``..`` climbing above the manifest's folder."""
        if written.startswith(("/", "\\")) or (len(written) > 1 and written[1] == ":"):
            return True
        if ".." not in written:
            return False  # no part climbs: the depth never falls below zero
        depth = 0
        for part in PurePosixPath(written.replace("\\", "/")).parts:
            if part == "..":
                depth -= 1
                if depth < 0:
                    return True
            elif part not in (".", ""):
                depth += 1
        return False

    # -- JSON form fields --------------------------------------------------

    @_once
    def json_fields(self) -> dict[str, JsonField]:
        """The operation's JSON-carrying form fields present in the body, parsed."""
        names = (self.operation.ext.get("json-fields", []) if self.operation else []) or []
        body = self.body if isinstance(self.body, Mapping) else {}
        parsed: dict[str, JsonField] = {}
        for name in names:
            if name not in body:
                continue
            raw = body[name]
            pointer = join_pointer("body", name)
            if isinstance(raw, str):
                try:
                    parsed[name] = JsonField(name, pointer, raw, json.loads(raw))
                except (ValueError, RecursionError) as exc:
                    parsed[name] = JsonField(name, pointer, raw, None, _json_error(exc))
            else:
                parsed[name] = JsonField(name, pointer, raw, raw)
        return parsed

    @_once
    def request_body(self) -> Any:
        """The body as the vendor reads it: JSON form fields parsed, file parts present.

        For multipart bodies, file parts from ``files`` appear as the placeholder
        string ``"<file>"`` so ``required`` and unknown-part checks see them.
        Fields whose JSON does not parse are left out (their rule reports them).
        """
        body = self.body
        if not self.is_multipart:
            return body
        form: dict[str, Any] = dict(body) if isinstance(body, Mapping) else {}
        for name, field_ in self.json_fields.items():
            if field_.error is None:
                form[name] = field_.value
            else:
                del form[name]
        files = self.data.get("files")
        if isinstance(files, Mapping):
            for key in files:
                form.setdefault(str(key), "<file>")
        return form

    # -- audio --------------------------------------------------------------

    @_once
    def audio_targets(self) -> list[AudioTarget]:
        """The files holding the operation's audio, with their declared types and sizes."""
        if self.audio_alone is not None:
            name = self.audio_alone.name
            ref = FileRef(pointer="", key="", written=name, resolved=self.audio_alone)
            return [AudioTarget(ref, declared_types=(("", name, "file extension"),))]
        audio = self.operation.audio if self.operation else None
        if not audio:
            return []
        refs: list[FileRef] = []
        if audio.get("location") == "content":
            if self.content is not None:
                refs.append(self.content)
        else:
            refs += [self.files[part] for part in audio.get("parts", []) if part in self.files]
        body = self.body if isinstance(self.body, Mapping) else {}
        targets = []
        for ref in refs:
            declared: list[tuple[str, str, str]] = [(ref.pointer, ref.written, "file extension")]
            if ref.content_type:
                what = "Content-Type header" if ref.key == "" else "part Content-Type"
                declared.append((ref.content_type_pointer or ref.pointer, ref.content_type, what))
            type_field = audio.get("declared-type")
            if type_field and self._declared_type_applies(type_field, body):
                value = _pointer_value(body, type_field["pointer"])
                if isinstance(value, str):
                    field_pointer = "/body" + type_field["pointer"]
                    declared.append((field_pointer, value, f"`{type_field['pointer'][1:]}`"))
            size: tuple[str, Any] | None = None
            size_field = audio.get("declared-size")
            if size_field:
                value = _pointer_value(body, size_field["pointer"], missing=_MISSING)
                if value is not _MISSING:
                    size = ("/body" + size_field["pointer"], value)
            targets.append(AudioTarget(ref, tuple(declared), size))
        return targets

    @staticmethod
    def _declared_type_applies(type_field: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
        when = type_field.get("when")
        if not when:
            return True
        return _pointer_value(body, when["pointer"]) in when["in"]

    def probe(self, ref: FileRef, status: os.stat_result | None = None) -> AudioInfo:
        """The probe's verdict on a file, computed once per file and version of it.

        A thousand manifests naming the same ``call.wav`` probe it once: the
        verdict is kept for the process, keyed by the file's identity, size and
        modification time, so a file changed in between is probed again.
        """
        cached = self._probes.get(ref.resolved)
        if cached is None:
            from tapecheck.suite.lint._probe_cache import probe_once

            cached = self._probes[ref.resolved] = probe_once(ref.resolved, status)
        return cached

    # -- credentials ----------------------------------------------------------

    def credential_values(self) -> Iterator[tuple[str, Any, str]]:
        """``(pointer, value, scheme)`` of every credential the request carries."""
        if self.spec is None:
            return
        schemes = self.spec.raw.get("components", {}).get("securitySchemes", {})
        for name, scheme in schemes.items():
            kind = scheme.get("type")
            if kind == "http" and scheme.get("scheme", "").lower() == "bearer":
                found = self.header("Authorization")
                if found:
                    yield found[0], found[1], name
            elif kind == "apiKey":
                location, key = scheme.get("in"), scheme.get("name", "")
                if location == "header":
                    found = self.header(key)
                    if found:
                        yield found[0], found[1], name
                elif location == "query" and key in self.section("query"):
                    yield join_pointer("query", key), self.section("query")[key], name

    @_once
    def credential_kind(self) -> str | None:
        """The credential kind: the manifest's ``auth`` wins, else a literal token's prefix."""
        declared = self.data.get("auth")
        if isinstance(declared, str) and declared:
            return declared
        if self.spec is None:
            return None
        for _pointer, value, _scheme in self.credential_values():
            if not isinstance(value, str) or is_env_reference(value):
                continue
            # "Bearer " with nothing after it carries no token, so no prefix to read.
            token = (
                value[len("bearer ") :].strip() if value.lower().startswith("bearer ") else value
            )
            if not token:
                continue
            for credential in self.spec.credentials:
                if any(token.startswith(prefix) for prefix in credential.get("prefixes", [])):
                    return str(credential["kind"])
        return None


_MISSING = object()


@functools.lru_cache(maxsize=4096)
def _resolved(folder: Path, written: str) -> Path:
    """A file named in a manifest, on disk: a thousand manifests naming one share its Path."""
    path = Path(written)
    return path if path.is_absolute() else folder / path


def scalar_text(value: Any) -> Any:
    """A manifest value as the text it stands for, where YAML read it as something else.

    YAML turns an unquoted ``2024-01-15T14:30:00Z`` into a ``datetime`` and
    ``2024-01-15`` into a ``date``; a request carries text, so those come back
    as their ISO 8601 text. Every other value is returned unchanged.
    """
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _pointer_value(document: Any, pointer: str, *, missing: Any = None) -> Any:
    found, value = follow(document, split_pointer(pointer))
    return value if found else missing


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)
