"""Run a vendor's requirements catalogue against a target and yield events.

Requirements run one after another on one event loop and one HTTP client.
Each gets a fresh :class:`Session`, so its failures carry only its own
exchanges. The deterministic layer (``depth="quick"``) decides every
requirement with fixed requests; the property-based layer (``depth="deep"``)
adds generated data on top, seeded by ``--seed``.

A requirement ends ``passed``, ``failed``, ``skipped`` or ``error`` (it could
not be decided). One that fails is run once more: passing then, it is
``passed`` with ``flaky`` set, never silently. When no request made with the
given credential succeeded and some were refused as unauthenticated, the run
is incomplete and the requirements that only met refusals are ``error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Generator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tapecheck import __version__
from tapecheck.reports.model import Exchange, RequirementResult, Run, Verdict
from tapecheck.suite.conform import evidence
from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.events import (
    Event,
    RequirementFinished,
    RequirementStarted,
    RunAborted,
    RunFinished,
    RunInterrupted,
    RunStarted,
)
from tapecheck.suite.conform.ledger import Ledger, resources_of
from tapecheck.suite.conform.media import Media
from tapecheck.suite.conform.requirements import (
    Requirement,
    RequirementSkipped,
    RequirementUndecided,
    catalogue,
)
from tapecheck.suite.conform.session import Credentials, Session, TargetUnreachable
from tapecheck.suite.conform.targets import AppFactory, Target, embedded, remote
from tapecheck.suite.specs import Spec, load_spec

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_MAX_TIME",
    "ConformOptions",
    "credentials_hint",
    "execute",
    "run_to_completion",
]

DEFAULT_EXAMPLES = 25
#: Seconds a whole run may take (``--max-time``): a full run against a mock takes a
#: minute or two, a slow sandbox several; a target that never answers ends here.
DEFAULT_MAX_TIME = 900.0
#: The credentials a reference mock accepts by default (CONTRACT.md, `tapecheck mock`).
MOCK_TOKEN = "test-token"
MOCK_TENANT = "tenant-a"
MOCK_DEVICE_TOKEN = "dtok_tapecheck"
#: A second user or project the embedded mock knows, for isolation requirements.
MOCK_OTHER_TENANT = "tapecheck-second-user"
MOCK_OTHER_TOKEN = "test-token-second-user"


@dataclass
class ConformOptions:
    """What ``tapecheck conform`` was asked to do."""

    vendor: str
    base_url: str | None = None
    token: str | None = None
    tenant: str | None = None
    device_token: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    quick: bool = False
    select: tuple[str, ...] = ()
    factory: AppFactory | None = None  # an app factory to use instead of the vendor's mock
    timeout: float = 60.0
    #: seconds the whole run may take; past it, every requirement not yet decided is ``error``
    max_time: float = DEFAULT_MAX_TIME
    #: a failed ``should`` counts as a failed ``must``
    strict: bool = False
    #: how the options are spelled in hints: ``--`` (the CLI), ``--tapecheck-`` (the plugin)
    option_prefix: str = "--"
    #: where the files that failures' ``reproduce`` commands read are written (--report-dir)
    report_dir: Path | None = None
    keep: bool = False  # --keep: leave what the run creates on the target

    def target(self) -> Target:
        if self.base_url:
            return remote(self.base_url)
        credentials = self.credentials()
        return embedded(
            self.vendor,
            token=credentials.token,
            tenant=credentials.tenant,
            factory=self.factory,
            tenants={MOCK_OTHER_TENANT: MOCK_OTHER_TOKEN},
        )

    def credentials(self) -> Credentials:
        embedded_target = not self.base_url
        device_token = self.device_token or (MOCK_DEVICE_TOKEN if embedded_target else None)
        return Credentials(
            token=self.token or MOCK_TOKEN,
            tenant=self.tenant or MOCK_TENANT,
            device_token=device_token,
            params=dict(self.params),
            other_token=self.params.get("other_token")
            or (MOCK_OTHER_TOKEN if embedded_target else None),
        )


def _selected(requirements: list[Requirement], options: ConformOptions) -> list[Requirement]:
    chosen = [r for r in requirements if not (options.quick and r.depth != "quick")]
    if options.select:
        chosen = [r for r in chosen if any(r.id == s or r.id.startswith(s) for s in options.select)]
    return chosen


def execute(options: ConformOptions) -> Generator[Event, None, None]:
    """Run the catalogue; yields events, the last being RunFinished or RunAborted.

    Ctrl-C raises :class:`RunInterrupted` (a KeyboardInterrupt) with the run so far,
    once what the run created is swept.
    """
    spec = load_spec(options.vendor)
    target = options.target()
    credentials = options.credentials()
    requirements = _selected(catalogue(options.vendor), options)
    run = Run(
        vendor=options.vendor,
        target=target.label,
        seed=options.seed,
        tool_version=__version__,
        spec_sha256=spec.sha256,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        examples=0 if options.quick else options.examples,  # --quick generates nothing
        mode="quick" if options.quick else "full",
        strict=options.strict,
    )
    yield RunStarted(options.vendor, target.label, options.seed, len(requirements))
    started = time.perf_counter()
    deadline = started + options.max_time
    tally = _Tally()
    media = Media()
    ledger = Ledger(resources_of(options.vendor), keep=options.keep)
    run.kept = options.keep and not target.embedded
    with asyncio.Runner() as loop:
        client = target.client(timeout=options.timeout)

        def decide(requirement: Requirement) -> RequirementResult:
            session = Session(
                spec=spec,
                client=client,
                credentials=credentials,
                seed=options.seed,
                examples=options.examples,
                embedded=target.embedded,
                media=media,
                request_deadline_s=options.timeout,
                ledger=ledger,
                requirement=requirement.id,
            )
            result = loop.run(_decide_by(requirement, session, deadline, max_time=options.max_time))
            tally.add(result, session)
            loop.run(session.sweep())  # what it made and did not delete, failed midway or not
            if options.report_dir is not None:
                for failure in result.failures:
                    # The commands still show what to send; the CLI reports an unusable folder.
                    with contextlib.suppress(OSError):
                        evidence.save(failure.attachments, options.report_dir)
            return result

        interrupted = False
        try:
            for index, requirement in enumerate(requirements):
                yield RequirementStarted(requirement, index)
                try:
                    result = decide(requirement)
                    if result.status == "failed":
                        # Run once more: a pass now names the requirement flaky, never hides it.
                        again = decide(requirement)
                        if again.status == "passed":
                            result.status, result.flaky = "passed", True
                except TargetUnreachable as exc:
                    run.duration_s = time.perf_counter() - started
                    run.incomplete = f"the target is unreachable: {exc}"
                    _created(run, ledger, target.embedded)
                    yield RunAborted(run.incomplete, run, kind="unreachable")
                    return
                run.requirements.append(result)
                yield RequirementFinished(requirement, result, index)
        except KeyboardInterrupt:
            interrupted = True  # the run so far is reported, once what it made is swept
        finally:
            if ledger.pending() and not ledger.keep:
                # Interrupted (Ctrl-C, an error): what the last requirement made still goes.
                sweeper = Session(spec=spec, client=client, credentials=credentials, ledger=ledger)
                with suppress(Exception):
                    loop.run(sweeper.sweep())
            _created(run, ledger, target.embedded)
            loop.run(client.aclose())
            media.close()
    run.duration_s = time.perf_counter() - started
    if interrupted:
        run.incomplete = (
            f"the run was interrupted (Ctrl-C) after {len(run.requirements)} of "
            f"{len(requirements)} requirements"
        )
        raise RunInterrupted(run)
    if tally.credentials_refused:
        refused = [r for r in run.requirements if r.status == "failed" and _refused_only(r)]
        for result in [*tally.only_refused, *refused]:
            if result.status in ("passed", "failed"):
                result.status = "error"
                result.reason = "every request made with the given credential was refused"
        run.incomplete = (
            f"the target refused the credentials: {tally.refused} of {tally.authenticated} "
            f"requests made with them were refused and none succeeded; "
            f"{credentials_hint(options.option_prefix, spec)}"
        )
        yield RunAborted(run.incomplete, run, kind="credentials")
        return
    yield RunFinished(run)


def _created(run: Run, ledger: Ledger, embedded: bool) -> None:
    """What the run created, in the report of a run against a real target."""
    if not embedded:
        run.created = ledger.created()


def _refused_only(result: RequirementResult) -> bool:
    """Every failure of ``result`` is a 401 or 403 (a credential sent another way, say)."""
    statuses = [
        f.exchange.response.get("status") if f.exchange and f.exchange.response else None
        for f in result.failures
    ]
    return bool(statuses) and all(status in (401, 403) for status in statuses)


def credentials_hint(prefix: str = "--", spec: Spec | None = None) -> str:
    """What to check when the credentials are refused, in the options of the caller.

    The options named are the ones the vendor's spec uses: a tenant only where it
    names one, a device token only where it has that credential kind.
    """
    options = [f"{prefix}token"]
    if spec is None or spec.ext.get("tenant"):
        options.append(f"{prefix}tenant")
    if spec is None or any(c.get("kind") == "device-token" for c in spec.credentials):
        options.append(f"{prefix}device-token")
    return "check " + " and ".join(options)


class _Tally:
    """Requests made with the run's credential: how many, how many refused, how many succeeded."""

    def __init__(self) -> None:
        self.authenticated = self.refused = self.succeeded = 0
        #: the requirements whose requests with the credential were all refused
        self.only_refused: list[RequirementResult] = []

    def add(self, result: RequirementResult, session: Session) -> None:
        self.authenticated += session.authenticated
        self.refused += session.refused
        self.succeeded += session.succeeded
        if session.refused and not session.succeeded:
            self.only_refused.append(result)

    @property
    def credentials_refused(self) -> bool:
        """Some requests with the credential were refused (401/403) and none succeeded."""
        return bool(self.refused) and not self.succeeded


