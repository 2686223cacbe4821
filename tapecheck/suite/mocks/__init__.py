"""What every reference mock shares: auth, error bodies, streaming storage and serving.

Each vendor's mock lives in ``tapecheck.suite.vendors.<vendor>.mock`` as a
subclass of :class:`VendorMock`; this package holds the parts they share.
"""

from tapecheck.suite.mocks.auth import Credentials
from tapecheck.suite.mocks.errors import ErrorShape, MockError, NestedErrors, SchemaErrors
from tapecheck.suite.mocks.limits import AudioLimits
from tapecheck.suite.mocks.multipart import Form, read_form
from tapecheck.suite.mocks.server import base_path, running, serve
from tapecheck.suite.mocks.storage import BlobStore, StoredFile, TooLarge
from tapecheck.suite.mocks.vendor import VendorMock

__all__ = [
    "AudioLimits",
    "BlobStore",
    "Credentials",
    "ErrorShape",
    "Form",
    "MockError",
    "NestedErrors",
    "SchemaErrors",
    "StoredFile",
    "TooLarge",
    "VendorMock",
    "base_path",
    "read_form",
    "running",
    "serve",
]
