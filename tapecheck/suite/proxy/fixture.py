"""The ``tapecheck_proxy`` pytest fixture: certify a team's integration tests as they run.

    pytest --tapecheck-proxy VENDOR

starts ``tapecheck proxy VENDOR`` in-process (the embedded mock behind it, or
``--tapecheck-proxy-upstream URL``) for the session. A team's tests send their
client's requests to ``tapecheck_proxy.base_url``; every request and response
is checked as ``tapecheck proxy`` checks it, and the last test of the session
fails with the error-level findings (warnings are listed, never failing).
``--tapecheck-proxy-report-dir DIR`` writes the proxy's reports there.

This module is a pytest plugin pulled in by ``suite/conform/plugin.py``;
without ``--tapecheck-proxy`` it imports nothing heavy and starts nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "ProxySession",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_runtest_makereport",
    "tapecheck_proxy",
]

_KEY = pytest.StashKey["ProxySession"]()


@dataclass
class ProxySession:
    """The proxy of one test session: where to send requests, and what it found so far."""

    vendor: str
    base_url: str = ""
    proxy: Any = None  # tapecheck.suite.proxy.service.Proxy, imported when started
    last_item: str = ""
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    def findings(self) -> list[dict[str, Any]]:
        """The diagnostics of ``findings.json`` so far."""
        from tapecheck.reports.traffic import findings_document

        diagnostics: list[dict[str, Any]] = findings_document(self.proxy.traffic.log())[
            "diagnostics"
        ]
        return diagnostics

    def errors(self) -> list[dict[str, Any]]:
        return [d for d in self.findings() if d["severity"] == "error"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tapecheck-proxy", "tapecheck validation proxy")
    group.addoption(
        "--tapecheck-proxy",
        metavar="VENDOR",
        help="Send the tests' requests through `tapecheck proxy VENDOR` (fixture tapecheck_proxy).",
    )
    group.addoption(
        "--tapecheck-proxy-upstream",
        metavar="URL",
        help="The vendor's sandbox behind the proxy (default: the embedded mock).",
    )
    group.addoption(
        "--tapecheck-proxy-report-dir",
        metavar="DIR",
        help="Write the proxy's reports (findings.json, HAR, ...) there at the end.",
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    vendor = config.getoption("--tapecheck-proxy", default=None)
    if vendor and items:
        config.stash[_KEY] = ProxySession(vendor=str(vendor), last_item=items[-1].nodeid)


@pytest.fixture(scope="session")
def tapecheck_proxy(request: pytest.FixtureRequest) -> Iterator[ProxySession]:
    """The session's proxy (``--tapecheck-proxy VENDOR``): send requests to its ``base_url``."""
    config = request.config
    state = config.stash.get(_KEY, None)
    if state is None:
        raise pytest.UsageError("the tapecheck_proxy fixture needs --tapecheck-proxy VENDOR")
    from tapecheck.suite.proxy.service import create_proxy, running_proxy
    from tapecheck.suite.specs import vendors

    if state.vendor not in vendors():
        raise pytest.UsageError(
            f"--tapecheck-proxy: unknown vendor {state.vendor!r}; use one of {', '.join(vendors())}"
        )
    upstream = config.getoption("--tapecheck-proxy-upstream", default=None)
    state.proxy = create_proxy(state.vendor, upstream=upstream)
    with state._stack:
        state.base_url = state._stack.enter_context(running_proxy(state.proxy))
        yield state
    report_dir = config.getoption("--tapecheck-proxy-report-dir", default=None)
    if report_dir:
        from tapecheck.suite.cli_proxy import write_reports

        write_reports(state.proxy.traffic.log(), Path(report_dir), origin=state.base_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    state = item.config.stash.get(_KEY, None)
    if state is None or state.proxy is None or call.when != "teardown":
        return
    if item.nodeid != state.last_item:
        return
    report: pytest.TestReport = outcome.get_result()
    total = state.proxy.traffic.errors  # every exchange's, those no longer kept included
    if not total:
        return
    errors = state.errors()
    lines = [f"tapecheck proxy {state.vendor}: {total} error-level finding(s)"]
    lines += [f"{d['path']}: {d['code']} {d['message']} ({d['pointer'] or '/'})" for d in errors]
    if total > len(errors):
        lines.append(f"({total - len(errors)} of them in exchanges no longer kept)")
    report.outcome = "failed"
    report.longrepr = "\n".join(lines)
