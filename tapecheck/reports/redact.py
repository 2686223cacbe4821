"""Keep credentials out of reports.

The suite redacts what it records before it builds the model; every run writer
calls :func:`redact_run` again, so that a credential the suite forgot still never
reaches ``report.json``, ``junit.xml``, ``report.html`` or stdout.

Three layers, from exact to heuristic:

- by name: the values of credential headers (``Authorization``, ``Cookie``,
  ``Set-Cookie``, any header whose name holds ``token``, ``secret``, ``key``,
  ..., and the header names the caller passes from the specs' security
  schemes) and of credential query parameters
  (``bearer_token``, ``token``, ``api_key``, ``key``, signed-URL signatures);
- by value: every credential found that way is also wiped wherever else it
  occurs in the same run (an error body or a failure message that echoes it),
  in every encoding a target may echo it in (:mod:`tapecheck.reports.encodings`);
- by shape, in free text: ``Bearer <token>``, ``Authorization: <token>``, a
  credential query parameter inside a URL, a JSON member named like a
  credential, and the prefixed tokens of the vendors (``dtok_``, ``sk_live_``,
  ``sk_test_``, ``rk_``).

Everything here is stdlib and pure: nothing is changed in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, overload

from tapecheck.reports.encodings import wipe
from tapecheck.reports.model import Exchange, RequirementResult, Run, Verdict

__all__ = [
    "REDACTED",
    "collect_secrets",
    "is_sensitive_header",
    "is_sensitive_param",
    "redact_exchange",
    "redact_header_value",
    "redact_headers",
    "redact_run",
    "redact_url",
    "scrub_text",
]

#: What a redacted value is replaced with.
REDACTED = "[REDACTED]"

_SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)
_SENSITIVE_PARAMS = frozenset(
    {"bearer_token", "access_token", "token", "api_key", "apikey", "key", "sig", "signature"}
)
#: A header or parameter whose name holds one of these words carries a credential.
_SENSITIVE_WORDS = ("token", "secret", "key", "password", "passwd", "credential", "signature")
#: Shorter values are not scrubbed from free text: too likely to hit ordinary words.
_MIN_SECRET = 4

# Patterns as strings: ``re`` compiles and caches them on first use, so importing
# this module (on every ``tapecheck lint``) costs nothing.
_SCHEME_VALUE = r"^(?P<scheme>[A-Za-z][A-Za-z0-9_-]*)\s+(?P<credential>\S.*)$"
_BEARER_TEXT = r"(?i)\b(bearer)(\s+)(?P<credential>[A-Za-z0-9._~+/=-]{8,})"
_HEADER_TEXT = (
    r"(?i)\b(?P<name>authorization|proxy-authorization|x-[a-z0-9-]*(?:token|key|secret)|cookie|set-cookie)"
    r"(?P<sep>\s*[:=]\s*)(?:(?P<scheme>[A-Za-z]+)\s+)?(?P<credential>[A-Za-z0-9._~+/=%-]{8,})"
)
_QUERY_TEXT = r"(?P<lead>[?&;](?P<name>[A-Za-z0-9_.\-]+)=)(?P<value>[^&#\s\"'<>]*)"
_JSON_MEMBER = r'"(?P<name>[^"\\]{1,64})"(?P<sep>\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"'
_VENDOR_TOKEN = r"\b(?P<prefix>dtok_|sk_live_|sk_test_|rk_)(?P<rest>[A-Za-z0-9_-]{6,})"


def _name_is_sensitive(name: str, exact: frozenset[str]) -> bool:
    lowered = name.strip().lower()
    return lowered in exact or any(word in lowered for word in _SENSITIVE_WORDS)


def is_sensitive_header(name: str, extra: Iterable[str] = ()) -> bool:
    """Whether a header's value is a credential (case-insensitive).

    ``extra`` adds header names the caller knows carry credentials (a spec's
    API-key headers), since this module knows no spec.
    """
    if extra and name.strip().lower() in {e.lower() for e in extra}:
        return True
    return _name_is_sensitive(name, _SENSITIVE_HEADERS)


def is_sensitive_param(name: str) -> bool:
    """Whether a query parameter's value is a credential (case-insensitive)."""
    return _name_is_sensitive(name, _SENSITIVE_PARAMS)


