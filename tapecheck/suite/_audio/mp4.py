"""MP4/M4A (ISO base media): boxes walked with seeks, the duration from ``moov``.

Only box headers and a few small boxes are read (``mvhd``, ``tkhd``, ``elst``,
``mdhd``, ``hdlr``, ``stsd``); ``mdat`` and the sample tables are skipped, so
a ``moov`` at the end of a long recording costs a seek, not a read. The
duration is the audio track's edit list (exact to the media's clock), else
iTunes' gapless tag (``iTunSMPB``), else its ``mdhd``, else ``mvhd``;
fragmented files (``moof``) add their fragments' samples (``trun``, with the
``tfhd``/``trex`` defaults) after the ``moov``'s, or start from the last
fragment's ``tfdt``. A zero clock or channel count is corrupt, and the
audio track's chunk offsets must point into the media data
(:mod:`~tapecheck.suite._audio.mp4_tables`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from tapecheck.suite._audio.mp4_tables import chunk_problem
from tapecheck.suite._audio.source import CORRUPT, EMPTY, TRUNCATED, Found, Source, n

__all__ = ["is_mp4", "parse_mp4"]

_FIRST_BOXES = (b"ftyp", b"styp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_CONTAINERS = frozenset((b"trak", b"mdia", b"minf", b"stbl", b"edts", b"mvex", b"traf"))
_LEAVES = frozenset((b"mvhd", b"tkhd", b"elst", b"mdhd", b"hdlr", b"stsd", b"mehd", b"trex"))
# Sample tables: only where they are is noted while walking; :mod:`.mp4_tables` reads them.
_TABLES = frozenset((b"stco", b"co64", b"stsz", b"stz2", b"stsc"))
_FRAGMENT_LEAVES = frozenset((b"tfhd", b"tfdt", b"trun"))
_MDAT_AT = b"at:mdat"  # where each whole mdat box starts, beside its body in _top_level's map
_MAX_BOXES = 200_000
_MAX_LEAF = 4096
_MAX_DEPTH = 8  # moov/trak/mdia/minf/stbl is 5 deep
_CODECS = {
    b"alac": "alac",
    b"Opus": "opus",
    b"fLaC": "flac",
    b"ac-3": "ac3",
    b"ec-3": "eac3",
    b"samr": "amr_nb",
    b"sawb": "amr_wb",
    b".mp3": "mp3",
    b"ulaw": "pcm_mulaw",
    b"alaw": "pcm_alaw",
}
_OBJECT_TYPES = {0x69: "mp3", 0x6B: "mp3", 0xA5: "ac3", 0xA6: "eac3", 0xAD: "opus"}


def is_mp4(head: bytes) -> bool:
    if len(head) < 8 or head[4:8] not in _FIRST_BOXES:
        return False
    size = int.from_bytes(head[:4], "big")
    return size in (0, 1) or size >= 8


def _valid_type(kind: bytes) -> bool:
    return all(32 <= c < 127 or c == 0xA9 for c in kind)


def _boxes(src: Source, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, body offset, box end)`` of each box in ``[start, end)``, ends clamped to ``end``."""
    offset = start
    for _ in range(_MAX_BOXES):
        if offset + 8 > end:
            return
        header = src.read(offset, 16)
        size, kind = struct.unpack_from(">I4s", header)
        body = offset + 8
        if size == 1 and len(header) == 16:
            size = struct.unpack_from(">Q", header, 8)[0]
            body += 8
        elif size == 0:
            size = end - offset
        if size < body - offset or not _valid_type(kind):
            return
        yield kind, body, min(offset + size, end)
        offset += size


class _Track:
    __slots__ = (
        "channels",
        "codec",
        "edit",
        "gapless",
        "handler",
        "id",
        "media_duration",
        "media_start",
        "rate",
        "tables",
        "timescale",
    )

    def __init__(self) -> None:
        self.id = 0
        self.handler = b""
        self.timescale = 0
        self.media_duration = 0
        self.edit = 0
        self.gapless = 0  # iTunes' iTunSMPB: the samples left after priming and padding
        self.media_start = 0
        self.codec: str | None = None
        self.channels = 0
        self.rate = 0
        self.tables: dict[bytes, tuple[int, int]] = {}


class _Movie:
    __slots__ = ("default_duration", "duration", "fragment_duration", "timescale", "tracks")

    def __init__(self) -> None:
        self.timescale = 0
        self.duration = 0
        self.fragment_duration = 0
        self.default_duration: dict[int, int] = {}
        self.tracks: list[_Track] = []


def _full(body: bytes) -> tuple[int, bytes]:
    return body[0] if body else 0, body[4:]


