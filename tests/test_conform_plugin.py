"""The pytest plugin: the conformance suite inside a team's own test run (pytester)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from tapecheck.suite.conform import requirements as requirements_module
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
    result.stdout.fnmatch_lines(
        [f"*collected {len(quick)} items", "tapecheck::crescendo::CRESCENDO-UPLOAD-202 PASSED*"]
    )


def test_a_deviating_target_fails_with_its_exchange(
    pytester: pytest.Pytester, loopback: Callable[[Any], str]
) -> None:
    mutant = next(m for m in mutants("crescendo") if m.name == "generic-limit-not-enforced")
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


def _quick_ids(vendor: str) -> list[str]:
    return [f"tapecheck::{vendor}::{r.id}" for r in catalogue(vendor) if r.depth == "quick"]


def test_collect_only_lists_every_node_id_and_counts_them(pytester: pytest.Pytester) -> None:
    ids = _quick_ids("crescendo")
    result = pytester.runpytest(
        "--tapecheck-vendor", "crescendo", "--tapecheck-quick", "--co", "-q"
    )
    listed = [line for line in result.outlines if line.startswith("tapecheck::")]
    assert listed == ids
    result.stdout.fnmatch_lines([f"{len(ids)} tests collected*"])
    verbose = pytester.runpytest("--tapecheck-vendor", "crescendo", "--tapecheck-quick", "--co")
    verbose.stdout.fnmatch_lines(
        [f"*collected {len(ids)} items", "<VendorCollector tapecheck::crescendo>"]
    )


def test_a_listed_id_can_be_passed_back_to_pytest(pytester: pytest.Pytester) -> None:
    listed = _quick_ids("crescendo")[3]
    # The id names its vendor: no --tapecheck-vendor needed.
    result = pytester.runpytest(listed, "-v")
    result.assert_outcomes(passed=1, deselected=len(catalogue("crescendo")) - 1)
    result.stdout.fnmatch_lines([f"{listed} PASSED*"])
    whole_vendor = pytester.runpytest("tapecheck::crescendo", "--tapecheck-quick", "--co", "-q")
    whole_vendor.stdout.fnmatch_lines([f"{len(_quick_ids('crescendo'))} tests collected*"])


def test_node_ids_sit_beside_the_teams_own_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_own="def test_own():\n    assert True\n")
    both = pytester.runpytest("--tapecheck-vendor", "crescendo", "--tapecheck-quick", "--co", "-q")
    both.stdout.fnmatch_lines([f"{len(_quick_ids('crescendo')) + 1} tests collected*"])
    one = pytester.runpytest("test_own.py::test_own", "tapecheck::crescendo::CRESCENDO-UPLOAD-202")
    one.assert_outcomes(passed=2, deselected=len(catalogue("crescendo")) - 1)


def test_k_selects_by_id_and_by_vendor(pytester: pytest.Pytester) -> None:
    by_id = pytester.runpytest(
        "--tapecheck-vendor", "crescendo", "--tapecheck-quick", "-k", "AUTH-MISSING", "--co", "-q"
    )
    assert [line for line in by_id.outlines if line.startswith("tapecheck::")] == [
        "tapecheck::crescendo::CRESCENDO-AUTH-MISSING"
    ]
    by_vendor = pytester.runpytest(
        "--tapecheck-vendor",
        "crescendo",
        "--tapecheck-vendor",
        "siro",
        "--tapecheck-quick",
        "-k",
        "siro",
        "--co",
        "-q",
    )
    by_vendor.stdout.fnmatch_lines([f"{len(_quick_ids('siro'))}/*tests collected*"])
    twice = pytester.runpytest(
        "--tapecheck-vendor", "siro", "tapecheck::siro", "--tapecheck-quick", "--co", "-q"
    )
    twice.stdout.fnmatch_lines([f"{len(_quick_ids('siro'))} tests collected*"])


def test_an_unknown_vendor_is_a_usage_error_listing_the_vendors(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest("--tapecheck-vendor", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown vendor 'nope'; choose from alpharun, bota, corti, crescendo, siro*"]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    by_id = pytester.runpytest("tapecheck::nope::NOPE-X")
    assert by_id.ret == pytest.ExitCode.USAGE_ERROR


def test_junit_names_are_the_stable_ids_with_the_title_as_a_property(
    pytester: pytest.Pytester,
) -> None:
    pytester.runpytest(
        "tapecheck::crescendo::CRESCENDO-UPLOAD-202", "--junitxml", str(pytester.path / "j.xml")
    )
    case = ET.parse(pytester.path / "j.xml").getroot().find(".//testcase")
    assert case is not None
    assert case.get("classname") == "tapecheck.crescendo"
    assert case.get("name") == "CRESCENDO-UPLOAD-202"
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    title = next(r.title for r in catalogue("crescendo") if r.id == "CRESCENDO-UPLOAD-202")
    assert properties["title"] == title
    assert properties["level"] in ("must", "should")


def test_refused_credentials_name_the_plugins_option(
    pytester: pytest.Pytester, loopback: Callable[[Any], str]
) -> None:
    origin = loopback(create_app(token="the-right-one", tenant="tenant-p"))
    result = pytester.runpytest(
        "tapecheck::crescendo::CRESCENDO-UPLOAD-202",
        "--tapecheck-base-url",
        origin + base_path(load_spec("crescendo")),
        "--tapecheck-token",
        "a-wrong-one",
        "--tapecheck-tenant",
        "tenant-p",
    )
    result.assert_outcomes(failed=1, deselected=len(catalogue("crescendo")) - 1)
    result.stdout.fnmatch_lines(["*check --tapecheck-token and --tapecheck-tenant*"])
    assert " --token" not in result.stdout.str()
    assert "a-wrong-one" not in result.stdout.str()


@dataclasses.dataclass(frozen=True)
class _Should:
    """A requirement seen as `should`, whatever the catalogue says."""

    wrapped: Any
    level: str = "should"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def test_a_failed_should_is_an_advisory_unless_strict(
    pytester: pytest.Pytester, loopback: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = requirements_module.catalogue
    monkeypatch.setattr(
        requirements_module, "catalogue", lambda vendor: [_Should(r) for r in real(vendor)]
    )
    mutant = next(m for m in mutants("crescendo") if m.name == "generic-limit-not-enforced")
    origin = loopback(mutant.factory(token="test-token", tenant="tenant-a"))
    args = [
        "tapecheck::crescendo::CRESCENDO-SIZE-LIMIT",
        "--tapecheck-base-url",
        origin + base_path(load_spec("crescendo")),
        "--tapecheck-token",
        "test-token",
        "--tapecheck-tenant",
        "tenant-a",
        "-rx",
    ]
    advisory = pytester.runpytest(*args)
    advisory.assert_outcomes(xfailed=1, deselected=len(catalogue("crescendo")) - 1)
    assert advisory.ret == pytest.ExitCode.OK
    advisory.stdout.fnmatch_lines(
        [
            "XFAIL tapecheck::crescendo::CRESCENDO-SIZE-LIMIT - advisory (should)*",
            "*expected 400 or 413, got 202*",
        ]
    )
    strict = pytester.runpytest(*args, "--tapecheck-strict")
    strict.assert_outcomes(failed=1, deselected=len(catalogue("crescendo")) - 1)
