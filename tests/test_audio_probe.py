"""The audio probe on real audio: generated duration in, same duration out; broken files named."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tapecheck.strategies import (
    DEFECTS,
    ENCODINGS,
    AudioSample,
    BrokenAudioSample,
    audio_files,
    broken_audio_files,
    encode_audio,
)
from tapecheck.suite.audio import (
    FORMATS,
    MIME_BY_FORMAT,
    PROBLEM_KINDS,
    AudioInfo,
    formats_for_extension,
    formats_for_mime,
    probe,
    probe_fileobj,
)

FILE_WRITING = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same_duration(info: AudioInfo, sample: AudioSample) -> None:
    """Within 0.5 % and 2 ms of the input; frame scans may add the encoder's priming frames."""
    assert info.duration_s is not None
    error = info.duration_s - sample.duration_s
    assert -0.002 - 0.005 * sample.duration_s <= error
    assert error <= 0.002 + 0.005 * sample.duration_s + sample.slack_s


# -- sound files ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_encoding_is_probed_exactly(encoding: str, tmp_path: Path) -> None:
    spec = ENCODINGS[encoding]
    for duration_s in (0.7, 4.1):
        data = encode_audio(encoding, duration_s=duration_s)
        path = tmp_path / f"sample{spec.extension}"
        path.write_bytes(data)
        info = probe(path)
        assert info.problems == (), info.problems
        assert info.format == spec.format
        assert info.mime == MIME_BY_FORMAT[spec.format]
        assert info.size == len(data)
        assert info.sample_rate == spec.sample_rate
        assert info.channels == spec.channels
        assert info.readable
        assert not info.empty
        sample = AudioSample(path, spec.format, encoding, duration_s, len(data), spec.slack_s)
        assert_same_duration(info, sample)


@settings(FILE_WRITING, max_examples=40)
@given(audio_files(min_duration_s=0.3, max_duration_s=8.0))
def test_generated_duration_in_same_duration_out(sample: AudioSample) -> None:
    info = probe(sample.path)
    assert info.problems == ()
    assert info.format == sample.format
    assert info.size == sample.size
    assert_same_duration(info, sample)


@settings(FILE_WRITING, max_examples=15)
@given(audio_files(encodings=["mp3-vbr-noxing"], min_duration_s=12.0, max_duration_s=30.0))
def test_vbr_mp3_without_xing_is_within_half_a_percent(sample: AudioSample) -> None:
    info = probe(sample.path)
    assert info.duration_s == pytest.approx(sample.duration_s, rel=0.005)


@settings(FILE_WRITING, max_examples=10)
@given(audio_files(formats=["mp3", "aac", "opus"], max_duration_s=3.0))
def test_the_name_plays_no_part(sample: AudioSample) -> None:
    renamed = sample.path.with_name(sample.path.stem + "-really.wav")
    sample.path.rename(renamed)
    info = probe(renamed)
    assert info.format == sample.format
    assert info.problems == ()


def test_probe_fileobj_matches_probe(tmp_path: Path) -> None:
    data = encode_audio("mp3-vbr", duration_s=2.0)
    path = tmp_path / "x.mp3"
    path.write_bytes(data)
    from_path = probe(path)
    from_object = probe_fileobj(io.BytesIO(data), size=len(data), name=str(path))
    assert from_object == from_path


def test_pydub_wav_without_ffmpeg() -> None:
    data = encode_audio("wav", duration_s=1.5)
    info = probe_fileobj(io.BytesIO(data), size=len(data))
    assert (info.format, info.codec, info.duration_s) == ("wav", "pcm_s16le", 1.5)


# -- broken files --------------------------------------------------------------


@settings(FILE_WRITING, max_examples=60)
@given(broken_audio_files())
def test_every_defect_is_reported_with_its_kind(sample: BrokenAudioSample) -> None:
    info = probe(sample.path)
    kinds = [problem.kind for problem in info.problems]
    if sample.problem is None:
        assert kinds == []
    else:
        assert sample.problem in kinds, info.problems
    assert all(problem.message for problem in info.problems)
    assert info.format == sample.format
    if sample.duration_s is not None:
        assert info.duration_s == pytest.approx(sample.duration_s, abs=1e-6)


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_once(defect: str) -> None:
    @settings(FILE_WRITING, max_examples=3)
    @given(broken_audio_files(defects=[defect]))
    def check(sample: BrokenAudioSample) -> None:
        info = probe(sample.path)
        kinds = {problem.kind for problem in info.problems}
        assert kinds == ({sample.problem} if sample.problem else set()), info.problems

    check()


