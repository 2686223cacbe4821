"""Crescendo's own conformance tests: the model catalogue's ids are kept.

What every vendor's catalogue must do (the mock passes on every seed, every
mutant is caught, the same verdicts over HTTP) is in ``test_conform_catalogues.py``.
"""

from __future__ import annotations

from conform_helpers import quick_ids

VENDOR = "crescendo"


def test_the_ids_of_the_catalogue_are_kept() -> None:
    """The model catalogue's ids are stable: later requirements are added, none renamed."""
    kept = {
        "CRESCENDO-UPLOAD-202",
        "CRESCENDO-UPLOAD-WAV",
        "CRESCENDO-UPLOAD-FILE-PART",
        "CRESCENDO-AUTH-MISSING",
        "CRESCENDO-AUTH-WRONG",
        "CRESCENDO-AUTH-QUERY",
        "CRESCENDO-TENANT-ISOLATION",
        "CRESCENDO-METADATA-REQUIRED",
        "CRESCENDO-METADATA-JSON",
        "CRESCENDO-METADATA-ID-REQUIRED",
        "CRESCENDO-METADATA-ID-CHARSET",
        "CRESCENDO-AUDIO-REQUIRED",
        "CRESCENDO-FORMAT-BY-CONTENT",
        "CRESCENDO-CORRUPT-AUDIO",
        "CRESCENDO-SIZE-LIMIT",
        "CRESCENDO-JOB-STATUS",
        "CRESCENDO-JOB-NOT-FOUND",
    }
    assert kept <= set(quick_ids(VENDOR))
