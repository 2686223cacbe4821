"""A fast reader for plain YAML manifests: values straight from the parser's events.

PyYAML composes a whole node graph (a node and two marks per value) before it
constructs anything: 100,000 contacts cost seconds and hundreds of MB. Most
manifests are plain YAML, with no anchor, alias, tag, merge key, complex key,
directive or second document; for those this module builds the same Python
values from the event stream, one value at a time, with the loader's own tag
resolution and scalar constructors.

It decides only clean documents. Anything else (one of those features, a
syntax error, a duplicate key, a value its constructor refuses, an empty
document) returns ``None`` and the manifest goes through the full path, which
reports it exactly as before. ``tests/test_lint_fast_path.py`` checks that the
two agree on the test corpus and on mutated manifests.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["read_plain"]

#: Text that may use a feature this reader leaves to the full path: anchors, aliases,
#: tags, directives, merge keys, complex keys, document markers.
_NOT_PLAIN = re.compile(r"[&*!%]|<<|^---|^\.\.\.|\?(?:\s|$)", re.MULTILINE)
_STR = "tag:yaml.org,2002:str"


class _Frame:
    __slots__ = ("container", "key", "keys")

    def __init__(self, container: dict[Any, Any] | list[Any]) -> None:
        self.container = container
        self.key: Any = _Frame  # _Frame itself: no key read yet
        self.keys: set[tuple[str, str]] | None = set() if isinstance(container, dict) else None


def read_plain(text: str, loader_class: Any) -> tuple[Any] | None:
    """``(data,)`` for a clean plain-YAML document, else ``None`` (use the full path)."""
    if _NOT_PLAIN.search(text):
        return None
    loader = loader_class(text)
    try:
        return _read(loader)
    except Exception:  # whatever it is, the full path reports it as it always has
        return None
    finally:
        loader.dispose()


def _read(loader: Any) -> tuple[Any] | None:
    if not isinstance(loader.get_event(), yaml.StreamStartEvent):
        return None
    if not isinstance(loader.get_event(), yaml.DocumentStartEvent):
        return None  # an empty stream
    constructors = loader.yaml_constructors
    stack: list[_Frame] = []
    while True:
        event = loader.get_event()
        key_text: tuple[str, str] | None = None
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None or event.tag not in (None, "!"):
                return None
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            key_text = (tag, event.value)
            if tag == _STR:
                value: Any = event.value
            else:
                # No marks: a constructor that fails sends the document to the full path.
                node = yaml.ScalarNode(tag, event.value, style=event.style)
                value = constructors[tag](loader, node)
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            if event.anchor is not None or not event.implicit:
                return None
            is_map = isinstance(event, yaml.MappingStartEvent)
            if stack and stack[-1].keys is not None and stack[-1].key is _Frame:
                return None  # a collection as a mapping key
            stack.append(_Frame({} if is_map else []))
            continue
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            value = stack.pop().container
        else:  # an alias, or anything unexpected
            return None
        if not stack:
            break
        frame = stack[-1]
        if frame.keys is None:
            frame.container.append(value)  # type: ignore[union-attr]
        elif frame.key is _Frame:
            if key_text is None or key_text in frame.keys:
                return None  # a duplicate key: the full path says where
            frame.keys.add(key_text)
            frame.key = value
        else:
            frame.container[frame.key] = value
            frame.key = _Frame
    if not isinstance(loader.get_event(), yaml.DocumentEndEvent):
        return None
    if not isinstance(loader.get_event(), yaml.StreamEndEvent):
        return None  # a second document
    return (value,)
