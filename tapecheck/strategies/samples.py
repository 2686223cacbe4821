"""What a writer or a strategy made: an audio file on disk and what it truly holds.

Apart from :mod:`tapecheck.strategies.audio` so that the writers (used by
``conform`` to make its fixed requests) load without Hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["AudioSample"]


@dataclass(frozen=True)
class AudioSample:
    """A sound audio file on disk and what it truly holds."""

    path: Path
    format: str  # the content's format, one of AUDIO_FORMATS
    encoding: str  # an ENCODINGS key, or how a writer made it
    duration_s: float  # the exact length of the input signal
    size: int  # bytes
    slack_s: float = 0.0  # a frame-scanning probe may say up to this much more (encoder priming)

    @property
    def bytes(self) -> int:
        """Alias of :attr:`size`."""
        return self.size
