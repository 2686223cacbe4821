"""The evidence of a failure: what the request carried, and the commands that replay it.

A :class:`Body` is how a request's body was made (JSON, form fields, file parts,
raw bytes or a streamed file), kept beside the request so that a report can
show it (:func:`describe`: JSON and form fields as text, file parts and binary
bodies as ``<N bytes, audio/mpeg, sha256 ...>``) and :func:`reproduce` can
write ``curl`` commands that send it again from the report folder: credentials
as ``${TAPECHECK_TOKEN}`` (``${TAPECHECK_DEVICE_TOKEN}``, ``${TAPECHECK_OTHER_TOKEN}``),
the base URL as given (``${TAPECHECK_BASE_URL}`` for the embedded mock), file
parts and binary bodies read from ``reproduce/``, and before the request the
set-up calls whose answers it names (an id, a signed URL), their values
captured from the answers as the run captured them.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "EVIDENCE_FOLDER",
    "Body",
    "Part",
    "Record",
    "body_of_call",
    "body_of_request",
    "describe",
    "remember",
    "reproduce",
    "save",
]

#: Where the commands find the files they send, relative to the report folder.
EVIDENCE_FOLDER = "reproduce"
#: Text bodies up to this size go inline in the command; longer ones to a file.
_INLINE = 2048
#: Request headers curl sets itself, or that would only pin this run's connection.
_SKIP_HEADERS = frozenset(
    {"host", "content-length", "user-agent", "accept", "accept-encoding", "connection"}
)
_CHUNK = 1 << 20
#: At most this many set-up calls before the request.
_MAX_STEPS = 8
#: Values shorter than this are not looked for (too likely to occur by chance).
_MIN_VALUE = 6


@dataclass(frozen=True)
class Part:
    """One multipart file part: its field, filename, type and content (bytes or a file)."""

    field: str
    filename: str
    content_type: str
    data: bytes | Path


@dataclass(frozen=True)
class Body:
    """How a request's body was made."""

    #: ``none``, ``raw`` (bytes or a streamed file) or ``multipart`` (form fields and parts)
    kind: str = "none"
    raw: bytes | Path | None = None
    content_type: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = ()


@dataclass
class Record:
    """One request as it was sent (credentials in clear: it never leaves the process)."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: Body
    status: int | None = None
    answer: Any = None  # the JSON body of a success, for the values later requests name
    #: value -> where it is in ``answer`` (the first place it occurs)
    values: dict[str, tuple[str | int, ...]] = field(default_factory=dict)


# -- the body ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value) if value is not None else ""


def body_of_call(
    *,
    json_body: Any = None,
    data: Mapping[str, Any] | None = None,
    files: Any = None,
    content: Any = None,
    content_type: str = "",
) -> Body | None:
    """The body a :meth:`Session.call` sends; None when httpx's own bytes tell it all."""
    if files:
        items = files.items() if isinstance(files, Mapping) else files
        parts = []
        for name, spec in items:
            given = list(spec) if isinstance(spec, tuple | list) else [name, spec]
            filename, handle, part_type = [*given, "", None, ""][:3]
            data_source: bytes | Path
            if isinstance(handle, bytes | bytearray):
                data_source = bytes(handle)
            elif isinstance(handle, str):
                data_source = handle.encode()
            elif getattr(handle, "name", None):
                data_source = Path(handle.name)
            else:
                continue
            parts.append(Part(str(name), str(filename or name), str(part_type or ""), data_source))
        fields = tuple((str(k), _text(v)) for k, v in (data or {}).items())
        return Body("multipart", fields=fields, parts=tuple(parts))
    path = getattr(content, "path", None)
    if isinstance(path, Path):
        return Body("raw", raw=path, content_type=content_type)
    return None


def body_of_request(request: httpx.Request) -> Body:
    """The body of a prepared request, from its bytes (a streamed one is described by size)."""
    content_type = request.headers.get("content-type", "")
    try:
        raw = request.content
    except httpx.RequestNotRead:
        return Body("raw", raw=None, content_type=content_type)
    return Body("raw", raw=raw, content_type=content_type) if raw else Body()


def _digest(data: bytes | Path) -> tuple[int, str]:
    if isinstance(data, bytes):
        return len(data), hashlib.sha256(data).hexdigest()
    sha = hashlib.sha256()
    size = 0
    try:
        with data.open("rb") as handle:
            while block := handle.read(_CHUNK):
                sha.update(block)
                size += len(block)
    except OSError:
        return 0, "unknown"
    return size, sha.hexdigest()


