"""A client session as a requirement uses it: spec-aware requests, checks, recorded exchanges.

``await session.call("upload", path={"id": ...}, content=...)`` builds the URL
from the operation's path template, adds the credentials the vendor's scheme
wants (or a missing or wrong one, on request), sends, and records the exchange
with every secret redacted. ``session.expect(response, ...)`` runs registered
checks and attaches the exchange to the failure.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from tapecheck.reports.encodings import wipe
from tapecheck.reports.model import Exchange
from tapecheck.reports.redact import REDACTED, redact_headers, redact_url
from tapecheck.suite.conform import evidence
from tapecheck.suite.conform.checks import CHECKS, CheckContext, ConformanceFailure
from tapecheck.suite.conform.ledger import Ledger
from tapecheck.suite.conform.media import Media
from tapecheck.suite.conform.targets import MAX_RESPONSE_BYTES, Undecidable, read_response
from tapecheck.suite.specs import Operation, Spec

__all__ = ["Auth", "Credentials", "Session", "TargetUnreachable"]

#: What credential a request carries: the valid one, none, a wrong one, or an explicit token.
Auth = Literal["valid", "none", "wrong"] | str

_BODY_LIMIT = 4096
_WRONG_TOKEN = "tapecheck-wrong-credential-0000"


class TargetUnreachable(RuntimeError):
    """The target did not answer at all (connection refused, DNS, timeout)."""


@dataclass(frozen=True)
class Credentials:
    """What the run was given: the token, the tenant, a device token, extra parameters.

    ``other_token`` is a second user's (or project's) credential, for the
    requirements that one user cannot reach another's resources: ``--param
    other_token=`` against a real target; the embedded mock knows one of its own.
    """

    token: str
    tenant: str
    device_token: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    other_token: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.device_token, self.other_token) if s)


@dataclass
class Session:
    """One requirement's view of the target."""

    spec: Spec
    client: httpx.AsyncClient
    credentials: Credentials
    #: the run's seed and example budget, for requirements that generate data
    seed: int = 0
    examples: int = 25
    #: True against the embedded reference mock (where every prerequisite can be made)
    embedded: bool = False
    #: the run's audio files, shared by its requirements
    media: Media = field(default_factory=Media)
    exchanges: list[Exchange] = field(default_factory=list)
    #: requests sent with the valid credential, how many were refused as unauthenticated,
    #: and how many succeeded (2xx)
    authenticated: int = 0
    refused: int = 0
    succeeded: int = 0
    #: objects created by the run, deleted after it where the vendor allows
    created: list[tuple[str, Mapping[str, str]]] = field(default_factory=list)
    #: the run's register of what it created and deleted (ledger.py), and this requirement's id
    ledger: Ledger = field(default_factory=Ledger)
    requirement: str = ""
    #: the most bytes of a response body read (decompressed), and the seconds one
    #: exchange may take in all (``None``: only the client's own timeouts)
    max_response_bytes: int = MAX_RESPONSE_BYTES
    request_deadline_s: float | None = None
    #: every request as sent (the evidence of a failure and its set-up calls), in order
    history: list[evidence.Record] = field(default_factory=list, repr=False)
    #: id(request) -> (request, how its body was made), set by :meth:`call` before sending
    _bodies: dict[int, tuple[httpx.Request, evidence.Body]] = field(
        default_factory=dict, repr=False
    )
    #: id(request or exchange) -> (it, its record)
    _records: dict[int, tuple[Any, evidence.Record]] = field(default_factory=dict, repr=False)

    @property
    def vendor(self) -> str:
        return self.spec.vendor

    def op(self, operation_id: str) -> Operation:
        return self.spec.operation(operation_id)

    def param(self, name: str, default: str | None = None) -> str | None:
        """A ``--param NAME=VALUE`` the target needs (a mock needs none)."""
        return self.credentials.params.get(name, default)

    # -- requests -----------------------------------------------------------

    async def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth = "valid",
        tenant: str | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        content: bytes | Iterable[bytes] | AsyncIterator[bytes] | None = None,
    ) -> httpx.Response:
        """Send one request to ``operation_id``; the response is recorded, never checked here."""
        operation = self.op(operation_id)
        url = self._url(operation, path or {}, tenant)
        merged_headers = dict(self._auth_headers(operation, auth))
        merged_query = dict(query or {})
        merged_query.update(self._auth_query(operation, auth))
        tenant_header = self._tenant_header(tenant)
        if tenant_header is not None:
            merged_headers.setdefault(*tenant_header)
        merged_headers.update(headers or {})
        request = self.client.build_request(
            operation.method.upper(),
            url,
            params=merged_query or None,
            headers=merged_headers,
            json=json,
            data=data,
            files=files,
            content=content,
        )
        body = evidence.body_of_call(
            json_body=json,
            data=data,
            files=files,
            content=content,
            content_type=request.headers.get("content-type", ""),
        )
        if body is not None:
            self._bodies[id(request)] = (request, body)
        response = await self.send(request, authenticated=auth == "valid")
        # Anything a success created is noted, with the tenant it was made in; a delete counts
        # only with the run's own credential and in that tenant (a refusal is no deletion).
        self.note(operation_id, path or {}, response, own=auth == "valid", tenant=tenant)
        return response

    async def send(self, request: httpx.Request, *, authenticated: bool = False) -> httpx.Response:
        """Send a prepared request (a PUT to a signed URL, say) and record it."""
        made = self._bodies.pop(id(request), None)
        body = made[1] if made is not None and made[0] is request else None
        record = evidence.Record(
            method=request.method,
            url=str(request.url),
            headers=list(request.headers.items()),
            body=body or evidence.body_of_request(request),
        )
        self.history.append(record)
        self._records[id(request)] = (request, record)
        try:
            response = await read_response(
                self.client,
                request,
                max_bytes=self.max_response_bytes,
                deadline_s=self.request_deadline_s,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            raise TargetUnreachable(f"{self.redact(str(request.url))}: {exc}") from exc
        except Undecidable as exc:
            # What came (status, headers) is recorded; the requirement is undecided.
            self.exchanges.append(self.exchange(request, exc.response))
            raise
        if authenticated:
            self.authenticated += 1
            if response.status_code in (401, 403):
                self.refused += 1
            elif response.is_success:
                self.succeeded += 1
        evidence.remember(record, response)
        self.exchanges.append(self.exchange(request, response))
        return response

    def credentials_for(
        self, operation_id: str, auth: Auth = "valid"
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The headers and query parameters :meth:`call` adds for ``auth`` (tenant header included)."""
        operation = self.op(operation_id)
        headers = self._auth_headers(operation, auth)
        tenant_header = self._tenant_header(None)
        if tenant_header is not None:
            headers.setdefault(*tenant_header)
        return headers, self._auth_query(operation, auth)

    def _url(self, operation: Operation, path: Mapping[str, str], tenant: str | None) -> str:
        values = dict(path)
        location = self.spec.ext.get("tenant", {})
        if location.get("in") == "path":
            values.setdefault(
                location["name"], tenant if tenant is not None else self.credentials.tenant
            )

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise KeyError(f"{operation.operation_id} needs the path parameter {name!r}")
            return quote(str(values[name]), safe="")

        return re.sub(r"\{([^}]+)\}", fill, operation.path).lstrip("/")

    def _tenant_header(self, tenant: str | None) -> tuple[str, str] | None:
        location = self.spec.ext.get("tenant", {})
        if location.get("in") != "header":
            return None
        return location["name"], tenant if tenant is not None else self.credentials.tenant

    def _token_for(self, auth: Auth) -> str | None:
        if auth == "none":
            return None
        if auth == "valid":
            return self.credentials.token
        if auth == "wrong":
            return _WRONG_TOKEN
        return auth

    def _first_scheme(self, operation: Operation) -> Mapping[str, Any] | None:
        schemes = operation.security_schemes
        for requirement in operation.security:
            for name in requirement:
                if name in schemes:
                    return schemes[name]
        return None

    def _auth_headers(self, operation: Operation, auth: Auth) -> dict[str, str]:
        token = self._token_for(auth)
        scheme = self._first_scheme(operation)
        if token is None or scheme is None:
            return {}
        if scheme.get("type") == "http":
            return {"Authorization": f"Bearer {token}"}
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            return {str(scheme["name"]): token}
        return {}

    def _auth_query(self, operation: Operation, auth: Auth) -> dict[str, str]:
        token = self._token_for(auth)
        scheme = self._first_scheme(operation)
        if token is None or scheme is None:
            return {}
        if scheme.get("type") == "apiKey" and scheme.get("in") == "query":
            return {str(scheme["name"]): token}
        return {}

    # -- what the run created -------------------------------------------------

    @property
    def keep(self) -> bool:
        """``--keep``: leave everything the run creates, for debugging."""
        return self.ledger.keep

    def note(
        self,
        operation_id: str,
        path: Mapping[str, Any],
        response: httpx.Response,
        *,
        own: bool = True,
        tenant: str | None = None,
    ) -> None:
        """Tell the ledger about an answer (``own``: sent with the run's own credential)."""
        body: Any = None
        if response.is_success and operation_id in self.ledger.resources:
            try:
                body = response.json()
            except (ValueError, UnicodeDecodeError):
                body = None
        values = {str(k): str(v) for k, v in path.items()}
        self.ledger.note(
            operation_id,
            values,
            response.status_code,
            body,
            requirement=self.requirement,
            own=own,
            tenant=None if tenant == self.credentials.tenant else tenant,
        )

    async def sweep(self) -> None:
        """Delete what the run created and has not deleted yet (never with ``--keep``)."""
        if self.ledger.keep:
            return
        for entry in self.ledger.pending():
            if entry.deleted or entry.delete is None:
                continue  # gone with a parent deleted earlier in this sweep
            operation, path = entry.delete
            try:
                await self.call(operation, path=path, tenant=entry.tenant)
            except TargetUnreachable:
                return  # the rest would wait for the same silence; listed as left behind
            except (ConformanceFailure, Undecidable, httpx.HTTPError, KeyError):
                continue  # listed as left behind; a failed delete never changes a verdict

    # -- checking -------------------------------------------------------------

    def expect(
        self,
        response: httpx.Response,
        *checks: str,
        operation: str | None = None,
        status: int | Collection[int] = (),
        **extra: Any,
    ) -> None:
        """Run ``checks`` on ``response``; a failure carries the exchange."""
        expected = (status,) if isinstance(status, int) else tuple(status)
        ctx = CheckContext(
            spec=self.spec,
            operation=self.op(operation) if operation else None,
            expected=expected,
            extra=extra,
        )
        for name in checks:
            try:
                CHECKS[name](ctx, response)
            except ConformanceFailure as failure:
                failure.exchange = self.exchange(response.request, response)
                raise

    def fail(
        self, check: str, title: str, message: str, response: httpx.Response | None = None
    ) -> None:
        """Raise a failure decided by the requirement itself (a vendor rule, a state transition)."""
        failure = ConformanceFailure(check, title, self.redact(message))
        if response is not None:
            failure.exchange = self.exchange(response.request, response)
        raise failure

    # -- reporting ----------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` without the run's credentials, in any encoding a target may echo them."""
        return wipe(text, self.credentials.secrets, REDACTED)

    def exchange(self, request: httpx.Request, response: httpx.Response | None) -> Exchange:
        """The exchange as a report shows it: secrets redacted, bodies cut to 4 KB."""
        known = self._records.get(id(request))
        record = known[1] if known is not None and known[0] is request else None
        sent = evidence.describe(record.body if record else evidence.body_of_request(request))
        request_view: dict[str, Any] = {
            "method": request.method,
            "url": self.redact(redact_url(str(request.url))),
            "headers": {
                k: self.redact(v)
                for k, v in redact_headers(
                    dict(request.headers), extra=self.spec.credential_headers
                ).items()
            },
        }
        if sent is not None:
            request_view["body"] = self.redact(sent)
        response_view = None
        if response is not None:
            # Redacted before the cut, so that no credential is cut in half and half kept.
            body = self.redact(_text(response))
            response_view = {
                "status": response.status_code,
                "headers": {
                    k: self.redact(v)
                    for k, v in redact_headers(
                        dict(response.headers), extra=self.spec.credential_headers
                    ).items()
                },
                "body": body if len(body) <= _BODY_LIMIT else body[:_BODY_LIMIT] + "…",
            }
        shown = Exchange(request=request_view, response=response_view)
        if record is not None:
            self._records[id(shown)] = (shown, record)
        return shown

    def reproduce(self, exchange: Exchange | None) -> tuple[str, dict[str, bytes | Path]]:
        """Commands replaying ``exchange``'s request (set-up calls first) and the files they read."""
        known = self._records.get(id(exchange)) if exchange is not None else None
        if known is None or known[0] is not exchange:
            return "", {}
        record = known[1]
        index = next((i for i, r in enumerate(self.history) if r is record), None)
        if index is None:
            return "", {}
        names = (
            (self.credentials.token, "TAPECHECK_TOKEN"),
            (self.credentials.device_token, "TAPECHECK_DEVICE_TOKEN"),
            (self.credentials.other_token, "TAPECHECK_OTHER_TOKEN"),
        )
        return evidence.reproduce(
            self.history,
            index,
            base_url=str(self.client.base_url),
            embedded=self.embedded,
            secrets={secret: name for secret, name in names if secret},
        )


def _text(response: httpx.Response) -> str:
    try:
        raw = response.content
    except httpx.ResponseNotRead:
        return ""
    media = response.headers.get("content-type", "")
    if media.startswith(("audio/", "application/octet-stream")) or b"\x00" in raw[:512]:
        return f"<{len(raw)} bytes of {media or 'binary data'}>"
    # Twice the cut: the caller redacts, then cuts to _BODY_LIMIT.
    return raw[: _BODY_LIMIT * 2].decode("utf-8", "replace")
