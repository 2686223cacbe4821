"""``--find-manifests``: the manifests under the project root that name an audio file.

A pre-commit hook is handed the files a commit changes. When that is an audio
file alone (a re-recorded ``calls/call.mp3``), the findings that matter are
those of the manifests that send it: each is linted, through the file. The
project root is the configuration's (the folder of the ``pyproject.toml``
holding ``[tool.tapecheck]``, else the working directory); its ``exclude``
patterns, where the configuration has them, are honoured.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.manifest import load_manifest

__all__ = ["WALK_SUFFIXES", "exclude_patterns", "excluded", "manifests_naming", "walk_manifests"]

#: Names a folder walk picks up.
WALK_SUFFIXES = (".request.json", ".request.yaml", ".request.yml")
#: Folders no project keeps its manifests in: never walked.
_SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__"}
)


def exclude_patterns(config: LintConfig) -> tuple[str, ...]:
    """The configuration's ``exclude`` and ``extend-exclude`` globs (none when it has neither)."""
    found: list[str] = []
    for name in ("exclude", "extend_exclude"):
        value = getattr(config, name, ()) or ()
        found += [str(pattern) for pattern in value]
    return tuple(found)


def excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    """True when ``path`` (or a folder above it, up to ``root``) matches an exclude glob."""
    if not patterns:
        return False
    try:
        relative = PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except (ValueError, OSError, RuntimeError):
        relative = PurePosixPath(path.as_posix())
    candidates = [
        str(relative),
        *(str(parent) for parent in relative.parents if str(parent) != "."),
    ]
    candidates += list(relative.parts)
    return any(fnmatch.fnmatch(c, pattern) for c in candidates for pattern in patterns)


def walk_manifests(root: Path, patterns: Sequence[str] = ()) -> list[Path]:
    """Every manifest under ``root``, sorted, outside excluded and tool folders."""
    found: list[Path] = []
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = sorted(
            name
            for name in folders
            if name not in _SKIPPED_FOLDERS and not excluded(here / name, root, patterns)
        )
        for name in files:
            if name.lower().endswith(WALK_SUFFIXES) and not excluded(here / name, root, patterns):
                found.append(here / name)
    return sorted(found)


def manifests_naming(audio: Path, manifests: Iterable[Path]) -> list[Path]:
    """The manifests whose ``files`` or ``content`` name ``audio`` (the same file on disk)."""
    from tapecheck.suite.lint.context import LintContext

    try:
        wanted = audio.resolve()
    except (OSError, RuntimeError):
        return []
    naming: list[Path] = []
    for manifest in manifests:
        try:
            # A manifest that does not hold the file's name cannot name it: no parse needed.
            if audio.name not in manifest.read_text(encoding="utf-8", errors="replace"):
                continue
        except OSError:
            continue
        loaded = load_manifest(manifest)
        ctx = LintContext.for_manifest(loaded, default_vendor=None)
        if ctx.manifest is None:
            continue
        for ref in ctx.file_refs():
            try:
                if ref.resolved.resolve() == wanted:
                    naming.append(manifest)
                    break
            except (OSError, RuntimeError, ValueError):
                continue
    return naming
