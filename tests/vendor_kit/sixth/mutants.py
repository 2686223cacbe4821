"""The sixth vendor's mutants: the mock its spec drives, with one deviation each."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request

from tapecheck.suite.mocks.generic import spec_mock_class
from tapecheck.suite.mocks.limits import AudioLimits
from tapecheck.suite.mocks.mutant import Mutant, app_factory
from tapecheck.suite.specs import Operation

__all__ = ["MUTANTS"]

SixthMock = spec_mock_class("sixth")


class AnyToken(SixthMock):
    """Takes any credential, or none."""

    def authenticate(self, request: Request, operation: Operation) -> str:
        return str(self.tenant)


class NoSizeLimit(SixthMock):
    """Stores an upload of any size."""

    def audio_limits(self, operation_id: str) -> AudioLimits:
        return replace(super().audio_limits(operation_id), max_bytes=None)


MUTANTS = [
    Mutant("any-token", "takes any credential", app_factory(AnyToken), ("SIXTH-CREDENTIALS",)),
    Mutant("no-size-limit", "stores any size", app_factory(NoSizeLimit), ("SIXTH-SIZE-LIMIT",)),
]
