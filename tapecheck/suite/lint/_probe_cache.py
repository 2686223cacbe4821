"""Audio probes kept for the process: a thousand manifests naming one file probe it once.

Keyed by the file's path, device, inode, size and modification time, so a file
changed between two manifests is probed again; bounded in size.
"""

from __future__ import annotations

import os
from pathlib import Path

from tapecheck.suite.audio import AudioInfo, probe

__all__ = ["probe_once"]

#: Probes kept for the process, by (path, device, inode, size, mtime); bounded.
_PROBES: dict[tuple[str, int, int, int, int], AudioInfo] = {}
_MAX_PROBES = 4096


def probe_once(path: Path, status: os.stat_result | None = None) -> AudioInfo:
    """The probe's verdict on ``path``, once per version of the file in this process.

    ``status`` is the file's, when the caller has just read it (one system call, not two).
    """
    if status is None:
        try:
            status = path.stat()
        except (OSError, ValueError):  # missing or unnameable: the probe says why
            return probe(path)
    key = (str(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    found = _PROBES.get(key)
    if found is None:
        if len(_PROBES) >= _MAX_PROBES:
            _PROBES.clear()
        found = _PROBES[key] = probe(path)
    return found
