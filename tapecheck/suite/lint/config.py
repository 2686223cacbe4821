"""``[tool.tapecheck]`` configuration and rule selection.

Read from the nearest ``pyproject.toml`` at or above the working directory, or
from ``--config``. Selection follows ruff: codes or prefixes (``CRS``,
``AUD00``, ``ALL``); for each code the most specific matching selector wins,
and an ignore beats a select of the same length.
"""

from __future__ import annotations

import contextlib
import fnmatch
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["ConfigError", "LintConfig", "Selection", "find_config", "load_config", "parse_codes"]

_LIMIT_KEYS = {"max-bytes": int, "max-duration-s": (int, float), "formats": list}


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file, the key and the fix."""


def parse_codes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"CRS,AUD001"`` or ``["CRS", "AUD001"]`` into upper-cased selectors."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip().upper() for item in items if item and item.strip())


@dataclass(frozen=True)
class Selection:
    """Which codes are on."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()

    def enabled(self, code: str, extra_ignore: Sequence[str] = ()) -> bool:
        chosen = _longest_match(code, self.select)
        dropped = _longest_match(code, (*self.ignore, *extra_ignore))
        if chosen < 0:
            return False
        return dropped < chosen


def _longest_match(code: str, selectors: Iterable[str]) -> int:
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


@dataclass
class LintConfig:
    """The settings of one run, from the config file and the command line."""

    selection: Selection = field(default_factory=Selection)
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    limits: dict[str, dict[str, Any]] = field(default_factory=dict)
    root: Path = field(default_factory=Path.cwd)
    source: str | None = None

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """The codes ``per-file-ignores`` turns off for ``path`` (globs match as given or from the root)."""
        if not self.per_file_ignores:
            return ()
        candidates = {PurePosixPath(path).as_posix()}
        # resolve() raises RuntimeError on a symbolic-link loop (Python < 3.13)
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            candidates.add(Path(path).resolve().relative_to(self.root.resolve()).as_posix())
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores.items():
            if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
                codes += ignored
        return tuple(codes)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has ``[tool.tapecheck]``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                with candidate.open("rb") as handle:
                    if "tapecheck" in tomllib.load(handle).get("tool", {}):
                        return candidate
            except (OSError, tomllib.TOMLDecodeError):
                return candidate  # reported by load_config
    return None


def load_config(path: Path | None, *, known_vendors: Sequence[str]) -> LintConfig:
    """Read ``[tool.tapecheck]`` from ``path`` (a pyproject.toml or a tapecheck .toml)."""
    if path is None:
        return LintConfig()
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = document.get("tool", {}).get(
        "tapecheck", document if path.name != "pyproject.toml" else {}
    )
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [tool.tapecheck] must be a table")
    config = LintConfig(root=path.parent, source=str(path))
    select = _codes(table, "select", path) or ("ALL",)
    config.selection = Selection(select=select, ignore=_codes(table, "ignore", path))
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, Mapping):
        raise ConfigError(f"{path}: per-file-ignores must be a table of glob = [codes]")
    config.per_file_ignores = {str(glob): _codes(per_file, glob, path) for glob in per_file}
    limits = table.get("limits", {})
    if not isinstance(limits, Mapping):
        raise ConfigError(f"{path}: [tool.tapecheck.limits] must be a table of vendors")
    for vendor, values in limits.items():
        if vendor not in known_vendors:
            raise ConfigError(
                f"{path}: [tool.tapecheck.limits.{vendor}]: unknown vendor; use one of {', '.join(known_vendors)}"
            )
        config.limits[vendor] = _limits(values, f"{path}: [tool.tapecheck.limits.{vendor}]")
    return config


def _codes(table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return parse_codes(value)
    raise ConfigError(f'{path}: {key} must be a list of rule codes, like ["CRS", "AUD001"]')


def _limits(values: Any, where: str) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where} must be a table (max-bytes, max-duration-s, formats)")
    from tapecheck.suite.specs import extension_schema

    known_formats = extension_schema()["$defs"]["format"]["enum"]
    result: dict[str, Any] = {}
    for key, value in values.items():
        expected = _LIMIT_KEYS.get(key)
        if expected is None:
            raise ConfigError(
                f"{where}: unknown key {key!r}; use max-bytes, max-duration-s or formats"
            )
        if isinstance(value, bool) or not isinstance(value, expected):  # type: ignore[arg-type]
            raise ConfigError(f"{where}: {key} = {value!r} has the wrong type")
        if key == "formats":
            unknown = [v for v in value if v not in known_formats and v != "any"]
            if unknown:
                raise ConfigError(
                    f"{where}: unknown formats {unknown}; use {', '.join(known_formats)} or any"
                )
            result[key] = "any" if "any" in value else list(value)
        elif value <= 0:
            raise ConfigError(f"{where}: {key} must be positive, got {value!r}")
        else:
            result[key] = value
    return result
