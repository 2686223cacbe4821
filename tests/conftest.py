"""Shared fixtures of the project's tests."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``slow`` tests run only when ``-m`` selects them (``tox -e slow``: ``-m slow``)."""
    if config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (tox -e slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# -- reference mocks: loopback servers, audio samples, spec checks ---------------


@pytest.fixture
def loopback() -> Iterator[Callable[[Any], str]]:
    """Serve ASGI apps with uvicorn on 127.0.0.1 (free ports); each stops at teardown.

    Returns a function ``serve(app) -> "http://127.0.0.1:PORT"``.
    """
    from tapecheck.suite.mocks.server import running

    with ExitStack() as stack:

        def serve(app: Any) -> str:
            return stack.enter_context(running(app, host="127.0.0.1", port=0))

        yield serve


class AudioSamples:
    """Small real audio, made with the standard library (no encoder needed)."""

    @staticmethod
    def wav(
        duration_s: float = 1.0, *, rate: int = 8000, channels: int = 1, tone: int = 0
    ) -> bytes:
        """A PCM WAV of ``duration_s`` seconds (16-bit)."""
        frames = round(duration_s * rate)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(channels)
            out.setsampwidth(2)
            out.setframerate(rate)
            sample = struct.pack("<h", tone) * channels
            out.writeframes(sample * frames)
        return buffer.getvalue()

    @staticmethod
    def wav_header(data_bytes: int, *, rate: int = 44100, channels: int = 2) -> bytes:
        """The 44-byte header of a 16-bit PCM WAV whose data chunk holds ``data_bytes``."""
        block = channels * 2
        return (
            b"RIFF"
            + struct.pack("<I", 36 + data_bytes)
            + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
            + b"data"
            + struct.pack("<I", data_bytes)
        )

    def write_wav(self, path: Path, total_bytes: int, *, chunk: int = 1 << 20) -> Path:
        """A WAV file of exactly ``total_bytes`` (44.1 kHz stereo), written in chunks of zeros."""
        data = total_bytes - 44
        if data < 0 or data % 4:
            raise ValueError("a 16-bit stereo WAV needs 44 + 4n bytes")
        with path.open("wb") as out:
            out.write(self.wav_header(data))
            zeros = bytes(chunk)
            left = data
            while left:
                step = min(left, chunk)
                out.write(zeros[:step])
                left -= step
        return path

    def truncated_wav(self) -> bytes:
        """A WAV whose header claims a second more audio than the file holds."""
        whole = self.wav(2.0)
        return whole[: len(whole) // 2]

    def silent_wav(self) -> bytes:
        """A WAV with an empty data chunk: readable, 0 seconds."""
        return self.wav_header(0, rate=8000, channels=1)

    @staticmethod
    def mp3(frames: int = 40) -> bytes:
        """MPEG-1 Layer III, 128 kbps, 44.1 kHz, mono: ``frames`` silent frames (26 ms each)."""
        header = bytes([0xFF, 0xFB, 0x90, 0xC0])
        return (header + bytes(417 - len(header))) * frames

    @staticmethod
    def encoded(container: str, duration_s: float = 1.0) -> bytes:
        """A sine tone encoded by FFmpeg (imageio-ffmpeg's binary): ``flac``, ``ogg``, ``mp3``..."""
        import subprocess

        import imageio_ffmpeg

        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-f", "lavfi"),
            *("-i", f"sine=frequency=440:duration={duration_s}", "-f", container, "-"),
        ]
        return subprocess.run(command, check=True, capture_output=True, timeout=30).stdout


@pytest.fixture(scope="session")
def audio() -> AudioSamples:
    return AudioSamples()


@pytest.fixture(scope="session")
def conforms() -> Callable[[str, str, int, Any], None]:
    """``conforms(vendor, operation_id, status, body)``: the body matches the spec's response schema."""
    from jsonschema import Draft202012Validator

    from tapecheck.suite.specs import load_spec

    def check(vendor: str, operation_id: str, status: int, body: Any) -> None:
        operation = load_spec(vendor).operation(operation_id)
        if str(status) not in operation.responses():
            raise AssertionError(f"{vendor} {operation_id}: status {status} is not documented")
        schema = operation.response_schema(status)
        if schema is None:
            raise AssertionError(f"{vendor} {operation_id}: {status} has no JSON schema")
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
        if errors:
            raise AssertionError(f"{vendor} {operation_id} {status}: {errors} in {body!r}")

    return check


@pytest.fixture
def large_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every YAML text is read as a large one: lines made as read, runs of two or more in C
    (the YAML reader's tests: small texts take the path of 16 MB ones)."""
    from tapecheck.suite import _simple_yaml, _yaml_lines  # only the tests that ask

    monkeypatch.setattr(_simple_yaml, "_LAZY_FROM", 0)
    monkeypatch.setattr(_simple_yaml, "_UNICODE_FROM", 0)
    monkeypatch.setattr(_simple_yaml, "BULK_MIN", 2)
    monkeypatch.setattr(_yaml_lines, "BULK_MIN", 2)
