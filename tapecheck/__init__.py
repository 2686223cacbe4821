"""tapecheck: conformance suite and pre-flight linter for recording-upload APIs."""

__version__ = "0.1.0"