# Without a length in a header, a file cut exactly between two frames (or MP4
# fragments) looks whole: it must then hold less, with no problem.
FRAME_SCANNED = (
    "mp3-cbr-noxing",
    "mp3-vbr-noxing",
    "mp3-mpeg25-noxing",
    "mp2",
    "aac-adts",
    "mp4-fragmented",
    "webm-live",
)


@pytest.mark.parametrize("source", sorted(ENCODINGS))
@given(fraction=st.floats(0.05, 0.98))
@settings(max_examples=15, deadline=None)
def test_a_cut_file_is_truncated_and_holds_less(source: str, fraction: float) -> None:
    data = encode_audio(source, duration_s=2.0)
    whole = probe_fileobj(io.BytesIO(data), size=len(data))
    cut = data[: max(1, int(len(data) * fraction))]
    info = probe_fileobj(io.BytesIO(cut), size=len(cut))
    kinds = {problem.kind for problem in info.problems}
    assert kinds <= {"truncated", "empty"}, info.problems
    assert "truncated" in kinds or source in FRAME_SCANNED, info.problems
    assert whole.duration_s is not None
    if info.duration_s is not None:
        assert info.duration_s <= whole.duration_s + 1e-9
    if not kinds:
        assert info.duration_s is not None
        assert info.duration_s < whole.duration_s


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    info = probe(path)
    assert [p.kind for p in info.problems] == ["empty"]
    assert info.format == "unknown"
    assert info.empty
    assert not info.readable


def test_missing_file_and_folder(tmp_path: Path) -> None:
    for path in (tmp_path / "nope.wav", tmp_path):
        info = probe(path)
        assert info.format == "unknown"
        assert info.size == 0
        assert [p.kind for p in info.problems] == ["missing"]
        assert not info.readable


def wav_header(data_size: int, *, riff_size: int | None = None) -> bytes:
    riff = min(36 + data_size, 0xFFFFFFFF) if riff_size is None else riff_size
    return (
        b"RIFF" + struct.pack("<I", riff) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data" + struct.pack("<I", data_size)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("header", "body", "kind", "duration_s", "words"),
    [
        (wav_header(4_000_000), bytes(1_200), "truncated", 0.075, "4,000,000 bytes"),
        (wav_header(0), bytes(1_600), "corrupt", 0.1, "placeholder 0x00000000"),
        (wav_header(0xFFFFFFFF), bytes(1_600), "corrupt", 0.1, "placeholder 0xFFFFFFFF"),
        (wav_header(1_600, riff_size=0xFFFFFFFF), bytes(1_600), "corrupt", 0.1, "RIFF size"),
        (wav_header(0), b"", "empty", 0.0, "0 bytes"),
        (wav_header(1_600, riff_size=90_000), bytes(1_600), "truncated", 0.1, "90,008 bytes"),
    ],
)
def test_wav_headers_that_lie(
    header: bytes, body: bytes, kind: str, duration_s: float, words: str
) -> None:
    data = header + body
    info = probe_fileobj(io.BytesIO(data), size=len(data))
    assert [p.kind for p in info.problems] == [kind]
    assert words in info.problems[0].message
    assert info.duration_s == pytest.approx(duration_s)


