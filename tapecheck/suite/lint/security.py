"""Security rules (SEC): credentials and the URLs a vendor fetches.

A credential is any value of the spec's security schemes (a bearer
``Authorization`` header, an API-key header or query parameter) and, for every
vendor, the usual credential headers and query parameters, and headers named
like one (``x-...-token``), whether the vendor reads them or not. A value
is literal unless it holds a ``${NAME}`` reference. Messages never repeat a
secret: they show at most its first characters.

URLs are judged without any DNS look-up: by scheme, by the name ``localhost``
and by IP literals in every spelling ``inet_aton`` accepts (``127.1``,
``2130706433``, ``0x7f.1``, ``0177.0.0.1``) and in IPv6 (``[::1]``,
``[::ffff:127.0.0.1]``).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from tapecheck.suite.lint._validation import uri_pointers
from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.manifest import is_env_reference
from tapecheck.suite.pointers import join_pointer, unescape_token

__all__ = [
    "address_kind",
    "credential_in_query",
    "host_problem",
    "ip_literal",
    "literal_secret",
    "missing_credential",
    "unsafe_fetch_url",
    "url_problem",
]

#: Headers that carry credentials for any vendor (lower case), beyond the spec's own schemes.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key"})
#: A header named like a credential (``x-<vendor>-auth-token``, ``x-<vendor>-api-key``): one
#: vendor's scheme header sent to another vendor is still a secret in the manifest.
_CREDENTIAL_HEADER_NAME = re.compile(r"^x-[a-z0-9-]*(?:-token|-api-key|-secret)$")
_CREDENTIAL_QUERY = frozenset({"bearer_token", "access_token", "api_key", "apikey", "token"})
#: Body members named like a URL the vendor fetches: `downloadUrl`, `file_url`, `url`.
_URL_NAME = re.compile(r"^(?:url|uri)$|_(?:url|uri)$|[a-z0-9](?:Url|URL|Uri|URI)$")
#: Every name `_URL_NAME` matches holds these letters; a text without them (and without
#: a backslash escape that could spell them) names no URL member.
_URL_IN_TEXT = re.compile(r"ur[li]", re.IGNORECASE)
#: An https URL whose host is a DNS name of plain labels, the last starting with a letter
#: (so no IP literal in any spelling), with no user, port or escape: what most URLs are.
#: :func:`url_problem` answers None for these without parsing them (unless localhost).
_PLAIN_HTTPS = re.compile(
    r"https://(?P<host>(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*)(?:[/?#]\S*)?"
)
_LOCALHOST_END = re.compile(r"(?:^|\.)localhost$", re.IGNORECASE)
#: Carrier-grade NAT (RFC 6598): not "private" to ipaddress, but not public either.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


# -- credentials --------------------------------------------------------------------------


def _credentials(ctx: LintContext) -> list[tuple[str, Any, str]]:
    """``(pointer, value, where)`` of every credential value, each pointer once."""
    return ctx.memo("credentials", lambda: _find_credentials(ctx))


def _find_credentials(ctx: LintContext) -> list[tuple[str, Any, str]]:
    found: dict[str, tuple[str, Any, str]] = {}
    for pointer, value, _scheme in ctx.credential_values():
        found[pointer] = (pointer, value, "query" if pointer.startswith("/query/") else "header")
    for name, value in ctx.section("headers").items():
        lowered = str(name).lower()
        if lowered in _CREDENTIAL_HEADERS or _CREDENTIAL_HEADER_NAME.match(lowered):
            pointer = join_pointer("headers", str(name))
            found.setdefault(pointer, (pointer, value, "header"))
    for name, value in ctx.section("query").items():
        if str(name).lower() in _CREDENTIAL_QUERY:
            pointer = join_pointer("query", str(name))
            found.setdefault(pointer, (pointer, value, "query"))
    return list(found.values())


def _name(pointer: str) -> str:
    return unescape_token(pointer.rsplit("/", 1)[1])


def _token(value: str) -> str:
    """The secret part of a credential value: without an ``Authorization`` scheme word."""
    word, _, rest = value.strip().partition(" ")
    if word.lower() in ("bearer", "basic", "token") and (rest or value.strip() == word):
        return rest.strip()
    return value.strip()


def _masked(value: str) -> str:
    """Enough of a secret to recognise it, never the secret: ``"Bearer sk_…"``."""
    scheme, _, token = (
        value.partition(" ") if value.lower().startswith(("bearer ", "basic ")) else ("", "", value)
    )
    shown = token[:3] + "…" if len(token) >= 8 else "…"
    return f'"{scheme} {shown}"' if scheme else f'"{shown}"'


def _env_name(ctx: LintContext) -> str:
    """The variable name to suggest, from the vendor's name: ``ACME_API_KEY``, ``ACME_TOKEN``."""
    vendor = (ctx.vendor or "vendor").upper().replace("-", "_")
    kinds = [str(c.get("kind", "")) for c in ctx.spec.credentials] if ctx.spec else []
    return f"{vendor}_API_KEY" if kinds and "key" in kinds[0] else f"{vendor}_TOKEN"


