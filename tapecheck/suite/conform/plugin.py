"""The pytest plugin: run the conformance suite inside a team's own test run.

    pytest --tapecheck-vendor corti --tapecheck-base-url https://api.eu.corti.app/v2

Each requirement of the vendor's catalogue becomes one test item
(``tapecheck::CORTI-UPLOAD-201``), passed, failed with the failing exchange, or
skipped with its reason. Without ``--tapecheck-vendor`` the plugin adds nothing
and imports nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

#: The `tapecheck_proxy` fixture and `--tapecheck-proxy VENDOR` (imports nothing heavy).
pytest_plugins = ["tapecheck.suite.proxy.fixture"]

__all__ = [
    "ConformanceItem",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tapecheck", "tapecheck conformance suite")
    group.addoption("--tapecheck-vendor", help="Run the conformance suite of this vendor.")
    group.addoption(
        "--tapecheck-base-url", help="The target's base URL (default: the embedded mock)."
    )
    group.addoption("--tapecheck-token", help="The credential (default: $TAPECHECK_TOKEN).")
    group.addoption("--tapecheck-tenant", help="The tenant (default: $TAPECHECK_TENANT).")
    group.addoption(
        "--tapecheck-device-token", help="Bota device token (default: $TAPECHECK_DEVICE_TOKEN)."
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "tapecheck: a requirement of the tapecheck conformance suite"
    )


def _options(config: pytest.Config, requirement_id: str) -> Any:
    from tapecheck.suite.conform.runner import DEFAULT_EXAMPLES, ConformOptions

    params: dict[str, str] = {}
    for item in config.getoption("--tapecheck-param"):
        name, _, value = str(item).partition("=")
        params[name] = value
    examples = config.getoption("--tapecheck-examples")
    return ConformOptions(
        vendor=config.getoption("--tapecheck-vendor"),
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


class ConformanceItem(pytest.Item):
    """One requirement of the catalogue, run against the configured target."""

    def __init__(self, *, requirement_id: str, title: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requirement_id = requirement_id
        self.title = title
        self.add_marker("tapecheck")

    def runtest(self) -> None:
        from tapecheck.suite.conform.runner import run_to_completion

        run, aborted = run_to_completion(_options(self.config, self.requirement_id))
        if aborted:
            pytest.fail(f"the run could not be made: {aborted}", pytrace=False)
        for result in run.requirements:
            if result.status == "skipped":
                pytest.skip(result.reason or "skipped")
            if result.status == "failed":
                raise ConformanceItemFailure(result)
            if result.status == "error":
                pytest.fail(f"could not be decided: {result.reason}", pytrace=False)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceItemFailure):
            return excinfo.value.describe()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "tapecheck", None, f"{self.requirement_id}: {self.title}"


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


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    vendor = config.getoption("--tapecheck-vendor", default=None)
    if not vendor:
        return
    items.extend(_items(session, config, vendor))


def _items(session: pytest.Session, config: pytest.Config, vendor: str) -> Iterator[pytest.Item]:
    from tapecheck.suite.conform.requirements import catalogue

    quick = config.getoption("--tapecheck-quick")
    for requirement in catalogue(vendor):
        if quick and requirement.depth != "quick":
            continue
        yield ConformanceItem.from_parent(
            session,
            name=f"tapecheck::{requirement.id}",
            requirement_id=requirement.id,
            title=requirement.title,
        )
