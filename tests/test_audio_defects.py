"""Headers that lie, found on real files and by byte-flip fuzzing: one test per defect.

Each file is encoded at test time by the bundled FFmpeg (``tapecheck.strategies``)
and then damaged by hand where the defect lives: an MP4 chunk offset, an Ogg
page, a FLAC metadata block, a WAV byte rate, an MP3 Xing frame count.
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from pathlib import Path

import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite._audio.ogg import crc_ok, page_crc
from tapecheck.suite.audio import AudioInfo, probe_fileobj
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import RULES, load_rules
from tapecheck.suite.manifest import parse_manifest

load_rules()


def probed(data: bytes | bytearray) -> AudioInfo:
    return probe_fileobj(io.BytesIO(bytes(data)), size=len(data))


def kinds(info: AudioInfo) -> list[str]:
    return [p.kind for p in info.problems]


def text(info: AudioInfo) -> str:
    return " | ".join(p.message for p in info.problems)


def top_boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """``(type, start, size)`` of each top-level MP4 box."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        boxes.append((kind, offset, size))
        offset += size
    return boxes


def box_body(data: bytes | bytearray, kind: bytes) -> int:
    """Where the body of the first box of ``kind`` starts (a full box: version and flags first)."""
    at = bytes(data).find(kind)
    assert at > 0, kind
    return at + 4


# -- MP4 --------------------------------------------------------------------------------


def m4a_with_empty_mdat() -> bytes:
    """The issue's file: an 8-byte ``mdat``, every chunk offset now past the end of the file."""
    data = encode_audio("m4a-faststart", duration_s=3.0)
    parts = {kind: data[start : start + size] for kind, start, size in top_boxes(data)}
    assert data.find(b"moov") < data.find(b"mdat")  # the index first
    return parts[b"ftyp"] + parts[b"moov"] + struct.pack(">I4s", 8, b"mdat")


def test_mp4_chunk_offsets_past_the_end_are_corrupt() -> None:
    info = probed(m4a_with_empty_mdat())
    assert kinds(info) == ["corrupt"]
    assert "past the end of the file" in text(info)


def test_mp4_chunk_offset_into_the_mdat_header_is_corrupt() -> None:
    data = bytearray(encode_audio("m4a-faststart", duration_s=2.0))
    at = box_body(data, b"stco")
    count = struct.unpack_from(">I", data, at + 4)[0]
    for index in range(count):  # every chunk 8 bytes early: the first lands on the mdat header
        entry = at + 8 + 4 * index
        struct.pack_into(">I", data, entry, struct.unpack_from(">I", data, entry)[0] - 8)
    info = probed(data)
    assert kinds(info) == ["corrupt"]
    assert "into the header of the 'mdat' box" in text(info)
    assert probed(encode_audio("m4a-faststart", duration_s=2.0)).problems == ()


def test_mp4_last_chunk_running_past_its_media_data_is_corrupt() -> None:
    data = bytearray(encode_audio("m4a-faststart", duration_s=2.0))
    at = box_body(data, b"stco")
    count = struct.unpack_from(">I", data, at + 4)[0]
    last = at + 8 + 4 * (count - 1)
    struct.pack_into(">I", data, last, struct.unpack_from(">I", data, last)[0] + 64)
    info = probed(data)
    assert kinds(info) == ["corrupt"]
    assert "runs 64 bytes past the end of its media data" in text(info)


def test_mp4_zero_timescale_and_zero_channels_are_corrupt() -> None:
    clean = encode_audio("m4a", duration_s=1.0)
    zero_clock = bytearray(clean)
    mdhd = box_body(zero_clock, b"mdhd")
    struct.pack_into(">I", zero_clock, mdhd + 12, 0)  # version 0: created, modified, timescale
    info = probed(zero_clock)
    assert kinds(info) == ["corrupt"]
    assert "timescale of 0" in text(info)
    assert info.duration_s is None

    no_channels = bytearray(clean)
    entry = bytes(no_channels).find(b"mp4a") - 4  # the sample entry's size field
    struct.pack_into(">H", no_channels, entry + 24, 0)
    info = probed(no_channels)
    assert kinds(info) == ["corrupt"]
    assert "0 channels" in text(info)