@rule(
    "SEC001",
    "credential-in-query",
    severity="warning",
    fix_title="Send the credential in a header",
    security_severity=5.5,  # medium: the credential lands in access logs and proxies
)
def credential_in_query(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Warns about a credential sent in the query string (`bearer_token`).

    A `${NAME}` reference is reported too: the value still ends up in the
    URL.

    ## Why is this bad?
    URLs are written to server and proxy access logs, browser histories and
    `Referer` headers; a token in the query string leaks with them. Vendors
    that accept both prefer the `Authorization` header for this reason.

    ## Example
    ```yaml
    vendor: acme   # its spec: bearerAuth, or an apiKey in the query: bearer_token
    query: {bearer_token: "${ACME_API_KEY}"}
    ```

    Use instead:
    ```yaml
    vendor: acme
    headers: {Authorization: "Bearer ${ACME_API_KEY}"}
    ```

    ## Fix safety
    There is no automatic fix. Moving the token to `Authorization: Bearer` is
    safe wherever the vendor accepts both; a token that was already sent in a
    URL may sit in logs, so rotate it.

    ## References
    - RFC 6750, section 2.3 ("URI Query Parameter": SHOULD NOT be used)
    - The `securitySchemes` of `specs/<vendor>.yaml`
    """
    if ctx.fatal or ctx.manifest is None:
        return
    for pointer, _value, where in _credentials(ctx):
        if where == "query":
            yield Violation(
                pointer,
                f"the credential `{_name(pointer)}` travels in the query string, where access "
                "logs and proxies record it; send `Authorization: Bearer ...` instead",
            )


@rule(
    "SEC002",
    "literal-secret",
    fix_title="Write a ${NAME} reference instead of the secret",
    security_severity=8.0,  # high: a committed secret is a leaked secret
)
def literal_secret(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Reports a credential written as a literal instead of a `${NAME}`
    reference.

    Credentials are the values of the vendor's security schemes
    (`Authorization` headers, API-key headers and query parameters such as
    `bearer_token`) and headers named like a credential (`x-...-token`).

    Placeholders such as `YOUR_API_KEY` are literals too: a manifest with one
    cannot be run, and one that works holds a real secret.

    ## Why is this bad?
    Manifests are committed with the code. A secret in one is readable by
    everyone with access to the repository and its history, long after it is
    deleted from the file.

    ## Example
    ```yaml
    vendor: acme
    headers: {Authorization: "Bearer sk_live_51HqLyj..."}
    ```

    Use instead:
    ```yaml
    vendor: acme
    headers: {Authorization: "Bearer ${ACME_API_KEY}"}
    ```

    ## Fix safety
    There is no automatic fix. Replacing the literal with a reference is safe;
    a secret that was ever committed must also be revoked and rotated, since
    the history still holds it. Where the credential kind decides what a
    request may carry, say it with `auth:` once the token's prefix is gone.

    ## References
    - OWASP Secrets Management Cheat Sheet
    - CWE-798: Use of Hard-coded Credentials
    - CONTRACT.md, section 1: "`${NAME}` stands for an environment variable"
    """
    if ctx.fatal or ctx.manifest is None:
        return
    for pointer, value, _where in _credentials(ctx):
        if value is None or is_env_reference(value):
            continue
        text = str(value).strip()
        if not _token(text):
            continue  # nothing to leak; SEC004 reports a missing credential
        bearer = text.lower().startswith("bearer ") or _name(pointer).lower() == "authorization"
        suggestion = f"Bearer ${{{_env_name(ctx)}}}" if bearer else f"${{{_env_name(ctx)}}}"
        yield Violation(
            pointer,
            f"`{_name(pointer)}` holds a literal credential ({_masked(text)}); write "
            f"`{suggestion}` and set the variable in the environment",
        )


@rule(
    "SEC003",
    "unsafe-fetch-url",
    fix_title="Use an https URL on a public host",
    security_severity=7.0,  # high: a fetch of an internal address (SSRF) or in clear text
)
def unsafe_fetch_url(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that a URL the vendor will fetch uses https and points at a
    public host.

    Such URLs are body values declared `format: uri`, or named like
    `downloadUrl` or `file_url`. Flagged hosts are `localhost`,
    `*.localhost` and IP addresses that are loopback, private, link-local,
    shared (CGNAT, 100.64.0.0/10) or unspecified.

    IP addresses are recognised in every spelling: dotted, shortened
    (`127.1`), decimal (`2130706433`), hexadecimal (`0x7f.0.0.1`), octal
    (`0177.0.0.1`), IPv6 (`[::1]`) and IPv4-mapped IPv6
    (`[::ffff:127.0.0.1]`). No DNS look-up is made. `${NAME}` references are
    not checked.

    ## Why is this bad?
    The vendor fetches the URL from its own network. A private or loopback
    address cannot be reached from there (the upload fails), and if it could,
    the request would make the vendor's servers reach into a network they
    should not (server-side request forgery). Over plain `http` the recording
    travels unencrypted and can be swapped in transit.

    ## Example
    ```yaml
    vendor: acme
    body:
      downloadUrl: http://192.168.1.20/calls/call-123.mp3
      fileType: mp3
    ```

    Use instead:
    ```yaml
    vendor: acme
    body:
      downloadUrl: https://storage.googleapis.com/bucket/call-123.mp3
      fileType: mp3
    ```

    ## Fix safety
    There is no automatic fix: the file has to be reachable at a public https
    URL first, such as the signed URL a vendor's signed-URL step answers.

    ## References
    - OWASP Server-Side Request Forgery Prevention Cheat Sheet
    - RFC 1918 (private IPv4), RFC 6598 (shared address space), RFC 3927
      (link-local), RFC 4291 (IPv6 addressing), RFC 6761, section 6.3 (`localhost`)
    """
    if ctx.fatal or ctx.manifest is None or ctx.operation is None:
        return
    declared = uri_pointers(ctx)
    text = ctx.manifest.text
    if not declared and text is not None and "\\" not in text and not _URL_IN_TEXT.search(text):
        return  # no key of this text can be named like a URL: 400,000 contacts, no walk
    for pointer, name, value in _strings(ctx.request_body, "/body", declared):
        if is_env_reference(value):
            continue
        problem = url_problem(value)
        if problem:
            yield Violation(
                pointer,
                f"`{name}` {json.dumps(value)} {problem}; the vendor fetches this URL, so give an https "
                "URL on a public host",
            )


def _strings(
    value: Any, pointer: str, declared: set[str], name: str = ""
) -> Iterator[tuple[str, str, str]]:
    """``(pointer, name, text)`` of the strings under ``value`` named like a URL or in ``declared``.

    In document order, without recursion: a pointer is built only for a string
    whose name may hold a URL, or when some pointer is declared, so 400,000
    contacts cost one cheap pass.
    """
    stack: list[tuple[Any, str, str]] = [(value, pointer, name)]
    while stack:
        current, here, label = stack.pop()
        if isinstance(current, str):
            if here in declared or _URL_NAME.search(label):
                yield here, label, current
        elif isinstance(current, (dict, Mapping)):  # dict first: no ABC check per value
            children = []
            for key, item in current.items():
                key_text = str(key)
                if isinstance(item, str):
                    if _URL_NAME.search(key_text):
                        children.append((item, here + join_pointer(key_text), key_text))
                    elif declared and (child := here + join_pointer(key_text)) in declared:
                        children.append((item, child, key_text))
                    continue  # a string neither named like a URL nor declared one: never yielded
                if item is None or isinstance(item, (bool, int, float)):
                    continue
                children.append((item, here + join_pointer(key_text), key_text))
            stack += reversed(children)
        elif isinstance(current, list):
            if not declared and not _URL_NAME.search(label):
                children = [
                    (item, f"{here}/{index}", label)
                    for index, item in enumerate(current)
                    if not isinstance(item, (str, bool, int, float)) and item is not None
                ]
            else:
                children = [(item, f"{here}/{index}", label) for index, item in enumerate(current)]
            stack += reversed(children)


def url_problem(url: str) -> str | None:
    """Why the vendor should not fetch ``url``, or ``None`` when it is an https URL on a public host."""
    url = url.strip()
    plain = _PLAIN_HTTPS.fullmatch(url)
    if plain and not _LOCALHOST_END.search(plain["host"]):
        return None  # a name, not an address, and not localhost: nothing to parse
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a valid URL"
    scheme = parts.scheme.lower()
    problems: list[str] = []
    if scheme != "https":
        problems.append(f"uses `{scheme}` instead of https" if scheme else "has no https scheme")
    if not host:
        return ", and ".join([*problems, "names no host"])
    where = host_problem(unquote(host))
    if where:
        problems.append(where)
    return ", and ".join(problems) if problems else None


@functools.lru_cache(maxsize=1024)  # a thousand manifests name the same storage host
def host_problem(host: str) -> str | None:
    """Why a host is not public: ``localhost``, or a non-public IP literal in any spelling."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return f"points at `{host}` (this machine)"
    address = ip_literal(name)
    if address is None:
        return None
    kind = address_kind(address)
    if kind is None:
        return None
    shown = f" ({address})" if str(address) != name else ""
    return f"points at a {kind} address `{host}`{shown}"


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names as a literal: IPv6, or IPv4 in any ``inet_aton`` spelling."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _inet_number(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for n in leading:
        value = value * 256 + n
    value = (value << (8 * (5 - len(numbers)))) | last
    return ipaddress.IPv4Address(value)


def _inet_number(part: str) -> int | None:
    """One part of an ``inet_aton`` address: decimal, ``0x`` hex or ``0``-led octal."""
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The kind of a non-public address (``loopback``, ``private``...), ``None`` when public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_kind(address.ipv4_mapped)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared (CGNAT)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private:
        return "private"
    return None


@rule(
    "SEC004",
    "missing-credential",
    fix_title="Send the credential the vendor's security scheme names",
    security_severity=3.0,  # low: refused by the vendor, nothing leaks
)
def missing_credential(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Checks that the request carries a credential of its operation's security
    scheme.

    The schemes are the `securitySchemes` the operation names in the
    vendor's spec: an `Authorization: Bearer ...` header, an API-key header or
    query parameter. A credential of another kind than the vendor's (an
    `Authorization` header sent to a vendor that reads an API-key header)
    does not count, and neither does an empty value.

    ## Why is this bad?
    The vendor refuses the request with 401 or 403 before looking at it, so
    every other check of the request is moot.

    ## Example
    ```yaml
    vendor: acme   # its spec: an apiKey scheme in the header x-acme-auth-token
    headers: {Authorization: "Bearer ${ACME_TOKEN}"}
    ```

    Use instead:
    ```yaml
    vendor: acme
    headers: {x-acme-auth-token: "${ACME_TOKEN}"}
    ```

    ## Fix safety
    There is no automatic fix. Renaming the header is safe when the token is
    of the right kind: a vendor's own header may take another kind of token
    (a user-scoped token, not the organisation key).

    ## References
    - OpenAPI 3.1, "Security Requirement Object" and "Security Scheme Object"
    - RFC 6750, section 2.1 (`Authorization: Bearer`)
    - The `securitySchemes` of `specs/<vendor>.yaml`
    """
    if ctx.fatal or ctx.manifest is None or ctx.operation is None:
        return
    requirements = ctx.operation.security
    if not requirements or any(not requirement for requirement in requirements):
        return  # no security, or an empty requirement: anonymous access is allowed
    schemes = ctx.operation.security_schemes
    for requirement in requirements:
        if all(_carried(ctx, schemes.get(name, {})) for name in requirement):
            return
    first = schemes.get(next(iter(requirements[0])), {})
    pointer, wanted = _where(ctx, first)
    title = ctx.vendor_title
    found = _credentials(ctx)
    if found and not any(p == pointer for p, _v, _w in found):
        others = ", ".join(f"`{_name(p)}`" for p, _v, _w in found)
        message = f"{others} is not {title}'s credential; {title} reads it from {wanted}"
    else:
        message = f"the request carries no credential; {title} reads it from {wanted}"
    yield Violation(pointer, message)


def _carried(ctx: LintContext, scheme: Mapping[str, Any]) -> bool:
    """Whether the request carries a usable value for one security scheme."""
    kind = str(scheme.get("type", ""))
    if kind == "http":
        found = ctx.header("Authorization")
        if found is None or not isinstance(found[1], str) or not found[1].strip():
            return False
        text = found[1].strip()
        if text.startswith("${") and is_env_reference(text):
            return True  # the whole header is a reference
        word, _, token = text.partition(" ")
        return word.lower() == str(scheme.get("scheme", "bearer")).lower() and bool(token.strip())
    if kind == "apiKey":
        name, location = str(scheme.get("name", "")), scheme.get("in")
        value: Any
        if location == "header":
            header = ctx.header(name)
            value = header[1] if header else None
        elif location == "query":
            value = ctx.section("query").get(name)
        elif location == "cookie":
            cookie = ctx.header("Cookie")
            value = cookie[1] if cookie and f"{name}=" in str(cookie[1]) else None
        else:
            value = None
        return value is not None and bool(str(value).strip())
    return True  # oauth2, openIdConnect, mutualTLS: not visible in a manifest


def _where(ctx: LintContext, scheme: Mapping[str, Any]) -> tuple[str, str]:
    """The pointer a scheme's credential goes to, and how to write it."""
    env = f"${{{_env_name(ctx)}}}"
    if scheme.get("type") == "apiKey":
        name = str(scheme.get("name", ""))
        if scheme.get("in") == "query":
            return join_pointer("query", name), f"the `{name}` query parameter"
        return ctx.header_pointer(name), f'the `{name}` header (`{name}: "{env}"`)'
    word = str(scheme.get("scheme", "bearer")).capitalize()
    return (
        ctx.header_pointer("Authorization"),
        f'the `Authorization` header (`Authorization: "{word} {env}"`)',
    )
