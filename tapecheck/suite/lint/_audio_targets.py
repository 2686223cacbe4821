"""The audio files of a request, each probed once and sorted by state for the AUD rules.

A file that is missing is MAN003's and is left out. The others are
``"empty"`` (AUD006 alone), ``"unknown"`` (no known format: AUD005 alone) or
``"sound"``: a file of a known format, which every other audio rule judges.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tapecheck.suite.lint.context import AudioTarget, LintContext

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo

__all__ = ["Probed", "probed_files", "sound_files"]


@dataclass(frozen=True)
class Probed:
    """One audio file of the request, what the probe found, and its state."""

    target: AudioTarget
    info: AudioInfo
    state: str  # "sound", "empty" or "unknown"

    @property
    def pointer(self) -> str:
        return self.target.ref.pointer

    @property
    def name(self) -> str:
        return f"`{self.target.ref.written}`"


def probed_files(ctx: LintContext) -> list[Probed]:
    """Every audio file of the request that exists, probed once per request."""
    return ctx.memo("audio", lambda: list(_probe_targets(ctx)))


def sound_files(ctx: LintContext) -> Iterator[Probed]:
    """The audio files of a known format (whatever else is wrong with them)."""
    return (found for found in probed_files(ctx) if found.state == "sound")


def _probe_targets(ctx: LintContext) -> Iterator[Probed]:
    if ctx.fatal or ctx.operation is None:
        return
    for target in ctx.audio_targets:
        status = _regular_file(target.ref.resolved)
        if status is None:
            continue  # MAN003
        info = ctx.probe(target.ref, status)
        kinds = {problem.kind for problem in info.problems}
        if "missing" in kinds:
            continue
        if info.empty or "empty" in kinds:
            yield Probed(target, info, "empty")
        elif "unknown" in kinds or info.format == "unknown":
            yield Probed(target, info, "unknown")
        else:
            yield Probed(target, info, "sound")


def _regular_file(path: Path) -> os.stat_result | None:
    """The status of a regular file (``path.is_file()``); ``None`` for anything else, or a
    name too long for the system (or holding a NUL): MAN003's."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status if stat.S_ISREG(status.st_mode) else None
