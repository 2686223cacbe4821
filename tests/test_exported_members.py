"""Every package and module under ``tapecheck/`` states its public names in a sorted ``__all__``.

Like httpx's ``tests/test_exported_members.py``: the walk imports each module,
so a name listed in ``__all__`` that the module does not define fails here, as
does an ``__all__`` out of order. The order is ruff's (RUF022, isort-style), so
``ruff check --fix`` and this test agree.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import tapecheck

#: Modules that are not imported: ``python -m tapecheck`` runs the command line on import.
_NOT_IMPORTED = frozenset({"tapecheck.__main__"})
#: Optional extras a module may need (``tapecheck[deep]``); without them the module is skipped.
_OPTIONAL_EXTRAS = frozenset({"av"})

_MODULES = sorted(
    {"tapecheck"}
    | {info.name for info in pkgutil.walk_packages(tapecheck.__path__, "tapecheck.")}
    - _NOT_IMPORTED
)


def _ruff_order(name: str) -> tuple[int, list[str | int]]:
    """RUF022's key: SCREAMING_CASE, then CamelCase, then the rest; natural order within each."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    parts = re.split(r"(\d+)", name)
    return kind, [int(part) if index % 2 else part for index, part in enumerate(parts)]


def _load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in _OPTIONAL_EXTRAS:
            pytest.skip(f"{name} needs the optional {exc.name}")
        raise


def test_the_walk_finds_every_package() -> None:
    """A folder of modules without ``__init__.py`` would be left out of the walk (and of this test)."""
    root = Path(tapecheck.__path__[0])
    folders = {
        path.parent
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts and path.parent.resolve().is_relative_to(root.resolve())
    }
    without_init = sorted(
        str(f.relative_to(root)) for f in folders if not (f / "__init__.py").exists()
    )
    assert without_init == []
    packages = {f"tapecheck.{'.'.join(f.relative_to(root).parts)}".rstrip(".") for f in folders}
    assert packages <= set(_MODULES)


@pytest.mark.parametrize("name", _MODULES)
def test_all_is_explicit_sorted_and_defined(name: str) -> None:
    module = _load(name)
    exported = module.__dict__.get("__all__")
    assert isinstance(exported, list | tuple), f"{name} has no explicit __all__"
    assert all(isinstance(member, str) for member in exported)
    assert list(exported) == sorted(exported, key=_ruff_order), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [member for member in exported if not hasattr(module, member)]
    assert missing == [], f"{name}.__all__ names what it does not define"
