"""Score the audio probe, tinytag and mutagen on real files from other projects' test suites.

    python benchmarks/probe_corpus.py [--cache DIR] [--list]

The corpus is the test audio that these PyPI source distributions ship
(nothing of it is kept in this repository): mutagen, mediafile, pymediainfo,
pytaglib and soundfile, at pinned versions. ``pip download`` fetches them into
``--cache`` (default ``$TAPECHECK_BENCH_CACHE`` or ``~/.cache/tapecheck/bench``)
the first time; every file with an audio suffix is unpacked from their test
folders.

The truth for each file comes from the bundled FFmpeg (imageio-ffmpeg) and
from the libraries' own tests:

- format: FFmpeg's demuxer and codec, mapped to the probe's names (an Ogg
  file is ``opus`` or ``vorbis`` by its codec, Matroska is ``webm`` only with
  DocType ``webm``); a format the probe does not know is ``unknown``;
- duration: a full decode to mono 16-bit PCM at the stream's own rate, the
  samples counted;
- broken: FFmpeg cannot open the file, finds no audio stream or cannot decode
  it, or the library's test expects the file to fail (``BROKEN``, which also
  lists, with the evidence, fixtures cut to a round size that FFmpeg decodes
  without a word). A file FFmpeg cannot open has the right format for a tool
  that flags it.

Each tool is scored on: the format right (for the baselines, the parser they
pick), the duration within 0.5 % of the truth on every sound file, every
broken file flagged (the probe: a problem listed; the baselines: an error of
their own, or no file recognised), false alarms on sound files, crashes (any
other exception), and the time per file (best of three passes in one
process). It exits 1 when the probe misses a target: every sound file's format
and duration right, every broken file flagged, no crash, and at most 3x
tinytag's time per file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: (distribution, pinned version, folder of its test audio inside the sdist)
SOURCES = (
    ("mutagen", "1.48.1", "tests/data/"),
    ("mediafile", "0.12.0", "test/rsrc/"),
    ("pymediainfo", "7.0.1", "tests/data/"),
    ("pytaglib", "1.5.0", "tests/data/"),
    ("soundfile", "0.14.0", "tests/"),
)
SUFFIXES = frozenset(
    (
        *(".wav", ".mp3", ".aac", ".m4a", ".m4b", ".mp4", ".3g2", ".ogg", ".opus", ".flac"),
        *(".webm", ".mkv", ".aif", ".aiff", ".wma", ".ape", ".mpc", ".wv", ".spx", ".tta"),
        *(".tak", ".ofr", ".ofs", ".dsf", ".dff", ".ac3", ".eac3", ".oggflac", ".oggtheora"),
        ".mid",
    )
)
FORMATS = frozenset(("wav", "mp3", "aac", "mp4", "opus", "vorbis", "flac", "webm"))

#: Files the libraries' own tests treat as broken, and why (the test that says so).
BROKEN = {
    "mutagen/too-short.mp3": "mutagen test_mp3: MP3() raises MP3Error",
    "mutagen/bad-xing.mp3": "mutagen test_mp3 test_empty_xing: a Xing header of 0 frames",
    "mutagen/lame397v9short.mp3": "mutagen test_mp3: 'lame <=3.97 wrote broken files', 0 s",
    "mutagen/106-invalid-streaminfo.flac": "mutagen test_flac: FLAC() raises error",
    "mutagen/ooming-header.flac": "mutagen test_flac (issue 112): FLAC() raises error",
    "mutagen/52-too-short-block-size.flac": "mutagen test_flac TFLACBadBlockSize",
    "mutagen/106-short-picture-block-size.flac": "mutagen test_flac TFLACBadBlockSize",
    "mutagen/52-overwritten-metadata.flac": "mutagen test_flac TFLACBadBlockSize",
    "mutagen/truncated-64bit.mp4": "mutagen test_mp4: 'only half a file, so FAAD segfaults'",
    "mutagen/emptyfile.mp3": "mutagen test_easyid3: a 0-byte file",
    # Cut files that FFmpeg decodes without a word, checked by hand (frame and page lengths):
    "mutagen/xing.mp3": "cut inside its last frame: 8,208 bytes of 32 kbit/s frames (104-105 "
    "bytes each) end inside frame 79",
    "mutagen/id3v1v2-combined.mp3": "cut inside its last frame: 2,895 bytes of 160 kbit/s "
    "frames (522-523 bytes each) between its ID3v2 and ID3v1 tags",
    "pytaglib/onlyv1.mp3": "cut: its VBRI header (FFmpeg's Duration) says 222.20 s, the "
    "frames decode to 0.44 s",
    "pytaglib/rare_frames.mp3": "cut: its VBRI header says 222.20 s, the frames decode to 0.44 s",
    "mutagen/apev2-lyricsv2.mp3": "cut and spliced: its Info header (FFmpeg's Duration) says "
    "210.92 s, the frames decode to 1.93 s, after 585 bytes FFmpeg skips as junk",
    # Fixtures cut to a round size (their suites read the tags only):
    "mutagen/vbri.mp3": "cut to 8,192 bytes: its VBRI header says 222.20 s, the frames 0.44 s",
    "pytaglib/r2.mp3": "cut to 7 KB: its VBRI header says 222.20 s, the frames decode to 0.44 s",
    "pytaglib/readönly.mp3": "cut to 7 KB: its VBRI header says 222.20 s, the frames 0.44 s",
    "pytaglib/Жбж.mp3": "cut to 7 KB: its VBRI header says 222.20 s, the frames decode to 0.44 s",
    "mediafile/emptylist.mp3": "cut to 8,192 bytes: its Xing header says 217.04 s, the frames 1.1 s",
    "mutagen/id3v22-test.mp3": "cut to 5,120 bytes inside its last frame (160 kbit/s, 522-523 "
    "bytes each)",
    "mutagen/variable-block.flac": "cut to 10,240 bytes: STREAMINFO says 11,540,088 samples "
    "(261 s), the frames stop at 39,936",
    "mutagen/sample_length.oggtheora": "cut: its last page runs 2,365 bytes past the end of "
    "the 16,384-byte file; the Vorbis stream has no end-of-stream page",
}
#: The libraries' own expected lengths (a tool within 0.5 % of one of them, or of the decode, is
#: right): where a decoder drops an encoder's priming frame that the file's header counts.
EXPECTED = {
    "mutagen/empty.aac": 3.70,  # mutagen test_aac: assertAlmostEqual(length, 3.70, 2)
    "mutagen/has-tags.m4a": 3.7,  # mutagen test_mp4 TMP4Mixin.test_length
    "mutagen/no-tags.m4a": 3.7,
    "mutagen/covr-with-name.m4a": 3.7,
}
TOLERANCE = 0.005
SPEED_VS_TINYTAG = 3.0
_DEMUXERS = {"wav": "wav", "mp3": "mp3", "aac": "aac", "flac": "flac"}


@dataclass(frozen=True)
class Truth:
    format: str  # a FORMATS member or "unknown"
    duration_s: float | None
    broken: str  # why it is broken, or ""
    expected_s: float | None = None  # the library's own expected length, where its test has one

    @property
    def sound(self) -> bool:
        return self.format in FORMATS and not self.broken and bool(self.duration_s)


@dataclass(frozen=True)
class Result:
    format: str  # what the tool says: a FORMATS member, "other" or "unknown"
    duration_s: float | None
    flagged: bool
    crash: str = ""


# -- the corpus ------------------------------------------------------------------------------


def fetch_corpus(cache: Path) -> list[Path]:
    """Download the pinned sdists (once) and unpack their test audio; the files, sorted."""
    sdists, corpus = cache / "sdist", cache / "corpus"
    sdists.mkdir(parents=True, exist_ok=True)
    for name, version, folder in SOURCES:
        target = corpus / name
        if target.exists():
            continue
        archive = next(sdists.glob(f"{name}-{version}.tar.gz"), None)
        if archive is None:
            print(f"  pip download {name}=={version} (sdist) ...", flush=True)
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            command += ["--no-binary", ":all:", "--dest", str(sdists), f"{name}=={version}"]
            subprocess.run(command, check=True)
            archive = next(sdists.glob(f"{name}-{version}.tar.gz"))
        partial = corpus / f"partial-{name}"
        partial.mkdir(parents=True, exist_ok=True)
        prefix = f"{name}-{version}/{folder}"
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                inside = member.name[len(prefix) :] if member.name.startswith(prefix) else ""
                if not member.isfile() or "/" in inside or Path(inside).suffix not in SUFFIXES:
                    continue
                source = tar.extractfile(member)
                if source is not None:
                    (partial / inside).write_bytes(source.read())
        partial.rename(target)
    return sorted(path for path in corpus.glob("*/*") if path.is_file())


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def decode(path: Path) -> Truth:
    """FFmpeg's view: the format by its demuxer and codec, and the decoded length."""
    command = [ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "level+info", "-i", str(path)]
    command += ["-map", "0:a:0", "-ac", "1", "-f", "s16le", "-"]
    run = subprocess.run(command, capture_output=True, timeout=120, check=False)
    log = run.stderr.decode("utf-8", "replace")
    demuxer = re.search(r"Input #0, ([^ ]+), from", log)
    audio = re.search(r"Stream #0:\d+[^:]*: Audio: (\w+).*?, (\d+) Hz", log)
    errors = [line for line in log.splitlines() if "[error]" in line or "[fatal]" in line]
    fmt = "unknown"
    if demuxer is not None:
        name = demuxer.group(1).rstrip(",")
        codec = audio.group(1) if audio else ""
        if name in _DEMUXERS:
            fmt = _DEMUXERS[name]
        elif name.startswith("mov,mp4"):
            fmt = "mp4"
        elif name == "ogg" and codec in ("opus", "vorbis"):
            fmt = codec
        elif name == "matroska,webm" and b"webm" in path.read_bytes()[:64]:
            fmt = "webm"
    duration = None
    if audio is not None and run.returncode == 0:
        duration = len(run.stdout) / 2 / int(audio.group(2))
    broken = "" if demuxer else "FFmpeg cannot open it"
    if fmt in FORMATS:
        # Errors logged while the whole stream still decodes (a damaged picture block, a
        # packet FFmpeg conceals) are the decoder's business (--deep), not a broken file.
        if audio is None:
            broken = "FFmpeg finds no audio stream"
        elif run.returncode or not run.stdout:
            broken = "FFmpeg: " + (errors[0].split("] ", 2)[-1] if errors else "decode failed")
    return Truth(fmt, duration, broken)


