"""WebM (EBML/Matroska with DocType ``webm``): Segment Info Duration x TimecodeScale.

The elements before the first Cluster are walked with small reads (SeekHead
leads to an Info or Tracks written at the end). Recordings from browsers'
MediaRecorder carry no Duration and an unknown Segment size: for those, and
for a Segment that runs past the end of the file, the last Cluster is read
from the final 256 KB to find the end of the last block and whether the file
was cut inside it.
"""

from __future__ import annotations

import struct

from tapecheck.suite._audio.source import CORRUPT, EMPTY, TRUNCATED, UNKNOWN, Found, Source, n

__all__ = ["parse_webm"]

_EBML = 0x1A45DFA3
_DOCTYPE = 0x4282
_SEGMENT = 0x18538067
_SEEKHEAD = 0x114D9B74
_SEEK = 0x4DBB
_SEEK_ID = 0x53AB
_SEEK_POSITION = 0x53AC
_INFO = 0x1549A966
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489
_TRACKS = 0x1654AE6B
_TRACK_ENTRY = 0xAE
_TRACK_NUMBER = 0xD7
_TRACK_TYPE = 0x83
_CODEC_ID = 0x86
_CODEC_DELAY = 0x56AA
_DEFAULT_DURATION = 0x23E383
_AUDIO = 0xE1
_SAMPLING_FREQUENCY = 0xB5
_CHANNELS = 0x9F
_CLUSTER = 0x1F43B675
_CLUSTER_ID = b"\x1f\x43\xb6\x75"
_TIMECODE = 0xE7
_SIMPLE_BLOCK = 0xA3
_BLOCK_GROUP = 0xA0
_BLOCK = 0xA1
_BLOCK_DURATION = 0x9B
_TOP = frozenset(
    (_SEEKHEAD, _INFO, _TRACKS, _CLUSTER, 0x1C53BB6B, 0x1254C367, 0x1941A469, 0x1043A770)
)

_UNKNOWN_SIZE = -1
_MAX_ELEMENTS = 4096
_MAX_BODY = 256 * 1024
_TAIL = 256 * 1024
_CODECS = {"A_OPUS": "opus", "A_VORBIS": "vorbis", "A_AAC": "aac", "A_FLAC": "flac"}
_OPUS_FRAME_US = (10_000, 20_000, 40_000, 60_000)
_CELT_FRAME_US = (2_500, 5_000, 10_000, 20_000)


def _vint(data: bytes, at: int) -> tuple[int, int] | None:
    """``(value, length)`` of the EBML variable-size integer at ``at``; value -1 if unknown."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big") & ((1 << (7 * length)) - 1)
    return (_UNKNOWN_SIZE if value == (1 << (7 * length)) - 1 else value), length


def _element(data: bytes, at: int) -> tuple[int, int, int] | None:
    """``(id, size, header length)`` of the element at ``at`` of ``data``."""
    if at >= len(data) or data[at] < 0x10:
        return None
    id_length = 9 - data[at].bit_length()
    size = _vint(data, at + id_length)
    if size is None:
        return None
    return int.from_bytes(data[at : at + id_length], "big"), size[0], id_length + size[1]


def _children(data: bytes) -> dict[int, list[bytes]]:
    """The direct children of a master element's body, by id (a cut child is dropped)."""
    found: dict[int, list[bytes]] = {}
    at = 0
    while at < len(data):
        element = _element(data, at)
        if element is None or element[1] == _UNKNOWN_SIZE:
            break
        ident, size, header = element
        if at + header + size > len(data):
            break
        found.setdefault(ident, []).append(data[at + header : at + header + size])
        at += header + size
    return found


def _uint(children: dict[int, list[bytes]], ident: int, default: int = 0) -> int:
    values = children.get(ident)
    return int.from_bytes(values[0], "big") if values and len(values[0]) <= 8 else default


def _float(children: dict[int, list[bytes]], ident: int) -> float | None:
    values = children.get(ident)
    if not values:
        return None
    if len(values[0]) == 4:
        return float(struct.unpack(">f", values[0])[0])
    if len(values[0]) == 8:
        return float(struct.unpack(">d", values[0])[0])
    return None


class _Audio:
    __slots__ = ("codec", "codec_delay_ns", "default_ns", "number")

    def __init__(self) -> None:
        self.number = 0
        self.codec: str | None = None
        self.codec_delay_ns = 0
        self.default_ns = 0


