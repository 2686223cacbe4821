"""SEC001-SEC004: credentials in manifests and the URLs a vendor fetches."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import RULES, load_rules
from tapecheck.suite.lint.security import ip_literal, url_problem
from tapecheck.suite.manifest import Manifest, parse_manifest
from tapecheck.suite.specs import load_spec_text

load_rules()

SEC_CODES = ("SEC001", "SEC002", "SEC003", "SEC004")
Found = Counter[tuple[str, str]]

CRESCENDO = "vendor: crescendo\npath: {tenantId: t}\nbody: {metadata: {id: c-1}}\n"
SIRO_BODY = "body: {downloadUrl: 'https://storage.example.com/c.mp3', fileType: mp3}\n"


def context(tmp_path: Path, text: str) -> LintContext:
    path = tmp_path / "x.request.yaml"
    path.write_text(text, encoding="utf-8")
    ctx = LintContext.for_manifest(parse_manifest(text, path=str(path)), default_vendor=None)
    assert not ctx.fatal, ctx.load_error or ctx.resolve_error
    return ctx


def run(ctx: LintContext) -> Found:
    return Counter((code, v.pointer) for code in SEC_CODES for v in RULES[code].check(ctx))


def expect(*pairs: tuple[str, str]) -> Found:
    return Counter(pairs)


CASES: list[tuple[str, str, Found]] = [
    (
        "crescendo-reference",
        CRESCENDO + 'headers: {Authorization: "Bearer ${CRESCENDO_API_KEY}"}\n',
        expect(),
    ),
    (
        "crescendo-lower-case-header",
        CRESCENDO + 'headers: {authorization: "bearer ${CRESCENDO_API_KEY}"}\n',
        expect(),
    ),
    (
        "crescendo-literal-token",
        CRESCENDO + 'headers: {Authorization: "Bearer sk_live_51HqLyjWDarjtT1zdp7dc"}\n',
        expect(("SEC002", "/headers/Authorization")),
    ),
    (
        "crescendo-placeholder-is-literal",
        CRESCENDO + 'headers: {Authorization: "Bearer YOUR_API_KEY"}\n',
        expect(("SEC002", "/headers/Authorization")),
    ),
    (
        "crescendo-query-token-reference",
        CRESCENDO + 'query: {bearer_token: "${CRESCENDO_API_KEY}"}\n',
        expect(("SEC001", "/query/bearer_token")),
    ),
    (
        "crescendo-query-token-literal",
        CRESCENDO + "query: {bearer_token: abcdef0123456789}\n",
        expect(("SEC001", "/query/bearer_token"), ("SEC002", "/query/bearer_token")),
    ),
    ("crescendo-no-credential", CRESCENDO, expect(("SEC004", "/headers/Authorization"))),
    (
        "crescendo-basic-is-not-bearer",
        CRESCENDO + 'headers: {Authorization: "Basic ${CREDENTIALS}"}\n',
        expect(("SEC004", "/headers/Authorization")),
    ),
    (
        "crescendo-bearer-without-token",
        CRESCENDO + 'headers: {Authorization: "Bearer "}\n',
        expect(("SEC004", "/headers/Authorization")),
    ),
    (
        "crescendo-whole-header-a-reference",
        CRESCENDO + 'headers: {Authorization: "${AUTH_HEADER}"}\n',
        expect(),
    ),
    (
        "siro-own-header",
        'vendor: siro\nheaders: {x-siro-auth-token: "${SIRO_TOKEN}"}\n' + SIRO_BODY,
        expect(),
    ),
    (
        "siro-literal-own-header",
        "vendor: siro\nheaders: {X-Siro-Auth-Token: tok_1234567890}\n" + SIRO_BODY,
        expect(("SEC002", "/headers/X-Siro-Auth-Token")),
    ),
    (
        "siro-authorization-is-not-siro-s",
        'vendor: siro\nheaders: {Authorization: "Bearer ${SIRO_TOKEN}"}\n' + SIRO_BODY,
        expect(("SEC004", "/headers/x-siro-auth-token")),
    ),
    (
        "siro-literal-authorization-is-still-a-secret",
        'vendor: siro\nheaders: {Authorization: "Bearer abcdefghijkl"}\n' + SIRO_BODY,
        expect(("SEC002", "/headers/Authorization"), ("SEC004", "/headers/x-siro-auth-token")),
    ),
    (
        "siro-empty-token",
        "vendor: siro\nheaders: {x-siro-auth-token: ''}\n" + SIRO_BODY,
        expect(("SEC004", "/headers/x-siro-auth-token")),
    ),
    (
        "siro-private-download-url",
        'vendor: siro\nheaders: {x-siro-auth-token: "${T}"}\n'
        "body: {downloadUrl: 'http://192.168.1.20/calls/c.mp3', fileType: mp3}\n",
        expect(("SEC003", "/body/downloadUrl")),
    ),
    (
        "siro-later-name-is-fetched-too",
        'vendor: siro\nheaders: {x-siro-auth-token: "${T}"}\n'
        "body: {fileUrl: 'https://localhost/c.mp3', fileType: mp3}\n",
        expect(("SEC003", "/body/fileUrl")),
    ),
    (
        "siro-url-reference-is-skipped",
        'vendor: siro\nheaders: {x-siro-auth-token: "${T}"}\n'
        "body: {downloadUrl: '${DOWNLOAD_URL}', fileType: mp3}\n",
        expect(),
    ),
    (
        "siro-urls-named-like-urls-anywhere",
        'vendor: siro\nheaders: {x-siro-auth-token: "${T}"}\n'
        "body: {downloadUrl: 'https://s.example.com/c', fileType: mp3,"
        " crmObjects: [{objectType: Deal, callback_url: 'http://10.0.0.5/hook'}], title: 'http://x'}\n",
        expect(("SEC003", "/body/crmObjects/0/callback_url")),
    ),
    (
        "bota-device-token-literal",
        "vendor: bota\nheaders: {Authorization: 'Bearer dtok_abcdef123456'}\nbody: {}\n",
        expect(("SEC002", "/headers/Authorization")),
    ),
    (
        "corti-no-credential",
        "vendor: corti\nheaders: {Tenant-Name: base}\ncontent: c.wav\n",
        expect(("SEC004", "/headers/Authorization")),
    ),
    (
        "alpharun-api-key-header-is-a-credential",
        'vendor: alpharun\nheaders: {Authorization: "Bearer ${K}", X-API-Key: sk_abcdefgh}\n',
        expect(("SEC002", "/headers/X-API-Key")),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_security_findings(tmp_path: Path, text: str, expected: Found) -> None:
    assert run(context(tmp_path, text)) == expected


def test_sec002_never_repeats_the_secret(tmp_path: Path) -> None:
    secret = "sk_live_51HqLyjWDarjtT1zdp7dc"
    ctx = context(tmp_path, CRESCENDO + f'headers: {{Authorization: "Bearer {secret}"}}\n')
    (violation,) = RULES["SEC002"].check(ctx)
    assert secret not in violation.message
    assert secret[4:] not in violation.message
    assert "${CRESCENDO_API_KEY}" in violation.message


def test_sec004_names_the_vendor_s_header(tmp_path: Path) -> None:
    ctx = context(tmp_path, 'vendor: siro\nheaders: {Authorization: "Bearer ${T}"}\n' + SIRO_BODY)
    (violation,) = RULES["SEC004"].check(ctx)
    assert violation.message.startswith("`Authorization` is not Siro's credential")
    assert "x-siro-auth-token" in violation.message


def test_severities() -> None:
    assert RULES["SEC001"].severity == "warning"
    assert {RULES[c].severity for c in ("SEC002", "SEC003", "SEC004")} == {"error"}


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "flagged"),
    [
        ("https://storage.googleapis.com/bucket/c.mp3", False),
        ("https://example.com:8443/c.mp3?sig=x", False),
        ("https://8.8.8.8/c.mp3", False),
        ("https://[2001:4860:4860::8888]/c.mp3", False),
        ("https://100.128.0.1/c.mp3", False),
        ("https://172.32.0.1/c.mp3", False),
        ("https://0x7f.example.com/c.mp3", False),
        ("http://example.com/c.mp3", True),
        ("ftp://example.com/c.mp3", True),
        ("example.com/c.mp3", True),
        ("https://localhost/c.mp3", True),
        ("https://LOCALHOST./c.mp3", True),
        ("https://api.localhost/c.mp3", True),
        ("https://127.0.0.1/c.mp3", True),
        ("https://127.1/c.mp3", True),
        ("https://2130706433/c.mp3", True),
        ("https://0x7f.1/c.mp3", True),
        ("https://0x7f000001/c.mp3", True),
        ("https://0177.0.0.1/c.mp3", True),
        ("https://[::1]/c.mp3", True),
        ("https://[::ffff:127.0.0.1]/c.mp3", True),
        ("https://[::ffff:7f00:1]/c.mp3", True),
        ("https://10.1.2.3/c.mp3", True),
        ("https://172.16.5.4/c.mp3", True),
        ("https://192.168.0.10/c.mp3", True),
        ("https://169.254.169.254/latest/meta-data", True),
        ("https://100.64.0.1/c.mp3", True),
        ("https://100.127.255.254/c.mp3", True),
        ("https://0.0.0.0/c.mp3", True),
        ("https://[::]/c.mp3", True),
        ("https://[fe80::1%25eth0]/c.mp3", True),
        ("https://[fc00::1]/c.mp3", True),
        ("https://user:pw@127.0.0.1/c.mp3", True),
        ("https://[::1/c.mp3", True),
        ("https://:443/c.mp3", True),
        ("https:///c.mp3", True),
    ],
)
def test_url_problem(url: str, flagged: bool) -> None:
    assert (url_problem(url) is not None) is flagged, url_problem(url)


def test_url_problem_says_both_scheme_and_host() -> None:
    assert url_problem("http://2130706433/x") == (
        "uses `http` instead of https, and points at a loopback address `2130706433` (127.0.0.1)"
    )


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("0x0a.0.0.1", "10.0.0.1"),
        ("012.0.0.1", "10.0.0.1"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", None),
        ("1.2.3.256", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("08.0.0.1", None),
        ("example.com", None),
        ("", None),
    ],
)
def test_ip_literal_inet_aton_forms(host: str, address: str | None) -> None:
    found = ip_literal(host)
    assert (str(found) if found is not None else None) == address


def test_sec003_follows_format_uri_in_the_spec(tmp_path: Path) -> None:
    spec = load_spec_text(
        """
openapi: 3.1.0
info: {title: t, version: '1'}
x-tapecheck: {vendor: tester, title: Tester, seed: none, base-url: 'https://t.example.com',
              credentials: [{kind: key, scheme: bearer}]}
security: [{bearer: []}]
paths:
  /fetch:
    post:
      operationId: fetch
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                source: {type: string, format: uri}
                sources: {type: array, items: {type: string, format: uri}}
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
""",
        source="tester.yaml",
    )
    text = (
        'headers: {Authorization: "Bearer ${T}"}\n'
        "body: {source: 'http://example.com/a', sources: ['https://ok.example.com', 'https://[::1]/']}\n"
    )
    manifest = parse_manifest(text, path=str(tmp_path / "x.request.yaml"))
    assert isinstance(manifest, Manifest)
    ctx = LintContext(
        path="x.request.yaml",
        manifest=manifest,
        vendor="tester",
        spec=spec,
        operation=spec.operation("fetch"),
    )
    assert run(ctx) == expect(("SEC003", "/body/source"), ("SEC003", "/body/sources/1"))
