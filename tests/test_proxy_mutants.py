"""The proxy in front of each selftest mutant: a deviation one response shows is reported.

The client runs the vendor's happy path twice (with the right credential, then
a wrong one, for the error responses) through a proxy whose embedded app is
the mutant. A mutant whose deviation shows in a single response (an
undocumented status, a body off its schema, an error off the vendor's shape, a
body that is not JSON) must give a response finding (FLW002-FLW005); the
reference mock must give none. Mutants whose deviation takes several requests
or a judgement of values (a limit not enforced, isolation broken) are
conform's to catch, not a response check's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from proxy_flows import FLOWS

from tapecheck.suite.conform.selftest import mutants
from tapecheck.suite.proxy.service import create_proxy, running_proxy

TOKEN = "mutant-token-1"
RESPONSE_CODES = {"FLW002", "FLW003", "FLW004", "FLW005"}

#: Mutants that change what one response looks like: its status, schema, error shape or type.
VISIBLE_IN_ONE_RESPONSE = {
    "corti": ["generic-wrong-success-status", "recording-id-not-uuid", "problem-json-errors"],
    "alpharun": ["generic-errors-not-json"],
    "crescendo": ["generic-wrong-success-status", "nested-error-body"],
    "siro": ["octet-stream-uploads", "generic-errors-not-json", "generic-wrong-success-status"],
    "bota": ["message-only-errors", "recording-prefix", "create-200"],
}


@pytest.fixture(scope="module")
def wav() -> Iterator[bytes]:
    from tapecheck.suite.conform.media import Media

    media = Media()
    try:
        yield media.audio_bytes("wav")
    finally:
        media.close()


def response_findings(vendor: str, factory: Callable[..., Any] | None, wav: bytes) -> set[str]:
    proxy = create_proxy(vendor, token=TOKEN, factory=factory)
    with httpx.Client(timeout=30) as client, running_proxy(proxy) as base:
        for token in (TOKEN, "wrong-token"):
            # A deviant server breaks the client's flow part way: what it sent is enough.
            with contextlib.suppress(KeyError, ValueError, TypeError, httpx.HTTPError):
                FLOWS[vendor](client, base, wav, token)
    return {
        f.code
        for e in proxy.traffic.log().exchanges
        for f in e.findings
        if f.code in RESPONSE_CODES
    }


@pytest.mark.parametrize("vendor", sorted(FLOWS))
def test_reference_mock_gives_no_response_finding(vendor: str, wav: bytes) -> None:
    assert response_findings(vendor, None, wav) == set()


@pytest.mark.parametrize(
    ("vendor", "name"),
    [(vendor, name) for vendor, names in sorted(VISIBLE_IN_ONE_RESPONSE.items()) for name in names],
)
def test_mutant_visible_in_one_response_is_reported(vendor: str, name: str, wav: bytes) -> None:
    (mutant,) = [m for m in mutants(vendor) if m.name == name]
    assert response_findings(vendor, mutant.factory, wav), mutant.description
