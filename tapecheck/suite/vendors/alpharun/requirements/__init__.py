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
from tapecheck.suite.vendors.alpharun.requirements._upload_request import FAMILY_FIXTURES

__all__ = ["FAMILIES_COVERED", "FAMILY_FIXTURES", "FAMILY_IDS", "MODULES"]

#: The requirement modules, in catalogue order: the order of the catalogue is the report order.
MODULES = ("uploads", "fields", "contacts", "audio", "errors")

#: The generic families' cases generated under Alpharun's ids (tapecheck.suite.conform.families).
FAMILY_IDS: dict[str, str] = {
    "credentials.missing": "ALPHARUN-AUTH-MISSING",
    "credentials.wrong": "ALPHARUN-AUTH-WRONG",
    "unique-keys.email": "ALPHARUN-CONTACTS-UNIQUE-EMAIL",
    "unique-keys.phone_number": "ALPHARUN-CONTACTS-UNIQUE-PHONE",
    "unique-keys.ext_id": "ALPHARUN-CONTACTS-UNIQUE-EXT-ID",
    "damaged-audio.empty.garbage": "ALPHARUN-AUDIO-UNREADABLE",
    "damaged-audio.corrupt": "ALPHARUN-CORRUPT-AUDIO",
}

#: What the folder requires itself, in its own way (family -> its own ids): a new
#: recording is new (its own audio, distinct ids; a repeat is the re-upload identity),
#: and an error needs only a JSON body.
FAMILIES_COVERED: dict[str, tuple[str, ...]] = {
    "success-status": ("ALPHARUN-UPLOAD-201",),
    "error-shape": ("ALPHARUN-ERROR-BODY",),
}

import_modules(__name__, MODULES)
