"""Benchmark the audio probe against pydub, on hour-long files and on thousands of short ones.

    python benchmarks/probe_bench.py [--minutes 60] [--cache DIR] [--no-baselines]

For each 60-minute file (WAV, CBR MP3 with its Info header, VBR MP3 with and
without a Xing header, AAC in ADTS, M4A, Ogg Opus, FLAC) it prints the time,
the peak memory and the duration error of

- ``tapecheck.suite.audio.probe`` (timed warm, best of several runs; memory is
  the larger of the peak of Python allocations during one probe (tracemalloc)
  and the peak RSS growth of a fresh process that probes the file once),
- ``pydub.AudioSegment.from_file(path).duration_seconds`` (decodes the file
  with ffmpeg; memory is the peak RSS growth of a fresh process, children
  included),
- ``pydub.utils.mediainfo(path)["duration"]`` (one ffprobe run; memory is
  ffprobe's peak RSS),

then whether the targets of the audio-probe issue are met, and the probe's
throughput over 2,000 short files of every format. It exits 1 when a target
is missed.

The files are made once with the ffmpeg of the imageio-ffmpeg wheel and kept
in ``--cache`` (default ``$TAPECHECK_BENCH_CACHE`` or
``~/.cache/tapecheck/bench``). The two pydub baselines need ``ffmpeg`` and
``ffprobe`` on PATH, which no wheel ships (Debian: ``apt-get install
ffmpeg``); the probe itself and tapecheck's tests never need them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

# A recording is not stationary: VBR encoders spend few bits on quiet parts, so
# a length estimated from the first frames' bitrate (what header-only tools do
# without a VBR header) is off. The first 5 minutes are mostly quiet (a call on
# hold), the rest alternates 8 s of near-silence and 12 s of loud noise over a tone.
_SOURCE = (
    "anoisesrc=color=pink:amplitude=0.25:sample_rate=44100:duration={seconds},"
    "volume='if(lt(t,300),if(lt(mod(t,20),18),0.02,1),if(lt(mod(t,20),8),0.02,1))'"
    ":eval=frame[noise];"
    "sine=frequency=440:sample_rate=44100:duration={seconds},volume=0.3[tone];"
    "[noise][tone]amix=inputs=2:normalize=0,aformat=channel_layouts=mono"
)
_SOURCE_VERSION = 2  # bump when _SOURCE changes: the cache keeps files per version


@dataclass(frozen=True)
class Subject:
    name: str
    file: str
    args: tuple[str, ...]
    header: bool  # True: the format states its length; False: the probe scans frames


SUBJECTS = (
    Subject("WAV", "hour.wav", ("-c:a", "pcm_s16le"), True),
    Subject("MP3 CBR (Info)", "hour-cbr.mp3", ("-c:a", "libmp3lame", "-b:a", "128k"), True),
    Subject("MP3 VBR (Xing)", "hour-xing.mp3", ("-c:a", "libmp3lame", "-q:a", "4"), True),
    Subject(
        "MP3 VBR, no Xing",
        "hour-noxing.mp3",
        ("-c:a", "libmp3lame", "-q:a", "4", "-write_xing", "0"),
        False,
    ),
    Subject("AAC (ADTS)", "hour.aac", ("-c:a", "aac", "-b:a", "96k", "-f", "adts"), False),
    Subject("M4A", "hour.m4a", ("-c:a", "aac", "-b:a", "96k", "-f", "ipod"), True),
    Subject("Opus", "hour.opus", ("-c:a", "libopus", "-b:a", "32k", "-f", "opus"), True),
    Subject("FLAC", "hour.flac", ("-c:a", "flac"), True),
)

# The targets of the audio-probe issue.
HEADER_VS_FROM_FILE = 500.0  # formats that state their length: x faster than from_file
HEADER_VS_MEDIAINFO = 20.0  # ... and than mediainfo
SCAN_VS_FROM_FILE = 50.0  # formats the probe scans frame by frame
MEMORY_MB = 50.0
ERROR = 0.005
FILES_PER_S = 5000.0


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def make_files(cache: Path, minutes: float) -> dict[str, Path]:
    seconds = round(minutes * 60)
    folder = cache / f"{seconds}s-v{_SOURCE_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for subject in SUBJECTS:
        path = folder / subject.file
        if not path.exists():
            print(f"  encoding {subject.name} ({minutes:g} min) ...", flush=True)
            partial = path.with_name("partial-" + path.name)
            command = [
                ffmpeg(),
                *("-hide_banner", "-loglevel", "error", "-y"),
                *("-filter_complex", _SOURCE.format(seconds=seconds)),
                *subject.args,
                str(partial),
            ]
            subprocess.run(command, check=True)
            partial.rename(path)
        made[subject.name] = path
    return made


# -- one measurement in a fresh process ---------------------------------------


def worker(tool: str, path: str) -> None:
    """Run one tool once and print its time, duration and memory as JSON."""
    if tool == "probe":
        from tapecheck.suite.audio import probe

        def run() -> float | None:
            return probe(path).duration_s
    elif tool == "from_file":
        from tapecheck.strategies.ffmpeg import _pydub

        audio_segment = _pydub().AudioSegment

        def run() -> float | None:
            return float(audio_segment.from_file(path).duration_seconds)
    else:
        from pydub.utils import mediainfo

        def run() -> float | None:
            value = mediainfo(path).get("duration", "N/A")
            return None if value in ("N/A", "") else float(value)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    duration = run()
    elapsed = time.perf_counter() - start
    _, peak_python = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "time_s": elapsed,
                "duration_s": duration,
                "python_peak_mb": peak_python / 1e6,
                "rss_growth_mb": (after - before) / 1e3,
                "children_rss_mb": children / 1e3,
            }
        )
    )


def measure(tool: str, path: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", tool, str(path)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def probe_time(path: Path, repeat: int = 7) -> float:
    from tapecheck.suite.audio import probe

    probe(path)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        probe(path)
        times.append(time.perf_counter() - start)
    return min(times)


def baseline_time(tool: str, path: Path, repeat: int) -> tuple[float, float | None, float]:
    """Best time of ``repeat`` fresh-process runs, the duration, and the peak memory (MB)."""
    runs = [measure(tool, path) for _ in range(repeat)]
    best = min(run["time_s"] for run in runs)
    memory = max(max(run["rss_growth_mb"], run["children_rss_mb"]) for run in runs)
    return best, runs[0]["duration_s"], memory


# -- the report ----------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:7.1f} ms"
    return f"{seconds:7.2f} s "


def fmt_error(duration: float | None, truth: float) -> str:
    return "   n/a " if duration is None else f"{abs(duration - truth) / truth * 100:6.3f}%"


def long_files(files: dict[str, Path], truth: float, baselines: bool) -> list[str]:
    missed: list[str] = []
    header = (
        f"{'file':18} {'size':>8} | {'probe':>10} {'mem':>6} {'err':>7} | "
        f"{'from_file':>10} {'mem':>7} {'err':>7} | {'mediainfo':>10} {'mem':>6} {'err':>7} | "
        f"{'x from_file':>11} {'x mediainfo':>11}"
    )
    print(header)
    print("-" * len(header))
    for subject in SUBJECTS:
        path = files[subject.name]
        size_mb = path.stat().st_size / 1e6
        t_probe = probe_time(path)
        probe_run = measure("probe", path)
        d_probe = probe_run["duration_s"]
        m_probe = max(probe_run["python_peak_mb"], probe_run["rss_growth_mb"])
        row = f"{subject.name:18} {size_mb:6.1f}MB | {fmt_time(t_probe)} {m_probe:5.1f}M {fmt_error(d_probe, truth)} | "
        if baselines:
            t_file, d_file, m_file = baseline_time("from_file", path, 1)
            t_info, d_info, m_info = baseline_time("mediainfo", path, 3)
            x_file, x_info = t_file / t_probe, t_info / t_probe
            row += (
                f"{fmt_time(t_file)} {m_file:6.0f}M {fmt_error(d_file, truth)} | "
                f"{fmt_time(t_info)} {m_info:5.0f}M {fmt_error(d_info, truth)} | "
                f"{x_file:10.0f}x {x_info:10.0f}x"
            )
            target = HEADER_VS_FROM_FILE if subject.header else SCAN_VS_FROM_FILE
            if x_file < target:
                missed.append(
                    f"{subject.name}: {x_file:.0f}x faster than from_file, target {target:.0f}x"
                )
            if subject.header and x_info < HEADER_VS_MEDIAINFO:
                missed.append(f"{subject.name}: {x_info:.0f}x faster than mediainfo, target 20x")
        print(row, flush=True)
        if m_probe >= MEMORY_MB:
            missed.append(f"{subject.name}: probe peak memory {m_probe:.1f} MB")
        if d_probe is None or abs(d_probe - truth) / truth >= ERROR:
            missed.append(f"{subject.name}: probe duration {d_probe} for {truth} s")
    return missed


def short_files(cache: Path, count: int) -> tuple[float, int]:
    """Files per second over ``count`` short files of every encoding (best of 3 passes)."""
    from tapecheck.strategies import ENCODINGS, encode_audio
    from tapecheck.suite.audio import probe

    folder = cache / "short"
    if not folder.exists() or len(list(folder.iterdir())) != count:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        variants = [
            (name, encode_audio(name, duration_s=seconds))
            for name in ENCODINGS
            for seconds in (1.0, 3.5, 8.0, 15.0)
        ]
        for index in range(count):
            name, data = variants[index % len(variants)]
            (folder / f"{index:05d}-{name}{ENCODINGS[name].extension}").write_bytes(data)
    paths = sorted(folder.iterdir())
    best = 0.0
    bad = 0
    for _ in range(3):
        start = time.perf_counter()
        infos = [probe(path) for path in paths]
        best = max(best, len(paths) / (time.perf_counter() - start))
        bad = sum(1 for info in infos if info.problems)
    return best, bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cache = (
        os.environ.get("TAPECHECK_BENCH_CACHE") or Path.home() / ".cache/tapecheck/bench"
    )
    parser.add_argument("--cache", type=Path, default=Path(default_cache))
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--short-files", type=int, default=2000)
    parser.add_argument("--no-baselines", action="store_true", help="time the probe only")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0

    baselines = not args.no_baselines
    if baselines and not (shutil.which("ffprobe") and shutil.which("ffmpeg")):
        print(
            "ffmpeg/ffprobe are not on PATH: pydub's baselines are skipped (apt-get install ffmpeg)"
        )
        baselines = False
    print(f"Files of {args.minutes:g} minutes in {args.cache}")
    files = make_files(args.cache, args.minutes)
    truth = round(args.minutes * 60)
    print()
    missed = long_files(files, truth, baselines)
    rate, bad = short_files(args.cache, args.short_files)
    print()
    print(
        f"{args.short_files:,} short files (1-15 s; every encoding of tapecheck.strategies, "
        f"8 formats): {rate:,.0f} files/s in one process, {bad} with problems"
    )
    if rate < FILES_PER_S:
        missed.append(f"{rate:,.0f} files/s, target 5,000")
    if bad:
        missed.append(f"{bad} short files have problems")
    print()
    if missed:
        print("Targets missed:")
        for line in missed:
            print(f"  - {line}")
        return 1
    print(
        "All targets met: header formats >= 500x from_file and >= 20x mediainfo; frame scans >= 50x "
        "from_file; probe memory < 50 MB and duration error < 0.5 % on every file; >= 5,000 files/s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
