"""The pytest plugin: run the conformance suite inside a team's own test run.

    pytest --tapecheck-vendor acme --tapecheck-base-url https://api.acme.example/v1

Each vendor is one collector (node id ``tapecheck::acme``) and each requirement
of its catalogue one test item under it (``tapecheck::acme::ACME-UPLOAD-201``):
passed, failed with the failing exchange, or skipped with its reason. The ids
work as pytest ids do: ``-k UPLOAD``, ``--co``, ``--deselect`` and, on the
command line, ``pytest tapecheck::acme::ACME-UPLOAD-201`` (which also names
the vendor, so ``--tapecheck-vendor`` may be left out). A failed ``should``
requirement is an advisory, reported as ``xfail`` with its reason, unless
``--tapecheck-strict`` is given. Without a vendor the plugin adds nothing and
imports nothing heavy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

#: The `tapecheck_proxy` fixture and `--tapecheck-proxy VENDOR` (imports nothing heavy).
pytest_plugins = ["tapecheck.suite.proxy.fixture"]

__all__ = [
    "NODE_PREFIX",
    "ConformanceItem",
    "ConformanceItemFailure",
    "VendorCollector",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_make_collect_report",
]

#: The first part of every node id the plugin makes: ``tapecheck::<vendor>::<ID>``.
NODE_PREFIX = "tapecheck"
_SEPARATOR = "::"

_vendors_key = pytest.StashKey[tuple[str, ...]]()
_selected_key = pytest.StashKey[tuple[str, ...]]()
#: The conform engine's hints name its own options; a pytest user types these.
_OPTION_IN_HINT = re.compile(r"(?<![\w-])--(token|tenant|device-token|base-url)\b")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tapecheck", "tapecheck conformance suite")
    group.addoption(
        "--tapecheck-vendor",
        action="append",
        default=[],
        metavar="VENDOR",
        help="Run the conformance suite of this vendor (repeatable).",
    )
    group.addoption(
        "--tapecheck-base-url", help="The target's base URL (default: the embedded mock)."
    )
    group.addoption("--tapecheck-token", help="The credential (default: $TAPECHECK_TOKEN).")
    group.addoption("--tapecheck-tenant", help="The tenant (default: $TAPECHECK_TENANT).")
    group.addoption(
        "--tapecheck-device-token",
        help="A device token, for vendors with that credential kind (default: $TAPECHECK_DEVICE_TOKEN).",
    )
    group.addoption(
        "--tapecheck-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="A value the target needs.",
    )
    group.addoption(
        "--tapecheck-seed", type=int, default=0, help="Seed of the property-based layer."
    )
    group.addoption(
        "--tapecheck-examples", type=int, default=None, help="Examples per generated requirement."
    )
    group.addoption(
        "--tapecheck-quick", action="store_true", help="Only the deterministic requirements."
    )
    group.addoption(
        "--tapecheck-strict",
        action="store_true",
        help="A failed `should` requirement fails its test (default: xfail, an advisory).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "tapecheck: a requirement of the tapecheck conformance suite"
    )
    selected = _take_node_ids(config)
    vendors: list[str] = []
    for vendor in config.getoption("--tapecheck-vendor", default=None) or []:
        if vendor not in vendors:  # one collector a vendor, however often it is named
            vendors.append(vendor)
    for node_id in selected:
        named = node_id.split(_SEPARATOR)[1] if node_id.count(_SEPARATOR) >= 1 else ""
        if named and named not in vendors:
            vendors.append(named)
    if selected and not vendors:
        raise pytest.UsageError(
            f"{selected[0]}: name the vendor, as in tapecheck::VENDOR::ID or --tapecheck-vendor VENDOR"
        )
    if vendors:
        _check_vendors(vendors, config)
    config.stash[_vendors_key] = tuple(vendors)
    config.stash[_selected_key] = selected


def _take_node_ids(config: pytest.Config) -> tuple[str, ...]:
    """Take ``tapecheck::...`` ids out of the arguments: no file holds them, so pytest must not look."""
    args = getattr(config, "args", None)
    if not isinstance(args, list):
        return ()
    ours = tuple(a for a in args if a == NODE_PREFIX or a.startswith(NODE_PREFIX + _SEPARATOR))
    if ours:
        # In place: the session reads this very list. With only our ids left nothing else runs.
        args[:] = [a for a in args if a not in ours]
    return ours


def _check_vendors(vendors: list[str], config: pytest.Config) -> None:
    from tapecheck.suite.specs import vendors as known_vendors

    known = known_vendors()
    for vendor in vendors:
        if vendor not in known:
            raise pytest.UsageError(
                f"--tapecheck-vendor: unknown vendor {vendor!r}; choose from {', '.join(known)}"
            )
    if len(vendors) > 1 and config.getoption("--tapecheck-base-url"):
        raise pytest.UsageError(
            "--tapecheck-base-url is one vendor's target; name one vendor with it, "
            f"not {', '.join(vendors)}"
        )


def _options(config: pytest.Config, vendor: str, requirement_id: str) -> Any:
    from tapecheck.suite.conform.runner import DEFAULT_EXAMPLES, ConformOptions

    params: dict[str, str] = {}
    for item in config.getoption("--tapecheck-param"):
        name, _, value = str(item).partition("=")
        params[name] = value
    examples = config.getoption("--tapecheck-examples")
    return ConformOptions(
        vendor=vendor,
        base_url=config.getoption("--tapecheck-base-url"),
        token=config.getoption("--tapecheck-token") or os.environ.get("TAPECHECK_TOKEN"),
        tenant=config.getoption("--tapecheck-tenant") or os.environ.get("TAPECHECK_TENANT"),
        device_token=config.getoption("--tapecheck-device-token")
        or os.environ.get("TAPECHECK_DEVICE_TOKEN"),
        params=params,
        seed=config.getoption("--tapecheck-seed"),
        examples=DEFAULT_EXAMPLES if examples is None else examples,
        quick=config.getoption("--tapecheck-quick"),
        select=(requirement_id,),
        option_prefix="--tapecheck-",
    )


def plugin_hint(reason: str) -> str:
    """The engine's hint with the options a pytest user passes (``--tapecheck-token``)."""
    return _OPTION_IN_HINT.sub(lambda m: f"--tapecheck-{m.group(1)}", reason)


