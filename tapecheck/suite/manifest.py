"""Request manifests: one file describing one request, with the position of every value.

A manifest is JSON (strict) or YAML (safe loader). Every value is indexed by
its JSON Pointer with its 1-based line and column, so a finding can point at
the exact place. Loading never raises on bad input: it returns a
:class:`ManifestError` that the linter reports as MAN001.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapecheck.suite._json_positions import JsonPositions
from tapecheck.suite._yaml_marks import Located
from tapecheck.suite.pointers import follow, join_pointer, split_pointer

if TYPE_CHECKING:
    import yaml

__all__ = [
    "KNOWN_KEYS",
    "MAX_MANIFEST_BYTES",
    "Manifest",
    "ManifestError",
    "is_env_reference",
    "load_manifest",
    "load_manifest_bytes",
    "parse_manifest",
]

#: Top-level keys a manifest may hold (CONTRACT.md section 1).
KNOWN_KEYS = frozenset(
    {"vendor", "operation", "path", "query", "headers", "body", "files", "content", "auth"}
)

#: Larger than any honest manifest; bigger files are refused before parsing.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: A strict-JSON manifest larger than this is located value by value
#: (:mod:`tapecheck.suite._json_positions`), not indexed whole at the first finding.
_LARGE_JSON = 1_000_000
#: Flow nesting deeper than this crashes libyaml's recursive composer.
_MAX_DEPTH = 200
#: YAML aliases may expand a document without bound ("billion laughs").
_MAX_EXPANDED_NODES = 200_000

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)

#: A YAML manifest larger than this keeps its values' marks as the line reader reads it
#: (:mod:`tapecheck.suite._yaml_marks`): its node graph is never composed to place a finding.
_LOCATE_YAML = 1_000_000

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")

#: The tag of each plain scalar already resolved: the resolver's regular expressions
#: run once per distinct text (keys and enum values repeat across a thousand manifests).
_PLAIN_TAGS: dict[str, str] = {}
_MAX_PLAIN_TAGS = 65_536


@functools.cache
def _loader_class() -> Any:
    """The safe loader (libyaml's where it is built), with the implicit tags of plain
    scalars remembered per process. Made on first use: a JSON manifest needs no PyYAML
    (its import is a tenth of a cold start)."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # A plain scalar's implicit tag depends on its text alone (SafeLoader has no
            # path resolvers), so the answer can be kept.
            if kind is yaml.ScalarNode and implicit[0] and isinstance(value, str):
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(_PLAIN_TAGS) < _MAX_PLAIN_TAGS and len(value) <= 256:
                        _PLAIN_TAGS[value] = tag
                return tag
            return super().resolve(kind, value, implicit)

    return _Loader


def __getattr__(name: str) -> Any:
    """``_Loader``, the loader class, for those who name it (made on first use)."""
    if name == "_Loader":
        return _loader_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_env_reference(value: object) -> bool:
    """True when a string holds a ``${NAME}`` reference (its value is never needed)."""
    return isinstance(value, str) and _ENV_REFERENCE.search(value) is not None


@dataclass(frozen=True)
class ManifestError:
    """A manifest that could not be read as a mapping (MAN001)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class Manifest:
    """A parsed manifest and the positions of its values."""

    path: str
    data: dict[str, Any]
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: The text whose positions are indexed on the first :meth:`position` call:
    #: a manifest without findings (the bulk of a run) never pays for them.
    source: str | None = field(default=None, repr=False)
    #: Parsed as strict JSON: every key is a string and no value is a YAML date.
    strict_json: bool = False
    #: The manifest's text, as read (rules may rule out what it cannot hold).
    text: str | None = field(default=None, repr=False)
    _json_positions: JsonPositions | None = field(
        default=None, init=False, repr=False, compare=False
    )
    #: The marks the line reader kept of a large YAML manifest.
    located: Located | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def directory(self) -> Path:
        """The folder paths in ``files`` and ``content`` are relative to (asked per file named)."""
        if self.path.endswith(("/", os.sep)):  # no file's name: Path's own reading
            return Path(self.path).parent
        return _folder(os.path.dirname(self.path))

    def position(self, pointer: str) -> tuple[int, int]:
        """Where ``pointer``'s value starts; for a missing value, its nearest present parent."""
        if self.located is not None:
            return self.located.position(pointer)
        if self.source is not None and self.strict_json and len(self.source) > _LARGE_JSON:
            if self._json_positions is None:  # only the containers on the way are read
                self._json_positions = JsonPositions(self.source)
            return self._json_positions.position(split_pointer(pointer))
        if self.source is not None:
            self.positions, self.source = _positions_or_empty(self.source), None
        current = pointer
        while True:
            found = self.positions.get(current)
            if found is not None:
                return found
            if not current:
                return (1, 1)
            current = current[: current.rfind("/")]

    def get(self, pointer: str, default: Any = None) -> Any:
        found, value = follow(self.data, split_pointer(pointer))
        return value if found else default


@functools.lru_cache(maxsize=1024)
def _folder(name: str) -> Path:
    """One Path per folder for the process: a thousand manifests of a folder share it."""
    return Path(name)


def load_manifest(path: Path | str, *, display: str | None = None) -> Manifest | ManifestError:
    """Read and parse a manifest file; errors become a :class:`ManifestError`."""
    shown = display if display is not None else str(path)
    try:
        # Non-blocking, and only a regular file is read: a FIFO would block forever.
        # Read from the descriptor itself: a buffered file object costs more than the read.
        descriptor = os.open(path, _OPEN_FLAGS)
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                return ManifestError(shown, "cannot read the manifest: it is not a regular file")
            # Sized by fstat: read(16 MB) would allocate 16 MB for every small manifest.
            # Files that report no size (/proc) are read up to the limit.
            size = (
                status.st_size if 0 < status.st_size <= MAX_MANIFEST_BYTES else MAX_MANIFEST_BYTES
            )
            raw = _read_up_to(descriptor, size + 1)
        finally:
            os.close(descriptor)
    except OSError as exc:
        return ManifestError(shown, f"cannot read the manifest: {exc.strerror or exc}")
    except ValueError as exc:  # a NUL in the name
        return ManifestError(shown, f"cannot read the manifest: {exc}")
    return load_manifest_bytes(raw, display=shown)


def _read_up_to(descriptor: int, limit: int) -> bytes:
    """At most ``limit`` bytes, to the end of the file (one read for a small file)."""
    first = os.read(descriptor, limit)
    if not first or len(first) == limit:
        return first
    blocks = [first]
    remaining = limit - len(first)
    while remaining > 0 and (block := os.read(descriptor, min(remaining, 1 << 20))):
        blocks.append(block)
        remaining -= len(block)
    return b"".join(blocks)


def load_manifest_bytes(raw: bytes, *, display: str) -> Manifest | ManifestError:
    """Parse a manifest's bytes (a file's, or stdin's); ``display`` places it and its files."""
    if len(raw) > MAX_MANIFEST_BYTES:
        return ManifestError(display, f"the manifest is larger than {MAX_MANIFEST_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ManifestError(display, f"the manifest is not UTF-8 text (byte {exc.start})")
    strict_json = display.lower().endswith(".json")
    return parse_manifest(text, path=display, strict_json=strict_json)


def parse_manifest(text: str, *, path: str, strict_json: bool = False) -> Manifest | ManifestError:
    """Parse manifest text; ``strict_json`` for ``.json`` files."""
    if _too_deep(text):
        return ManifestError(
            path, f"the manifest nests brackets more than {_MAX_DEPTH} levels deep"
        )
    data: Any
    positions: dict[str, tuple[int, int]] = {}
    source: str | None = None
    located: Located | None = None
    if strict_json:
        try:
            data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            return ManifestError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
        except (ValueError, RecursionError) as exc:
            return ManifestError(path, f"invalid JSON: {exc}")
        source = text
    else:
        data, source, located, failed = _parse_yaml(text, path)
        if failed is not None:
            return failed
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        return ManifestError(path, f"the manifest must be a mapping of keys, got {kind}", 1, 1)
    return Manifest(
        path=path,
        data=data,
        positions=positions,
        source=source,
        strict_json=strict_json,
        text=text,
        located=located,
    )


def _parse_yaml(
    text: str, path: str
) -> tuple[Any, str | None, Located | None, ManifestError | None]:
    """``(data, source, located, None)`` of a YAML manifest, or ``(None, None, None, error)``:
    its positions are indexed from ``source`` if a finding needs one, or kept in ``located``."""
    import yaml

    from tapecheck.suite._plain_yaml import read_plain
    from tapecheck.suite._simple_yaml import read_simple

    if (simple := read_simple(text, locate=len(text) > _LOCATE_YAML)) is not None:
        data, located = simple  # lines of `key: value`, `- item`: read line by line
        return data, (text if located is None else None), located, None
    loader_class = _loader_class()
    if (plain := read_plain(text, loader_class)) is not None:
        return plain[0], text, None, None  # a clean plain document: no node graph built
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        return None, None, None, _yaml_error(path, exc)
    if node is None:
        loader.dispose()
        return (
            None,
            None,
            None,
            ManifestError(path, "the manifest is empty; it must be a mapping", 1, 1),
        )
    # Bombs and cycles need aliases, and an alias needs a `*`; without one, a walk
    # of the mappings finds the duplicate keys. Positions are indexed later, from
    # the text, only if a finding needs one.
    problem = _structure_problem(node) if "*" in text else None
    problem = problem or _duplicate_key(node)
    if problem:
        loader.dispose()
        return None, None, None, ManifestError(path, problem[0], *problem[1])
    try:
        return loader.construct_document(node), text, None, None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, None, None, _yaml_error(path, exc)
    except Exception:  # PyYAML's constructors fail on garbage: `!!timestamp x`, `!!float ""`
        return (
            None,
            None,
            None,
            ManifestError(
                path,
                "invalid YAML: a value does not fit its explicit tag (`!!float`, `!!timestamp`, ...)",
            ),
        )
    finally:
        loader.dispose()


def _yaml_error(path: str, exc: Exception) -> ManifestError:
    """One line naming the problem, at the parser's position (its message spans lines)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return ManifestError(path, f"invalid YAML: {exc.problem}", line, column)
    return ManifestError(path, f"invalid YAML: {' '.join(str(exc).split())}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C: 400,000 contacts are 400,000 calls of this hook
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
    return result  # pragma: no cover - a shorter dict has a repeated key


def _too_deep(text: str) -> bool:
    """A cheap guard: count flow-bracket depth only when there are many brackets."""
    if text.count("[") + text.count("{") <= _MAX_DEPTH:
        return False
    # Only the brackets matter: one C-speed pass over the UTF-8 bytes drops the rest of a
    # 16 MB text (a bracket's byte is never part of another character's).
    brackets = text.encode("utf-8", "surrogatepass").translate(_AS_PARENTHESES, _NOT_BRACKETS)
    # Each pass removes the innermost pairs: pairs nested n deep are gone after n
    # passes. When every bracket is paired, the depth is the passes it took; with an
    # unpaired one left, the count below decides.
    for _ in range(_MAX_DEPTH + 1):
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            if b"(" not in brackets:
                return False
            break
        brackets = shorter
    else:
        return True
    depth = 0
    for char in _NOT_BRACKET.sub("", text):
        if char in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                return True
        elif char in "]}" and depth:
            depth -= 1
    return False


def _compose(text: str) -> yaml.Node | None:
    loader = _loader_class()(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _structure_problem(root: yaml.Node) -> tuple[str, tuple[int | None, int | None]] | None:
    """Duplicate keys, alias bombs and alias cycles, found on the node graph before constructing values."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # expanded, not finished: a child among them closes a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in open_nodes:
            mark = node.start_mark
            return (
                "the manifest contains itself through a YAML alias (an anchor used inside "
                "its own value); a request cannot be infinite",
                (mark.line + 1, mark.column + 1),
            )
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                children += [key_node, value_node]
                if isinstance(key_node, yaml.ScalarNode) and not done:
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        mark = key_node.start_mark
                        return (
                            f"duplicate key {key_node.value!r}",
                            (mark.line + 1, mark.column + 1),
                        )
                    seen[key] = key_node
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if not done:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack += [(child, False) for child in children if id(child) not in sizes]
        else:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[id(node)] > _MAX_EXPANDED_NODES:
                mark = node.start_mark
                return (
                    f"the manifest expands to more than {_MAX_EXPANDED_NODES:,} values (YAML aliases)",
                    (mark.line + 1, mark.column + 1),
                )
    return None


def _duplicate_key(root: yaml.Node) -> tuple[str, tuple[int | None, int | None]] | None:
    """The first mapping key repeated in its mapping, where it repeats."""
    import yaml

    stack, seen = [root], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[tuple[str, Any]] = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = (key_node.tag, key_node.value)
                    if key in keys:
                        mark = key_node.start_mark
                        return (
                            f"duplicate key {key_node.value!r}",
                            (mark.line + 1, mark.column + 1),
                        )
                    keys.add(key)
                if isinstance(value_node, yaml.CollectionNode):
                    stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack += [item for item in current.value if isinstance(item, yaml.CollectionNode)]
    return None


def _index(
    node: yaml.Node,
    pointer: str,
    positions: dict[str, tuple[int, int]],
    seen: set[int],
    *,
    duplicates: bool = False,
) -> tuple[str, tuple[int | None, int | None]] | None:
    """Record where each value starts; an aliased node is indexed once, at its anchor.

    With ``duplicates``, a mapping's repeated scalar key is returned as a problem.
    """
    import yaml

    stack = [(node, pointer)]
    while stack:
        current, here = stack.pop()
        positions.setdefault(here, (current.start_mark.line + 1, current.start_mark.column + 1))
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[tuple[str, Any]] = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    token = key_node.value
                    if duplicates:
                        key = (key_node.tag, token)
                        if key in keys:
                            mark = key_node.start_mark
                            return (f"duplicate key {token!r}", (mark.line + 1, mark.column + 1))
                        keys.add(key)
                else:
                    token = "?"
                stack.append((value_node, here + join_pointer(str(token))))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                stack.append((item, f"{here}/{index}"))
    return None


def _positions_or_empty(text: str) -> dict[str, tuple[int, int]]:
    """Positions of a strict-JSON manifest, read through the YAML composer (JSON is YAML)."""
    import yaml

    positions: dict[str, tuple[int, int]] = {}
    try:
        node = _compose(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return positions
    if node is not None:
        _index(node, "", positions, set())
    return positions