def truths(files: list[Path], cache: Path) -> dict[Path, Truth]:
    """Every file's truth, cached by content and FFmpeg binary."""
    store = cache / "corpus-truth.json"
    known: dict[str, list[object]] = json.loads(store.read_text()) if store.exists() else {}
    key = hashlib.sha1(Path(ffmpeg()).read_bytes()[:4096]).hexdigest()[:8]
    found: dict[Path, Truth] = {}
    for path in files:
        name = f"{key}:{hashlib.sha1(path.read_bytes()).hexdigest()}:{path.parent.name}/{path.name}"
        if name not in known:
            truth = decode(path)
            known[name] = [truth.format, truth.duration_s, truth.broken]
        fmt, duration, broken = known[name]
        found[path] = Truth(
            str(fmt),
            None if duration is None else float(str(duration)),
            BROKEN.get(rel(path)) or str(broken),
            EXPECTED.get(rel(path)),
        )
    store.write_text(json.dumps(known, indent=0, sort_keys=True))
    return found


# -- the tools --------------------------------------------------------------------------------


def run_probe(path: Path) -> Result:
    from tapecheck.suite.audio import probe

    info = probe(path)
    fmt = info.format if info.format in FORMATS else "unknown"
    return Result(fmt, info.duration_s, bool(info.problems))


