"""Reading a standalone JSON Schema: references, the subschemas that apply, types, members.

The schema rules (:mod:`tapecheck.suite.lint.schema`) need more from a schema
than jsonschema's verdict: which JSON types a form field may take, which
members no subschema defines (SCH006), which strings are declared
``format: uri`` (SEC rules). :class:`SchemaWalker` answers these beside an
instance, listing each subschema's branches once.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from tapecheck.suite.pointers import follow, ref_tokens

__all__ = ["SchemaWalker", "UndefinedRun", "as_list", "branches", "resolve", "types"]

#: Values with no members, told apart without the ``Mapping`` ABC's slow check
#: (:meth:`SchemaWalker._enter` decides for the rest).
_SCALARS = (str, int, float, type(None))
#: The exact types of values with no members.
_SCALAR_TYPES = frozenset((str, int, float, bool, type(None)))
#: Arrays this long are first checked whole (:meth:`SchemaWalker._plain_items`).
_PLAIN_ITEMS_FROM = 64
#: Longer ``$ref`` chains than this are taken as a loop and resolve to nothing.
_MAX_REF_CHAIN = 64
#: Stands in a walk's members for a run of undefined names (a batched object's).
_RUN: Any = object()


def as_list(value: Any) -> list[Any]:
    """A keyword's value as a list (``type: string`` is ``["string"]``)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def resolve(root: Mapping[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` chains inside a standalone schema (``{}`` where one points nowhere)."""
    for _ in range(_MAX_REF_CHAIN):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node
        ref = node["$ref"]
        if not ref.startswith("#"):
            return {}
        found, target = follow(root, ref_tokens(ref))
        if not found:
            return {}
        node = target
    return {}


def branches(root: Mapping[str, Any], schema: Any) -> Iterator[Mapping[str, Any]]:
    """A schema and every subschema that applies to the same instance."""
    stack, seen = [schema], set()
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node.get("$ref"), str):
            stack.append(resolve(root, node))
        for key in ("allOf", "anyOf", "oneOf"):
            stack += list(node.get(key, []) or [])
        stack += [node[key] for key in ("then", "else") if key in node]


def types(root: Mapping[str, Any], schema: Any) -> frozenset[str]:
    """Every JSON type a schema names, through references and combinators."""
    found: set[str] = set()
    for node in branches(root, schema):
        declared = node.get("type")
        found.update(as_list(declared) if declared is not None else [])
    return frozenset(str(t) for t in found)


@dataclass(frozen=True)
class _Shape:
    """A schema's members as :meth:`SchemaWalker.undefined` reads them."""

    properties: dict[str, list[Any]]
    extra: tuple[Any, ...]  # additionalProperties/unevaluatedProperties subschemas
    closed: bool  # lists properties and admits no other
    known: list[str]  # the property names, sorted
    items: tuple[Any, ...]
    names: frozenset[str]  # the property names


#: What uri_values reads of a schema: a URI itself, and the property and item subschemas
#: that may hold one.
_UriPlan = tuple[bool, tuple[tuple[Any, Any], ...], tuple[Any, ...]]
#: Where a walk is: ``(parent's trail, token)``, ``None`` at the start. Tokens are
#: joined only for a finding, so a value 10,000 levels deep costs no tuple per level.
_Trail = tuple[Any, str | int] | None
#: A walk's frame: the members still to read, their schema's shape, where, and a mapping or not.
_Frame = tuple[Iterator[tuple[Any, Any]], _Shape, _Trail, bool]


def _unwound(trail: _Trail) -> list[str | int]:
    tokens: list[str | int] = []
    while trail is not None:
        trail, token = trail
        tokens.append(token)
    tokens.reverse()
    return tokens


class UndefinedRun(NamedTuple):
    """Members of one object that no applicable schema defines, in document order."""

    tokens: tuple[str | int, ...]  # the object's
    names: list[str]
    known: list[str]  # the names the schema defines, sorted (not to be changed)
    #: Runs of one ``walk`` are stretches of one object read under one schema: no name
    #: is in two of them (``None``: a run of one member).
    walk: int | None = None


