"""Corti's requirements: interactions, raw-audio recordings, their listing, download and deletion.

From the seed (``corti-upload-recording.md``), the spec (``specs/corti.yaml``)
and VENDORS.md. Every requirement makes fixed requests at the edges, so a
deviation is caught on every seed. A client creates an interaction before it
uploads, and every interaction a requirement creates is deleted when it ends
(pass or fail). ``--param interaction_id=<uuid>`` makes the requirements that
only need *an* interaction use that one instead (a sandbox where creating one
is costly); the recordings they upload to it are deleted again.

Statuses, where the docs leave room (CONTRACT.md section 3):

- A missing or wrong credential: 401 or 403. The seed lists 403 as its only
  refusal, but it does not say which status a missing token gets, and the
  contract's "401 or 403" applies.
- A missing ``Tenant-Name``: 400, 401 or 403. The header is required (a
  missing required header reads as a bad request) and it "ensures correct
  routing and authentication" (a refusal).
- An interaction the caller cannot see (unknown, deleted, another tenant's):
  403 or 404. The pages list 404 for unknown recordings; an unknown
  interaction cannot be told apart from another tenant's, for which the
  contract allows both.
- A malformed id: 400, 404 or 422. The docs say the id "must be a valid UUID"
  without a status; a malformed path parameter reads as invalid data (400,
  422) or as no such resource (404). Never 2xx, never 5xx.
- Every error is ``ErrorResponse`` (``requestid``, ``status``, ``type``,
  ``detail``) whose ``status`` is the HTTP status.
"""

from __future__ import annotations

import tapecheck.suite.vendors.corti.checks  # noqa: F401  (registers Corti's checks)
from tapecheck.suite.conform.requirements import import_modules
from tapecheck.suite.vendors.corti.requirements._interaction import family_fixtures

__all__ = ["FAMILIES_COVERED", "FAMILY_FIXTURES", "FAMILY_IDS", "MODULES"]

#: The requirement modules, in catalogue order: the order of the catalogue is the report order.
MODULES = ("interactions", "recordings", "credentials", "uploads", "limits")

#: The generic families' cases generated under Corti's ids (tapecheck.suite.conform.families).
FAMILY_IDS: dict[str, str] = {
    "credentials.missing": "CORTI-AUTH-MISSING",
    "credentials.wrong": "CORTI-AUTH-WRONG",
    "size-limit": "CORTI-SIZE-LIMIT",
    "success-status.upload": "CORTI-UPLOAD-201",
    "not-found.get-recording.delete-recording": "CORTI-RECORDING-NOT-FOUND",
    "error-shape": "CORTI-ERROR-BODY",
    "tenant-isolation": "CORTI-TENANT-ISOLATION",
    "damaged-audio.empty": "CORTI-UPLOAD-EMPTY",
    "damaged-audio.garbage": "CORTI-UPLOAD-NOT-AUDIO",
    "damaged-audio.corrupt": "CORTI-CORRUPT-AUDIO",
}

#: What the families' calls need first: an interaction (and a recording) of their own.
FAMILY_FIXTURES = family_fixtures()

#: What the folder requires itself, in its own way (family -> its own ids): the
#: interaction's create (it starts empty) and an unknown interaction (403 or 404).
FAMILIES_COVERED: dict[str, tuple[str, ...]] = {
    "success-status": ("CORTI-INTERACTION-CREATE-201",),
    "not-found": ("CORTI-INTERACTION-NOT-FOUND",),
}

import_modules(__name__, MODULES)