_TINYTAG = {"_ID3": "mp3", "_MPEG": "mp3", "_MP4": "mp4", "_Flac": "flac", "_Wave": "wav"}


def run_tinytag(path: Path) -> Result:
    from tinytag import TinyTag, TinyTagException

    try:
        tag = TinyTag.get(str(path))
    except TinyTagException:
        return Result("unknown", None, True)
    name = type(tag).__name__
    fmt = "ogg" if name == "_Ogg" else _TINYTAG.get(name, "other")
    return Result(fmt, tag.duration, False)


_MUTAGEN = {"MP3": "mp3", "EasyMP3": "mp3", "MP4": "mp4", "EasyMP4": "mp4", "FLAC": "flac"}
_MUTAGEN |= {"OggOpus": "opus", "OggVorbis": "vorbis", "WAVE": "wav", "AAC": "aac"}


def run_mutagen(path: Path) -> Result:
    import mutagen

    try:
        found = mutagen.File(str(path))
    except mutagen.MutagenError:
        return Result("unknown", None, True)
    if found is None:
        return Result("unknown", None, True)
    fmt = _MUTAGEN.get(type(found).__name__, "other")
    return Result(fmt, getattr(found.info, "length", None), False)


TOOLS: dict[str, Callable[[Path], Result]] = {
    "probe": run_probe,
    "tinytag": run_tinytag,
    "mutagen": run_mutagen,
}


def guarded(tool: Callable[[Path], Result], path: Path) -> Result:
    try:
        return tool(path)
    except Exception as exc:  # a crash is what is counted here
        return Result("unknown", None, True, f"{type(exc).__name__}: {exc}"[:120])


