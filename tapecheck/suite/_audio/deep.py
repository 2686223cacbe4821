"""Deep mode: decode the whole stream with PyAV (its wheel ships FFmpeg) to catch bad audio data."""

from __future__ import annotations

from typing import Any, BinaryIO

from tapecheck.suite._audio.source import CORRUPT, TRUNCATED, Found

__all__ = ["DEEP_HINT", "decode"]

DEEP_HINT = "deep probing decodes with PyAV: pip install 'tapecheck[deep]'"
_MAX_MESSAGES = 3
_NO_PTS = " at PTS -9223372036854775808"  # FFmpeg's "no timestamp", noise in a message


def decode(target: str | BinaryIO, found: Found) -> None:
    """Decode every packet of the first audio stream; add what went wrong to ``found``.

    Raises ``ModuleNotFoundError`` (with :data:`DEEP_HINT`) when PyAV is missing.
    """
    try:
        import av
        import av.logging
    except ModuleNotFoundError as exc:  # pragma: no cover - PyAV is a test dependency
        raise ModuleNotFoundError(DEEP_HINT) from exc

    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    samples = 0
    rate = 0
    failure: str | None = None
    logs: list[Any] = []
    try:
        with av.logging.Capture(True) as captured:
            try:
                with av.open(target, mode="r") as container:
                    streams = container.streams.audio
                    if not streams:
                        failure = "FFmpeg finds no audio stream in the file"
                    else:
                        stream = streams[0]
                        # FFmpeg checks frame CRCs (FLAC, MP3 with CRC) only when asked.
                        stream.codec_context.options = {"err_detect": "crccheck"}
                        rate = stream.codec_context.sample_rate or found.sample_rate or 0
                        for packet in container.demux(stream):
                            for frame in packet.decode():
                                samples += frame.samples
            except av.error.FFmpegError as exc:
                failure = str(exc.strerror or exc)
            except (ValueError, OSError) as exc:
                failure = str(exc)
        logs = list(captured)
    finally:
        av.logging.set_level(previous)
    decoded = samples / rate if rate else None
    errors = [
        " ".join(str(entry[2]).replace(_NO_PTS, "").split())
        for entry in logs
        if entry[0] <= av.logging.ERROR
    ]
    where = f" after {decoded:.2f} s" if decoded else ""
    if failure is not None:
        found.problem(CORRUPT, f"the audio cannot be decoded{where}: {failure}")
    elif errors:
        shown = "; ".join(dict.fromkeys(errors[:_MAX_MESSAGES]))
        count = "1 error" if len(errors) == 1 else f"{len(errors)} errors"
        found.problem(CORRUPT, f"the decoder reported {count} in the audio data: {shown}")
    if failure or errors or decoded is None or found.duration_s is None or found.has(TRUNCATED):
        return
    header = found.duration_s
    if abs(decoded - header) > max(0.02 * header, 0.5):
        found.problem(
            CORRUPT,
            f"the header says {header:.2f} s but the audio decodes to {decoded:.2f} s",
        )
