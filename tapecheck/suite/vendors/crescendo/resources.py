"""What a Crescendo run creates: VOC recording jobs, which the API has no delete for."""

from __future__ import annotations

from tapecheck.suite.conform.ledger import Creates

__all__ = ["RESOURCES"]

RESOURCES = {"upload": Creates(kind="recording job", pointer="/id")}
