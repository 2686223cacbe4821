"""A credential is wiped in every encoding a target may echo it in.

The expected encodings are made here with the standard library, independently
of :mod:`tapecheck.reports.encodings`; a leak is any of them left in the text.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapecheck.reports.encodings import wipe
from tapecheck.reports.redact import REDACTED, redact_run, scrub_text

TOKEN = "sk_test_Canary/Key+9f=3b 2c~é"


def _base64_core(secret: bytes, lead: int, alphabet: str = "std") -> str:
    """The base64 characters of ``secret`` at ``lead`` bytes into a longer string.

    Found as what two different surroundings have in common at that place, so it
    does not borrow the implementation's arithmetic.
    """
    encode = base64.b64encode if alphabet == "std" else base64.urlsafe_b64encode
    one = encode(b"A" * lead + secret + b"AA").decode()
    two = encode(b"\xff" * lead + secret + b"\xff\xff").decode()
    start = next(i for i, (a, b) in enumerate(zip(one, two, strict=True)) if a == b)
    end = len(one) - next(
        i for i, (a, b) in enumerate(zip(one[::-1], two[::-1], strict=True)) if a == b
    )
    # Some characters in the middle may coincide by chance at the edges: keep the
    # run between the first and last characters that depend on the secret alone.
    return one[start:end]


def _forms(secret: str) -> dict[str, str]:
    raw = secret.encode()
    forms = {
        "verbatim": secret,
        "percent": quote(secret, safe=""),
        "percent-lower": re.sub(
            r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")
        ),
        "plus-for-space": quote_plus(secret, safe=""),
        "base64": base64.b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "base64url-unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
        "json-slash": json.dumps(secret, ensure_ascii=False)[1:-1].replace("/", "\\/"),
        "json-ascii": json.dumps(secret)[1:-1],
        "json-unicode": "".join(f"\\u{ord(c):04x}" for c in secret),
        "json-unicode-upper": "".join(f"\\u{ord(c):04X}" for c in secret),
    }
    for lead in range(3):
        forms[f"base64-at-{lead}"] = base64.b64encode(b"x" * lead + raw + b"yz").decode()
        forms[f"base64url-at-{lead}"] = base64.urlsafe_b64encode(
            b"\xfb" * lead + raw + b"\xff"
        ).decode()
    forms["basic"] = base64.b64encode(b"user:" + raw).decode()
    forms["percent-of-base64"] = quote(base64.b64encode(raw).decode(), safe="")
    return forms


def _leaks(text: str, secret: str) -> list[str]:
    raw = secret.encode()
    found = []
    for name, form in _forms(secret).items():
        if form.startswith(("base64", "basic")) or "-at-" in name:
            continue
        if form in text:
            found.append(name)
    for lead in range(3):
        for alphabet in ("std", "url"):
            core = _base64_core(raw, lead, alphabet)
            if len(core) >= 8 and core in text:
                found.append(f"base64-{alphabet}-core-at-{lead}")
    return found


@pytest.mark.parametrize("name", list(_forms(TOKEN)))
def test_every_encoding_of_a_secret_is_wiped(name: str) -> None:
    form = _forms(TOKEN)[name]
    text = f'{{"message": "you sent <{form}> to us", "echo": "{form}"}}'
    wiped = wipe(text, [TOKEN], REDACTED)
    assert _leaks(wiped, TOKEN) == []
    assert REDACTED in wiped
    assert wiped.startswith('{"message": "you sent <')  # the rest of the text is kept


def test_scrub_text_wipes_every_encoding_of_a_known_secret() -> None:
    text = " | ".join(_forms(TOKEN).values())
    assert _leaks(scrub_text(text, [TOKEN]), TOKEN) == []


def test_wipe_leaves_text_without_the_secret_alone() -> None:
    text = "an ordinary answer: aGVsbG8gd29ybGQ= 68656c6c6f %2Fpath \\/ \\u0041"
    assert wipe(text, [TOKEN], REDACTED) == text


@given(
    secret=st.text(st.characters(codec="utf-8"), min_size=6, max_size=40),
    before=st.binary(max_size=8),
    after=st.binary(max_size=8),
)
def test_a_secret_inside_any_base64_blob_is_wiped(secret: str, before: bytes, after: bytes) -> None:
    raw = secret.encode()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        blob = encode(before + raw + after).decode()
        wiped = wipe(f"token={blob};", [secret], REDACTED)
        core = _base64_core(raw, len(before) % 3, "std" if encode is base64.b64encode else "url")
        if len(core) >= 8:
            assert core not in wiped


def test_redact_run_wipes_encodings_in_urls_headers_and_bodies() -> None:
    """The writers' own layer: a credential seen in a request header is wiped in every form."""
    from tapecheck.reports.model import Exchange, RequirementResult, Run, Verdict

    forms = _forms(TOKEN)
    exchange = Exchange(
        request={
            "method": "GET",
            "url": f"https://api.example/echo/{forms['percent']}?sig={forms['base64url-at-1']}",
            "headers": {"Authorization": f"Bearer {TOKEN}"},
        },
        response={
            "status": 400,
            "headers": {"X-Echo": forms["hex"], "Location": f"/next?t={forms['percent-lower']}"},
            "body": json.dumps({"echo": [forms["json-unicode"], forms["basic"]]}),
        },
    )
    run = Run(
        vendor="crescendo",
        target="https://api.example",
        seed=1,
        tool_version="0",
        spec_sha256="0" * 64,
        requirements=[
            RequirementResult(
                id="X",
                title="x",
                status="failed",
                failures=[Verdict(check="c", message=f"sent {forms['HEX']}", exchange=exchange)],
            )
        ],
    )
    verdict = redact_run(run).requirements[0].failures[0]
    assert verdict.exchange is not None
    seen = [verdict.message, verdict.exchange.request, verdict.exchange.response]
    text = json.dumps(seen, ensure_ascii=False).replace("\\\\", "\\")
    assert _leaks(text, TOKEN) == []
