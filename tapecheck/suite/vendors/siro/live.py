"""Siro on live traffic: what ``tapecheck proxy`` follows across a client's requests.

FLW102: an ``upload`` whose ``downloadUrl`` (or the later docs' ``fileUrl``)
no ``signed-urls`` call through the proxy answered.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from tapecheck.suite.lint.context import LintContext
from tapecheck.suite.lint.registry import Violation, rule
from tapecheck.suite.proxy.flows import FlowState, Seen, flow_check

__all__ = ["follow_signed_urls", "unissued_download_url"]

_BUCKET = "siro"
_URL_FIELDS = ("downloadUrl", "fileUrl")


def _key(url: str) -> str:
    """Path and query: the host of a signed URL may be an alias."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


@rule("FLW102", "unissued-download-url", severity="warning", vendor="siro")
def unissued_download_url(ctx: LintContext) -> Iterator[Violation]:
    """## What it does
    Flags, on live traffic through `tapecheck proxy`, a recording `upload`
    whose `downloadUrl` was not answered by a `signed-urls` call that went
    through the proxy in the same session.

    ## Why is this bad?
    Siro creates the recording from the file behind a `downloadUrl` it issued;
    a URL from another session, another user or a hand-built string names no
    uploaded file, and the upload is refused. A warning: the proxy cannot see a
    `signed-urls` call made before it started.

    ## Example
    A `downloadUrl` kept from an earlier run:

    ```yaml
    operation: upload
    body: {fileType: wav, downloadUrl: "https://storage.example/old.wav"}
    ```

    The URL the `signed-urls` step just answered:

    ```yaml
    operation: upload
    body: {fileType: wav, downloadUrl: "<data.downloadUrl of signed-urls>"}
    ```

    ## Fix safety
    Ask `signed-urls` for each recording, PUT the audio, then pass its `downloadUrl`.

    ## References
    - Siro: create a recording from an upload (specs/siro.yaml, `signed-urls` then `upload`)
    """
    return iter(())


@flow_check("siro")
def follow_signed_urls(state: FlowState, seen: Seen) -> Iterator[tuple[str, Violation]]:
    issued: set[str] = state.bucket(_BUCKET).setdefault("issued", set())
    if seen.operation == "signed-urls" and isinstance(seen.response, Mapping):
        data = seen.response.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("downloadUrl"), str):
            issued.add(_key(data["downloadUrl"]))
        return
    if seen.operation != "upload" or not isinstance(seen.request, Mapping):
        return
    for name in _URL_FIELDS:
        url = seen.request.get(name)
        if isinstance(url, str) and _key(url) not in issued:
            yield (
                "FLW102",
                Violation(
                    f"/body/{name}",
                    f"`{name}` was not answered by a `signed-urls` call through this proxy; "
                    "ask POST /v1/core/recordings/signed-urls first and pass its `downloadUrl`",
                ),
            )
