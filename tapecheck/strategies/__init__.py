"""Hypothesis strategies and file writers for tapecheck's tests and yours.

Strategies take limits as arguments and import nothing from ``tapecheck.suite``
or ``tapecheck.reports``, so they work in any project's tests.
"""

from tapecheck.strategies.audio import (
    DEFECTS,
    AudioSample,
    BrokenAudioSample,
    audio_files,
    broken_audio_files,
)
from tapecheck.strategies.encodings import AUDIO_FORMATS, ENCODINGS, Encoding, encode_audio
from tapecheck.strategies.writers import write_audio, write_sized_file, write_wav

__all__ = [
    "AUDIO_FORMATS",
    "DEFECTS",
    "ENCODINGS",
    "AudioSample",
    "BrokenAudioSample",
    "Encoding",
    "audio_files",
    "broken_audio_files",
    "encode_audio",
    "write_audio",
    "write_sized_file",
    "write_wav",
]
