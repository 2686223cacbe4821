"""`python -m tapecheck` runs the command line."""

from tapecheck.suite.cli import main

main()
