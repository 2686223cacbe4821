"""Lint a request held in memory: the entry point of the validation proxy.

``tapecheck proxy`` turns each live request into the manifest document that
describes it and asks the linter's own engine to check it, so a request is
judged by the one rule registry: the same codes, severities, messages and
pointers as ``tapecheck lint`` on the same manifest. The document is written as
a JSON manifest beside the request's captured files (the folder its ``files``
and ``content`` are relative to) and linted by
:func:`~tapecheck.suite.lint.engine.lint_file`.

Rules that only make sense for a manifest at rest are left out: the MAN family
(a live request always parses and names its operation) and SEC002 (a live
request carries a real credential, as it must).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tapecheck.reports.model import Finding
from tapecheck.suite.lint.config import LintConfig, Selection
from tapecheck.suite.lint.engine import Target, lint_file

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

    The findings carry no line or column: a live request has no positions.
    """
    base = config or LintConfig()
    selection = Selection(
        select=base.selection.select, ignore=(*base.selection.ignore, *AT_REST_ONLY)
    )
    live = dataclasses.replace(base, selection=selection, per_file_ignores={})
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / MANIFEST_NAME
    manifest.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    found = lint_file(Target(manifest, str(manifest), "manifest"), vendor=None, config=live)
    return [dataclasses.replace(finding, path=display, line=None, column=None) for finding in found]