def format_right(result: Result, truth: Truth) -> bool:
    if truth.broken and truth.format == "unknown":  # FFmpeg cannot open it: flag it, any name
        return result.flagged
    if truth.format not in FORMATS:
        return result.format not in FORMATS and result.format != "ogg"
    if result.format == "ogg":  # tinytag names the container, not the codec
        return truth.format in ("opus", "vorbis")
    return result.format == truth.format


def duration_right(result: Result, truth: Truth) -> bool:
    if result.duration_s is None or not truth.duration_s:
        return False
    return any(
        abs(result.duration_s - right) <= TOLERANCE * right
        for right in (truth.duration_s, truth.expected_s)
        if right
    )


# -- the report -------------------------------------------------------------------------------


def pct(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f} %)" if total else "0/0"


def score(files: list[Path], truth: dict[Path, Truth], listing: bool) -> list[str]:
    sound = [p for p in files if truth[p].sound]
    broken = [p for p in files if truth[p].broken]
    print(
        f"{len(files)} files: {len(sound)} sound files of the probe's formats, "
        f"{len(broken)} broken, {len(files) - len(sound) - len(broken)} of other formats"
    )
    header = (
        f"{'tool':8} | {'format right':>15} | {'sound fmt right':>15} | {'duration ±0.5 %':>15} | "
        f"{'broken flagged':>14} | {'false alarms':>12} | {'crashes':>7} | {'per file':>9}"
    )
    print(header)
    print("-" * len(header))
    missed: list[str] = []
    per_file: dict[str, float] = {}
    for name, tool in TOOLS.items():
        results = {path: guarded(tool, path) for path in files}
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for path in files:
                guarded(tool, path)
            best = min(best, (time.perf_counter() - start) / len(files))
        per_file[name] = best
        right = [p for p in files if format_right(results[p], truth[p])]
        sound_right = [p for p in sound if format_right(results[p], truth[p])]
        timed = [p for p in sound if duration_right(results[p], truth[p])]
        flagged = [p for p in broken if results[p].flagged]
        alarms = [p for p in sound if results[p].flagged]
        crashes = [p for p in files if results[p].crash]
        print(
            f"{name:8} | {pct(len(right), len(files)):>15} | "
            f"{pct(len(sound_right), len(sound)):>15} | {pct(len(timed), len(sound)):>15} | "
            f"{pct(len(flagged), len(broken)):>14} | {len(alarms):>12} | {len(crashes):>7} | "
            f"{best * 1e6:7.0f}us"
        )
        if name == "probe":
            for path in sorted(set(sound) - set(sound_right)):
                missed.append(f"{rel(path)}: format {results[path].format}, truth {truth[path]}")
            for path in sorted(set(sound) - set(timed)):
                missed.append(f"{rel(path)}: {results[path].duration_s} s, truth {truth[path]}")
            missed += [
                f"{rel(p)}: not flagged ({truth[p].broken})" for p in broken if p not in flagged
            ]
            missed += [f"{rel(p)}: flagged, truth {truth[p]}" for p in alarms]
            missed += [f"{rel(p)}: crash {results[p].crash}" for p in crashes]
        if listing:
            for path in files:
                print(f"    {rel(path):55} {results[path]}")
    ratio = per_file["probe"] / per_file["tinytag"]
    print(f"\nprobe time per file: {ratio:.2f}x tinytag's (target <= {SPEED_VS_TINYTAG:g}x)")
    if ratio > SPEED_VS_TINYTAG:
        missed.append(f"probe {ratio:.2f}x slower than tinytag")
    return sorted(set(missed))


def rel(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cache = (
        os.environ.get("TAPECHECK_BENCH_CACHE") or Path.home() / ".cache/tapecheck/bench"
    )
    parser.add_argument("--cache", type=Path, default=Path(default_cache))
    parser.add_argument("--list", action="store_true", help="print every file's result")
    args = parser.parse_args()
    files = fetch_corpus(args.cache)
    truth = truths(files, args.cache)
    if args.list:
        for path in files:
            print(f"  truth {rel(path):55} {truth[path]}")
    missed = score(files, truth, args.list)
    print()
    if missed:
        print("Probe targets missed:")
        for line in missed:
            print(f"  - {line}")
        return 1
    print(
        "All probe targets met: every sound file's format right and duration within 0.5 %, "
        "every broken file flagged, no crash, within 3x of tinytag's time per file."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