def _tracks(body: bytes, found: Found) -> _Audio | None:
    for entry in _children(body).get(_TRACK_ENTRY, []):
        fields = _children(entry)
        codec_id = b"".join(fields.get(_CODEC_ID, [b""])).rstrip(b"\x00").decode("latin-1")
        if _uint(fields, _TRACK_TYPE) != 2 and not codec_id.startswith("A_"):
            continue
        audio = _Audio()
        audio.number = _uint(fields, _TRACK_NUMBER)
        audio.codec = _CODECS.get(codec_id, codec_id.lower() or None)
        audio.codec_delay_ns = _uint(fields, _CODEC_DELAY)
        audio.default_ns = _uint(fields, _DEFAULT_DURATION)
        settings = _children(fields.get(_AUDIO, [b""])[0])
        rate = _float(settings, _SAMPLING_FREQUENCY)
        found.codec = audio.codec
        found.sample_rate = round(rate) if rate else None
        found.channels = _uint(settings, _CHANNELS, 1)
        return audio
    return None


def _opus_ns(packet: bytes) -> int:
    """Duration of an Opus packet from its TOC byte."""
    if not packet:
        return 0
    config = packet[0] >> 3
    if config < 12:
        frame = _OPUS_FRAME_US[config & 3]
    elif config < 16:
        frame = _OPUS_FRAME_US[config & 1]
    else:
        frame = _CELT_FRAME_US[config & 3]
    count = packet[0] & 3
    frames = 1 if count == 0 else 2 if count < 3 else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return frame * frames * 1000


class _Tail:
    """The end of the last block in the last Cluster, and whether the file is cut inside it."""

    def __init__(self, src: Source, audio: _Audio | None, scale: int) -> None:
        self.end_ns: int | None = None
        self.cut = False
        start = max(0, src.size - _TAIL)
        tail = src.read(start, src.size - start)
        at = tail.rfind(_CLUSTER_ID)
        while at >= 0 and not self._cluster(tail, at, audio, scale):
            at = tail.rfind(_CLUSTER_ID, 0, at)

    def _cluster(self, tail: bytes, at: int, audio: _Audio | None, scale: int) -> bool:
        element = _element(tail, at)
        if element is None:
            return False
        _ident, size, header = element
        first = _element(tail, at + header)
        if first is None or first[0] != _TIMECODE:
            return False
        end = len(tail) if size == _UNKNOWN_SIZE else at + header + size
        if end > len(tail):
            self.cut = True
            end = len(tail)
        timecode = 0
        last_ns: int | None = None
        cursor = at + header
        while cursor < end:
            child = _element(tail, cursor)
            if child is None or child[1] == _UNKNOWN_SIZE or child[0] in _TOP:
                break
            ident, child_size, child_header = child
            body = cursor + child_header
            if body + child_size > len(tail):
                self.cut = True
                break
            data = tail[body : body + child_size]
            if ident == _TIMECODE:
                timecode = int.from_bytes(data, "big")
            elif ident in (_SIMPLE_BLOCK, _BLOCK_GROUP):
                block_end = self._block(data, ident, timecode, audio, scale)
                if block_end is not None:
                    last_ns = block_end if last_ns is None else max(last_ns, block_end)
            cursor = body + child_size
        self.end_ns = last_ns if last_ns is not None else timecode * scale
        return True

    @staticmethod
    def _block(
        data: bytes, ident: int, timecode: int, audio: _Audio | None, scale: int
    ) -> int | None:
        duration_ns = 0
        if ident == _BLOCK_GROUP:
            fields = _children(data)
            if _BLOCK_DURATION in fields:
                duration_ns = _uint(fields, _BLOCK_DURATION) * scale
            data = fields.get(_BLOCK, [b""])[0]
        track = _vint(data, 0)
        if track is None or len(data) < track[1] + 3:
            return None
        if audio is not None and audio.number and track[0] != audio.number:
            return None
        relative: int = struct.unpack_from(">h", data, track[1])[0]
        flags = data[track[1] + 2]
        if not duration_ns and audio is not None:
            if audio.default_ns:
                duration_ns = audio.default_ns
            elif audio.codec == "opus" and not flags & 0x06:
                duration_ns = _opus_ns(data[track[1] + 3 :])
        return (timecode + relative) * scale + duration_ns