def _times(body: bytes) -> tuple[int, int]:
    """``(timescale, duration)`` of an ``mvhd`` or ``mdhd`` body."""
    version, rest = _full(body)
    if version == 1 and len(rest) >= 28:
        timescale, duration = struct.unpack_from(">IQ", rest, 16)
    elif len(rest) >= 16:
        timescale, duration = struct.unpack_from(">II", rest, 8)
        duration = 0 if duration == 0xFFFFFFFF else duration
    else:
        return 0, 0
    return timescale, 0 if duration == 0xFFFFFFFFFFFFFFFF else duration


def _edit(body: bytes) -> tuple[int, int]:
    """Sum of the non-empty edits of an ``elst`` (movie timescale units) and where in the
    media the first one starts (media timescale units: the encoder's priming)."""
    version, rest = _full(body)
    first = -1
    if len(rest) < 4:
        return 0, 0
    count = struct.unpack_from(">I", rest)[0]
    entry = struct.Struct(">Qq" if version == 1 else ">Ii")
    total = 0
    for index in range(min(count, 64)):
        at = 4 + index * (entry.size + 4)
        if at + entry.size > len(rest):
            break
        duration, media_time = entry.unpack_from(rest, at)
        if media_time != -1:
            total += duration
            first = media_time if first < 0 else first
    return total, max(first, 0)


def _sample_entry(body: bytes, track: _Track) -> None:
    _version, rest = _full(body)
    if len(rest) < 4 + 36:
        return
    entry = rest[4:]
    kind = entry[4:8]
    track.channels = struct.unpack_from(">H", entry, 24)[0]
    track.rate = struct.unpack_from(">I", entry, 32)[0] >> 16
    if kind == b"mp4a":
        track.codec = "aac"
        at = entry.find(b"esds")
        if at > 0:
            track.codec = _OBJECT_TYPES.get(_object_type(entry[at + 8 : at + 64]), "aac")
    else:
        track.codec = _CODECS.get(kind, kind.decode("latin-1").strip())


def _object_type(esds: bytes) -> int:
    """objectTypeIndication of the DecoderConfigDescriptor in an ``esds`` body."""
    cursor = 0
    while cursor < len(esds):
        tag = esds[cursor]
        cursor += 1
        while cursor < len(esds) and esds[cursor] & 0x80:
            cursor += 1
        cursor += 1
        if tag == 0x03:
            cursor += 3
        elif tag == 0x04:
            return esds[cursor] if cursor < len(esds) else 0
        else:
            return 0
    return 0


def _gapless(src: Source, start: int, end: int) -> int:
    """The sample count of iTunes' gapless tag (``udta/meta/ilst/----`` named ``iTunSMPB``).

    Its text is hex fields: 0, priming, padding, then the samples that remain.
    Without an edit list, this is how players (and FFmpeg) know the length.
    """
    for kind, body, stop in _boxes(src, start, end):
        found = 0
        if kind in (b"udta", b"ilst"):
            found = _gapless(src, body, stop)
        elif kind == b"meta":
            full = src.read(body + 8, 4) in (b"hdlr", b"ilst")  # ISO's meta has version/flags
            found = _gapless(src, body + 4 if full else body, stop)
        if found:
            return found
        if kind == b"----":
            item = src.read(body, min(stop - body, 512))
            at = item.find(b"data", item.find(b"iTunSMPB") + 8)
            if item.find(b"iTunSMPB") >= 0 and at > 0:
                fields = item[at + 12 : at + 200].split()
                if len(fields) >= 4:
                    try:
                        return int(fields[3], 16)
                    except ValueError:
                        return 0
    return 0


def _walk(
    src: Source, start: int, end: int, movie: _Movie, track: _Track | None, depth: int = 0
) -> None:
    if depth > _MAX_DEPTH:
        return
    for kind, body_at, box_end in _boxes(src, start, end):
        if kind == b"trak":
            track = _Track()
            movie.tracks.append(track)
            _walk(src, body_at, box_end, movie, track, depth + 1)
            continue
        if kind in _CONTAINERS:
            _walk(src, body_at, box_end, movie, track, depth + 1)
            continue
        if kind in _TABLES:
            if track is not None:
                track.tables.setdefault(kind, (body_at, box_end))
            continue
        if kind not in _LEAVES:
            continue
        body = src.read(body_at, min(box_end - body_at, _MAX_LEAF))
        if kind == b"mvhd":
            movie.timescale, movie.duration = _times(body)
        elif kind == b"mehd":
            version, rest = _full(body)
            if len(rest) >= 8 or (version == 0 and len(rest) >= 4):
                movie.fragment_duration = int.from_bytes(rest[: 8 if version == 1 else 4], "big")
        elif kind == b"trex" and len(body) >= 16:
            track_id, _index, duration = struct.unpack_from(">III", body, 4)
            movie.default_duration[track_id] = duration
        elif track is None:
            continue
        elif kind == b"tkhd":
            version, rest = _full(body)
            at = 16 if version == 1 else 8
            if len(rest) >= at + 4:
                track.id = struct.unpack_from(">I", rest, at)[0]
        elif kind == b"elst":
            track.edit, track.media_start = _edit(body)
        elif kind == b"mdhd":
            track.timescale, track.media_duration = _times(body)
        elif kind == b"hdlr" and len(body) >= 12 and not track.handler:
            track.handler = body[8:12]  # mdia's; QuickTime's minf/hdlr (a data handler) comes later
        elif kind == b"stsd":
            _sample_entry(body, track)


