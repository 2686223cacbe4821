"""Crescendo: its lint rules, reference mock, conformance flow and mutants."""

__all__: list[str] = []
