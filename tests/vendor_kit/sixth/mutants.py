"""The sixth vendor's mutants: its mock with one deviation each."""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request

from tapecheck.suite.mocks.limits import AudioLimits
from tapecheck.suite.mocks.mutant import Mutant, app_factory

from .mock import SixthMock

__all__ = ["MUTANTS"]


class AnyToken(SixthMock):
    def caller(self, request: Request, operation_id: str) -> str:
        return self.tenant


class NoSizeLimit(SixthMock):
    def audio_limits(self, operation_id: str) -> AudioLimits:
        return replace(super().audio_limits(operation_id), max_bytes=None)


MUTANTS = [
    Mutant("any-token", "takes any credential", app_factory(AnyToken), ("SIXTH-CREDENTIALS",)),
    Mutant("no-size-limit", "stores any size", app_factory(NoSizeLimit), ("SIXTH-SIZE-LIMIT",)),
]
