"""Metadata tags around MPEG and ADTS streams: ID3v2 in front; ID3v1, APEv2, Lyrics3 behind."""

from __future__ import annotations

import struct

from tapecheck.suite._audio.source import Source, n

__all__ = ["skip_id3v2", "tags_start"]

_ID3V1 = 128
_ID3V1_EXTENDED = 227
_APE_FOOTER = 32
_MAX_TAGS = 16


def skip_id3v2(src: Source, offset: int = 0) -> tuple[int, str | None]:
    """The offset after the ID3v2 tags at ``offset``, and why the last one is cut short.

    Returns ``(offset, None)`` when there is no tag there. A tag whose declared
    size runs past the end of the file gives the message as second item.
    """
    for _ in range(_MAX_TAGS):
        header = src.read(offset, 10)
        if (
            len(header) < 10
            or header[:3] != b"ID3"
            or header[3] == 0xFF
            or header[4] == 0xFF
            or (header[6] | header[7] | header[8] | header[9]) & 0x80
        ):
            return offset, None
        body = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
        total = 10 + body + (10 if header[5] & 0x10 else 0)
        if offset + total > src.size:
            return src.size, (
                f"ID3v2 tag claims {n(total)} bytes but only {n(src.size - offset)} "
                "remain in the file"
            )
        offset += total
    return offset, None


def tags_start(src: Source, start: int) -> int:
    """Where the trailing tags (ID3v1, APEv2, Lyrics3v2, appended ID3v2) begin."""
    end = src.size
    for _ in range(_MAX_TAGS):
        if end - start >= _ID3V1 and src.read(end - _ID3V1, 3) == b"TAG":
            end -= _ID3V1
            if end - start >= _ID3V1_EXTENDED and src.read(end - _ID3V1_EXTENDED, 4) == b"TAG+":
                end -= _ID3V1_EXTENDED
            continue
        if end - start >= _APE_FOOTER:
            footer = src.read(end - _APE_FOOTER, _APE_FOOTER)
            if footer[:8] == b"APETAGEX":
                size, _items, flags = struct.unpack_from("<III", footer, 12)
                total = size + (_APE_FOOTER if flags & 0x80000000 else 0)
                if _APE_FOOTER <= total <= end - start:
                    end -= total
                    continue
        if end - start >= 15 and src.read(end - 9, 9) == b"LYRICS200":
            digits = src.read(end - 15, 6)
            if digits.isdigit():
                total = int(digits) + 15
                if total <= end - start:
                    end -= total
                    continue
        if end - start >= 10:
            footer = src.read(end - 10, 10)
            if footer[:3] == b"3DI" and not (footer[6] | footer[7] | footer[8] | footer[9]) & 0x80:
                body = (footer[6] << 21) | (footer[7] << 14) | (footer[8] << 7) | footer[9]
                total = body + 20
                if total <= end - start:
                    end -= total
                    continue
        break
    return end