async def _decide(requirement: Requirement, session: Session) -> RequirementResult:
    started = time.perf_counter()
    result = RequirementResult(
        id=requirement.id,
        title=requirement.title,
        status="passed",
        source=requirement.source,
        checks=requirement.checks,
        level=requirement.level,
    )
    try:
        await requirement.run(session)
    except RequirementSkipped as skipped:
        result.status = "skipped"
        result.reason = session.redact(str(skipped))
    except RequirementUndecided as undecided:  # Undecidable (a bound passed) among them
        result.status = "error"
        result.reason = session.redact(str(undecided))
    except ConformanceFailure as failure:
        result.status = "failed"
        exchange = failure.exchange or (session.exchanges[-1] if session.exchanges else None)
        commands, attachments = _reproduce(session, exchange)
        result.failures.append(
            Verdict(
                check=failure.code,
                message=session.redact(f"{failure.title}: {failure.message}"),
                exchange=exchange,
                severity="error",
                reproduce=commands,
                attachments=attachments,
            )
        )
    except TargetUnreachable:
        raise
    except httpx.TransportError as exc:
        # The connection dropped mid-exchange: no answer to judge.
        result.status = "error"
        result.reason = session.redact(f"no answer: {type(exc).__name__}: {exc}")
    except Exception as exc:
        # A broken target (a body that is not JSON where JSON was checked later, a connection
        # dropped mid-request) fails this requirement; it must not end the whole run.
        result.status = "failed"
        result.failures.append(
            Verdict(
                check="unexpected_response",
                message=session.redact(f"{type(exc).__name__}: {exc}"),
                exchange=session.exchanges[-1] if session.exchanges else None,
                severity="error",
            )
        )
    result.duration_s = time.perf_counter() - started
    return result