def redact_header_value(name: str, value: object, *, extra: Iterable[str] = ()) -> str:
    """The value to show for header ``name``: ``Bearer [REDACTED]`` keeps the scheme."""
    text = "" if value is None else str(value)
    if not text or not is_sensitive_header(name, extra) or text == REDACTED:
        return text
    if name.strip().lower() in {"authorization", "proxy-authorization"}:
        match = re.match(_SCHEME_VALUE, text.strip())
        if match:
            return f"{match['scheme']} {REDACTED}"
    return REDACTED


@overload
def redact_headers(headers: Mapping[str, Any], *, extra: Iterable[str] = ()) -> dict[str, str]: ...


@overload
def redact_headers(
    headers: Iterable[tuple[str, Any]], *, extra: Iterable[str] = ()
) -> list[tuple[str, str]]: ...


def redact_headers(
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]], *, extra: Iterable[str] = ()
) -> dict[str, str] | list[tuple[str, str]]:
    """A copy of ``headers`` with every credential value replaced by ``[REDACTED]``.

    A mapping gives a dict; a sequence of ``(name, value)`` pairs (repeated
    headers such as ``Set-Cookie``) gives a list of pairs in the same order.
    ``extra`` names further credential headers (the spec's security schemes).
    """
    names = tuple(extra)
    if isinstance(headers, Mapping):
        return {str(k): redact_header_value(str(k), v, extra=names) for k, v in headers.items()}
    return [(str(k), redact_header_value(str(k), v, extra=names)) for k, v in headers]


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and value and is_sensitive_param(_unquote(name)):
            value = REDACTED
        parts.append(f"{name}{eq}{value}")
    return "&".join(parts)