def test_mp3_whose_xing_byte_count_exceeds_the_file() -> None:
    data = encode_audio("mp3-vbr", duration_s=3.0)
    cut = data[: len(data) * 2 // 3]
    info = probe_fileobj(io.BytesIO(cut), size=len(cut))
    assert [p.kind for p in info.problems] == ["truncated"]
    assert "Xing" in info.problems[0].message
    assert info.duration_s is not None
    assert 1.0 < info.duration_s < 2.5


def test_mp4_without_moov_and_ogg_without_end_page() -> None:
    m4a = encode_audio("m4a", duration_s=1.0)
    moov = m4a.rindex(b"moov") - 4
    no_moov = m4a[:moov]
    info = probe_fileobj(io.BytesIO(no_moov), size=len(no_moov))
    assert [p.kind for p in info.problems] == ["corrupt"]
    assert "moov" in info.problems[0].message
    opus = encode_audio("opus", duration_s=3.0)
    last_page = opus.rindex(b"OggS")
    no_end = opus[:last_page]
    info = probe_fileobj(io.BytesIO(no_end), size=len(no_end))
    assert [p.kind for p in info.problems] == ["truncated"]
    assert "end-of-stream" in info.problems[0].message
    assert info.duration_s is not None
    assert 0 < info.duration_s < 3.0


def test_mp3_with_garbage_inside_is_corrupt() -> None:
    data = bytearray(encode_audio("mp3-cbr-noxing", duration_s=3.0))
    middle = len(data) // 2
    data[middle : middle + 1500] = bytes(range(256)) * 5 + bytes(220)
    info = probe_fileobj(io.BytesIO(bytes(data)), size=len(data))
    assert [p.kind for p in info.problems] == ["corrupt"]
    assert "not MPEG audio frames" in info.problems[0].message


def test_id3_tags_and_tails_are_skipped() -> None:
    frames = encode_audio("mp3-cbr-noxing", duration_s=1.0)
    whole = probe_fileobj(io.BytesIO(frames), size=len(frames))
    id3_footer = b"ID3\x04\x00\x10\x00\x00\x00\x05" + bytes(5) + b"3DI\x04\x00\x10\x00\x00\x00\x05"
    ape = b"APETAGEX" + struct.pack("<IIII", 2000, 32, 0, 0) + bytes(8)
    id3v1 = b"TAG" + bytes(125)
    data = id3_footer + frames + ape + id3v1
    info = probe_fileobj(io.BytesIO(data), size=len(data))
    assert info.problems == ()
    assert info.duration_s == whole.duration_s


def test_free_format_mp3_has_no_duration() -> None:
    header = bytes([0xFF, 0xFB, 0x00, 0xC0])  # MPEG-1 Layer III, bitrate index 0
    data = (header + bytes(600)) * 10
    info = probe_fileobj(io.BytesIO(data), size=len(data))
    assert (info.format, info.duration_s, info.problems) == ("mp3", None, ())


def test_unknown_content_is_named() -> None:
    for data, words in [
        (b"FORM\x00\x00\x10\x00AIFFCOMM" + bytes(100), "AIFF"),
        (b"%PDF-1.7\n" + bytes(100), "PDF"),
        (b'{"not": "audio"}\n', "text"),
        (bytes(range(256)) * 4, "no known audio format"),
    ]:
        info = probe_fileobj(io.BytesIO(data), size=len(data))
        assert info.format == "unknown"
        assert [p.kind for p in info.problems] == ["unknown"]
        assert words in info.problems[0].message
        assert info.mime is None


def test_matroska_is_not_webm() -> None:
    webm = encode_audio("webm-opus", duration_s=0.5)
    matroska = webm.replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska", 1)
    info = probe_fileobj(io.BytesIO(matroska), size=len(matroska))
    assert info.format == "unknown"
    assert "matroska" in info.problems[0].message


# -- MIME types and extensions ---------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "formats"),
    [
        ("audio/mpeg", {"mp3"}),
        ("AUDIO/MP3", {"mp3"}),
        ("audio/wav", {"wav"}),
        ("audio/wave", {"wav"}),
        ("audio/x-wav", {"wav"}),
        ("audio/vnd.wave", {"wav"}),
        ("audio/mp4", {"mp4"}),
        ("audio/m4a", {"mp4"}),
        ("audio/x-m4a", {"mp4"}),
        ("audio/aac", {"aac"}),
        ("audio/x-aac", {"aac"}),
        ("audio/aacp", {"aac"}),
        ("audio/opus", {"opus"}),
        ("audio/ogg; codecs=opus", {"opus", "vorbis"}),
        ("audio/flac", {"flac"}),
        ("audio/x-flac", {"flac"}),
        ("audio/webm;codecs=opus", {"webm"}),
        ("video/mp4", set()),
        ("application/octet-stream", set()),
        ("", set()),
    ],
)
def test_formats_for_mime(mime: str, formats: set[str]) -> None:
    assert formats_for_mime(mime) == frozenset(formats)


@pytest.mark.parametrize(
    ("name", "formats"),
    [
        ("call.wav", {"wav"}),
        ("dir/CALL.WAVE", {"wav"}),
        ("a.mp3", {"mp3"}),
        ("a.aac", {"aac"}),
        ("a.m4a", {"mp4"}),
        ("a.mp4", {"mp4"}),
        ("a.opus", {"opus"}),
        ("a.ogg", {"opus", "vorbis"}),
        ("a.oga", {"opus", "vorbis"}),
        ("a.flac", {"flac"}),
        ("a.webm", {"webm"}),
        ("a.weba", {"webm"}),
        ("a.txt", None),
        ("recording", None),
    ],
)
def test_formats_for_extension(name: str, formats: set[str] | None) -> None:
    expected = None if formats is None else frozenset(formats)
    assert formats_for_extension(name) == expected


def test_every_format_has_a_mime_type_and_a_mime_that_names_it() -> None:
    assert set(MIME_BY_FORMAT) == set(FORMATS)
    for fmt, mime in MIME_BY_FORMAT.items():
        assert fmt in formats_for_mime(mime)
    assert set(PROBLEM_KINDS) == {"missing", "empty", "unknown", "truncated", "corrupt"}
