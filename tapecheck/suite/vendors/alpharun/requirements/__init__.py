"""Alpharun's requirements: the recording upload, its contacts rules and idempotent re-uploads.

From the seed (``alpharun-upload-recording.md``), the spec
(``specs/alpharun.yaml``) and VENDORS.md. Every requirement makes fixed
requests at the edges, so a deviation is caught on every seed.

What a real workspace needs: ``--param teammate_email=`` (a teammate of the
workspace) and ``--param playbook_id=`` (a playbook, where routing rules would
not pick one); without them the requests use ``tapecheck@example.com`` and no
playbook, which the reference mock accepts.

Re-uploads: the docs answer 200 when "the recording already exists". Every
upload that must be *new* carries audio made for it alone (a tone of its own)
and a ``recorded_at`` of its own, so a second run against the same workspace
still gets 201; a re-upload repeats the bytes exactly.

``contacts`` travels as the docs' curl sample sends it: one form field
holding the JSON array. The seed's schema gives no multipart ``encoding``, so
it does not pin how an array of objects travels; one ``contacts`` part per
contact (how OpenAPI tools serialise an array with
``encoding.contentType: application/json``) is another reading, which the
reference mock also accepts, but nothing in the docs asks a server to, so no
requirement sends it.

Statuses and bodies (CONTRACT.md section 3): the docs document no error body
and pin no error status, so an error passes with any status of the right
meaning (401 or 403 for credentials, 400 or 422 for invalid data, 400 or 415
for a wrong content type) and a JSON body; the shape the spec gives
(``{error: {code, message}}``) is the reference mock's choice and is not
required.
"""

from __future__ import annotations

from tapecheck.suite.conform.requirements import import_modules

__all__ = ["FAMILIES_COVERED", "FAMILY_IDS", "MODULES"]

#: The requirement modules, in catalogue order: the order of the catalogue is the report order.
MODULES = ("uploads", "credentials", "fields", "contacts", "audio", "errors")

#: The generic families this folder requires itself (family -> its own ids), so that
#: none is generated twice (tapecheck.suite.conform.families).
FAMILIES_COVERED: dict[str, tuple[str, ...]] = {
    "credentials": (
        "ALPHARUN-AUTH-MISSING",
        "ALPHARUN-AUTH-WRONG",
    ),
    "success-status": ("ALPHARUN-UPLOAD-201",),
    "error-shape": ("ALPHARUN-ERROR-BODY",),
}

#: The families that take over a requirement of this folder, under its id
#: (family[.case|.operationId] -> id; tapecheck.suite.conform.families).
FAMILY_IDS: dict[str, str] = {
    "unique-keys.email": "ALPHARUN-CONTACTS-UNIQUE-EMAIL",
    "unique-keys.phone_number": "ALPHARUN-CONTACTS-UNIQUE-PHONE",
    "unique-keys.ext_id": "ALPHARUN-CONTACTS-UNIQUE-EXT-ID",
}

import_modules(__name__, MODULES)