def _fragment(
    src: Source, start: int, end: int, track: _Track, default: int
) -> tuple[int | None, int] | None:
    """``(tfdt base decode time or None, summed sample durations)`` of ``track`` in one ``moof``.

    None when the fragment holds nothing of the track. The durations come from
    each ``trun``'s samples, else the ``tfhd`` default, else the ``trex`` one.
    """
    base: int | None = None
    total = 0
    found_track = False
    for kind, body_at, box_end in _boxes(src, start, end):
        if kind != b"traf":
            continue
        fragment_default = default
        for leaf, leaf_at, leaf_end in _boxes(src, body_at, box_end):
            if leaf not in _FRAGMENT_LEAVES:
                continue
            version, rest = _full(src.read(leaf_at, min(leaf_end - leaf_at, 1 << 20)))
            flags = int.from_bytes(src.read(leaf_at + 1, 3), "big")
            if leaf == b"tfhd":
                if len(rest) < 4 or struct.unpack_from(">I", rest)[0] != track.id:
                    break
                found_track = True
                at = 4 + (8 if flags & 1 else 0) + (4 if flags & 2 else 0)
                if flags & 8 and len(rest) >= at + 4:
                    fragment_default = struct.unpack_from(">I", rest, at)[0]
            elif leaf == b"tfdt":
                base = int.from_bytes(rest[: 8 if version == 1 else 4], "big")
            elif leaf == b"trun" and len(rest) >= 4:
                count = struct.unpack_from(">I", rest)[0]
                at = 4 + (4 if flags & 1 else 0) + (4 if flags & 4 else 0)
                if flags & 0x100:
                    step = 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
                    stop = min(at + count * step, len(rest) - 3)
                    total += sum(
                        struct.unpack_from(">I", rest, cursor)[0]
                        for cursor in range(at, stop, step)
                    )
                else:
                    total += count * fragment_default
    return (base, total) if found_track else None


def _fragments_end(
    src: Source, moofs: list[tuple[int, int]], track: _Track, default: int, start: int
) -> int:
    """Decode time after the last sample of ``track`` in the fragments.

    When the last fragment states where it starts (``tfdt``), it alone is read;
    otherwise every fragment's samples are added up, each restarting from its
    own ``tfdt`` where it has one; the first follows the samples of ``moov`` (``start``).
    """
    last = _fragment(src, *moofs[-1], track, default)
    if last is not None and last[0] is not None:
        return last[0] + last[1]
    end = start
    for begin, stop in moofs:
        fragment = _fragment(src, begin, stop, track, default)
        if fragment is not None:
            base, total = fragment
            end = (end if base is None else base) + total
    return end


def _top_level(src: Source) -> tuple[dict[bytes, list[tuple[int, int]]], tuple[str, str] | None]:
    """Top-level boxes by type, and the problem that stopped the walk, if any."""
    boxes: dict[bytes, list[tuple[int, int]]] = {}
    size = src.size
    offset = 0
    for _ in range(_MAX_BOXES):
        if offset >= size:
            break
        header = src.read(offset, 16)
        if not header.strip(b"\x00"):
            break  # zero padding at the end
        if len(header) < 8:
            return boxes, (TRUNCATED, f"MP4 file is cut inside a box header at offset {n(offset)}")
        box_size, kind = struct.unpack_from(">I4s", header)
        body = 8
        if box_size == 1:
            if len(header) < 16:
                return boxes, (
                    TRUNCATED,
                    f"MP4 file is cut inside a box header at offset {n(offset)}",
                )
            box_size = struct.unpack_from(">Q", header, 8)[0]
            body = 16
        elif box_size == 0:
            box_size = size - offset
        if not _valid_type(kind) or box_size < body:
            return boxes, (CORRUPT, f"MP4 data at offset {n(offset)} is not a valid box")
        name = kind.decode("latin-1")
        if offset + box_size > size:
            boxes.setdefault(b"cut:" + kind, []).append((offset, size))
            return boxes, (
                TRUNCATED,
                f"MP4 box '{name}' claims {n(box_size)} bytes but only {n(size - offset)} "
                "remain in the file",
            )
        boxes.setdefault(kind, []).append((offset + body, offset + box_size))
        if kind == b"mdat":
            boxes.setdefault(_MDAT_AT, []).append((offset, offset + body))
        offset += box_size
    return boxes, None


