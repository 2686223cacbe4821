"""Siro: its lint rules, reference mock, conformance flow and mutants."""