def test_fragmented_mp4_adds_every_fragment() -> None:
    """Fragments that do not say where they start (no ``tfdt``) follow one another."""
    data = encode_audio("mp4-fragmented", duration_s=5.0)
    assert data.count(b"moof") >= 4
    truth = probed(data).duration_s
    assert truth == pytest.approx(5.0, abs=0.1)
    without_tfdt = data.replace(b"tfdt", b"free")
    info = probed(without_tfdt)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(truth)


def test_lint_calls_an_mp4_with_impossible_offsets_damaged_not_too_long(tmp_path: Path) -> None:
    data = bytearray(m4a_with_empty_mdat())
    mvhd, mdhd = box_body(data, b"mvhd"), box_body(data, b"mdhd")
    scale = struct.unpack_from(">I", data, mvhd + 12)[0]
    claimed = min(scale * 169_022, 0xFFFFFFF0)  # the 169,022 s where 32 bits allow
    struct.pack_into(">I", data, mvhd + 16, claimed)
    struct.pack_into(">I", data, mdhd + 16, 0xFFFFFFF0)
    struct.pack_into(">I", data, box_body(data, b"elst") + 8, claimed)
    info = probed(data)
    assert info.duration_s is None
    (tmp_path / "call.m4a").write_bytes(bytes(data))
    manifest = (
        "vendor: corti\npath: {id: f47ac10b-58cc-4372-a567-0e02b2c3d479}\n"
        "headers: {Tenant-Name: base}\ncontent: call.m4a\n"
    )
    path = tmp_path / "x.request.yaml"
    path.write_text(manifest, encoding="utf-8")
    ctx = LintContext.for_manifest(
        parse_manifest(manifest, path=str(path)), default_vendor=None, limit_overrides=None
    )
    found = Counter(code for code in ("AUD002", "AUD005") for _ in RULES[code].check(ctx))
    assert found == Counter({"AUD005": 1})


# -- Ogg and FLAC ----------------------------------------------------------------------------


def pages(data: bytes | bytearray) -> list[tuple[int, int]]:
    """``(offset, length)`` of each Ogg page."""
    found, offset = [], 0
    while offset + 27 <= len(data):
        segments = data[offset + 26]
        length = 27 + segments + sum(data[offset + 27 : offset + 27 + segments])
        found.append((offset, length))
        offset += length
    return found


def fix_crc(data: bytearray, offset: int, length: int) -> None:
    """Rewrite the CRC of the page at ``offset`` so that only the intended damage remains."""
    page = bytes(data[offset : offset + 22]) + bytes(4) + bytes(data[offset + 26 : offset + length])
    struct.pack_into("<I", data, offset + 22, page_crc(page))


@pytest.mark.parametrize("encoding", ["opus", "vorbis"])
@pytest.mark.parametrize("where", ["first audio page", "last page"])
def test_ogg_page_whose_crc_fails_is_corrupt(encoding: str, where: str) -> None:
    data = bytearray(encode_audio(encoding, duration_s=3.0))
    listed = pages(data)
    assert all(crc_ok(bytes(data), offset, length) for offset, length in listed)
    offset, length = listed[2] if where == "first audio page" else listed[-1]
    data[offset + length - 5] ^= 0x10
    info = probed(data)
    assert kinds(info) == ["corrupt"]
    assert f"Ogg page at offset {offset:,} fails its CRC check" in text(info)
    assert info.duration_s == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [(8, 0, "version 0, not 1"), (8, 16, "version 16"), (9, 0, "0 channels")],
)
def test_opus_header_fields_no_decoder_accepts(field: int, value: int, message: str) -> None:
    data = bytearray(encode_audio("opus", duration_s=1.0))
    offset, length = pages(data)[0]
    data[28 + field] = value  # the OpusHead packet starts after the one-segment page header
    fix_crc(data, offset, length)
    info = probed(data)
    assert kinds(info) == ["corrupt"]
    assert message in text(info)


