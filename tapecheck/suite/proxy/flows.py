"""Flows across requests: what the proxy remembers between exchanges, and who judges it.

A :class:`Seen` is one exchange as the flow checks see it: the operation, the
path parameters, the parsed request and response bodies. :class:`FlowState`
is what one proxy run remembers (a free-form dict per vendor module, and the
signed storage URLs it issued and saw used). A vendor's flow checks live in
``suite/vendors/<vendor>/live.py`` and register with :func:`flow_check`; the
proxy finds them by the vendor's name and never imports one by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tapecheck.suite.lint.registry import Violation

__all__ = [
    "FLOW_CHECKS",
    "FlowCheck",
    "FlowState",
    "Seen",
    "StoredUpload",
    "flow_check",
    "flow_checks_for",
]


@dataclass
class StoredUpload:
    """A signed storage URL the proxy rewrote: where it leads, and what was PUT there."""

    key: str
    original: str  # the signed URL the vendor answered
    operation: str  # the operation whose response carried it
    path_params: Mapping[str, str]
    download: str | None = None  # the matching download URL, when the response had one
    uploaded: bool = False  # a PUT through the proxy succeeded
    watched: bool = False  # the PUT had to come through the proxy (URL rewritten, or embedded)
    audio: Any = None  # the captured file of that PUT (a Path), while it is kept
    request: Mapping[str, Any] | None = None  # the manifest of the request that got the URL


@dataclass(frozen=True)
class Seen:
    """One exchange as a flow check sees it."""

    operation: str
    path_params: Mapping[str, str]
    request: Any  # the JSON body (or form fields), None when there is none
    status: int | None
    response: Any  # the JSON response body, None when not JSON or not kept


@dataclass
class FlowState:
    """What one proxy run remembers across exchanges."""

    uploads: dict[str, StoredUpload] = field(default_factory=dict)
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)

    def bucket(self, name: str) -> dict[str, Any]:
        """A vendor module's own memory, by name."""
        return self.memory.setdefault(name, {})


#: A flow check: given the run's state and the exchange, the codes and violations it finds.
FlowCheck = Callable[[FlowState, Seen], Iterable[tuple[str, Violation]]]

#: vendor -> its flow checks
FLOW_CHECKS: dict[str, list[FlowCheck]] = {}


def flow_check(vendor: str) -> Callable[[FlowCheck], FlowCheck]:
    """Register a vendor's flow check (called after each exchange, in order)."""

    def decorate(func: FlowCheck) -> FlowCheck:
        checks = FLOW_CHECKS.setdefault(vendor, [])
        if all(
            (c.__module__, c.__qualname__) != (func.__module__, func.__qualname__) for c in checks
        ):
            checks.append(func)
        return func

    return decorate


def flow_checks_for(vendor: str) -> list[FlowCheck]:
    """The flow checks of ``vendor``, imported from its folder when it has any."""
    module = f"tapecheck.suite.vendors.{vendor}.live"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
    return list(FLOW_CHECKS.get(vendor, []))
