"""What the proxy keeps of a body while it streams past: a bounded copy for the checks.

The proxy never holds a whole upload. A :class:`BodyCapture` sees each chunk as
it is forwarded and keeps, by the body's media type:

- JSON (or any text that may be JSON): the first :data:`MAX_TEXT_BYTES` in memory;
- ``multipart/form-data``: text fields in memory (each up to
  :data:`MAX_TEXT_BYTES`), file parts written to a temporary folder under the
  part's file name, so the audio rules probe the very bytes that went upstream;
- anything else (a raw upload): the bytes in a temporary file.

Disk use is bounded too: past :data:`MAX_SPOOL_BYTES` a file stops growing and
is marked ``truncated`` (its audio is then not judged, since a cut copy would
look corrupt). A malformed multipart body stops the form capture and is noted;
forwarding never depends on the capture.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

# The parser logs every malformed header; the proxy notes a broken form once itself.
logging.getLogger("python_multipart.multipart").setLevel(logging.ERROR)

__all__ = [
    "MAX_SPOOL_BYTES",
    "MAX_TEXT_BYTES",
    "BodyCapture",
    "CapturedFile",
    "media_type_of",
    "safe_name",
]

#: Text bodies and form fields are kept up to this size (JSON metadata is small).
MAX_TEXT_BYTES = 1024 * 1024
#: A captured file stops growing here; twice the largest documented upload limit.
MAX_SPOOL_BYTES = 512 * 1000 * 1000
#: More form parts than this are not captured (forwarding goes on).
MAX_PARTS = 64

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def media_type_of(content_type: str | None) -> str:
    """``multipart/form-data; boundary=x`` -> ``multipart/form-data`` (lower case)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def safe_name(name: str, fallback: str) -> str:
    """A file name that is safe in a folder: the last path segment, odd characters replaced."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", last).strip("._")[:120]
    return cleaned or fallback


@dataclass
class CapturedFile:
    """A file part or a raw body, on disk."""

    name: str  # the part's name ("" for a raw body)
    filename: str  # the name on disk, in the capture's folder (the part's filename when safe)
    path: Path
    content_type: str | None
    size: int = 0
    truncated: bool = False
    _handle: IO[bytes] | None = field(default=None, repr=False)

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._handle is None:
            return
        room = MAX_SPOOL_BYTES - self._handle.tell()
        if len(data) > room:
            self._handle.write(data[: max(room, 0)])
            self.truncated = True
            return
        self._handle.write(data)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class BodyCapture:
    """Keeps a bounded copy of one body as it streams; :meth:`feed` each chunk, then :meth:`finish`."""

    def __init__(
        self, content_type: str | None, *, keep_raw_file: bool = True, raw: bool = False
    ) -> None:
        """``raw``: a body that is not a form is the raw content, whatever its type says."""
        self.content_type = content_type
        self.media_type = media_type_of(content_type)
        self.size = 0
        self.text = bytearray()
        self.text_truncated = False
        self.fields: dict[str, str] = {}
        self.files: dict[str, CapturedFile] = {}
        self.raw: CapturedFile | None = None
        self.problem: str | None = None
        self._folder: Path | None = None
        self._keep_raw_file = keep_raw_file
        self._parser: MultipartParser | None = None
        self._form_done = False
        self._raw_only = raw
        if self.media_type == "multipart/form-data":
            self._start_form()

    # -- the folder -----------------------------------------------------------

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="tapecheck-proxy-"))
        return self._folder

    @property
    def made_folder(self) -> Path | None:
        """The folder, if a file needed one (no empty folder is made for a JSON body)."""
        return self._folder

    def cleanup(self) -> None:
        """Remove every captured file."""
        for captured in [*self.files.values(), *([self.raw] if self.raw else [])]:
            captured.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _new_file(self, name: str, filename: str, content_type: str | None) -> CapturedFile:
        wanted = safe_name(filename, name or "content")
        path = self.folder / wanted
        counter = 1
        while path.exists():
            counter += 1
            path = self.folder / f"{counter}-{wanted}"
        handle = open(path, "wb")  # noqa: SIM115 - closed by CapturedFile.close
        return CapturedFile(name, path.name, path, content_type, _handle=handle)

    # -- feeding ----------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._parser is not None:
            self._feed_form(chunk)
        elif self._is_text() and not self._raw_only:
            room = MAX_TEXT_BYTES - len(self.text)
            if len(chunk) > room:
                self.text += chunk[: max(room, 0)]
                self.text_truncated = True
            else:
                self.text += chunk
        elif self._keep_raw_file:
            if self.raw is None:
                self.raw = self._new_file("", "content", self.content_type)
            self.raw.write(chunk)

    def finish(self) -> None:
        if self._parser is not None and not self._form_done:
            try:
                self._parser.finalize()
            except FormParserError as exc:
                self.problem = f"the multipart body is malformed: {exc}"
            if not self._form_done and self.problem is None and self.size:
                self.problem = "the multipart body ends before its closing boundary"
            self._parser = None
        for captured in self.files.values():
            captured.close()
        if self.raw is not None:
            self.raw.close()

    def _is_text(self) -> bool:
        media = self.media_type
        return (
            media in ("application/json", "application/x-www-form-urlencoded", "")
            or media.endswith("+json")
            or media.startswith("text/")
        )

    # -- multipart ------------------------------------------------------------

    def _start_form(self) -> None:
        _media, options = parse_options_header(self.content_type or "")
        boundary = options.get(b"boundary", b"")
        if not boundary or len(boundary) > 70:
            self.problem = "the multipart/form-data Content-Type has no valid boundary"
            return
        self._parts = 0
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._part_name = ""
        self._part_file: CapturedFile | None = None
        self._part_text = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    def _feed_form(self, chunk: bytes) -> None:
        if self._form_done or self._parser is None:
            return
        try:
            self._parser.write(chunk)
        except (FormParserError, _StopForm) as exc:
            self.problem = self.problem or f"the multipart body is malformed: {exc}"
            self._parser = None
            self._form_done = True

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise _StopForm(f"more than {MAX_PARTS} parts")
        self._headers = {}
        self._part_text = bytearray()
        self._part_file = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        key = bytes(self._header_field).strip().lower()
        self._headers[key] = bytes(self._header_value).strip()
        self._header_field = bytearray()
        self._header_value = bytearray()

    def _on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise _StopForm("a part has no `Content-Disposition: form-data; name=...` header")
        self._part_name = options[b"name"].decode("utf-8", "replace")
        if b"filename" in options:
            filename = options[b"filename"].decode("utf-8", "replace")
            raw_type = self._headers.get(b"content-type")
            content_type = raw_type.decode("utf-8", "replace") if raw_type else None
            self._part_file = self._new_file(self._part_name, filename, content_type)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_file is not None:
            self._part_file.write(data[start:end])
        elif len(self._part_text) < MAX_TEXT_BYTES:
            self._part_text += data[start:end]

    def _on_part_end(self) -> None:
        if self._part_file is not None:
            self._part_file.close()
            self.files.setdefault(self._part_name, self._part_file)
            self._part_file = None
            return
        self.fields.setdefault(self._part_name, self._part_text.decode("utf-8", "replace"))

    def _on_end(self) -> None:
        self._form_done = True


class _StopForm(Exception):
    """The form is not captured further (forwarding goes on)."""
