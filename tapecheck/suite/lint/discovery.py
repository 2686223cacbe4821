"""``--find-manifests``: the manifests under the project root that name an audio file.

A pre-commit hook is handed the files a commit changes. When that is an audio
file alone (a re-recorded ``calls/call.mp3``), the findings that matter are
those of the manifests that send it: each is linted, through the file. The
project root is the configuration's (the folder of the ``pyproject.toml``
holding ``[tool.tapecheck]``, else the working directory); its ``exclude``
patterns, where the configuration has them, are honoured.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.manifest import load_manifest

__all__ = ["WALK_SUFFIXES", "exclude_patterns", "manifests_naming", "walk_manifests"]

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


def walk_manifests(root: Path, exclude: LintConfig | Sequence[str] = ()) -> list[Path]:
    """Every manifest under ``root``, sorted, outside excluded and tool folders.

    ``exclude`` is the run's configuration, or its exclude globs alone: either
    way an entry is excluded by ``LintConfig.is_excluded``, the one rule the
    folder walk of ``tapecheck lint`` applies too.
    """
    config = (
        exclude
        if isinstance(exclude, LintConfig)
        else LintConfig(root=root, exclude=tuple(exclude), extend_exclude=())
    )
    asked = bool(exclude_patterns(config))  # no pattern: no entry to ask about
    found: list[Path] = []
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = sorted(
            name
            for name in folders
            if name not in _SKIPPED_FOLDERS
            and not (asked and config.is_excluded(here / name, ancestors=False))
        )
        for name in files:
            if name.lower().endswith(WALK_SUFFIXES) and not (
                asked and config.is_excluded(here / name, ancestors=False)
            ):
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
