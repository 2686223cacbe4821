"""What a Siro run creates: recordings, which the API has no delete for.

A signed URL is not listed: it expires on its own and holds nothing once the
recording is created from it.
"""

from __future__ import annotations

from tapecheck.suite.conform.ledger import Creates

__all__ = ["RESOURCES"]

RESOURCES = {"upload": Creates(kind="recording", pointer="/data/id")}
