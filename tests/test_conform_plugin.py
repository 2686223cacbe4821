"""The pytest plugin: the conformance suite inside a team's own test run (pytester)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tapecheck.suite.conform.requirements import catalogue
from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.mocks.server import base_path
from tapecheck.suite.specs import load_spec
from tapecheck.suite.vendors.crescendo.mock import create_app


def test_without_a_vendor_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own():\n    assert True\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)


def test_options_are_grouped_under_tapecheck(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*tapecheck conformance suite*", "*--tapecheck-vendor*", "*--tapecheck-base-url*"]
    )


def test_each_requirement_is_an_item_and_the_mock_passes(pytester: pytest.Pytester) -> None:
    quick = [r for r in catalogue("crescendo") if r.depth == "quick"]
    result = pytester.runpytest("--tapecheck-vendor", "crescendo", "--tapecheck-quick", "-v")
    result.assert_outcomes(passed=len(quick))
    result.stdout.fnmatch_lines(["*tapecheck::CRESCENDO-UPLOAD-202*PASSED*"])


def test_a_deviating_target_fails_with_its_exchange(
    pytester: pytest.Pytester, loopback: Callable[[Any], str]
) -> None:
    mutant = next(m for m in mutants("crescendo") if m.name == "accepts-oversized")
    origin = loopback(mutant.factory(token="test-token", tenant="tenant-a"))
    base_url = origin + base_path(load_spec("crescendo"))
    result = pytester.runpytest(
        "--tapecheck-vendor",
        "crescendo",
        "--tapecheck-base-url",
        base_url,
        "--tapecheck-token",
        "test-token",
        "--tapecheck-tenant",
        "tenant-a",
        "--tapecheck-quick",
        "-k",
        "SIZE-LIMIT or UPLOAD-202",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*CRESCENDO-SIZE-LIMIT*", "*expected 400 or 413, got 202*", "*POST http://127.0.0.1*"]
    )
    assert "test-token" not in result.stdout.str()


def test_a_good_target_over_http_passes(
    pytester: pytest.Pytester, loopback: Callable[[Any], str]
) -> None:
    origin = loopback(create_app(token="tok-plugin", tenant="tenant-p"))
    base_url = origin + base_path(load_spec("crescendo"))
    result = pytester.runpytest(
        "--tapecheck-vendor",
        "crescendo",
        "--tapecheck-base-url",
        base_url,
        "--tapecheck-token",
        "tok-plugin",
        "--tapecheck-tenant",
        "tenant-p",
        "--tapecheck-quick",
        "-k",
        "AUTH or TENANT",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 4
    assert "failed" not in outcomes