def parse_webm(src: Source, found: Found) -> None:
    head = src.head
    ebml = _element(head, 0)
    if ebml is None or ebml[0] != _EBML or ebml[1] == _UNKNOWN_SIZE:
        found.problem(UNKNOWN, "EBML file with an unreadable header")
        return
    _ident, size, header = ebml
    doctype = b"".join(_children(head[header : header + size]).get(_DOCTYPE, [b"matroska"]))
    doctype = doctype.rstrip(b"\x00")
    if doctype != b"webm":
        found.problem(
            UNKNOWN,
            f"EBML file of DocType {doctype.decode('latin-1')!r} (Matroska), not WebM",
        )
        return
    found.format = "webm"
    segment_at = header + size
    segment = _element(src.read(segment_at, 16), 0)
    if segment is None or segment[0] != _SEGMENT:
        if src.size <= segment_at + 12:
            found.problem(TRUNCATED, "WebM file ends before its Segment")
        else:
            found.problem(CORRUPT, "WebM file has no Segment after its EBML header")
        return
    _ident, segment_size, segment_header = segment
    data_at = segment_at + segment_header
    segment_end = None if segment_size == _UNKNOWN_SIZE else data_at + segment_size
    cut_segment = segment_end is not None and segment_end > src.size
    scale, duration, audio = _headers(src, found, data_at, min(segment_end or src.size, src.size))
    if audio is None:
        if cut_segment or _cut_headers(src, data_at):
            found.problem(TRUNCATED, "WebM file is cut before the end of its track list")
        else:
            found.problem(CORRUPT, "WebM file has no audio track")
        return
    delay_s = audio.codec_delay_ns / 1e9
    if duration is not None and not cut_segment and segment_end is not None:
        found.duration_s = max(duration * scale / 1e9 - delay_s, 0.0)
    else:
        tail = _Tail(src, audio, scale)
        if tail.end_ns is not None:
            found.duration_s = max(tail.end_ns / 1e9 - delay_s, 0.0)
        elif duration is not None and not cut_segment:
            found.duration_s = max(duration * scale / 1e9 - delay_s, 0.0)
        if cut_segment and segment_end is not None:
            found.problem(
                TRUNCATED,
                f"WebM Segment claims {n(segment_end - data_at)} bytes but only "
                f"{n(src.size - data_at)} remain in the file",
            )
        elif tail.cut:
            found.problem(TRUNCATED, "WebM file is cut inside its last Cluster")
    if found.duration_s == 0 and not found.problems:
        found.problem(EMPTY, "WebM audio track holds no audio (0 s)")


def _headers(
    src: Source, found: Found, start: int, end: int
) -> tuple[int, float | None, _Audio | None]:
    """TimecodeScale, Duration and the audio track, from the elements before the first Cluster."""
    scale = 1_000_000
    duration: float | None = None
    audio: _Audio | None = None
    seeks: dict[int, int] = {}
    info_seen = tracks_seen = False
    at = start
    for _ in range(_MAX_ELEMENTS):
        if at >= end:
            break
        element = _element(src.read(at, 16), 0)
        if element is None:
            break
        ident, size, header = element
        if ident == _CLUSTER or size == _UNKNOWN_SIZE:
            break
        if ident in (_SEEKHEAD, _INFO, _TRACKS):
            body = src.read(at + header, min(size, _MAX_BODY))
            if ident == _SEEKHEAD:
                for seek in _children(body).get(_SEEK, []):
                    fields = _children(seek)
                    target = int.from_bytes(fields.get(_SEEK_ID, [b""])[0], "big")
                    seeks[target] = _uint(fields, _SEEK_POSITION)
            elif ident == _INFO:
                info_seen = True
                scale, duration = _info(body)
            else:
                tracks_seen = True
                audio = _tracks(body, found)
        at += header + size
    for target in (t for t, seen in ((_INFO, info_seen), (_TRACKS, tracks_seen)) if not seen):
        if target not in seeks:
            continue
        element = _element(src.read(start + seeks[target], 16), 0)
        if element is None or element[0] != target or element[1] == _UNKNOWN_SIZE:
            continue
        body = src.read(start + seeks[target] + element[2], min(element[1], _MAX_BODY))
        if target == _INFO:
            scale, duration = _info(body)
        else:
            audio = _tracks(body, found)
    return scale, duration, audio


def _cut_headers(src: Source, start: int) -> bool:
    """Whether the file ends inside the elements before the first Cluster."""
    at = start
    for _ in range(_MAX_ELEMENTS):
        element = _element(src.read(at, 16), 0)
        if element is None or element[0] == _CLUSTER or element[1] == _UNKNOWN_SIZE:
            return element is None and at < src.size
        at += element[1] + element[2]
        if at > src.size:
            return True
    return False


def _info(body: bytes) -> tuple[int, float | None]:
    fields = _children(body)
    return _uint(fields, _TIMECODE_SCALE, 1_000_000) or 1_000_000, _float(fields, _DURATION)
