"""What a vendor accepts of an upload, read from the spec, and the verdict on a stored file.

:class:`AudioLimits` is the operation's ``x-tapecheck.audio`` block (size,
duration, formats); a mock may replace one with :func:`dataclasses.replace`
(a later version of the vendor's docs that allows more). :func:`audio_refusal` compares what
the audio probe found with the limits and returns the reason to refuse, or
``None``: a mock answers that reason as a 400 in the vendor's shape. Size is
enforced while the upload streams (see :mod:`tapecheck.suite.mocks.storage`),
so here it is only re-checked for a file that reached the disk another way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread

if TYPE_CHECKING:
    from tapecheck.suite.audio import AudioInfo
    from tapecheck.suite.mocks.storage import StoredFile
    from tapecheck.suite.specs import Operation

__all__ = ["AudioLimits", "audio_refusal", "probe_stored"]

#: Problem kinds of the probe that make a file unusable as audio.
_UNUSABLE = ("unknown", "truncated", "corrupt")


@dataclass(frozen=True)
class AudioLimits:
    """Size, duration and formats an operation accepts (``None``: no limit / any audio)."""

    max_bytes: int | None = None
    max_duration_s: float | None = None
    formats: frozenset[str] | None = None

    @classmethod
    def of(cls, operation: Operation) -> AudioLimits:
        """The limits written in ``operation``'s ``x-tapecheck.audio`` block."""
        return cls.from_block(operation.audio or {})

    @classmethod
    def from_block(cls, block: Mapping[str, Any]) -> AudioLimits:
        formats = block.get("formats", "any")
        max_bytes = block.get("max-bytes")
        max_duration = block.get("max-duration-s")
        return cls(
            max_bytes=int(max_bytes) if max_bytes is not None else None,
            max_duration_s=float(max_duration) if max_duration is not None else None,
            formats=None if formats == "any" else frozenset(str(f) for f in formats),
        )


#: Uploads up to this size are probed on the event loop: reading their headers takes
#: well under a millisecond, less than the hop to a worker thread and back.
INLINE_PROBE_BYTES = 1_000_000


async def probe_stored(stored: StoredFile) -> AudioInfo:
    """Probe a stored upload: a large one in a worker thread (the event loop keeps serving)."""
    from tapecheck.suite.audio import probe

    if stored.size <= INLINE_PROBE_BYTES:
        return probe(stored.path)
    return await anyio.to_thread.run_sync(probe, stored.path)


def audio_refusal(
    info: AudioInfo, limits: AudioLimits, *, allow_silent: bool = False
) -> str | None:
    """Why the audio must be refused, or ``None`` when it is acceptable.

    ``allow_silent`` accepts readable audio that lasts 0 seconds (a vendor that
    processes asynchronously fails such a job later instead).
    """
    if info.size == 0:
        return "the audio is empty (0 bytes)"
    if limits.max_bytes is not None and info.size > limits.max_bytes:
        return f"the audio is {info.size} bytes, more than the limit of {limits.max_bytes}"
    for problem in info.problems:
        if problem.kind in _UNUSABLE:
            if problem.kind == "unknown":
                return f"the content is not audio in a known format: {problem.message}"
            return f"the audio is {problem.kind}: {problem.message}"
    if limits.formats is not None and info.format not in limits.formats:
        accepted = ", ".join(sorted(limits.formats))
        return f"the audio is {info.format} by its content; accepted formats: {accepted}"
    if info.empty and not allow_silent:
        return "the audio holds no sound (0 seconds)"
    if (
        limits.max_duration_s is not None
        and info.duration_s is not None
        and info.duration_s > limits.max_duration_s
    ):
        return (
            f"the audio lasts {info.duration_s:.1f} s, more than the limit of "
            f"{limits.max_duration_s:g} s"
        )
    return None
