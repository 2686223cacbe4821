"""The validation proxy: forward live traffic, check it with the linter and the spec."""

__all__: list[str] = []
