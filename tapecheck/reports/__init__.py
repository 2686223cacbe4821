"""The result model and its writers (text, json, sarif, github, junit, html).

Importing the package fills the writer registries; nothing here imports the suite.
"""

from tapecheck.reports import json, text
from tapecheck.reports.base import LINT_WRITERS, RUN_WRITERS, LintWriter, RunWriter

__all__ = ["LINT_WRITERS", "RUN_WRITERS", "LintWriter", "RunWriter", "json", "text"]
