"""What the proxy judges and remembers: request findings, flows and signed storage URLs.

An :class:`Inspector` belongs to one proxy run. It turns each forwarded
request into its manifest and lints it (the audio of a signed-URL PUT against
the request that asked for the URL), runs the vendor's flow checks, rewrites
the signed storage URLs of responses to the proxy, and remembers what flows
need across exchanges. The ASGI app (:mod:`tapecheck.suite.proxy.app`) only
forwards and asks.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.types import Scope

from tapecheck.reports.model import Finding, Severity
from tapecheck.reports.traffic import TrafficExchange
from tapecheck.suite.lint.config import LintConfig
from tapecheck.suite.lint.registry import RULES, Violation, load_rules
from tapecheck.suite.pointers import follow, split_pointer
from tapecheck.suite.proxy.capture import BodyCapture
from tapecheck.suite.proxy.document import Matched, lint_request, request_manifest
from tapecheck.suite.proxy.flows import FlowState, Seen, StoredUpload, flow_checks_for
from tapecheck.suite.proxy.responses import check_response
from tapecheck.suite.specs import Spec

__all__ = ["STORAGE_PREFIX", "Inspector"]

#: Where rewritten signed storage URLs point on the proxy.
STORAGE_PREFIX = "/_tapecheck/storage/"


class Inspector:
    """The checks and the memory of one proxy run."""

    def __init__(
        self, spec: Spec, prefix: str, *, config: LintConfig, storage_rewrite: bool, embedded: bool
    ) -> None:
        self.spec = spec
        self.prefix = prefix
        self.config = config
        self.storage_rewrite = storage_rewrite
        self.embedded = embedded  # the embedded mock is its own storage host
        self.flows = FlowState()
        self.flow_checks = flow_checks_for(spec.vendor)
        self._public_origin = ""
        self._kept_folders: list[Path] = []

    def close(self) -> None:
        """Remove the audio kept for later requests."""
        for folder in self._kept_folders:
            shutil.rmtree(folder, ignore_errors=True)
        self._kept_folders.clear()

    def upload(self, key: str) -> StoredUpload | None:
        return self.flows.uploads.get(key.split("?", 1)[0].strip("/"))

    def signed_at(self, path: str) -> StoredUpload | None:
        """A signed URL (not rewritten) on the proxy's own host: the embedded mock's storage."""
        for upload in self.flows.uploads.values():
            if path in (urlsplit(u).path for u in (upload.original, upload.download) if u):
                return upload
        return None

    def response_findings(
        self,
        matched: Matched,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes | None,
        exchange: TrafficExchange,
    ) -> list[Finding]:
        return [
            self.finding(code, violation, exchange)
            for code, violation in check_response(
                self.spec, matched.operation, status, headers, body
            )
        ]

    # -- storage URLs --------------------------------------------------------------------

    def rewrite(self, matched: Matched, body: bytes, created: list[StoredUpload]) -> bytes | None:
        """The body with its signed upload URL rewritten to the proxy, or ``None``."""
        fields = matched.operation.ext.get("signed-urls")
        if not isinstance(fields, Mapping) or not isinstance(fields.get("upload"), str):
            return None
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return None
        found, original = follow(document, split_pointer(fields["upload"]))
        if not found or not isinstance(original, str) or not original.startswith("http"):
            return None
        download = None
        if isinstance(fields.get("download"), str):
            has, value = follow(document, split_pointer(fields["download"]))
            download = value if has and isinstance(value, str) else None
        key = secrets.token_urlsafe(16)
        self.flows.uploads[key] = StoredUpload(
            key=key,
            original=original,
            operation=matched.operation.operation_id,
            path_params=dict(matched.path_params),
            download=download,
            watched=self.storage_rewrite or self.embedded,
        )
        created.append(self.flows.uploads[key])
        if not self.storage_rewrite:
            return None
        _set(document, split_pointer(fields["upload"]), self._public_origin + STORAGE_PREFIX + key)
        return json.dumps(document).encode()

    @property
    def public_origin(self) -> str:
        """The proxy's own ``http://host:port`` (``""`` until it is served)."""
        return self._public_origin

    def set_public_origin(self, origin: str) -> None:
        """The proxy's own ``http://host:port``: rewritten URLs point there."""
        self._public_origin = origin.rstrip("/")

    # -- checks ----------------------------------------------------------------------------

    def finding(self, code: str, violation: Violation, exchange: TrafficExchange) -> Finding:
        registered = RULES.get(code)
        if registered is None:
            # A response is judged before its request is linted: the first exchange of
            # a run may come before the linter has loaded its families (FLW among them).
            load_rules()
            registered = RULES.get(code)
        severity: Severity = registered.severity if registered else "error"
        return Finding(
            path=exchange.name,
            code=code,
            severity=severity,
            message=violation.message,
            pointer=violation.pointer,
            fix=violation.fix or (registered.fix_title if registered else None),
        )

    async def request_findings(
        self,
        exchange: TrafficExchange,
        matched: Matched | None,
        headers: list[tuple[str, str]],
        scope: Scope,
        capture: BodyCapture,
        storage: StoredUpload | None,
        response_body: bytes | None,
        created: list[StoredUpload],
        *,
        body_whole: bool = True,
    ) -> list[Finding]:
        """Findings on the request; ``body_whole`` false: its body never arrived whole (the
        client stopped after an early answer), so only the path, headers and query are judged."""
        if storage is not None:
            return await self._stored_audio_findings(exchange, storage, capture, body_whole)
        if matched is None:
            violation = Violation(
                "",
                f"{self.spec.title} documents no {exchange.method} {exchange.path}"
                f"{' under ' + self.prefix if self.prefix else ''}; "
                "`tapecheck specs` lists the operations",
            )
            return [self.finding("FLW001", violation, exchange)]
        referenced = self._referenced_audio(matched, capture)
        document = request_manifest(
            self.spec,
            matched,
            headers=headers,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            capture=capture,
            referenced=referenced,
        )
        exchange.document = document
        for upload in created:
            upload.request = document
        skip = ["/files/" + name for name, f in capture.files.items() if f.truncated] + (
            ["/content"] if capture.raw is not None and capture.raw.truncated else []
        )
        # A request without files needs no folder: its manifest is linted in memory.
        folder = capture.made_folder or Path(tempfile.gettempdir())
        found = await anyio.to_thread.run_sync(
            lambda: lint_request(
                document,
                folder=folder,
                display=exchange.name,
                config=self.config,
                skip_audio=skip,
            )
        )
        if not body_whole:  # only what does not depend on the body can be judged
            found = [f for f in found if f.pointer.startswith(("/path/", "/headers/", "/query/"))]
        found = [f for f in found if not self._vendor_issued(f, document)]
        response_json = None
        if response_body is not None:
            try:
                response_json = json.loads(response_body)
            except (ValueError, RecursionError):
                response_json = None
        seen = Seen(
            operation=matched.operation.operation_id,
            path_params=matched.path_params,
            request=document.get("body"),
            status=exchange.status,
            response=response_json,
        )
        for check in self.flow_checks:
            for code, violation in check(self.flows, seen):
                found.append(self.finding(code, violation, exchange))
        return found

    def _vendor_issued(self, finding: Finding, document: Mapping[str, Any]) -> bool:
        """SEC003 on a URL the vendor itself issued (a signed URL seen in a response) is no finding.

        The rule guards against URLs a client makes up (loopback, plain http); a
        URL the vendor answered, a sandbox's or the embedded mock's, is the one to send.
        """
        if finding.code != "SEC003":
            return False
        found, value = follow(document, split_pointer(finding.pointer))
        if not found or not isinstance(value, str):
            return False
        return any(value in (u.download, u.original) for u in self.flows.uploads.values())

    async def _stored_audio_findings(
        self,
        exchange: TrafficExchange,
        storage: StoredUpload,
        capture: BodyCapture,
        body_whole: bool,
    ) -> list[Finding]:
        """The audio PUT to a signed URL, checked against the request that asked for the URL.

        The findings are the audio rules' on that request's manifest with the
        PUT's bytes as its file (a declared ``fileSize`` or type against the
        real content); the other rules were reported on the request itself.
        """
        raw = capture.raw
        if raw is None or raw.truncated or not body_whole:
            return []
        if storage.uploaded:  # kept for a later request that names it (its downloadUrl)
            storage.audio = raw.path
            self._kept_folders.append(capture.folder)
        operation = self.spec.operations.get(storage.operation)
        audio = (operation.audio if operation else None) or {}
        if storage.request is None or audio.get("location") != "reference":
            return []
        part = str((audio.get("parts") or ["audio"])[0])
        document = {k: v for k, v in storage.request.items() if k not in ("files", "content")}
        document["files"] = {part: raw.filename}
        found = await anyio.to_thread.run_sync(
            lambda: lint_request(
                document, folder=capture.folder, display=exchange.name, config=self.config
            )
        )
        return [f for f in found if f.code.startswith("AUD")]

    def _referenced_audio(self, matched: Matched, capture: BodyCapture) -> dict[str, Path]:
        """A request naming audio PUT earlier to a rewritten signed URL: that audio's file."""
        audio = matched.operation.audio or {}
        if audio.get("location") != "reference":
            return {}
        fields = matched.operation.ext.get("signed-urls")
        if isinstance(fields, Mapping):
            return {}  # the request that asks for the URL: its audio is not PUT yet
        body = bytes(capture.text)
        try:
            document = json.loads(body) if body else None
        except (ValueError, RecursionError):
            return {}
        if not isinstance(document, dict):
            return {}
        values = {v for v in document.values() if isinstance(v, str)}
        for upload in self.flows.uploads.values():
            if upload.audio is not None and upload.download in values:
                parts = audio.get("parts") or ["audio"]
                return {str(parts[0]): _linked(Path(upload.audio), capture.folder)}
        return {}


def _linked(source: Path, folder: Path) -> Path:
    """``source`` in ``folder`` under its own name (a hard link; a copy across file systems)."""
    target = folder / source.name
    if not target.exists():
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    return Path(target.name)


def _set(document: Any, tokens: list[str], value: Any) -> None:
    current = document
    for token in tokens[:-1]:
        current = current[int(token)] if isinstance(current, list) else current[token]
    if isinstance(current, list):
        current[int(tokens[-1])] = value
    else:
        current[tokens[-1]] = value
