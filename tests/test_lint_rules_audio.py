"""AUD001-AUD007: the uploaded audio judged by its content, against the vendor's limits.

Audio is made at test time: WAVs with the standard library, MP3 frames by
hand, FLAC and ADTS with the FFmpeg binary of imageio-ffmpeg, and files near
the size and duration limits as sparse files (a real header, then a hole).
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.engine import Target, lint_file
from tapecheck.suite.lint.registry import RULES, load_rules
from tapecheck.suite.lint.wording import human_bytes, human_duration
from tapecheck.suite.manifest import parse_manifest

if TYPE_CHECKING:
    from conftest import AudioSamples

load_rules()

AUD_CODES = tuple(f"AUD00{n}" for n in range(1, 8))
Found = Counter[tuple[str, str]]

UUID = "f47ac10b-58cc-4372-a567-0e02b2c3d479"
CRESCENDO = "vendor: crescendo\npath: {tenantId: t}\nbody: {metadata: {id: c-1}}\n"
CORTI = f"vendor: corti\npath: {{id: {UUID}}}\nheaders: {{Tenant-Name: base}}\n"
ALPHARUN = "vendor: alpharun\n"
SIRO = "vendor: siro\n"
BOTA_UPLOAD = "vendor: bota\noperation: upload-url\npath: {id: rec_1}\n"

#: Random-looking bytes that are no audio format.
NOT_AUDIO = bytes(range(7, 250)) * 20


@pytest.fixture(scope="module")
def flac(audio: AudioSamples) -> bytes:
    return audio.encoded("flac", 0.5)


@pytest.fixture(scope="module")
def adts(audio: AudioSamples) -> bytes:
    return audio.encoded("adts", 0.5)


def sparse_wav(path: Path, data_bytes: int, *, rate: int = 8000, channels: int = 1) -> Path:
    """A 16-bit PCM WAV whose data chunk is a hole of ``data_bytes`` (no disk used)."""
    block = channels * 2
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )
    with path.open("wb") as out:
        out.write(header)
        out.truncate(len(header) + data_bytes)
    return path


def context(
    tmp_path: Path, text: str, limits: Mapping[str, Mapping[str, Any]] | None = None
) -> LintContext:
    path = tmp_path / "x.request.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = parse_manifest(text, path=str(path))
    ctx = LintContext.for_manifest(loaded, default_vendor=None, limit_overrides=limits)
    assert not ctx.fatal, ctx.load_error or ctx.resolve_error
    return ctx


def run(ctx: LintContext) -> Found:
    return Counter((code, v.pointer) for code in AUD_CODES for v in RULES[code].check(ctx))


def messages(ctx: LintContext) -> dict[str, str]:
    return {code: v.message for code in AUD_CODES for v in RULES[code].check(ctx)}


def expect(*pairs: tuple[str, str]) -> Found:
    return Counter(pairs)


Writer = Callable[["AudioSamples", bytes, bytes], bytes]

#: (id, manifest, file name, content name, expected). Content names: see ``CONTENT``.
CASES: list[tuple[str, str, str, str, Found]] = [
    ("crescendo-mp3", CRESCENDO + "files: {audio: call.mp3}\n", "call.mp3", "mp3", expect()),
    (
        "crescendo-wav-in-file-part",
        CRESCENDO + "files: {file: call.wav}\n",
        "call.wav",
        "wav",
        expect(),
    ),
    (
        "crescendo-flac-named-mp3",
        CRESCENDO + "files: {audio: call.mp3}\n",
        "call.mp3",
        "flac",
        expect(("AUD003", "/files/audio"), ("AUD004", "/files/audio")),
    ),
    (
        "crescendo-flac-named-flac",
        CRESCENDO + "files: {audio: call.flac}\n",
        "call.flac",
        "flac",
        expect(("AUD003", "/files/audio")),
    ),
    (
        "crescendo-part-type-wrong",
        CRESCENDO + "files: {audio: {path: call.mp3, content_type: audio/wav}}\n",
        "call.mp3",
        "mp3",
        expect(("AUD004", "/files/audio/content_type")),
    ),
    (
        "crescendo-part-type-alias",
        CRESCENDO + "files: {audio: {path: call.mp3, content_type: 'audio/mp3; rate=44100'}}\n",
        "call.mp3",
        "mp3",
        expect(),
    ),
    (
        "crescendo-random-bytes-alone",
        CRESCENDO + "files: {audio: {path: call.mp3, content_type: audio/wav}}\n",
        "call.mp3",
        "random",
        expect(("AUD005", "/files/audio")),
    ),
    (
        "crescendo-empty-alone",
        CRESCENDO + "files: {audio: {path: call.flac, content_type: audio/wav}}\n",
        "call.flac",
        "empty",
        expect(("AUD006", "/files/audio")),
    ),
    (
        "crescendo-silent-wav-alone",
        CRESCENDO + "files: {audio: call.mp3}\n",
        "call.mp3",
        "silent",
        expect(("AUD006", "/files/audio")),
    ),
    (
        "crescendo-truncated-wav-and-the-rest",
        CRESCENDO + "files: {audio: call.mp3}\n",
        "call.mp3",
        "truncated",
        expect(("AUD005", "/files/audio"), ("AUD004", "/files/audio")),
    ),
    (
        "crescendo-missing-is-man003",
        CRESCENDO + "files: {audio: gone.mp3}\n",
        "call.mp3",
        "mp3",
        expect(),
    ),
    (
        "alpharun-only-labels-and-damage",
        ALPHARUN + "files: {audio: call.wav}\n",
        "call.wav",
        "flac",
        expect(("AUD004", "/files/audio")),
    ),
    (
        "alpharun-no-extension-declares-nothing",
        ALPHARUN + "files: {audio: call}\n",
        "call",
        "flac",
        expect(),
    ),
    (
        "corti-raw-body-type-header",
        CORTI.replace("{Tenant-Name: base}", "{Tenant-Name: base, Content-Type: audio/wav}")
        + "content: call.mp3\n",
        "call.mp3",
        "mp3",
        expect(("AUD004", "/headers/Content-Type")),
    ),
    (
        "corti-octet-stream-declares-nothing",
        CORTI.replace(
            "{Tenant-Name: base}", "{Tenant-Name: base, content-type: application/octet-stream}"
        )
        + "content: call.flac\n",
        "call.flac",
        "flac",
        expect(),
    ),
    (
        "siro-flac-as-mp3",
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c', fileType: mp3}\nfiles: {audio: call.flac}\n",
        "call.flac",
        "flac",
        expect(("AUD003", "/files/audio"), ("AUD004", "/body/fileType")),
    ),
    (
        "siro-wav-declared-mp3",
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c', fileType: mp3}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(("AUD004", "/body/fileType")),
    ),
    (
        "siro-aac-in-adts",
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c', fileType: aac}\nfiles: {audio: call.aac}\n",
        "call.aac",
        "adts",
        expect(),
    ),
    (
        "siro-unknown-file-type-is-sch003-not-aud004",
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c', fileType: ogg}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(),
    ),
    (
        "siro-signed-urls-size-mismatch",
        SIRO
        + "operation: signed-urls\nbody: {fileType: wav, fileSize: 1000}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(("AUD007", "/files/audio")),
    ),
    (
        "siro-size-not-a-number-is-the-schema-s",
        SIRO
        + "operation: signed-urls\nbody: {fileType: wav, fileSize: '1000'}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(),
    ),
    (
        "bota-content-type-and-size",
        BOTA_UPLOAD
        + "body: {content_type: audio/mpeg, file_size_bytes: 1}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(("AUD004", "/body/content_type"), ("AUD007", "/files/audio")),
    ),
    (
        "bota-image-type-declares-no-audio",
        BOTA_UPLOAD + "body: {type: image, content_type: image/png}\nfiles: {audio: call.wav}\n",
        "call.wav",
        "wav",
        expect(),
    ),
    (
        "bota-ogg-means-opus-or-vorbis",
        BOTA_UPLOAD + "body: {content_type: audio/flac}\nfiles: {audio: call.flac}\n",
        "call.flac",
        "flac",
        expect(),
    ),
]


def content(name: str, audio: AudioSamples, flac: bytes, adts: bytes) -> bytes:
    return {
        "mp3": audio.mp3(),
        "wav": audio.wav(0.5),
        "flac": flac,
        "adts": adts,
        "random": NOT_AUDIO,
        "empty": b"",
        "silent": audio.silent_wav(),
        "truncated": audio.truncated_wav(),
    }[name]


@pytest.mark.parametrize(
    ("text", "file_name", "kind", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_audio_findings(
    tmp_path: Path,
    audio: AudioSamples,
    flac: bytes,
    adts: bytes,
    text: str,
    file_name: str,
    kind: str,
    expected: Found,
) -> None:
    (tmp_path / file_name).write_bytes(content(kind, audio, flac, adts))
    assert run(context(tmp_path, text)) == expected


# -- limits --------------------------------------------------------------------------------


def test_aud001_crescendo_default_limit_with_human_units(tmp_path: Path) -> None:
    sparse_wav(tmp_path / "call.wav", 26_214_400)
    ctx = context(tmp_path, CRESCENDO + "files: {audio: call.wav}\n")
    assert run(ctx) == expect(("AUD001", "/files/audio"))
    assert messages(ctx)["AUD001"] == (
        "audio `call.wav` is 26.2 MB (26,214,444 bytes); Crescendo accepts at most 25 MB "
        "(25,000,000 bytes); compress or split the recording"
    )


def test_aud001_just_over_the_limit_does_not_read_as_equal(tmp_path: Path) -> None:
    sparse_wav(tmp_path / "call.wav", 25_000_000 - 44 + 4)
    ctx = context(tmp_path, CRESCENDO + "files: {audio: call.wav}\n")
    assert "is 25.000004 MB (25,000,004 bytes)" in messages(ctx)["AUD001"]
    sparse_wav(tmp_path / "call.wav", 25_000_000 - 44)
    assert run(context(tmp_path, CRESCENDO + "files: {audio: call.wav}\n")) == Counter()


def test_aud001_limit_from_configuration(tmp_path: Path, audio: AudioSamples) -> None:
    (tmp_path / "call.wav").write_bytes(audio.wav(1.0))
    text = ALPHARUN + "files: {audio: call.wav}\n"
    assert run(context(tmp_path, text)) == Counter()  # Alpharun states no limit
    limited = context(tmp_path, text, {"alpharun": {"max-bytes": 1000}})
    assert run(limited) == expect(("AUD001", "/files/audio"))
    assert "Alpharun accepts at most 1 kB (1,000 bytes)" in messages(limited)["AUD001"]


def test_aud002_corti_sixty_minutes(tmp_path: Path) -> None:
    sparse_wav(tmp_path / "ward.wav", 16_000 * 3725)  # 8 kHz, 16-bit mono: 1 h 2 min 5 s
    text = CORTI + "content: ward.wav\n"
    ctx = context(tmp_path, text)
    assert run(ctx) == expect(("AUD002", "/content"))
    assert messages(ctx)["AUD002"] == (
        "audio `ward.wav` lasts 1 h 2 min 5 s (3,725.0 s); Corti accepts at most 1 h "
        "(3,600 s); split the recording"
    )
    later_docs = context(tmp_path, text, {"corti": {"max-duration-s": 7200}})
    assert run(later_docs) == Counter()


def test_aud003_names_what_is_accepted(tmp_path: Path, flac: bytes) -> None:
    (tmp_path / "call.flac").write_bytes(flac)
    ctx = context(tmp_path, CRESCENDO + "files: {audio: call.flac}\n")
    assert messages(ctx)["AUD003"] == (
        "audio `call.flac` is FLAC (audio/flac); Crescendo accepts only WAV or MP3; "
        "convert the recording"
    )
    widened = context(
        tmp_path, CRESCENDO + "files: {audio: call.flac}\n", {"crescendo": {"formats": ["flac"]}}
    )
    assert run(widened) == Counter()


def test_aud004_messages_suggest_the_right_declaration(tmp_path: Path, audio: AudioSamples) -> None:
    (tmp_path / "call.wav").write_bytes(audio.mp3())
    ctx = context(
        tmp_path,
        SIRO
        + "body: {downloadUrl: 'https://s.example.com/c', fileType: wav}\nfiles: {audio: call.wav}\n",
    )
    found = {v.pointer: v.message for v in RULES["AUD004"].check(ctx)}
    assert found["/files/audio"] == (
        "the file extension `.wav` of `call.wav` says WAV, but the content is MP3 (audio/mpeg); "
        "rename it to `.mp3` or convert it"
    )
    assert found["/body/fileType"] == (
        '`fileType` "wav" says WAV, but `call.wav` is MP3 (audio/mpeg); send `fileType: mp3`'
    )


def test_aud005_gives_the_probe_s_reason(tmp_path: Path, audio: AudioSamples) -> None:
    (tmp_path / "call.wav").write_bytes(audio.truncated_wav())
    ctx = context(tmp_path, CRESCENDO + "files: {audio: call.wav}\n")
    message = messages(ctx)["AUD005"]
    assert message.startswith("`call.wav` is truncated: WAV data chunk claims")


def test_aud007_message(tmp_path: Path, audio: AudioSamples) -> None:
    data = audio.wav(0.5)
    (tmp_path / "call.wav").write_bytes(data)
    text = (
        SIRO
        + "operation: signed-urls\nbody: {fileType: wav, fileSize: 1000}\nfiles: {audio: call.wav}\n"
    )
    assert messages(context(tmp_path, text))["AUD007"] == (
        f"`fileSize` declares 1,000 bytes, but `call.wav` is {len(data):,} bytes "
        f"({human_bytes(len(data))}); declare `fileSize: {len(data)}`"
    )
    right = text.replace("fileSize: 1000", f"fileSize: {len(data)}")
    assert run(context(tmp_path, right)) == Counter()


# -- an audio file linted alone ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "name", "kind", "expected"),
    [
        ("crescendo", "call.mp3", "mp3", set()),
        ("crescendo", "call.wav", "mp3", {"AUD004"}),
        ("crescendo", "call.flac", "flac", {"AUD003"}),
        ("crescendo", "call.mp3", "random", {"AUD005"}),
        ("crescendo", "call.mp3", "empty", {"AUD006"}),
        ("corti", "call.flac", "flac", set()),
        ("siro", "call.aac", "adts", set()),
        ("alpharun", "call.bin", "wav", set()),
    ],
)
def test_audio_file_alone(
    tmp_path: Path,
    audio: AudioSamples,
    flac: bytes,
    adts: bytes,
    vendor: str,
    name: str,
    kind: str,
    expected: set[str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content(kind, audio, flac, adts))
    ctx = LintContext.for_audio(path, display=name, vendor=vendor)
    found = run(ctx)
    assert {code for code, _ in found} == expected
    assert all(pointer == "" for _, pointer in found)


def test_audio_file_alone_through_the_engine(tmp_path: Path) -> None:
    path = sparse_wav(tmp_path / "big.wav", 30_000_000)
    findings = lint_file(Target(path, "big.wav", "audio"), vendor="crescendo", config=LintConfig())
    generic = [f for f in findings if f.code[:3] in ("MAN", "SCH", "AUD", "SEC")]
    assert [(f.code, f.pointer, f.path, f.line) for f in generic] == [("AUD001", "", "big.wav", 1)]


def test_every_audio_file_is_probed_once(tmp_path: Path, audio: AudioSamples) -> None:
    (tmp_path / "call.wav").write_bytes(audio.wav(0.5))
    ctx = context(tmp_path, CRESCENDO + "files: {audio: call.wav}\n")
    run(ctx)
    run(ctx)
    assert list(ctx._probes) == [tmp_path / "call.wav"]


# -- human units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shown"),
    [(999, "999 bytes"), (1000, "1.0 kB"), (26_214_400, "26.2 MB"), (1_500_000_000, "1.5 GB")],
)
def test_human_bytes(count: int, shown: str) -> None:
    assert human_bytes(count) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(12.34, "12.3 s"), (60, "1 min"), (3600, "1 h"), (3725, "1 h 2 min 5 s"), (7260, "2 h 1 min")],
)
def test_human_duration(seconds: float, shown: str) -> None:
    assert human_duration(seconds) == shown
