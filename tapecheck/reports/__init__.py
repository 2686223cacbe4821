"""The result model and its writers (text, json, sarif, github, junit, html).

Reading any name of the package imports every writer, which fills the writer
registries; nothing here imports the suite. The writers are loaded on first
use, not on import, so that ``tapecheck lint`` can import
:mod:`tapecheck.reports.model` and one writer without the others (about 25 ms
of a cold start). :func:`redact_headers`, :func:`redact_url` and
:func:`redact_run` are exported for the suite too, which redacts what it
records before it builds the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, for type checkers: at run time __getattr__ loads them
    from tapecheck.reports import (
        drift,
        encodings,
        github,
        har,
        history,
        html,
        json,
        junit,
        nightly,
        redact,
        rulebook,
        sarif,
        sections,
        text,
        traffic,
        traffic_html,
    )
    from tapecheck.reports.base import LINT_WRITERS, RUN_WRITERS, LintWriter, RunWriter
    from tapecheck.reports.json import cut_body
    from tapecheck.reports.redact import REDACTED, redact_headers, redact_run, redact_url

__all__ = [
    "LINT_WRITERS",
    "REDACTED",
    "RUN_WRITERS",
    "LintWriter",
    "RunWriter",
    "cut_body",
    "drift",
    "encodings",
    "github",
    "har",
    "history",
    "html",
    "json",
    "junit",
    "nightly",
    "redact",
    "redact_headers",
    "redact_run",
    "redact_url",
    "rulebook",
    "sarif",
    "sections",
    "text",
    "traffic",
    "traffic_html",
]

#: The package's modules: importing them all fills LINT_WRITERS and RUN_WRITERS.
_MODULES = (
    "drift",
    "encodings",
    "github",
    "har",
    "history",
    "html",
    "json",
    "junit",
    "nightly",
    "redact",
    "rulebook",
    "sarif",
    "sections",
    "text",
    "traffic",
    "traffic_html",
)
#: The module each re-exported name comes from.
_HOMES = {
    "LINT_WRITERS": "base",
    "RUN_WRITERS": "base",
    "LintWriter": "base",
    "RunWriter": "base",
    "cut_body": "json",
    "REDACTED": "redact",
    "redact_headers": "redact",
    "redact_run": "redact",
    "redact_url": "redact",
}


def _load_writers() -> None:
    """Import every writer module, so that both registries are complete."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load_writers()
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