def _duration(src: Source, movie: _Movie, audio: _Track, moofs: list[tuple[int, int]]) -> float:
    header = 0.0
    if audio.edit and movie.timescale:
        header = audio.edit / movie.timescale
        if audio.media_duration and audio.timescale:
            # The edit is rounded to the movie's clock (often ms): the media's own
            # clock, less the priming the edit skips, is exact when they agree.
            media = (audio.media_duration - audio.media_start) / audio.timescale
            if abs(media - header) < 1 / movie.timescale:
                header = media
    elif audio.gapless and audio.timescale:
        header = audio.gapless / audio.timescale
    elif audio.media_duration and audio.timescale:
        header = audio.media_duration / audio.timescale
    elif movie.duration and movie.timescale:
        header = movie.duration / movie.timescale
    elif movie.fragment_duration and movie.timescale:
        header = movie.fragment_duration / movie.timescale
    if not moofs or not audio.timescale:
        return header
    default = movie.default_duration.get(audio.id, 0)
    end = _fragments_end(src, moofs, audio, default, audio.media_duration)
    return max(header, end / audio.timescale)


def parse_mp4(src: Source, found: Found) -> None:
    found.format = "mp4"
    boxes, problem = _top_level(src)
    moov = boxes.get(b"moov")
    moofs = boxes.get(b"moof", [])
    if problem is not None:
        kind, message = problem
        if moov is None and kind == TRUNCATED and b"cut:moov" not in boxes:
            message += "; its index ('moov') is missing"
        found.problem(kind, message)
        if moofs and b"cut:mdat" in boxes:
            moofs = moofs[:-1]
    if moov is None:
        if problem is None:
            found.problem(
                CORRUPT,
                "MP4 file has no 'moov' box: its index is missing, so the recording was "
                "never finalized",
            )
        return
    movie = _Movie()
    src.preload(*moov[0])  # the index is walked with many small reads
    _walk(src, moov[0][0], moov[0][1], movie, None)
    audio = next((t for t in movie.tracks if t.handler == b"soun"), None)
    if audio is None:
        found.problem(CORRUPT, "MP4 file has no audio track")
        return
    if not audio.edit:
        gapless = _gapless(src, moov[0][0], moov[0][1])
        audio.gapless = gapless if 0 < gapless <= audio.media_duration else 0
    found.codec = audio.codec
    found.channels = audio.channels or None
    # QuickTime v2 sound entries keep their rate elsewhere (the 16.16 field says 1).
    found.sample_rate = (audio.rate if audio.rate >= 1000 else audio.timescale) or None
    if problem is not None and problem[0] == TRUNCATED and not moofs:
        return  # what a cut file holds is unknown without reading its sample tables
    invalid = _invalid(movie, audio)
    if invalid is not None:
        found.problem(CORRUPT, invalid)
        return
    duration = _duration(src, movie, audio, moofs)
    found.duration_s = duration
    if problem is not None:
        return
    mdats = [
        (box, body, end)
        for (box, body), (_body, end) in zip(
            boxes.get(_MDAT_AT, []), boxes.get(b"mdat", []), strict=True
        )
    ]
    if b"mdat" not in boxes and not moofs and duration:
        found.problem(CORRUPT, "MP4 file has an index ('moov') but no media data ('mdat')")
    elif duration == 0:
        found.problem(EMPTY, "MP4 audio track holds no audio (0 s)")
    elif mdats:
        chunks = chunk_problem(src, audio.tables, mdats)
        if chunks is not None:
            found.problem(CORRUPT, chunks)


def _invalid(movie: _Movie, audio: _Track) -> str | None:
    """A header field no decoder can work with: a zero clock or no channels."""
    if audio.timescale == 0:
        return "MP4 audio track says a timescale of 0 (its 'mdhd' clock)"
    if movie.timescale == 0 and (movie.duration or audio.edit):
        return "MP4 movie header says a timescale of 0 ('mvhd')"
    if audio.codec is not None and audio.channels == 0:
        return "MP4 audio track says 0 channels"
    return None
