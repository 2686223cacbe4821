"""Hypothesis strategies and file writers for tapecheck's tests and yours.

Strategies take limits as arguments and import nothing from ``tapecheck.suite``
or ``tapecheck.reports``, so they work in any project's tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tapecheck.strategies.encodings import AUDIO_FORMATS, ENCODINGS, Encoding, encode_audio
from tapecheck.strategies.samples import AudioSample
from tapecheck.strategies.writers import write_audio, write_sized_file, write_wav

if TYPE_CHECKING:
    from tapecheck.strategies.audio import (
        DEFECTS,
        BrokenAudioSample,
        audio_files,
        broken_audio_files,
    )

#: Names that need Hypothesis, imported on first use: ``conform --quick`` writes its
#: files with the writers above and never loads Hypothesis.
_WITH_HYPOTHESIS = frozenset({"DEFECTS", "BrokenAudioSample", "audio_files", "broken_audio_files"})


def __getattr__(name: str) -> Any:
    if name in _WITH_HYPOTHESIS:
        return getattr(importlib.import_module("tapecheck.strategies.audio"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
