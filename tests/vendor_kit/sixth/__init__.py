"""A made-up sixth vendor's own folder: a reference mock, three requirements, two mutants."""
