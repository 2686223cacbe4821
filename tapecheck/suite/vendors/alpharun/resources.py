"""What an Alpharun run creates: recordings, which the API has no delete for."""

from __future__ import annotations

from tapecheck.suite.conform.ledger import Creates

__all__ = ["RESOURCES"]

RESOURCES = {"upload": Creates(kind="recording", pointer="/data/recording/id")}
