"""Ogg: the codec from the first (BOS) page, the duration from the last page's granule.

The last page is found by reading the final 80 KB backwards for ``OggS``
(a page is at most 65,307 bytes). Opus counts granules at 48 kHz after its
pre-skip; Vorbis at its own rate. A stream whose last page lacks the
end-of-stream flag, or is cut short, is truncated. The CRC of the header pages
and of the pages read at the end is checked (FFmpeg refuses a page that fails
it), and so are the identification header's version and channel count.
"""

from __future__ import annotations

import binascii
import struct

from tapecheck.suite._audio.source import CORRUPT, EMPTY, TRUNCATED, UNKNOWN, Found, Source, n

__all__ = ["crc_ok", "page_crc", "parse_ogg"]

# capture, version, flags, granule, serial, sequence, CRC, segment count
_PAGE = struct.Struct("<4sBBqIIIB")
_BOS = 0x02
_EOS = 0x04
_TAIL = 80 * 1024
_NO_GRANULE = -1
_MAX_BOS = 8
_OTHER_CODECS = {
    b"\x7fFLAC": "FLAC",
    b"Speex   ": "Speex",
    b"\x80theora": "Theora",
    b"fishead\x00": "Skeleton",
}


# The Ogg CRC is CRC-32 with polynomial 0x04C11DB7 fed most significant bit first,
# from 0 and with no final XOR: zlib's CRC-32 (the same polynomial fed least
# significant bit first) over bit-reversed bytes, bit-reversed back, gives it at C speed.
_REVERSED = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def _reverse32(value: int) -> int:
    # Byte order reversed, then each byte's bits.
    return int.from_bytes(value.to_bytes(4, "little").translate(_REVERSED), "big")


