"""What a Bota run creates: recordings, which the API has no delete for."""

from __future__ import annotations

from tapecheck.suite.conform.ledger import Creates

__all__ = ["RESOURCES"]

RESOURCES = {"create": Creates(kind="recording", pointer="/id")}
