"""Corners of each container that an encoder does not make on its own, built by hand."""

from __future__ import annotations

import io
import struct

import pytest

from tapecheck.strategies import encode_audio
from tapecheck.suite._audio.ogg import page_crc
from tapecheck.suite.audio import AudioInfo, probe_fileobj


def probed(data: bytes) -> AudioInfo:
    return probe_fileobj(io.BytesIO(data), size=len(data))


def id3v2_end(data: bytes) -> int:
    if data[:3] != b"ID3":
        return 0
    return 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])


def test_layer_one() -> None:
    frame = bytes([0xFF, 0xFF, 0xC0, 0xC0]) + bytes(412)  # 384 kbps, 44.1 kHz: 416 bytes
    info = probed(frame * 50)
    assert (info.format, info.codec, info.problems) == ("mp3", "mp1", ())
    assert info.duration_s == pytest.approx(50 * 384 / 44100)


def test_layer_two_mpeg2_counts_1152_samples() -> None:
    frame = bytes([0xFF, 0xF5, 0x88, 0xC0]) + bytes(572)  # MPEG-2 Layer II, 64 kbps, 16 kHz
    info = probed(frame * 20)
    assert (info.codec, info.sample_rate, info.problems) == ("mp2", 16000, ())
    assert info.duration_s == pytest.approx(20 * 1152 / 16000)


def test_vbri_header_gives_the_length() -> None:
    data = encode_audio("mp3-cbr-noxing", duration_s=2.0)
    start = id3v2_end(data)
    first = bytearray(data[start : start + 417])
    # 200 frames: more than the file's 77, but no more than its bytes could hold at 32 kbit/s.
    vbri = b"VBRI" + struct.pack(">HHHII", 1, 0, 75, len(data) - start, 200)
    first[36 : 36 + len(vbri)] = vbri
    info = probed(data[:start] + bytes(first) + data[start + 417 :])
    assert info.problems == ()
    assert info.duration_s == pytest.approx(200 * 1152 / 44100)  # the header is trusted


def test_flac_streamed_without_a_sample_count() -> None:
    data = bytearray(encode_audio("flac", duration_s=2.5))
    packed = int.from_bytes(data[18:26], "big") & ~0xFFFFFFFFF
    data[18:26] = packed.to_bytes(8, "big")
    info = probed(bytes(data))
    assert info.problems == ()
    assert info.duration_s == pytest.approx(2.5)


def test_flac_whose_streaminfo_claims_more() -> None:
    data = bytearray(encode_audio("flac", duration_s=2.0))
    packed = int.from_bytes(data[18:26], "big")
    data[18:26] = (packed + 44100).to_bytes(8, "big")
    info = probed(bytes(data))
    assert [p.kind for p in info.problems] == ["truncated"]
    assert info.duration_s is not None
    assert info.duration_s < 2.0


def test_flac_behind_an_id3_tag() -> None:
    flac = encode_audio("flac", duration_s=1.0)
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x14" + bytes(20)
    info = probed(tag + flac)
    assert (info.format, info.problems, info.duration_s) == ("flac", (), 1.0)


def test_rifx_big_endian_wav() -> None:
    body = bytes(3200)
    header = (
        b"RIFX" + struct.pack(">I", 36 + len(body)) + b"WAVE"
        + b"fmt " + struct.pack(">IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data" + struct.pack(">I", len(body))
    )  # fmt: skip
    info = probed(header + body)
    assert (info.format, info.codec, info.duration_s, info.problems) == (
        "wav",
        "pcm_s16be",
        0.2,
        (),
    )


def test_wav_with_chunks_after_the_data_and_an_odd_chunk() -> None:
    body = bytes(1600)
    chunks = (
        b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"junk" + struct.pack("<I", 3) + b"abc\x00"
        + b"data" + struct.pack("<I", len(body)) + body
        + b"LIST" + struct.pack("<I", 4) + b"INFO"
    )  # fmt: skip
    info = probed(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    assert (info.duration_s, info.problems) == (0.1, ())


def test_compressed_wav_uses_its_byte_rate() -> None:
    body = bytes(4000)
    header = (
        b"RIFF" + struct.pack("<I", 38 + len(body)) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHHH", 18, 0x55, 1, 22050, 2000, 1, 0, 0)
        + b"data" + struct.pack("<I", len(body))
    )  # fmt: skip
    info = probed(header + body)
    assert (info.codec, info.duration_s, info.problems) == ("mp3", 2.0, ())


def test_wav_with_no_audio_is_empty_not_broken() -> None:
    header = (
        b"RIFF" + struct.pack("<I", 36) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data" + struct.pack("<I", 0)
    )  # fmt: skip
    info = probed(header)
    assert [p.kind for p in info.problems] == ["empty"]
    assert info.empty
    assert not info.readable
    assert info.format == "wav"


def test_mp4_without_an_audio_track() -> None:
    data = encode_audio("m4a", duration_s=1.0).replace(b"soun", b"vide")
    info = probed(data)
    assert [p.kind for p in info.problems] == ["corrupt"]
    assert "no audio track" in info.problems[0].message


def test_mp4_with_garbage_after_its_boxes_keeps_its_duration() -> None:
    data = encode_audio("m4a", duration_s=1.0) + b"\x00\x00\x00\x10\xff\xfe\xfd\xfc" + bytes(8)
    info = probed(data)
    assert [p.kind for p in info.problems] == ["corrupt"]
    assert info.duration_s == pytest.approx(1.0)


def test_webm_without_an_audio_track() -> None:
    data = encode_audio("webm-opus", duration_s=0.5)
    data = data.replace(b"\x86\x86A_OPUS", b"\x86\x86V_VP80").replace(
        b"\x83\x81\x02", b"\x83\x81\x01"
    )
    info = probed(data)
    assert [p.kind for p in info.problems] == ["corrupt"]


def test_ogg_with_headers_only_is_empty() -> None:
    data = encode_audio("opus", duration_s=1.0)
    pages = []
    offset = 0
    while offset < len(data):
        length = 27 + data[offset + 26] + sum(data[offset + 27 : offset + 27 + data[offset + 26]])
        pages.append(bytearray(data[offset : offset + length]))
        offset += length
    pages[1][5] |= 0x04  # end of stream after the comment header
    pages[1][22:26] = bytes(4)
    pages[1][22:26] = page_crc(bytes(pages[1])).to_bytes(4, "little")
    info = probed(bytes(pages[0] + pages[1]))
    assert [p.kind for p in info.problems] == ["empty"]
    assert info.duration_s == 0


def test_ogg_with_another_codec_is_unknown() -> None:
    data = bytearray(encode_audio("opus", duration_s=0.5))
    at = data.index(b"OpusHead")
    data[at : at + 8] = b"Speex   "
    info = probed(bytes(data))
    assert info.format == "unknown"
    assert "Speex" in info.problems[0].message


def test_adts_with_several_raw_blocks_per_frame() -> None:
    # Two 7-byte headers per frame length field; number_of_raw_data_blocks = 3 (4 blocks).
    length = 200
    header = bytes(
        [
            0xFF,
            0xF1,
            0x50,
            0x80 | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,
            0xFC | 3,
        ]
    )
    frame = header + bytes(length - 7)
    info = probed(frame * 30)
    assert (info.format, info.problems) == ("aac", ())
    assert info.duration_s == pytest.approx(30 * 4 * 1024 / 44100)
