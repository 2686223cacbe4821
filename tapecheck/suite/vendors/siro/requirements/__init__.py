"""Siro's requirements: the signed URL, the PUT to it, and the recording made from the upload.

From the seed (``siro-create-recording-from-upload.md``), the spec
(``specs/siro.yaml``) and VENDORS.md. Every requirement makes fixed requests
at the edges, so a deviation is caught on every seed.

The flow is the client's: ``POST /v1/core/recordings/signed-urls`` with
``{fileType, fileSize}``; a PUT of the bytes to ``uploadUrl`` carrying exactly
``uploadHeaders`` (the URL is on the storage provider's host, so the PUT is
sent to the absolute URL, without Siro's credential); then ``POST
/v1/core/recordings/upload`` with ``{downloadUrl, fileType}``. Against the
embedded mock the storage host is the mock itself, on the same origin.

Statuses and bodies (CONTRACT.md section 3): the docs document no error body,
so an error needs only a JSON body (the spec's ``{statusCode, message,
error}`` is the mock's choice and is not required); where no status is pinned
any of the right meaning passes. What the docs do pin: 201 for the upload,
200 or 201 for signed-urls, and 403 ``SignatureDoesNotMatch`` from the
storage host for a PUT whose headers are not the signed ones.

Readings that rest on VENDORS.md's account of what the reference mocks do
where the docs are silent (an upload before its bytes were PUT, a URL that
was never issued, a ``fileType`` the stored bytes contradict, unreadable
audio) say so in their ``source``; each accepts every status of the right
meaning, not only the mock's 400.

Isolation between users needs a second user's token: ``--param
other_token=`` against a real target; the embedded mock knows one of its own.
"""

from __future__ import annotations

import tapecheck.suite.vendors.siro.checks  # noqa: F401  (registers Siro's checks)
from tapecheck.suite.conform.requirements import import_modules
from tapecheck.suite.vendors.siro.requirements._signed_url import FAMILY_FIXTURES

__all__ = ["FAMILIES_COVERED", "FAMILY_FIXTURES", "FAMILY_IDS", "MODULES"]

#: The requirement modules, in catalogue order: the order of the catalogue is the report order.
MODULES = ("signed_urls", "storage_put", "uploads", "credentials", "errors")

#: The generic families' cases generated under Siro's ids (tapecheck.suite.conform.families);
#: the fixtures make each call as a client would (a signed URL, the audio PUT there).
FAMILY_IDS: dict[str, str] = {
    "credentials.missing": "SIRO-AUTH-MISSING",
    "credentials.wrong": "SIRO-AUTH-WRONG",
    "declared-size": "SIRO-PUT-LENGTH-RANGE",
    "declared-type": "SIRO-UPLOAD-FILE-TYPE-MATCH",
}

#: What the folder requires itself, in its own way (family -> its own ids): the signed-URL
#: flow's answers (three formats, distinct ids, the signed headers) and a JSON error body.
FAMILIES_COVERED: dict[str, tuple[str, ...]] = {
    "success-status": (
        "SIRO-UPLOAD-201",
        "SIRO-SIGNED-URLS",
    ),
    "error-shape": ("SIRO-ERROR-BODY",),
}

import_modules(__name__, MODULES)
