"""The ``tapecheck_proxy`` fixture: ``pytest --tapecheck-proxy VENDOR`` certifies a team's tests."""

from __future__ import annotations

import pytest

# Imported here, before pytester's in-process runs: a module first imported inside one
# is dropped after it, and PyYAML's C loader does not survive being imported twice.
import tapecheck.suite.proxy.service  # noqa: F401

TEAM_TESTS = """
import httpx

HEADERS = {"Authorization": "Bearer test-token", "Tenant-Name": "tenant-a"}


def test_create_interaction(tapecheck_proxy):
    answer = httpx.post(
        tapecheck_proxy.base_url + "/interactions/",
        headers=HEADERS,
        json={"encounter": {"identifier": "v", "status": "planned", "type": "consultation"}},
    )
    assert answer.status_code == 201


def test_upload(tapecheck_proxy):
    answer = httpx.post(
        tapecheck_proxy.base_url + "/interactions/not-a-uuid/recordings/",
        headers={**HEADERS, "Content-Type": "application/octet-stream"},
        content=b"RIFF",
    )
    assert answer.status_code >= 400  # the team's own test passes: the proxy has its say
"""


def test_findings_fail_the_last_test_of_the_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_team=TEAM_TESTS)
    report_dir = pytester.path / "reports"
    result = pytester.runpytest(
        "--tapecheck-proxy", "corti", "--tapecheck-proxy-report-dir", str(report_dir), "-q"
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*tapecheck proxy corti: * error-level finding(s)*", "*COR001*"])
    assert (report_dir / "findings.json").is_file()
    assert (report_dir / "exchanges.har").is_file()


def test_findings_of_exchanges_no_longer_kept_still_fail_the_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tapecheck.suite.proxy.traffic.MAX_KEPT_EXCHANGES", 1)
    head, upload = TEAM_TESTS.split("def test_upload")
    imports, create = head.split("def test_create_interaction")
    # The request with findings first: the clean one after it is the only exchange kept.
    upload_first = f"{imports}def test_upload{upload}\n\ndef test_create_interaction{create}"
    pytester.makepyfile(test_team=upload_first)
    result = pytester.runpytest("--tapecheck-proxy", "corti", "-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*tapecheck proxy corti: 2 error-level finding(s)*",
            "*2 of them in exchanges no longer kept*",
        ]
    )


def test_clean_traffic_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_team=TEAM_TESTS.split("def test_upload")[0])
    result = pytester.runpytest("--tapecheck-proxy", "corti", "-q")
    result.assert_outcomes(passed=1)


def test_the_fixture_without_the_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_team=TEAM_TESTS.split("def test_upload")[0])
    result = pytester.runpytest("-q")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*--tapecheck-proxy VENDOR*"])


def test_option_is_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--tapecheck-proxy=VENDOR*"])
