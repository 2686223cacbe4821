"""What a Corti run creates, and how it is deleted (read by the run's ledger).

An interaction is deleted with ``DELETE /interactions/{id}``, and its recordings
go with it; a recording uploaded into an interaction given with ``--param
interaction_id`` is deleted on its own.
"""

from __future__ import annotations

from tapecheck.suite.conform.ledger import Creates

__all__ = ["RESOURCES"]

RESOURCES = {
    "create-interaction": Creates(
        kind="interaction",
        pointer="/interactionId",
        delete="delete-interaction",
        delete_path={"id": "{id}"},
    ),
    "upload": Creates(
        kind="recording",
        pointer="/recordingId",
        delete="delete-recording",
        delete_path={"id": "{path.id}", "recordingId": "{id}"},
        parent="interaction",
        parent_param="id",
    ),
}
