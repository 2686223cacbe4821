"""The conformance suite: requirements, checks, targets, events and the pytest plugin."""

__all__: list[str] = []
