"""A mutant: a reference mock with one realistic deviation, to prove the suite catches it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Mutant", "app_factory"]


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


def app_factory(cls: type[Any]) -> Callable[..., Any]:
    """``factory(token=..., tenant=..., tenants=...)`` building ``cls``'s app.

    ``cls`` is a mock class (a subclass of a vendor's mock that overrides one
    hook); the factory takes what the mock's ``create_app`` takes for a run.
    """

    def build(*, token: str, tenant: str, tenants: Mapping[str, str] | None = None) -> Any:
        return cls(token=token, tenant=tenant, tenants=tenants).create_app()

    build.__name__ = f"create_{cls.__name__}"
    build.__qualname__ = build.__name__
    return build
