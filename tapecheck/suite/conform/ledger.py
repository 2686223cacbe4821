"""What a run created on the target, and what it deleted again.

A nightly run against a vendor's sandbox must leave it as it was, or say what it
left. Every response that created something is noted here (through
:meth:`Session.note`, which :meth:`Session.call` and the property layer call
for every answer), as a vendor's ``resources.py`` describes it: which
operation creates what kind of thing, where the new id is in the answer, and
which operation (if any) deletes it. A delete that succeeds (or answers 404:
the thing is gone) marks it deleted. After each requirement, whatever it
created and did not delete is deleted by :meth:`Ledger.sweep` (so a requirement
that fails midway, or a generated request that created something, leaves
nothing behind), unless ``--keep`` asks to leave everything for debugging. What
is left is listed in the report, with ids and creation times, so a team can
clean its sandbox by hand where the vendor has no delete.

A vendor's ``resources.py`` holds ``RESOURCES: dict[operation_id, Creates]``;
a vendor without one creates nothing the run tracks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tapecheck.reports.model import CreatedResource

__all__ = ["Creates", "Entry", "Ledger", "resources_of"]


@dataclass(frozen=True)
class Creates:
    """A successful answer to an operation creates one thing.

    ``pointer`` is the JSON Pointer of the new id in the answer's body. ``delete``
    is the operation that deletes it; ``delete_path`` maps each of its path
    parameters to ``"{id}"`` (the new id) or ``"{path.NAME}"`` (a path parameter
    of the creating request). ``parent`` names the kind whose deletion takes this
    one along (a recording goes with the interaction it belongs to), and ``parent_param``
    the creating request's path parameter that holds the parent's id.
    """

    kind: str
    pointer: str
    delete: str | None = None
    delete_path: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None
    parent_param: str | None = None


@dataclass
class Entry:
    """One thing the run created."""

    kind: str
    id: str
    created_at: str
    requirement: str
    delete: tuple[str, dict[str, str]] | None = None
    parent: tuple[str, str] | None = None
    deleted: bool = False
    #: the tenant the thing was created in, when not the run's own (a broken isolation)
    tenant: str | None = None


def resources_of(vendor: str) -> Mapping[str, Creates]:
    """The vendor's ``RESOURCES`` (empty when its folder declares none, or for a ``--spec`` API)."""
    import importlib
    import importlib.util

    name = f"tapecheck.suite.vendors.{vendor}.resources"
    try:
        if importlib.util.find_spec(name) is None:
            return {}
    except ModuleNotFoundError:  # no such vendor package: a --spec API
        return {}
    module = importlib.import_module(name)
    found: Mapping[str, Creates] = getattr(module, "RESOURCES", {})
    return found


def _at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _fill(template: str, new_id: str, path: Mapping[str, str]) -> str:
    if template == "{id}":
        return new_id
    if template.startswith("{path.") and template.endswith("}"):
        return str(path.get(template[len("{path.") : -1], ""))
    return template


def _same(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return {k: str(v).lower() for k, v in a.items()} == {k: str(v).lower() for k, v in b.items()}


class Ledger:
    """The run's register of created things; one per run, shared by its sessions."""

    #: at most this many entries (a target answering every request with a new id)
    LIMIT = 10_000

    def __init__(self, resources: Mapping[str, Creates] | None = None, *, keep: bool = False):
        self.resources: Mapping[str, Creates] = resources or {}
        self.keep = keep
        self.entries: list[Entry] = []
        self._seen: set[tuple[str, str]] = set()

    def record(
        self,
        kind: str,
        resource_id: str,
        *,
        requirement: str = "",
        delete: tuple[str, dict[str, str]] | None = None,
        parent: tuple[str, str] | None = None,
        tenant: str | None = None,
    ) -> None:
        """Note one created thing (once: the same kind and id again is ignored)."""
        key = (kind, resource_id.lower())
        if key in self._seen or len(self.entries) >= self.LIMIT:
            return
        self._seen.add(key)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.entries.append(
            Entry(kind, resource_id, now, requirement, delete, parent, tenant=tenant)
        )

    def note(
        self,
        operation_id: str,
        path: Mapping[str, str],
        status: int,
        body: Any,
        *,
        requirement: str = "",
        own: bool = True,
        tenant: str | None = None,
    ) -> None:
        """Note one answer: a creation (from ``resources``) or, when ``own``, a delete.

        ``own``: sent with the run's own credential; ``tenant``: in another tenant than
        the run's (a delete counts only in the tenant the thing was created in).
        """
        creates = self.resources.get(operation_id)
        if creates is not None and 200 <= status < 300:
            new_id = _at(body, creates.pointer)
            if isinstance(new_id, str | int) and str(new_id):
                new = str(new_id)
                delete = None
                if creates.delete is not None:
                    filled = {k: _fill(v, new, path) for k, v in creates.delete_path.items()}
                    delete = (creates.delete, filled)
                parent = None
                if creates.parent and creates.parent_param and path.get(creates.parent_param):
                    parent = (creates.parent, str(path[creates.parent_param]))
                self.record(
                    creates.kind,
                    new,
                    requirement=requirement,
                    delete=delete,
                    parent=parent,
                    tenant=tenant,
                )
        if own and (200 <= status < 300 or status == 404):
            self._deleted(operation_id, path, tenant)

    def _deleted(self, operation_id: str, path: Mapping[str, str], tenant: str | None) -> None:
        gone: list[Entry] = []
        for entry in self.entries:
            if entry.deleted or entry.delete is None or entry.tenant != tenant:
                continue
            operation, entry_path = entry.delete
            if operation == operation_id and _same(entry_path, path):
                entry.deleted = True
                gone.append(entry)
        for parent in gone:
            for child in self.entries:
                if child.parent is not None and not child.deleted:
                    kind, parent_id = child.parent
                    if kind == parent.kind and parent_id.lower() == parent.id.lower():
                        child.deleted = True

    def pending(self) -> list[Entry]:
        """What can still be deleted: noted, deletable, not deleted, not gone with a parent."""
        return [e for e in self.entries if not e.deleted and e.delete is not None]

    def created(self) -> list[CreatedResource]:
        """The report's view: every thing created, in order, and whether it is gone."""
        return [
            CreatedResource(
                kind=e.kind,
                id=e.id,
                created_at=e.created_at,
                requirement=e.requirement,
                deleted=e.deleted,
            )
            for e in self.entries
        ]
