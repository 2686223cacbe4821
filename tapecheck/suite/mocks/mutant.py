"""A mutant: a reference mock with one realistic deviation, to prove the suite catches it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Mutant"]


@dataclass(frozen=True)
class Mutant:
    """``factory(token=..., tenant=...)`` builds the deviant app, like the mock's ``create_app``.

    ``expect`` names the requirement ids (or prefixes) that should catch it; the
    selftest reports a mutant caught only by others, so the catalogue stays honest.
    """

    name: str
    description: str
    factory: Callable[..., Any]
    expect: tuple[str, ...] = ()