def _described(data: bytes | Path, content_type: str, name: str = "") -> str:
    size, sha = _digest(data)
    named = f", {name}" if name else ""
    return f"<{size} bytes, {content_type or 'application/octet-stream'}, sha256 {sha}{named}>"


def _as_text(raw: bytes, content_type: str) -> str | None:
    """``raw`` as text when it is text (JSON, a form, plain text), else None."""
    media = content_type.split(";", 1)[0].strip().lower()
    texty = media.endswith(("json", "x-www-form-urlencoded")) or media.startswith("text/")
    if not texty and b"\x00" in raw[:512]:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if texty or text.isprintable() else None


def describe(body: Body) -> str | None:
    """The body as a report shows it (the writers cut it to 4 KB)."""
    if body.kind == "multipart":
        lines = [f"{name}={value}" for name, value in body.fields]
        lines += [
            f"{p.field}: {_described(p.data, p.content_type, p.filename)}" for p in body.parts
        ]
        return "\n".join(lines)
    if body.kind == "raw":
        if body.raw is None:
            return f"<a streamed body, {body.content_type or 'application/octet-stream'}>"
        if isinstance(body.raw, bytes):
            text = _as_text(body.raw, body.content_type)
            if text is not None:
                return text
        return _described(body.raw, body.content_type)
    return None


# -- the commands ------------------------------------------------------------------------


#: Where a value is in a JSON answer: its keys and list indexes from the top.
JsonPath = tuple[str | int, ...]


def _leaves(answer: Any, path: JsonPath = ()) -> Iterable[tuple[JsonPath, str]]:
    if isinstance(answer, Mapping):
        for name, value in answer.items():
            yield from _leaves(value, (*path, str(name)))
    elif isinstance(answer, list):
        for index, item in enumerate(answer):
            yield from _leaves(item, (*path, index))
    elif (
        isinstance(answer, str)
        and any(isinstance(step, str) for step in path)
        and len(answer) >= _MIN_VALUE
    ):
        yield path, answer


def remember(record: Record, response: httpx.Response) -> None:
    """Keep the string values of a success's JSON body: later requests may name them."""
    record.status = response.status_code
    if not response.is_success:
        return
    try:
        record.answer = response.json()
    except (ValueError, UnicodeDecodeError):
        return
    for path, value in _leaves(record.answer):
        record.values.setdefault(value, path)


def _haystack(record: Record) -> str:
    parts = [record.url]
    body = record.body
    if body.kind == "multipart":
        parts += [value for _, value in body.fields]
    elif isinstance(body.raw, bytes):
        parts.append(body.raw[: 1 << 16].decode("utf-8", "replace"))
    return "\n".join(parts)


def _chain(history: Sequence[Record], target: int) -> list[int]:
    """The set-up calls before ``history[target]``: those whose answers it (or they) name."""
    chosen = {target}
    changed = True
    while changed and len(chosen) <= _MAX_STEPS:
        changed = False
        for index in sorted(chosen):
            text = _haystack(history[index])
            for earlier in range(index):
                if earlier in chosen or not history[earlier].values:
                    continue
                if any(value in text for value in history[earlier].values):
                    chosen.add(earlier)
                    changed = True
        # A success that used a chosen answer (the PUT of the bytes to a signed URL) is state too.
        providers = [i for i in chosen if i != target]
        for later in range(min(providers, default=target), target):
            record = history[later]
            if later in chosen or record.status is None or not 200 <= record.status < 300:
                continue
            text = _haystack(record)
            if record.method != "GET" and any(
                value in text for i in providers for value in history[i].values
            ):
                chosen.add(later)
                changed = True
    return sorted(chosen)[-(_MAX_STEPS + 1) :]