class VendorCollector(pytest.Collector):
    """One vendor's catalogue: node id ``tapecheck::<vendor>``."""

    def __init__(self, *, vendor: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vendor = vendor

    def collect(self) -> Iterator[pytest.Item]:
        from tapecheck.suite.conform.requirements import catalogue

        quick = self.config.getoption("--tapecheck-quick")
        for requirement in catalogue(self.vendor):
            if quick and requirement.depth != "quick":
                continue
            yield ConformanceItem.from_parent(
                self,
                name=requirement.id,
                nodeid=f"{self.nodeid}{_SEPARATOR}{requirement.id}",
                vendor=self.vendor,
                requirement_id=requirement.id,
                title=requirement.title,
                level=requirement.level,
            )

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.nodeid, None, self.nodeid


class ConformanceItem(pytest.Item):
    """One requirement of the catalogue, run against the configured target."""

    def __init__(
        self,
        *,
        vendor: str,
        requirement_id: str,
        title: str,
        level: str = "must",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vendor = vendor
        self.requirement_id = requirement_id
        self.title = title
        self.level = level
        self.add_marker("tapecheck")
        # The JUnit report keeps the title and the level beside the stable id.
        self.user_properties += [("title", title), ("level", level)]

    def runtest(self) -> None:
        from tapecheck.suite.conform.runner import run_to_completion

        run, aborted = run_to_completion(_options(self.config, self.vendor, self.requirement_id))
        if aborted:
            pytest.fail(f"the run could not be made: {plugin_hint(aborted)}", pytrace=False)
        result = next((r for r in run.requirements if r.id == self.requirement_id), None)
        if result is None:
            pytest.fail(f"{self.requirement_id} did not run", pytrace=False)
        if result.status == "skipped":
            pytest.skip(result.reason or "skipped")
        status: str = result.status
        if status not in ("failed", "error"):
            return
        advisory = self.level != "must" and not self.config.getoption("--tapecheck-strict")
        if status == "error":
            message = f"could not be decided: {result.reason or 'no reason given'}"
            if advisory:
                pytest.xfail(f"advisory ({self.level}): {message}")
            pytest.fail(message, pytrace=False)
        failure = ConformanceItemFailure(result)
        if advisory:
            # A `should` is an advisory: reported, never failing the run (CONTRACT.md §3).
            pytest.xfail(f"advisory ({self.level}): {failure.describe()}")
        raise failure

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceItemFailure):
            return excinfo.value.describe()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        parent = self.parent.nodeid if self.parent is not None else NODE_PREFIX
        return parent, None, f"{self.requirement_id}: {self.title}"


class ConformanceItemFailure(AssertionError):
    """A failed requirement, described with its failing exchange."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.id)
        self.result = result

    def describe(self) -> str:
        lines = [f"{self.result.id}: {self.result.title}"]
        for failure in self.result.failures:
            lines.append(f"  [{failure.check}] {failure.message}")
            if failure.exchange is not None:
                request = failure.exchange.request
                lines.append(f"    {request.get('method')} {request.get('url')}")
                if failure.exchange.response is not None:
                    response = failure.exchange.response
                    lines.append(
                        f"    -> {response.get('status')} {str(response.get('body'))[:500]}"
                    )
        return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """Hang one collector per vendor under the session, so pytest counts, lists and selects them."""
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        for vendor in collector.config.stash.get(_vendors_key, ()):
            report.result.append(
                VendorCollector.from_parent(
                    collector,
                    name=f"{NODE_PREFIX}{_SEPARATOR}{vendor}",
                    nodeid=f"{NODE_PREFIX}{_SEPARATOR}{vendor}",
                    vendor=vendor,
                )
            )
    return report


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Keep only the ``tapecheck::`` ids given on the command line, when some were."""
    selected = config.stash.get(_selected_key, ())
    if not selected:
        return
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        ours = isinstance(item, ConformanceItem)
        wanted = any(
            item.nodeid == node_id or item.nodeid.startswith(node_id + _SEPARATOR)
            for node_id in selected
        )
        (kept if wanted or not ours else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