def _unquote(text: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(text)


def redact_url(url: str) -> str:
    """``url`` with credential query parameters and a userinfo password redacted.

    The rest of the URL is kept exactly as given (no re-encoding).
    """
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        # user:password@host keeps the user; a bare userinfo may be a token (TOKEN@host).
        netloc = f"{user}:{REDACTED}@{host}" if colon else f"{REDACTED}@{host}"
    query = _redact_query(parts.query) if parts.query else parts.query
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _secrets_of_header(name: str, value: object) -> set[str]:
    text = "" if value is None else str(value).strip()
    if not text or text == REDACTED or not is_sensitive_header(name):
        return set()
    # "Bearer abc" gives "abc": a scrubbed echo then still reads "Bearer [REDACTED]".
    match = re.match(_SCHEME_VALUE, text)
    found = {match["credential"].strip() if match else text}
    lowered = name.strip().lower()
    if lowered in {"cookie", "set-cookie"}:
        for crumb in text.split(";"):
            _, eq, crumb_value = crumb.partition("=")
            if eq:
                found.add(crumb_value.strip())
            if lowered == "set-cookie":
                break  # the attributes after the first pair are not secret
    return found


def _secrets_of_url(url: str) -> set[str]:
    if not url:
        return set()
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found: set[str] = set()
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        user, colon, password = userinfo.partition(":")
        if colon:
            found.add(password)
        elif len(user) >= 8:  # a short bare user name is too likely an ordinary word
            found.add(user)
    for section in (parts.query, parts.fragment):
        for part in section.split("&"):
            name, eq, value = part.partition("=")
            if eq and value and is_sensitive_param(_unquote(name)):
                found.update({value, _unquote(value)})
    return found


def _header_pairs(headers: object) -> list[tuple[str, object]]:
    if isinstance(headers, Mapping):
        return [(str(k), v) for k, v in headers.items()]
    if isinstance(headers, list | tuple):
        return [(str(pair[0]), pair[1]) for pair in headers if len(pair) == 2]
    return []


def collect_secrets(run: Run) -> set[str]:
    """Every credential value the run's exchanges carry in a header or a URL."""
    found: set[str] = set()
    for requirement in run.requirements:
        for verdict in requirement.failures:
            if verdict.exchange is None:
                continue
            for message in (verdict.exchange.request, verdict.exchange.response):
                if not message:
                    continue
                for name, value in _header_pairs(message.get("headers")):
                    found |= _secrets_of_header(name, value)
                found |= _secrets_of_url(str(message.get("url") or ""))
    found |= _secrets_of_url(run.target)
    return {s for s in found if len(s) >= _MIN_SECRET and s != REDACTED}


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets and anything shaped like a credential redacted."""
    if not text:
        return text
    # Every encoding of every secret, not only the secret verbatim (see encodings.py).
    text = wipe(text, secrets, REDACTED, min_length=_MIN_SECRET)

    def header(match: re.Match[str]) -> str:
        scheme = f"{match['scheme']} " if match["scheme"] else ""
        return f"{match['name']}{match['sep']}{scheme}{REDACTED}"

    def query(match: re.Match[str]) -> str:
        if match["value"] and is_sensitive_param(_unquote(match["name"])):
            return f"{match['lead']}{REDACTED}"
        return match.group(0)

    def member(match: re.Match[str]) -> str:
        if match["value"] and is_sensitive_param(match["name"]):
            return f'"{match["name"]}"{match["sep"]}"{REDACTED}"'
        return match.group(0)

    text = re.sub(_HEADER_TEXT, header, text)
    text = re.sub(_BEARER_TEXT, lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = re.sub(_QUERY_TEXT, query, text)
    text = re.sub(_JSON_MEMBER, member, text)
    return re.sub(_VENDOR_TOKEN, lambda m: f"{m['prefix']}{REDACTED}", text)


def _redact_value(value: Any, secrets: Iterable[str]) -> Any:
    """A body: text scrubbed, parsed JSON walked, binary left for the writers to elide."""
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, bytes | bytearray):
        try:
            return scrub_text(bytes(value).decode("utf-8"), secrets)
        except UnicodeDecodeError:
            return bytes(value)  # writers show binary bodies as a size, never the bytes
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_sensitive_param(k) and v
                else _redact_value(v, secrets)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v, secrets) for v in value]
    return value


def _redact_message(message: Mapping[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    redacted: dict[str, Any] = {}
    for key, value in message.items():
        if key == "headers" and value is not None:
            if isinstance(value, Mapping):
                headers: Any = redact_headers(value)
                redacted[key] = {k: scrub_text(v, secrets) for k, v in headers.items()}
            else:
                pairs = redact_headers(_header_pairs(value))
                redacted[key] = [(k, scrub_text(v, secrets)) for k, v in pairs]
        elif key == "url" and isinstance(value, str):
            redacted[key] = scrub_text(redact_url(value), secrets)
        else:
            redacted[key] = _redact_value(value, secrets)
    return redacted


def redact_exchange(exchange: Exchange, secrets: Iterable[str] = ()) -> Exchange:
    """A copy of ``exchange`` with its credentials redacted (headers, URL, bodies)."""
    known = set(secrets)
    for message in (exchange.request, exchange.response):
        if message:
            for name, value in _header_pairs(message.get("headers")):
                known |= _secrets_of_header(name, value)
            known |= _secrets_of_url(str(message.get("url") or ""))
    known = {s for s in known if len(s) >= _MIN_SECRET and s != REDACTED}
    return Exchange(
        request=_redact_message(exchange.request, known),
        response=None if exchange.response is None else _redact_message(exchange.response, known),
    )


def _by_value(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each known secret replaced; the shapes are left alone (``${NAME}`` stays)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _redact_verdict(verdict: Verdict, secrets: set[str]) -> Verdict:
    return replace(
        verdict,
        message=scrub_text(verdict.message, secrets),
        reproduce=_by_value(verdict.reproduce, secrets),
        exchange=None if verdict.exchange is None else redact_exchange(verdict.exchange, secrets),
    )


def _redact_requirement(requirement: RequirementResult, secrets: set[str]) -> RequirementResult:
    return replace(
        requirement,
        title=scrub_text(requirement.title, secrets),
        reason=scrub_text(requirement.reason, secrets),
        failures=[_redact_verdict(v, secrets) for v in requirement.failures],
    )


def redact_run(run: Run) -> Run:
    """A copy of ``run`` in which no credential remains; ``run`` itself is not changed."""
    secrets = collect_secrets(run)
    return replace(
        run,
        target=scrub_text(redact_url(run.target), secrets),
        incomplete=scrub_text(run.incomplete, secrets),
        requirements=[_redact_requirement(r, secrets) for r in run.requirements],
    )
