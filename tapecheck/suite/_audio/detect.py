"""Format by content: the magic at the start, else an MPEG or ADTS frame sync."""

from __future__ import annotations

from tapecheck.suite._audio.adts import adts_at, parse_adts
from tapecheck.suite._audio.adts import is_header as is_adts_header
from tapecheck.suite._audio.capacity import check_capacity
from tapecheck.suite._audio.flac import parse_flac
from tapecheck.suite._audio.mp4 import is_mp4, parse_mp4
from tapecheck.suite._audio.mpeg import free_format, parse_mpeg, stream_at, vbr_claim
from tapecheck.suite._audio.mpeg import is_header as is_mpeg_header
from tapecheck.suite._audio.ogg import parse_ogg
from tapecheck.suite._audio.source import (
    CORRUPT,
    EMPTY,
    SYNC_SEARCH,
    TRUNCATED,
    UNKNOWN,
    Found,
    Source,
    n,
    sync_offsets,
)
from tapecheck.suite._audio.tags import skip_id3v2, tags_start
from tapecheck.suite._audio.wav import is_wav, parse_wav
from tapecheck.suite._audio.webm import parse_webm

__all__ = ["parse"]

_QUICK = 16 * 1024
_WINDOW = SYNC_SEARCH + 32 * 1024
_EBML = b"\x1a\x45\xdf\xa3"
_WHITESPACE = frozenset(b"\t\n\r")

# Content that is recognisably something else, for a precise "unknown" message.
_OTHER: tuple[tuple[int, bytes, str], ...] = (
    (0, b"FORM", "AIFF or another IFF file"),
    (0, b"caff", "Core Audio (CAF)"),
    (0, b"#!AMR", "AMR"),
    (0, b"0&\xb2u\x8ef\xcf\x11", "ASF (WMA or WMV)"),
    (0, b"MThd", "MIDI"),
    (0, b"wvpk", "WavPack"),
    (0, b"MAC ", "Monkey's Audio"),
    (0, b".snd", "Sun/NeXT audio (AU)"),
    (0, b"RIFF", "a RIFF file that is not WAVE"),
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"\x0bw", "AC-3"),
    (0, b"MPCK", "Musepack"),
    (0, b"MP+", "Musepack"),
    (0, b"TTA1", "True Audio (TTA)"),
    (0, b"tBaK", "TAK"),
    (0, b"OFR ", "OptimFROG"),
    (0, b"DSD ", "DSD (DSF)"),
    (0, b"FRM8", "DSD (DFF)"),
)


def parse(src: Source, found: Found) -> None:
    """Fill ``found`` from ``src``: format, duration, stream parameters and problems."""
    head = src.head
    if src.size == 0:
        found.problem(EMPTY, "the file is empty (0 bytes)")
    elif is_wav(head):
        parse_wav(src, found)
    elif head[:4] == b"fLaC":
        parse_flac(src, found, 0)
    elif head[:4] == b"OggS":
        parse_ogg(src, found)
    elif head[:4] == _EBML:
        parse_webm(src, found)
    elif is_mp4(head):
        parse_mp4(src, found)
    elif _other(head) is not None:
        # Recognisably another format: no frame sync search through its data (an AIFF
        # file is PCM, full of 0xFF bytes that would each be tried as an MPEG header).
        found.problem(UNKNOWN, _unknown(src))
    else:
        _frames(src, found)
    check_capacity(found, src.size)


def _frames(src: Source, found: Found) -> None:
    """MP3 or AAC (ADTS), maybe behind ID3v2 tags; FLAC behind an ID3v2 tag."""
    start, cut = skip_id3v2(src, 0)
    if cut is not None:
        found.format = "mp3"
        found.problem(TRUNCATED, cut)
        return
    if start > 0 and src.read(start, 4) == b"fLaC":
        parse_flac(src, found, start)
        return
    end = tags_start(src, start)
    if start > 0 and end <= start:
        found.format = "mp3"
        found.duration_s = 0.0
        found.problem(EMPTY, "MP3 file holds ID3 tags but no audio frames")
        return
    first, adts = _sync(src, start, end)
    if first is None and start > 0:
        # Behind an ID3v2 tag a single frame header is enough: the file was cut early.
        lead = src.read(start, 8)
        if is_mpeg_header(lead) or is_adts_header(lead):
            first, adts = start, is_adts_header(lead)
    if first is None:
        if not free_format(src, found, start):
            found.problem(UNKNOWN, _unknown(src))
        return
    leading = src.read(start, first - start)
    if adts:
        parse_adts(src, found, first, end)
    else:
        parse_mpeg(src, found, first, end)
    name = "AAC (ADTS)" if adts else "MP3"
    if leading.strip(b"\x00"):
        found.problem(
            CORRUPT,
            f"{name} stream starts after {n(first - start)} bytes that are not audio frames",
        )
        if not adts:
            _spliced_claim(src, found, start, first)


def _spliced_claim(src: Source, found: Found, start: int, first: int) -> None:
    """A Xing/Info/VBRI frame where the stream should start, cut off from the frames after it:
    its claim is compared with what the frames found hold (a file cut and spliced)."""
    lead = src.read(start, first - start).find(b"\xff")
    claim = None if lead < 0 else vbr_claim(src, start + lead)
    held = found.duration_s
    if claim is not None and held is not None and claim > held * 1.005 + 0.05:
        found.problem(
            TRUNCATED,
            f"MP3 header (Xing/Info/VBRI) at offset {n(start + lead)} claims {claim:,.2f} s "
            f"but the frames hold {held:,.2f} s: the file was cut",
        )


def _sync(src: Source, start: int, end: int) -> tuple[int | None, bool]:
    """The first offset where an MPEG audio or ADTS stream starts, and whether it is ADTS."""
    first_try = min(end, start + _QUICK)
    if first_try < end:  # most streams start at once: look in a small window first
        found = _sync_in(src.read(start, first_try - start), start, False, _QUICK // 2)
        if found[0] is not None:
            return found
    window_end = min(end, start + _WINDOW)
    return _sync_in(src.read(start, window_end - start), start, window_end == end, SYNC_SEARCH)


def _sync_in(window: bytes, start: int, at_end: bool, search: int) -> tuple[int | None, bool]:
    for cursor in sync_offsets(window, search):
        if cursor + 1 < len(window):
            second = window[cursor + 1]
            if second & 0xF6 == 0xF0:
                if adts_at(window, cursor, at_end):
                    return start + cursor, True
            elif second >= 0xE0 and stream_at(window, cursor, at_end):
                return start + cursor, False
    return None, False


def _other(head: bytes) -> str | None:
    """The name of the other format whose magic ``head`` starts with, or None."""
    for offset, magic, name in _OTHER:
        if head[offset : offset + len(magic)] == magic:
            return name
    return None


def _unknown(src: Source) -> str:
    head = src.head
    other = _other(head)
    if other is not None:
        return f"the content is {other}, not a known audio format"
    sample = head[:512]
    if sample and all(32 <= byte < 127 or byte in _WHITESPACE for byte in sample):
        return "the content is text, not audio"
    return (
        "no known audio format: the content is not WAV, MP3, AAC, MP4, Ogg Opus/Vorbis, "
        "FLAC or WebM"
    )