def test_opus_input_rate_of_zero_means_unknown() -> None:
    """RFC 7845 5.1: the input sample rate is informational; 0 says it is not known."""
    data = bytearray(encode_audio("opus", duration_s=1.0))
    offset, length = pages(data)[0]
    struct.pack_into("<I", data, 28 + 12, 0)
    fix_crc(data, offset, length)
    info = probed(data)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(1.0)


def test_flac_with_a_second_streaminfo_is_corrupt() -> None:
    data = encode_audio("flac", duration_s=1.0)
    streaminfo = data[4 : 8 + 34]
    assert streaminfo[0] == 0  # not the last block: more metadata follows
    doubled = data[:42] + streaminfo + data[42:]
    info = probed(doubled)
    assert kinds(info) == ["corrupt"]
    assert "second STREAMINFO block (at offset 42)" in text(info)
    assert info.duration_s == pytest.approx(1.0)


# -- impossible durations -----------------------------------------------------------------


def test_opus_whose_last_granule_is_impossible_has_no_duration() -> None:
    data = bytearray(encode_audio("opus", duration_s=2.0))
    offset, length = pages(data)[-1]
    struct.pack_into("<q", data, offset + 6, 275_610_914_695 * 48_000)  # the 275 Gs
    fix_crc(data, offset, length)
    info = probed(data)
    assert info.duration_s is None
    assert kinds(info) == ["corrupt"]
    assert "the header claims 275,610,914,695 s of audio, more than the file can hold" in text(info)


def test_compressed_wav_whose_fact_count_is_impossible_has_no_duration() -> None:
    data = bytearray(encode_audio("wav-mulaw", duration_s=1.0))
    # A G.711 WAV rewritten as MS ADPCM (length from `fact`) whose count says 149 hours.
    assert data[38:42] == b"fact"
    struct.pack_into("<H", data, 20, 0x0002)
    struct.pack_into("<I", data, 46, 0xFFFFFFF0)
    info = probed(data)
    assert info.duration_s is None
    assert "more than the file can hold" in text(info)


def test_mp3_whose_xing_frame_count_is_impossible_reports_what_it_holds() -> None:
    data = bytearray(encode_audio("mp3-vbr", duration_s=2.0))
    at = data.find(b"Xing")
    struct.pack_into(">I", data, at + 8, 0x7FFFFFFF)  # the 82 KB file claiming 103 Ms
    info = probed(data)
    assert kinds(info) == ["truncated"]
    assert "claims 2,147,483,647 frames" in text(info)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)  # counted, frame by frame


