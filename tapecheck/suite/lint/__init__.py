"""The linter: the rule registry, the generic rule families, and the engine that runs them.

``registry`` holds every rule, written once beside its documentation; ``engine``
runs the rules that apply over manifests and audio files and returns a
:class:`~tapecheck.reports.model.LintResult`. The generic families (``schema``,
``manifest_rules``, ``audio``, ``security``) and the vendors' rules are imported
by the registry when a run needs them, never here, so importing this package
stays as light as ``tapecheck lint`` start-up must be.
"""

from tapecheck.suite.lint.registry import Rule, Violation, rule

__all__ = ["Rule", "Violation", "rule"]
