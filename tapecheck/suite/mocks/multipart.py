"""Streaming ``multipart/form-data``: file parts go to disk as they arrive.

:func:`read_form` feeds ``request.stream()`` chunk by chunk to
``python_multipart``'s push parser. A file part (one with a ``filename``, or a
part the caller names as a file field) streams into a :class:`FileSink` with a
running size limit; a text field is kept in memory up to a small cap. Anything
malformed (no boundary, a broken part, a body that ends before the closing
boundary, a field that is not UTF-8) is a :class:`MockError` 400; a file part
over its limit raises :class:`TooLarge` at once, with nothing kept.

The caller owns the returned :class:`Form`: files it keeps are passed to
:meth:`Form.keep`; :meth:`Form.close` removes the others.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Collection
from dataclasses import dataclass, field
from types import TracebackType

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.storage import BlobStore, FileSink, StoredFile

# The parser logs every malformed header it meets; a mock answers those with its
# own 400, so the parser's warnings would only be noise on the console.
logging.getLogger("python_multipart.multipart").setLevel(logging.ERROR)

__all__ = ["DEFAULT_MAX_FIELD_BYTES", "DEFAULT_MAX_PARTS", "Form", "boundary_of", "read_form"]

#: A text field larger than this is refused (JSON metadata and contacts are small).
DEFAULT_MAX_FIELD_BYTES = 256 * 1024
#: A form with more parts than this is refused.
DEFAULT_MAX_PARTS = 64


@dataclass
class Form:
    """A parsed form: text fields and stored file parts, each by name, in order."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[StoredFile]] = field(default_factory=dict)
    _kept: set[int] = field(default_factory=set, repr=False)

    def field(self, name: str) -> str | None:
        """The first text field called ``name``."""
        values = self.fields.get(name)
        return values[0] if values else None

    def file(self, name: str) -> StoredFile | None:
        """The first file part called ``name``."""
        values = self.files.get(name)
        return values[0] if values else None

    def names(self) -> set[str]:
        return set(self.fields) | set(self.files)

    def keep(self, stored: StoredFile) -> StoredFile:
        """Take ownership of one file: :meth:`close` will not delete it."""
        self._kept.add(id(stored))
        return stored

    def close(self) -> None:
        """Delete every file part that was not kept."""
        for stored_files in self.files.values():
            for stored in stored_files:
                if id(stored) not in self._kept:
                    BlobStore.discard(stored)

    def __enter__(self) -> Form:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Builder:
    """The parser's callbacks: collect headers, route part data to a sink or a buffer."""

    def __init__(
        self,
        store: BlobStore,
        *,
        file_fields: Collection[str],
        max_file_bytes: int | None,
        max_field_bytes: int,
        max_parts: int,
    ) -> None:
        self.store = store
        self.file_fields = file_fields
        self.max_file_bytes = max_file_bytes
        self.max_field_bytes = max_field_bytes
        self.max_parts = max_parts
        self.form = Form()
        self.ended = False
        self._parts = 0
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._name = ""
        self._sink: FileSink | None = None
        self._buffer = bytearray()

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > self.max_parts:
            raise MockError(400, f"the form has more than {self.max_parts} parts")
        self._headers = {}
        self._buffer = bytearray()
        self._sink = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).strip().lower()] = bytes(self._header_value).strip()
        self._header_field = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise MockError(
                400, "a form part has no `Content-Disposition: form-data; name=...` header"
            )
        self._name = _text(options[b"name"], "a part name")
        filename = _text(options[b"filename"], "a filename") if b"filename" in options else None
        if filename is not None or self._name in self.file_fields:
            content_type = self._headers.get(b"content-type")
            self._sink = self.store.sink(
                max_bytes=self.max_file_bytes,
                filename=filename,
                content_type=_text(content_type, "a part Content-Type") if content_type else None,
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._sink is not None:
            self._sink.write(data[start:end])
            return
        self._buffer += data[start:end]
        if len(self._buffer) > self.max_field_bytes:
            raise MockError(
                400, f"form field `{self._name}` is longer than {self.max_field_bytes} bytes"
            )

    def on_part_end(self) -> None:
        if self._sink is not None:
            stored = self._sink.finish()
            self._sink = None
            self.form.files.setdefault(self._name, []).append(stored)
            return
        try:
            value = self._buffer.decode("utf-8")
        except UnicodeDecodeError:
            raise MockError(400, f"form field `{self._name}` is not UTF-8 text") from None
        self.form.fields.setdefault(self._name, []).append(value)

    def on_end(self) -> None:
        self.ended = True

    def abort(self) -> None:
        if self._sink is not None:
            self._sink.abort()
        self.form.close()


def _text(value: bytes, what: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise MockError(400, f"{what} in the form is not UTF-8") from None


def boundary_of(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, or a 400."""
    media_type, options = parse_options_header(content_type or "")
    if media_type != b"multipart/form-data":
        shown = content_type or "none"
        raise MockError(400, f"expected a multipart/form-data body, got Content-Type: {shown}")
    boundary = options.get(b"boundary", b"")
    if not boundary or len(boundary) > 70:
        raise MockError(400, "the multipart/form-data Content-Type has no valid boundary")
    return boundary


async def read_form(
    chunks: AsyncIterable[bytes],
    content_type: str | None,
    *,
    store: BlobStore,
    file_fields: Collection[str] = (),
    max_file_bytes: int | None = None,
    max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> Form:
    """Parse a multipart body as it streams in; file parts go to ``store``.

    Raises :class:`MockError` (400) for a malformed body and
    :class:`~tapecheck.suite.mocks.storage.TooLarge`
    as soon as a file part passes ``max_file_bytes``; either way nothing of the
    body is left on disk.
    """
    builder = _Builder(
        store,
        file_fields=file_fields,
        max_file_bytes=max_file_bytes,
        max_field_bytes=max_field_bytes,
        max_parts=max_parts,
    )
    parser = MultipartParser(
        boundary_of(content_type),
        {
            "on_part_begin": builder.on_part_begin,
            "on_header_field": builder.on_header_field,
            "on_header_value": builder.on_header_value,
            "on_header_end": builder.on_header_end,
            "on_headers_finished": builder.on_headers_finished,
            "on_part_data": builder.on_part_data,
            "on_part_end": builder.on_part_end,
            "on_end": builder.on_end,
        },
    )
    try:
        async for chunk in chunks:
            if builder.ended:
                continue  # an epilogue after the closing boundary is ignored
            parser.write(chunk)
        parser.finalize()
        if not builder.ended:
            raise MockError(400, "the multipart body ends before its closing boundary")
    except FormParserError as exc:
        builder.abort()
        raise MockError(400, f"the multipart body is malformed: {exc}") from None
    except BaseException:
        builder.abort()
        raise
    return builder.form
