"""The result model and its writers (text, json, sarif, github, junit, html).

Importing the package fills the writer registries; nothing here imports the suite.
:func:`redact_headers`, :func:`redact_url` and :func:`redact_run` are exported for
the suite too, which redacts what it records before it builds the model.
"""

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
