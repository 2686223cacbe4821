"""A mutant: a reference mock with one realistic deviation, to prove the suite catches it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
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
    """``factory(token=..., tenant=..., tenants=..., **options)`` building ``cls``'s app.

    ``cls`` is a vendor's mock class (its module's ``create_app`` is this factory)
    or a subclass that overrides one hook (a mutant). The factory takes what the
    class's constructor takes, and says so: its signature is the constructor's,
    so a caller may ask whether it takes ``tenants`` or ``public_base_url``.
    """

    def build(**options: Any) -> Any:
        return cls(**options).create_app()

    build.__name__ = f"create_{cls.__name__}"
    build.__qualname__ = build.__name__
    build.__doc__ = f"{cls.__name__} as an ASGI app."
    build.__signature__ = _constructor_signature(cls)  # type: ignore[attr-defined]
    return build


def _constructor_signature(cls: type[Any]) -> inspect.Signature:
    """The options ``cls`` takes: the first constructor up its MRO that names them all."""
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        signature = inspect.signature(vars(klass)["__init__"])
        parameters = list(signature.parameters.values())[1:]  # without self
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            return signature.replace(
                parameters=parameters, return_annotation=inspect.Signature.empty
            )
    return inspect.signature(cls)
