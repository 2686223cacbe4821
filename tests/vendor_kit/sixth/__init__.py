"""A made-up sixth vendor's own folder: three requirements and two mutants (no mock)."""