def page_crc(page: bytes) -> int:
    """The Ogg CRC of a page whose CRC field (bytes 22-25) is zeroed."""
    raw = binascii.crc32(page.translate(_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return _reverse32(raw)


def crc_ok(data: bytes, offset: int, length: int) -> bool:
    """Whether the whole page of ``length`` bytes at ``offset`` of ``data`` matches its CRC."""
    page = data[offset : offset + length]
    stored: int = struct.unpack_from("<I", page, 22)[0]
    return page_crc(page[:22] + b"\0\0\0\0" + page[26:]) == stored


def _page(data: bytes, offset: int) -> tuple[int, int, int, int, int] | None:
    """``(flags, granule, serial, header length, page length)`` of a page at ``offset``."""
    if offset + _PAGE.size > len(data):
        return None
    capture, version, flags, granule, serial, _seq, _crc, segments = _PAGE.unpack_from(data, offset)
    if capture != b"OggS" or version != 0:
        return None
    lacing_at = offset + _PAGE.size
    if lacing_at + segments > len(data):
        return None
    header = _PAGE.size + segments
    return flags, granule, serial, header, header + sum(data[lacing_at : lacing_at + segments])


def _codec(packet: bytes) -> tuple[str, int, int, int] | None:
    """``(format, channels, rate, pre-skip)`` from an Opus or Vorbis identification header."""
    if packet[:8] == b"OpusHead" and len(packet) >= 19:
        channels = packet[9]
        pre_skip = struct.unpack_from("<H", packet, 10)[0]
        return "opus", channels, 48000, pre_skip  # Opus always decodes at 48 kHz
    if packet[:7] == b"\x01vorbis" and len(packet) >= 16:
        channels = packet[11]
        rate = struct.unpack_from("<I", packet, 12)[0]
        return "vorbis", channels, rate, 0
    return None


def _invalid(packet: bytes, name: str, channels: int, rate: int) -> str | None:
    """A header field no decoder accepts.

    RFC 7845 (5.1): the OpusHead version "MUST always be 1"; its upper four
    bits are a major version that decoders refuse when not 0, and 0 itself was
    only a draft's. Its input sample rate is informational (0 = unknown), so it
    is not judged. Vorbis I: channels and rate "shall both be greater than zero".
    """
    if name == "opus" and not 1 <= packet[8] <= 15:
        return f"Ogg Opus header says version {packet[8]}, not 1"
    if channels == 0:
        return f"Ogg {name.capitalize()} header says 0 channels"
    if rate == 0:
        return "Ogg Vorbis header says a sample rate of 0 Hz"
    return None


def _bad_crc(data: bytes, base: int) -> int | None:
    """The file offset of the first page in ``data`` (read at ``base``) whose CRC fails.

    The header pages are checked, up to the first page of audio (one with a
    granule position): a decoder cannot open a stream whose headers fail,
    while a later page is only read for the duration (see :func:`_last_page`).
    """
    offset = 0
    while True:
        page = _page(data, offset)
        if page is None or offset + page[4] > len(data):
            return None
        if not crc_ok(data, offset, page[4]):
            return base + offset
        if page[1] not in (0, _NO_GRANULE):
            return None
        offset += page[4]


def _crc_problem(found: Found, at: int) -> None:
    found.problem(CORRUPT, f"Ogg page at offset {n(at)} fails its CRC check: the data was damaged")


def parse_ogg(src: Source, found: Found) -> None:
    head = src.head
    offset = 0
    serial = -1
    codec: tuple[str, int, int, int] | None = None
    packet = b""
    other = "an unknown codec"
    for _ in range(_MAX_BOS):
        page = _page(head, offset)
        if page is None or not page[0] & _BOS:
            break
        _flags, _granule, page_serial, header, length = page
        if offset + length > src.size:
            found.problem(TRUNCATED, "Ogg file is cut inside its first pages")
            return
        packet = head[offset + header : offset + length]
        codec = _codec(packet)
        if codec is not None:
            serial = page_serial
            break
        for magic, name in _OTHER_CODECS.items():
            if packet.startswith(magic) and name != "Skeleton":
                other = name
        offset += length
    if codec is None:
        found.problem(UNKNOWN, f"Ogg file holds {other}, not Opus or Vorbis")
        return
    name, channels, rate, pre_skip = codec
    found.format = name
    found.codec = name
    found.channels = channels
    found.sample_rate = rate
    invalid = _invalid(packet, name, channels, rate)
    if invalid is not None:
        found.problem(CORRUPT, invalid)
        return
    # The pages already read are checked (ffmpeg refuses a page whose CRC fails).
    bad = _bad_crc(head, 0)
    if bad is not None:
        _crc_problem(found, bad)
    clock = 48000 if name == "opus" else rate
    _last_page(src, found, serial, clock, pre_skip)


def _last_page(src: Source, found: Found, serial: int, clock: int, pre_skip: int) -> None:
    """Duration from the last complete page of ``serial``; flag a cut or missing end page."""
    start = max(0, src.size - _TAIL)
    tail = src.read(start, src.size - start)
    end = len(tail)
    cut = eos = seen = False
    granule = _NO_GRANULE
    cursor = tail.rfind(b"OggS")
    while cursor >= 0:
        page = _page(tail, cursor)
        if page is None:
            if (
                not seen
                and cursor + _PAGE.size + 255 > end
                and tail[cursor + 4 : cursor + 5] in (b"", b"\x00")
            ):
                cut = True
        elif page[2] == serial:
            flags, page_granule, _serial, _header, length = page
            if cursor + length > end:
                cut = cut or not seen
            else:
                if not found.has(CORRUPT) and not crc_ok(tail, cursor, length):
                    _crc_problem(found, start + cursor)
                if not seen:
                    seen = True
                    eos = bool(flags & _EOS)
                if page_granule != _NO_GRANULE:
                    granule = page_granule
                    break
        cursor = tail.rfind(b"OggS", 0, cursor)
    if granule == _NO_GRANULE:
        if start > 0:
            found.problem(CORRUPT, f"no Ogg page with a position in the last {n(_TAIL)} bytes")
            return
        granule = 0
    found.duration_s = max(granule - pre_skip, 0) / clock
    if cut:
        found.problem(TRUNCATED, "Ogg file is cut inside its last page")
    elif not eos:
        found.problem(
            TRUNCATED,
            "Ogg stream has no end-of-stream page: the recording was cut or never finished",
        )
    if found.duration_s == 0 and not found.problems:
        found.problem(EMPTY, f"Ogg {found.format.capitalize()} stream holds no audio")