def _reproduce(session: Session, exchange: Exchange | None) -> tuple[str, dict[str, bytes | Path]]:
    """The commands replaying ``exchange``; evidence never ends a run, so any error is none."""
    try:
        return session.reproduce(exchange)
    except Exception:
        return "", {}


async def _decide_by(
    requirement: Requirement, session: Session, deadline: float, *, max_time: float
) -> RequirementResult:
    """:func:`_decide`, cut short (``error``) when the run's deadline comes first."""
    started = time.perf_counter()
    remaining = deadline - started
    if remaining > 0:
        try:
            async with asyncio.timeout(remaining):
                return await _decide(requirement, session)
        except TimeoutError:
            when = "while this requirement ran"
    else:
        when = "before this requirement ran"
    return RequirementResult(
        id=requirement.id,
        title=requirement.title,
        status="error",
        source=requirement.source,
        checks=requirement.checks,
        reason=f"not decided: the run reached --max-time ({max_time:g} s) {when}",
        duration_s=time.perf_counter() - started,
        level=requirement.level,
    )


def run_to_completion(options: ConformOptions) -> tuple[Run, str | None]:
    """Run without a handler: the run, and the reason when it was aborted."""
    for event in execute(options):
        if isinstance(event, RunFinished):
            return event.run, None
        if isinstance(event, RunAborted):
            return event.run, event.reason
    raise RuntimeError("the conformance engine stopped without a final event")
