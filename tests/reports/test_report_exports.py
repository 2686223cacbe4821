"""The public names of ``tapecheck.reports``, and what the package may import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import tapecheck.reports

_MODULES = sorted(m.name for m in pkgutil.iter_modules(tapecheck.reports.__path__))


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's ``__all__`` order (RUF022): CONSTANTS, then Classes, then the rest."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_package_all_is_sorted_and_complete() -> None:
    exported = tapecheck.reports.__all__
    assert exported == sorted(exported, key=_isort_key)
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(tapecheck.reports, name), name
    assert set(_MODULES) - {"base", "model"} <= set(exported), "every writer module is exported"


@pytest.mark.parametrize("module", _MODULES)
def test_module_all_is_sorted_and_complete(module: str) -> None:
    loaded = importlib.import_module(f"tapecheck.reports.{module}")
    exported = loaded.__all__
    assert list(exported) == sorted(exported, key=_isort_key)
    for name in exported:
        assert hasattr(loaded, name), f"{module}.{name}"


def test_the_package_imports_no_suite_and_nothing_heavy() -> None:
    code = (
        "import sys, tapecheck.reports\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'rich', 'jinja2', 'schemathesis', 'hypothesis', 'starlette', 'httpx', 'yaml', 'jsonschema'}"
        " or m.startswith('tapecheck.suite') or m == 'xml.etree.ElementTree')\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("module", _MODULES)
def test_no_module_imports_the_suite_even_lazily(module: str) -> None:
    import ast
    from pathlib import Path

    source = Path(tapecheck.reports.__path__[0], f"{module}.py").read_text(encoding="utf-8")
    imported: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    assert not [m for m in imported if m.startswith("tapecheck.suite")]
    assert not [m for m in imported if m.split(".")[0] in {"rich", "jinja2"}]
