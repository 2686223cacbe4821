"""Bota's requirements: recordings, their upload flow, listing, credentials and the API's manners.

From the seed (``bota-create-recording.md``), the spec (``specs/bota.yaml``) and
VENDORS.md. Every requirement makes fixed requests at the edges, so a deviation
is caught on every seed.

The flow is the client's: ``POST /recordings`` (a secret key names
``device_id`` and ``end_user_id``; a device token implies them), ``POST
/recordings/{id}/upload-url``, a PUT of the file to the answered
``upload_url`` with the answered ``headers`` (a storage host: the PUT goes to
the absolute URL without Bota's credential), then ``POST
/recordings/{id}/upload-complete``.

Credentials (CONTRACT.md section 3): ``--token`` is a secret key and
``--device-token`` a device token (``dtok_...``); the requirements that need a
device token are skipped when a ``--base-url`` run has none (the embedded mock
takes any ``dtok_``). A real sandbox names its own device and end user with
``--param device_id=`` and ``--param end_user_id=`` (default ``dev_tapecheck``
and ``eu_tapecheck``, which the mock accepts), and another project's secret
key with ``--param other_token=`` for the isolation between projects.

Statuses and bodies: the docs pin a code per status (``invalid_request`` 400,
``unauthorized`` 401, ``not_found`` 404, ``resource_already_exists`` 409,
``rate_limit_exceeded`` 429) and the error body ``{error: {code, message,
details?}}``, so every error is held to both. Where the docs are silent and
VENDORS.md records the reference mocks' reading (the defaults of an omitted
``name``/``started_at``/``ended_at``, the link between ``Idempotency-Key`` and
409, the bounds of ``limit``), the requirement says so in its ``source`` and
accepts what every reasonable reading shares.
"""

from __future__ import annotations

import tapecheck.suite.vendors.bota.checks  # noqa: F401  (registers Bota's checks)
from tapecheck.suite.conform.requirements import import_modules
from tapecheck.suite.vendors.bota.requirements._recording import FAMILY_FIXTURES

__all__ = ["FAMILIES_COVERED", "FAMILY_FIXTURES", "FAMILY_IDS", "MODULES"]

#: The requirement modules, in catalogue order: the order of the catalogue is the report order.
MODULES = (
    "creation",
    "idempotency",
    "uploads",
    "reading",
    "credentials",
    "rate_limits",
)

#: The generic families' cases generated under Bota's ids (tapecheck.suite.conform.families).
FAMILY_IDS: dict[str, str] = {
    "not-found.get.upload-url.upload-complete": "BOTA-NOT-FOUND",
    "error-shape": "BOTA-ERROR-BODY",
    "declared-type": "BOTA-DECLARED-TYPE",
}

#: What the folder requires itself, in its own way (family -> its own ids): the credential
#: kinds (secret key, device token) and the answers' fields.
FAMILIES_COVERED: dict[str, tuple[str, ...]] = {
    "credentials": (
        "BOTA-AUTH-MISSING",
        "BOTA-AUTH-WRONG",
    ),
    "success-status": (
        "BOTA-LIST",
        "BOTA-GET",
        "BOTA-UPLOAD-URL",
    ),
}

import_modules(__name__, MODULES)