def test_truncated_mp3_whose_xing_header_has_no_byte_count() -> None:
    """The issue's 210.96 s claim over 1.93 s of frames: only the frame count is there."""
    whole = encode_audio("mp3-vbr", duration_s=20.0)
    data = bytearray(whole[: len(whole) // 10])
    at = data.find(b"Xing")
    flags = struct.unpack_from(">I", data, at + 4)[0]
    assert flags & 2
    # Drop the byte count; the TOC and LAME tag move up 4 bytes, the frame keeps its length.
    frame_end = at + 160
    struct.pack_into(">I", data, at + 4, flags & ~2)
    data[at + 12 : frame_end] = data[at + 16 : frame_end] + bytes(4)
    info = probed(data)
    assert "truncated" in kinds(info)
    assert "claims" in text(info)
    assert "more audio than" in text(info)
    assert info.duration_s is not None
    assert info.duration_s < 2.5


# -- WAV ----------------------------------------------------------------------------------------


def test_wav_with_a_fact_count_and_no_byte_rate_uses_the_count() -> None:
    data = bytearray(encode_audio("wav-mulaw", duration_s=1.0))
    assert data[38:42] == b"fact"
    struct.pack_into("<H", data, 20, 0x0002)  # now MS ADPCM: the length comes from `fact`
    struct.pack_into("<I", data, 28, 0)  # nAvgBytesPerSec
    struct.pack_into("<I", data, 46, 12_000)
    info = probed(data)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(12_000 / 8000)


def mp3_in_wav(frames: bytes, rate: int, *, fact: int | None) -> bytes:
    fmt = struct.pack("<HHIIHH", 0x0055, 2, rate, 0, 1, 0)  # byte rate 0, as some writers leave it
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if fact is not None:
        chunks += b"fact" + struct.pack("<II", 4, fact)
    chunks += b"data" + struct.pack("<I", len(frames)) + frames + b"\0" * (len(frames) & 1)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def test_mp3_inside_a_wav_counts_its_frames() -> None:
    mp3 = encode_audio("mp3-cbr-noxing", duration_s=2.0)
    start = 0
    if mp3[:3] == b"ID3":  # the tag's size is "synchsafe": 7 bits a byte
        start = 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9])
    info = probed(mp3_in_wav(mp3[start:], 44100, fact=None))
    assert info.problems == ()
    assert (info.format, info.codec) == ("wav", "mp3")
    assert info.duration_s == pytest.approx(probed(mp3).duration_s, abs=0.001)
    with_fact = probed(mp3_in_wav(mp3[start:], 44100, fact=88_200))
    assert with_fact.duration_s == pytest.approx(2.0)


# -- found on the real-audio corpus (benchmarks/probe_corpus.py) --------------------------------


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def test_mp4_without_an_edit_list_uses_the_itunes_gapless_length() -> None:
    """iTunes writes priming and padding in ``iTunSMPB``, not in an edit list (mediafile's m4a)."""
    data = bytearray(encode_audio("m4a", duration_s=2.0))
    moov = data.find(b"moov") - 4
    assert struct.unpack_from(">I", data, moov)[0] == len(data) - moov  # the index is last
    data[data.find(b"edts")] = ord("f")  # "fdts": no edit list any more
    with_priming = probed(data).duration_s
    assert with_priming is not None
    assert with_priming > 2.0  # the encoder's priming frame is counted
    smpb = b" 00000000 00000400 00000000 %016X" % 88_200
    item = box(b"mean", bytes(4) + b"com.apple.iTunes") + box(b"name", bytes(4) + b"iTunSMPB")
    item += box(b"data", struct.pack(">II", 1, 0) + smpb)
    udta = box(b"udta", box(b"meta", bytes(4) + box(b"ilst", box(b"----", item))))
    data += udta
    struct.pack_into(">I", data, moov, len(data) - moov)
    info = probed(data)
    assert info.problems == ()
    assert info.duration_s == pytest.approx(2.0)


def test_mp3_cut_and_spliced_after_its_info_frame_is_truncated() -> None:
    """mutagen's apev2-lyricsv2.mp3: an Info frame claiming 210.92 s, junk, 1.93 s of frames."""
    whole = encode_audio("mp3-cbr", duration_s=20.0)
    start = whole.find(b"Info") - 21  # mono MPEG-1: 4-byte header, 17 bytes of side info
    frame = 417  # 128 kbit/s at 44.1 kHz
    assert whole[start] == 0xFF
    junk = bytes(range(1, 250)) * 2
    data = whole[: start + frame] + junk + whole[start + frame : len(whole) // 10]
    info = probed(data)
    assert set(kinds(info)) == {"corrupt", "truncated"}  # junk after the Info frame; cut
    assert f"at offset {start:,} claims 20.00 s but the frames hold 1.96 s" in text(info)


def test_mp3_of_a_single_frame_is_corrupt() -> None:
    """mutagen's too-short.mp3: FFmpeg wants two frames in a row before it reads a stream."""
    data = encode_audio("mp3-cbr-noxing", duration_s=1.0)
    start = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
    info = probed(data[: start + 417])
    assert kinds(info) == ["corrupt"]
    assert "single audio frame" in text(info)
