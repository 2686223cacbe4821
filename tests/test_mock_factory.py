"""One app factory for every mock class: it takes, and says it takes, what the constructor takes."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from tapecheck.suite.conform.families.mutants import mock_class
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.specs import vendors
from tapecheck.suite.vendors import mock_factory


def _options(factory: Any) -> list[str]:
    return list(inspect.signature(factory).parameters)


@pytest.mark.parametrize("vendor", vendors())
def test_each_vendors_factory_names_its_constructors_options(vendor: str) -> None:
    factory = mock_factory(vendor)
    cls = mock_class(vendor)
    assert cls is not None
    assert _options(factory) == list(inspect.signature(cls).parameters)
    assert {"token", "tenant", "tenants"} <= set(_options(factory))
    app = factory(token="t-1", tenant="tenant-z")
    assert app.state.mock.tenant == "tenant-z"
    app.state.mock.close()


def test_a_subclass_passing_its_options_on_names_its_parents() -> None:
    base = mock_class(vendors()[0])
    assert base is not None

    def __init__(self: Any, **kwargs: Any) -> None:
        base.__init__(self, **kwargs)
        self.extra = True

    cls = type("PassesOptionsOn", (base,), {"__init__": __init__})
    factory = app_factory(cls)
    assert "kwargs" not in _options(factory)
    assert _options(factory) == _options(mock_factory(vendors()[0]))
    app = factory(token="t-2", tenant="tenant-y")
    assert app.state.mock.extra
    app.state.mock.close()