def _batched(value: dict[str, Any], shape: _Shape, walk: int) -> Iterator[tuple[Any, Any]]:
    """A closed object's members as :meth:`SchemaWalker.undefined_runs` reads them: each
    defined member as ``(name, value)``, each stretch of undefined ones as
    ``(_RUN, (walk, names))``.

    The defined ones are found in C passes: a million undefined names cost no Python
    step each.
    """
    names = list(value)
    defined = itertools.compress(range(len(names)), map(shape.names.__contains__, names))
    start = 0
    for index in defined:
        if index > start:
            yield _RUN, (walk, names[start:index])
        yield names[index], value[names[index]]
        start = index + 1
    if start < len(names):
        yield _RUN, (walk, names[start:])


class SchemaWalker:
    """Walks one cached schema beside an instance; each schema's branches are listed once."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._branches: dict[int, tuple[Mapping[str, Any], ...]] = {}
        self._shapes: dict[int, _Shape] = {}
        self.has_uri = '"format": "uri' in json.dumps(root, default=str)
        self._uri_plans: dict[int, _UriPlan] = {}
        self._walks = itertools.count()

    def branches(self, schema: Any) -> tuple[Mapping[str, Any], ...]:
        found = self._branches.get(id(schema))
        if found is None:
            found = self._branches[id(schema)] = tuple(branches(self.root, schema))
        return found

    def _shape(self, schema: Any) -> _Shape:
        """What :meth:`undefined` reads of a schema, computed once per schema."""
        found = self._shapes.get(id(schema))
        if found is not None:
            return found
        properties: dict[str, list[Any]] = {}
        extra: list[Any] = []
        listed, open_ = False, False
        nodes = self.branches(schema)
        for node in nodes:
            if isinstance(node.get("properties"), Mapping):
                listed = True
                for name, sub in node["properties"].items():
                    properties.setdefault(str(name), []).append(sub)
            for key in ("additionalProperties", "unevaluatedProperties"):
                if node.get(key) is True or isinstance(node.get(key), Mapping):
                    open_ = True
                    if isinstance(node.get(key), Mapping):
                        extra.append(node[key])
            if "patternProperties" in node:
                open_ = True
        items = [node["items"] for node in nodes if isinstance(node.get("items"), Mapping)]
        found = self._shapes[id(schema)] = _Shape(
            properties,
            tuple(extra),
            listed and not open_,
            sorted(properties),
            tuple(items),
            frozenset(properties),
        )
        return found

    def undefined(
        self, schema: Any, instance: Any, tokens: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[tuple[str | int, ...], list[str]]]:
        """``(tokens, known names)`` of each member that no applicable schema defines.

        Depth first, members in order; iterative (a stack of member iterators), so
        deep nesting costs no recursion and a 400,000-item array no generator each.
        """
        for run in self.undefined_runs(schema, instance, tokens):
            for name in run.names:
                yield (*run.tokens, name), list(run.known)

    def undefined_runs(
        self,
        schema: Any,
        instance: Any,
        tokens: tuple[str | int, ...] = (),
        *,
        batch_from: int | None = None,
    ) -> Iterator[UndefinedRun]:
        """The members no schema defines, in runs, in the order of :meth:`undefined`.

        Without ``batch_from`` each run is one member; a closed object of at
        least ``batch_from`` members (a million names the schema does not
        define) is told in a few C passes, and each stretch of its undefined
        members between two defined ones is one run.
        """
        frames: list[_Frame] = []
        self._enter(frames, (schema,), instance, None, batch_from)
        while frames:
            members, shape, here, is_map = frames[-1]
            if is_map:
                for raw_name, value in members:
                    if raw_name is _RUN:
                        walk, names = value
                        yield UndefinedRun((*tokens, *_unwound(here)), names, shape.known, walk)
                        continue
                    name = str(raw_name)
                    defined = shape.properties.get(name)
                    if defined is None and shape.closed:
                        yield UndefinedRun((*tokens, *_unwound(here)), [name], shape.known)
                        continue
                    subs: Sequence[Any] = shape.extra if defined is None else defined
                    # `dict` before `Mapping`: the ABC check costs a Python call per value.
                    if (
                        subs
                        and not isinstance(value, _SCALARS)
                        and self._enter(frames, subs, value, (here, name), batch_from)
                    ):
                        break
                else:
                    frames.pop()
            else:
                # An item whose members are all defined and all scalars holds nothing to
                # report: told in C (a 400,000-contact array), without a frame each.
                one = self._shape(shape.items[0]).names if len(shape.items) == 1 else None
                for index, value in members:
                    if (
                        one is not None
                        and type(value) is dict
                        and value.keys() <= one
                        and _SCALAR_TYPES.issuperset(map(type, value.values()))
                    ):
                        continue
                    if not isinstance(value, _SCALARS) and self._enter(
                        frames, shape.items, value, (here, index), batch_from
                    ):
                        break
                else:
                    frames.pop()

    def _enter(
        self,
        frames: list[_Frame],
        schemas: Sequence[Any],
        value: Any,
        here: _Trail,
        batch_from: int | None = None,
    ) -> bool:
        """Push one frame per schema (the first on top); False when none has work."""
        pushed = False
        for schema in reversed(schemas):
            shape = self._shape(schema)
            if isinstance(value, (dict, Mapping)):
                if (
                    batch_from is not None
                    and shape.closed
                    and type(value) is dict
                    and len(value) >= batch_from
                    and set(map(type, value)) == {str}
                ):
                    walk = next(self._walks)
                    frames.append((_batched(value, shape, walk), shape, here, True))
                    pushed = True
                elif shape.closed or shape.properties or shape.extra:
                    frames.append((iter(value.items()), shape, here, True))
                    pushed = True
            elif isinstance(value, list) and shape.items:
                if len(shape.items) == 1 and self._plain_items(shape.items[0], value):
                    continue
                frames.append((iter(enumerate(value)), shape, here, False))
                pushed = True
        return pushed

    def _plain_items(self, schema: Any, items: list[Any]) -> bool:
        """True when every item is a dict of defined members and scalar values, told in C.

        Such items hold nothing to report (the loop in :meth:`undefined` skips each);
        400,000 contacts are cleared in a few passes instead of a check each.
        """
        if len(items) < _PLAIN_ITEMS_FROM or set(map(type, items)) != {dict}:
            return False
        names = self._shape(schema).names
        return names.issuperset(itertools.chain.from_iterable(items)) and (
            _SCALAR_TYPES.issuperset(
                map(type, itertools.chain.from_iterable(map(dict.values, items)))
            )
        )

    def uri_values(
        self, schema: Any, instance: Any, tokens: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[str | int, ...]]:
        """The tokens of each string whose schema declares ``format: uri`` (or ``uri-*``)."""
        is_uri, properties, items = self._uri_plan(schema)
        if isinstance(instance, str):
            if is_uri:
                yield tokens
        elif isinstance(instance, Mapping):
            for name, sub in properties:
                if name in instance:
                    yield from self.uri_values(sub, instance[name], (*tokens, name))
        elif isinstance(instance, list):
            for sub in items:
                for index, value in enumerate(instance):
                    yield from self.uri_values(sub, value, (*tokens, index))

    def _uri_plan(self, schema: Any) -> _UriPlan:
        """What :meth:`uri_values` reads of a schema, once per schema: whether it declares a
        URI, and (in the order of its branches) the property and item subschemas under which
        one may be declared; a subschema that holds none is left out, its values unread."""
        found = self._uri_plans.get(id(schema))
        if found is not None:
            return found
        self._uri_plans[id(schema)] = (True, (), ())  # a reference back to here: see below
        nodes = self.branches(schema)
        is_uri = any(str(node.get("format", "")).startswith("uri") for node in nodes)
        properties: list[tuple[Any, Any]] = []
        items: list[Any] = []
        for node in nodes:
            declared = node.get("properties")
            if isinstance(declared, Mapping):
                properties += [
                    (name, sub) for name, sub in declared.items() if self._may_hold_uri(sub)
                ]
            if isinstance(node.get("items"), Mapping) and self._may_hold_uri(node["items"]):
                items.append(node["items"])
        plan = self._uri_plans[id(schema)] = (is_uri, tuple(properties), tuple(items))
        return plan

    def _may_hold_uri(self, schema: Any) -> bool:
        """Whether a value under ``schema`` may be declared a URI (True while undecided:
        a schema that refers back to itself is kept, never wrongly left out)."""
        if id(schema) in self._uri_plans:
            is_uri, properties, items = self._uri_plans[id(schema)]
            return is_uri or bool(properties) or bool(items)
        is_uri, properties, items = self._uri_plan(schema)
        return is_uri or bool(properties) or bool(items)