@dataclass
class _Script:
    """The commands being written: the variables of captured values and the files to write."""

    secrets: Mapping[str, str]
    base_url: str
    base_variable: str | None
    variables: dict[str, str] = field(default_factory=dict)  # value -> variable name
    attachments: dict[str, bytes | Path] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def word(self, text: str) -> str:
        """``text`` as one shell word: literal parts quoted, values and secrets as variables."""
        replacements: dict[str, str] = {}
        if self.base_variable and text.startswith(self.base_url):
            replacements[self.base_url] = self.base_variable
        replacements.update(self.secrets)
        replacements.update(self.variables)
        ordered = sorted((k for k in replacements if k), key=len, reverse=True)
        if not ordered:
            return shlex.quote(text)
        pattern = re.compile("|".join(re.escape(k) for k in ordered))
        out, last = [], 0
        for match in pattern.finditer(text):
            if match.start() > last:
                out.append(shlex.quote(text[last : match.start()]))
            out.append(f'"${{{replacements[match.group(0)]}}}"')
            last = match.end()
        if last < len(text):
            out.append(shlex.quote(text[last:]))
        return "".join(out) or "''"

    def attach(self, data: bytes | Path, hint: str) -> str:
        _, sha = _digest(data)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", hint)[-40:] or "body.bin"
        name = f"{sha[:12]}-{safe}"
        self.attachments[name] = data
        return f"{EVIDENCE_FOLDER}/{name}"

    def curl(self, record: Record) -> list[str]:
        args = ["curl", "-sS", "-X", record.method, self.word(record.url)]
        multipart = record.body.kind == "multipart"
        for name, value in record.headers:
            lowered = name.lower()
            if lowered in _SKIP_HEADERS or (multipart and lowered == "content-type"):
                continue
            args += ["-H", self.word(f"{name}: {value}")]
        body = record.body
        if multipart:
            for name, value in body.fields:
                args += ["--form-string", self.word(f"{name}={value}")]
            for part in body.parts:
                path = self.attach(part.data, part.filename)
                spec = f"{part.field}=@{path}"
                if part.content_type:
                    spec += f";type={part.content_type}"
                filename = re.sub(r'[;"\\]', "_", part.filename)
                args += ["-F", shlex.quote(f"{spec};filename={filename}")]
        elif body.kind == "raw" and body.raw is not None:
            text = _as_text(body.raw, body.content_type) if isinstance(body.raw, bytes) else None
            if text is not None and len(text) <= _INLINE:
                args += ["--data-binary", self.word(text)]
            else:
                suffix = "body.json" if text is not None else "body.bin"
                args += ["--data-binary", "@" + self.attach(body.raw, suffix)]
        return args


def reproduce(
    history: Sequence[Record],
    target: int,
    *,
    base_url: str,
    embedded: bool,
    secrets: Mapping[str, str],
) -> tuple[str, dict[str, bytes | Path]]:
    """Bash + curl commands replaying ``history[target]`` from the report folder, and the files
    they read (name in ``reproduce/`` -> content). ``secrets`` maps each credential to the
    variable that stands for it."""
    script = _Script(
        secrets=secrets,
        base_url=base_url.rstrip("/"),
        base_variable="TAPECHECK_BASE_URL" if embedded else None,
    )
    steps = _chain(history, target)
    for number, index in enumerate(steps, start=1):
        record = history[index]
        command = " ".join(script.curl(record))
        if index == target:
            script.lines.append(f"{command} -w '\\nHTTP %{{http_code}}\\n'")
            break
        answer = f"R{number}"
        script.lines.append(f"{answer}=$({command})")
        for value, path in record.values.items():
            if value in script.variables:
                continue
            used = any(value in _haystack(history[i]) for i in steps if i > index)
            if not used:
                continue
            variable = f"V{len(script.variables) + 1}"
            script.variables[value] = variable
            script.lines.append(f'{variable}=$(printf %s "${answer}" | {_reader(path)})')
    text = "\n".join(script.lines)
    needed = [v for v in sorted(set(secrets.values())) if f"${{{v}}}" in text]
    if script.variables:
        text = (
            "# Needs bash, curl and python3 (it reads the values it needs from the JSON).\n" + text
        )
    if embedded:
        needed.insert(0, "TAPECHECK_BASE_URL (the base URL `tapecheck mock` prints)")
    if needed:
        text = f"# Run from the report folder; set {', '.join(needed)}.\n{text}"
    return text, script.attachments


def _reader(path: JsonPath) -> str:
    """A command that prints the value at ``path`` of the JSON document on its standard input.

    Read by a JSON parser, never cut out of the text: the same whatever the
    server's spacing, key order, escapes (``\\/``, ``\\"``) or nesting (a
    value's key may occur elsewhere in the document first).
    """
    steps = "".join(f"[{json.dumps(step)}]" for step in path)
    program = f"import json,sys; print(json.load(sys.stdin){steps})"
    return f"python3 -c {shlex.quote(program)}"


def save(attachments: Mapping[str, bytes | Path], report_dir: Path) -> None:
    """Write the files the commands read into ``report_dir/reproduce/`` (a file streams)."""
    folder = report_dir / EVIDENCE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in attachments.items():
        target = folder / name
        if target.exists():
            continue  # named by its sha256: the same content
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            with data.open("rb") as source, target.open("wb") as sink:
                while block := source.read(_CHUNK):
                    sink.write(block)
