"""The engine: specs, manifests, audio, lint, conform, mocks and vendors."""

__all__: list[str] = []
