"""``[tool.tapecheck]`` configuration and rule selection.

Read from the nearest ``pyproject.toml`` at or above the working directory, or
from ``--config``. Selection follows ruff: codes or prefixes (``CRS``,
``AUD00``, ``ALL``); for each code the most specific matching selector wins,
and an ignore beats a select of the same length.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = [
    "DEFAULT_EXCLUDE",
    "KNOWN_KEYS",
    "ConfigError",
    "LintConfig",
    "Selection",
    "find_config",
    "load_config",
    "nearest",
    "parse_codes",
]

_LIMIT_KEYS = {"max-bytes": int, "max-duration-s": (int, float), "formats": list}
#: The keys of ``[tool.tapecheck]``; any other is an error that names the nearest of these.
KNOWN_KEYS = (
    "select",
    "ignore",
    "per-file-ignores",
    "limits",
    "exclude",
    "extend-exclude",
    "force-exclude",
)
#: Folders a walk never enters unless ``exclude`` says otherwise (ruff's defaults, trimmed).
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)


def nearest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'ignore'?)`` for a mistyped name, or nothing when none is close."""
    import difflib  # only on a mistake: lint start-up stays light

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    #: Apply the excludes to paths given explicitly too (pre-commit passes every file by name).
    force_exclude: bool = False
    #: Folders already resolved in this run: a folder walk asks about every entry of one folder.
    _resolved: dict[str, Path] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: The patterns of exclude/extend-exclude, normalized, and the settings they come from.
    _normalized: tuple[tuple[Any, Any], list[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _combined: tuple[list[str], re.Pattern[str], re.Pattern[str] | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    #: Per folder of a walk: its entries' parts from the project's folder, less the name.
    _entry_prefixes: dict[str, tuple[str, ...] | object | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def is_excluded(self, path: str | Path, *, ancestors: bool = True) -> bool:
        """Whether ``exclude``/``extend-exclude`` drop ``path``, or (``ancestors``) a folder above it.

        As in ruff: a pattern without ``/`` matches any file or folder of that
        name (``node_modules``, ``*.draft.yaml``); a pattern with ``/`` matches
        the path from the configuration's folder (``tests/cases``,
        ``legacy/*.request.yaml``). A path outside that folder is matched by
        name. A folder walk asks about each entry alone (``ancestors=False``):
        a folder given by name is walked even when it is excluded.
        """
        patterns = self._patterns()
        if not patterns:
            return False
        given = path if isinstance(path, Path) else Path(path)
        by_name, by_path = self._matchers()
        if not ancestors and by_path is None and not by_name.match(given.name):
            # A folder walk's entry is judged by its name alone: when no pattern
            # matches it, no path resolution (the costly part) can change that.
            return False
        names = self._parts_from_root(given) if ancestors else self._entry_parts(given)
        relative = names is not None
        if names is None:  # outside the project
            names = (given.name,) if given.is_absolute() else given.parts
        if not names:
            return False  # the project's folder itself
        depths = range(len(names)) if ancestors else range(len(names) - 1, len(names))
        for depth in depths:
            if by_name.match(names[depth]):
                return True
            if relative and by_path is not None and by_path.match("/".join(names[: depth + 1])):
                return True
        return False

    def _patterns(self) -> list[str]:
        # Asked for every entry of a folder walk: made once per (exclude, extend-exclude).
        given = (tuple(self.exclude), tuple(self.extend_exclude))
        if self._normalized is not None and self._normalized[0] == given:
            return self._normalized[1]
        patterns = [p.strip().rstrip("/") for p in (*self.exclude, *self.extend_exclude)]
        found = [p[2:] if p.startswith("./") else p for p in patterns if p]
        self._normalized = (given, found)
        return found

    def _matchers(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        """The patterns without ``/`` (matched against a name) as one expression, and
        those with ``/`` (matched against a path from the project's folder) as another:
        an expression matches when ``fnmatchcase`` matches with any of its patterns."""
        patterns = self._patterns()
        if self._combined is None or self._combined[0] is not patterns:
            paths = [p for p in patterns if "/" in p]
            self._combined = (
                patterns,
                _either(p for p in patterns if "/" not in p),
                _either(paths) if paths else None,
            )
        return self._combined[1], self._combined[2]

    def _resolve(self, folder: Path) -> Path:
        key = str(folder)
        if key not in self._resolved:
            self._resolved[key] = folder.resolve()
        return self._resolved[key]

    def _parts_from_root(self, given: Path) -> tuple[str, ...] | None:
        """``given`` from the project's folder, or None when it is outside.

        Lexical first (a symbolic link is judged by its own name, never by
        what it points at), then with the folders above it resolved.
        """
        absolute = Path(os.path.abspath(given))
        roots = [Path(os.path.abspath(self.root))]
        # The first candidate below, tried before any (costly) resolution.
        if (parts := _under(absolute, roots[0])) is not None:
            return parts
        with contextlib.suppress(OSError, RuntimeError):
            roots.append(self._resolve(roots[0]))
            absolute_parent = self._resolve(absolute.parent)
            for candidate in (absolute, absolute_parent / absolute.name):
                for root in roots:
                    if (parts := _under(candidate, root)) is not None:
                        return parts
        for root in roots:
            if (parts := _under(absolute, root)) is not None:
                return parts
        return None

    def _entry_parts(self, given: Path) -> tuple[str, ...] | None:
        """``_parts_from_root(given)`` for an entry of a folder walk, worked out once per folder.

        The answer for ``folder/name`` is the folder's (every candidate path is
        the folder's with the name appended), with the name added: a thousand
        manifests in one folder cost one resolution, not a thousand (60 us each).
        """
        key = str(given.parent)
        prefix = self._entry_prefixes.get(key, _UNKNOWN)
        if prefix is _UNKNOWN:
            prefix = self._entry_prefixes[key] = self._folder_prefix(given.parent)
        if prefix is None:
            return None
        if isinstance(prefix, tuple):
            return (*prefix, given.name)
        return self._parts_from_root(
            given
        )  # the folder just above the root: it depends on the name

    def _folder_prefix(self, folder: Path) -> tuple[str, ...] | object | None:
        """What :meth:`_parts_from_root` answers for any ``folder/<name>``, less the name:
        the candidates tried in the same order, each judged for every name at once.
        ``_UNKNOWN`` when the answer depends on the name (a folder just above the root)."""
        absolute = Path(os.path.abspath(folder))
        roots = [Path(os.path.abspath(self.root))]
        if (found := _folder_under(absolute, roots[0])) is not None:
            return found
        with contextlib.suppress(OSError, RuntimeError):
            roots.append(self._resolve(roots[0]))
            resolved = self._resolve(absolute)
            for candidate in (absolute, resolved):
                for root in roots:
                    if (found := _folder_under(candidate, root)) is not None:
                        return found
        for root in roots:
            if (found := _folder_under(absolute, root)) is not None:
                return found
        return None

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


def _either(patterns: Iterable[str]) -> re.Pattern[str]:
    """One expression for ``any(fnmatch.fnmatchcase(text, p) for p in patterns)``."""
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns) or "(?!)")


def _under(path: Path, root: Path) -> tuple[str, ...] | None:
    """``path.relative_to(root).parts`` of two absolute paths, or None: no exception to pay."""
    parts, prefix = path.parts, root.parts
    return parts[len(prefix) :] if parts[: len(prefix)] == prefix else None


#: An answer not worked out yet, or one that depends on the name (see LintConfig._entry_parts).
_UNKNOWN = object()


def _folder_under(folder: Path, root: Path) -> tuple[str, ...] | object | None:
    """:func:`_under` of ``folder/<name>`` for every name: ``folder``'s parts below ``root``
    (the name follows), ``None`` when no name is below, ``_UNKNOWN`` when one name may be."""
    parts, prefix = folder.parts, root.parts
    if len(parts) >= len(prefix):
        return parts[len(prefix) :] if parts[: len(prefix)] == prefix else None
    return _UNKNOWN if len(parts) + 1 == len(prefix) and parts == prefix[:-1] else None


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
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(
                f"{path}: [tool.tapecheck]: unknown key {key!r}{nearest(str(key), KNOWN_KEYS)}; "
                f"the keys are {', '.join(KNOWN_KEYS)}"
            )
    config = LintConfig(root=path.parent, source=str(path))
    if "exclude" in table:
        config.exclude = _globs(table, "exclude", path)
    config.extend_exclude = _globs(table, "extend-exclude", path)
    force = table.get("force-exclude", False)
    if not isinstance(force, bool):
        raise ConfigError(f"{path}: force-exclude must be true or false")
    config.force_exclude = force
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
                f"{path}: [tool.tapecheck.limits.{vendor}]: unknown vendor"
                f"{nearest(str(vendor), known_vendors)}; use one of {', '.join(known_vendors)}"
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


def _globs(table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(
        f'{path}: {key} must be a list of globs, like ["tests/cases", "*.draft.yaml"]'
    )


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
                f"{where}: unknown key {key!r}{nearest(str(key), _LIMIT_KEYS)}; "
                "use max-bytes, max-duration-s or formats"
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
