"""Lint a request held in memory: the entry point of the validation proxy.

``tapecheck proxy`` turns each live request into the manifest document that
describes it and asks the linter's own engine to check it, so a request is
judged by the one rule registry: the same codes, severities, messages and
pointers as ``tapecheck lint`` on the same manifest. The document is held as
a manifest in memory whose folder is that of the request's captured files
(its ``files`` and ``content`` are relative to it) and linted by
:func:`~tapecheck.suite.lint.engine.lint_manifest`, the engine's own path.

Rules that only make sense for a manifest at rest are left out: the MAN family
(a live request always parses and names its operation) and SEC002 (a live
request carries a real credential, as it must).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tapecheck.reports.model import Finding
from tapecheck.suite.lint.config import LintConfig, Selection
from tapecheck.suite.lint.engine import lint_manifest
from tapecheck.suite.manifest import Manifest

__all__ = ["AT_REST_ONLY", "MANIFEST_NAME", "lint_document"]

#: Rule codes and families that do not apply to a live request.
AT_REST_ONLY = ("MAN", "SEC002")
#: The name of the manifest written beside a request's files.
MANIFEST_NAME = "request.json"


def lint_document(
    document: Mapping[str, Any],
    *,
    folder: Path,
    display: str,
    config: LintConfig | None = None,
) -> list[Finding]:
    """Findings of the manifest ``document`` (files relative to ``folder``), named ``display``.

    The document is linted in memory, as the manifest ``folder/request.json``
    would be. The findings carry no line or column: a live request has no positions.
    """
    base = config or LintConfig()
    selection = Selection(
        select=base.selection.select, ignore=(*base.selection.ignore, *AT_REST_ONLY)
    )
    live = dataclasses.replace(base, selection=selection, per_file_ignores={})
    manifest = Manifest(path=str(folder / MANIFEST_NAME), data=dict(document))
    return [
        dataclasses.replace(finding, path=display, line=None, column=None)
        for finding in lint_manifest(manifest, config=live)
    ]
