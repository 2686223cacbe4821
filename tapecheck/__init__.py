"""tapecheck: conformance suite and pre-flight linter for recording-upload APIs."""

__all__ = ["__version__"]

__version__ = "0.1.0"
