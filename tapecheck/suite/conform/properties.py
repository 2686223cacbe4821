"""The property-based layer: schemathesis-generated requests, judged by schemathesis's checks.

:func:`register_property_requirements` adds two deep requirements to a vendor
(``catalogue()`` calls it for every vendor, after the vendor's own):

- ``<VENDOR>-SCHEMA-PROPERTIES``: valid requests from every phase that applies
  (the spec's examples, coverage, fuzzing, and the stateful phase on the links
  schemathesis infers) get a documented status, Content-Type, headers and body,
  never a server error;
- ``<VENDOR>-SCHEMA-NEGATIVE``: invalid requests (coverage and fuzzing in
  negative mode) are refused with a documented answer, never a server error.

Hypothesis is synchronous and the runner is one asyncio loop, so generation runs
in a worker thread (:func:`asyncio.to_thread`) and every case goes out as an
``httpx.Request`` through :meth:`Session.send` on the runner's loop: the same
target, client and credentials as every other requirement, recorded redacted.
Uploads are real audio of the operation's accepted formats, registered as the
media types of the file parts and raw bodies. A vendor's ``flow.py``
(``prerequisites(session) -> Fixtures``) creates what path parameters must name
and completes bodies. Runs are seeded by ``--seed`` and bounded by
``--examples`` per operation. What is adjusted in schemathesis, and why, is in
docs/schemathesis-adjustments.md; the adjustments themselves (the document
schemathesis generates from, the audio, what is written into a case and what
stays invalid) are in :mod:`tapecheck.suite.conform.generation`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.generation import (
    CaseAdjustments,
    audio_media_types,
    generation_document,
    is_negative,
    media_types_registered,
    negation_lost_on_the_wire,
    operation_id_of,
)
from tapecheck.suite.conform.requirements import (
    REQUIREMENTS,
    RequirementSkipped,
    RequirementUndecided,
    requirement,
)
from tapecheck.suite.conform.session import Session, TargetUnreachable
from tapecheck.suite.conform.targets import Undecidable

__all__ = [
    "MAX_FAILURES",
    "NEGATIVE_CHECKS",
    "PROPERTY_CHECKS",
    "REJECTION_STATUSES",
    "Fixtures",
    "documented_constraints_only",
    "refusals_of_any_documented_meaning",
    "register_property_requirements",
    "run_properties",
]

#: schemathesis's response checks, applied to every generated case.
PROPERTY_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
#: ... and, for invalid requests, that they are refused.
NEGATIVE_CHECKS = (*PROPERTY_CHECKS, "negative_data_rejection")
#: What "refused" means (CONTRACT.md section 3: any 4xx of the right meaning).
REJECTION_STATUSES = ("400", "401", "403", "404", "405", "409", "413", "415", "422")
#: Stop sending after this many failures (the first is reported, the others counted).
MAX_FAILURES = 5
_ANSWER_TIMEOUT_S = 900.0  # beyond the client's own timeout: the loop itself is stuck


@dataclass
class Fixtures:
    """What a vendor's ``flow.prerequisites`` made so that generated cases reach real resources."""

    #: operationId (or ``*``) -> parameter name -> value (path, query or header), fixed in every case
    parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: completes a *valid* body, (operationId, body) -> body: a real ``downloadUrl``, real ids
    complete: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    #: sees every success, (operationId, JSON body or None): what generated cases created
    collect: Callable[[str, Any], None] | None = None
    #: deletes what the prerequisites and the generated cases created, where the vendor allows
    cleanup: Callable[[], Awaitable[None]] | None = None


def register_property_requirements(vendor: str) -> None:
    """Register ``<VENDOR>-SCHEMA-PROPERTIES`` and ``<VENDOR>-SCHEMA-NEGATIVE`` (once)."""
    prefix = vendor.upper()
    if f"{prefix}-SCHEMA-PROPERTIES" in REQUIREMENTS.get(vendor, {}):
        return
    name = vendor.capitalize()

    async def schema_properties(session: Session) -> None:
        await run_properties(session, negative=False)

    async def schema_negative(session: Session) -> None:
        await run_properties(session, negative=True)

    requirement(
        vendor,
        f"{prefix}-SCHEMA-PROPERTIES",
        title="Generated valid requests get documented, schema-conforming answers "
        "and never a server error",
        level="must",
        source=f"{name}'s API reference: the statuses, Content-Types, headers and response "
        "schemas it documents for every operation. Valid requests generated from them "
        "(schemathesis: examples, coverage, fuzzing and stateful phases; --examples per "
        "operation) get documented answers, never a server error.",
        checks=PROPERTY_CHECKS,
        depth="deep",
    )(schema_properties)
    requirement(
        vendor,
        f"{prefix}-SCHEMA-NEGATIVE",
        title="Generated invalid requests are refused with a documented answer "
        "and never a server error",
        level="should",
        source=f"{name}'s docs constrain values (types, enumerations, formats, required "
        "fields) but do not say what a request breaking them gets; a reasonable expectation: "
        "it is refused (400, 401, 403, 404, 405, 409, 413, 415 or 422), never a server error. "
        "Constraints the spec adds for the linter's sake alone are not held against the target.",
        checks=NEGATIVE_CHECKS,
        depth="deep",
    )(schema_negative)


async def run_properties(session: Session, *, negative: bool) -> None:
    """Make the prerequisites, generate, send, check, clean up; raise the first failure."""
    fixtures = await _prerequisites(session)
    prober = Prober(session, asyncio.get_running_loop(), fixtures, negative=negative)
    try:
        await asyncio.to_thread(prober.run)
    except asyncio.CancelledError:
        prober.error = TargetUnreachable("the run was cancelled")  # the thread stops sending
        raise
    finally:
        if fixtures.cleanup is not None:
            await fixtures.cleanup()
    prober.raise_outcome()


async def _prerequisites(session: Session) -> Fixtures:
    from tapecheck.suite.vendors import optional_vendor_module

    flow = optional_vendor_module(session.vendor, "flow")
    if flow is None:  # nothing to create first: a vendor without a flow of its own
        return Fixtures()
    fixtures: Fixtures = await flow.prerequisites(session)
    return fixtures


# -- one run ---------------------------------------------------------------------------


class _Stop(Exception):
    """Stop the stateful phase: enough failures were found, or the target went away."""


class Prober:
    """One requirement's run, in a worker thread: every phase, and what the target answered."""

    def __init__(
        self,
        session: Session,
        loop: asyncio.AbstractEventLoop,
        fixtures: Fixtures,
        *,
        negative: bool,
    ) -> None:
        self.session = session
        self.loop = loop
        self.fixtures = fixtures
        self.negative = negative
        self.base_url = str(session.client.base_url).rstrip("/")
        self.failures: list[ConformanceFailure] = []
        self.error: BaseException | None = None
        #: cases sent per operation; (operation, phase, status) -> count; what was not sent
        self.sent: Counter[str] = Counter()
        self.statuses: Counter[tuple[str, str, int]] = Counter()
        self.unsendable = 0
        self.not_generated: list[str] = []
        #: the fixed parameters, what is written into every case, which negations are lost
        self.adjustments = CaseAdjustments(
            session, parameters=fixtures.parameters, complete=fixtures.complete
        )

    @property
    def stopped(self) -> bool:
        return self.error is not None or len(self.failures) >= MAX_FAILURES

    def run(self) -> None:
        """Each operation's examples, coverage and fuzzing; then the stateful phase."""
        import schemathesis

        spec = self.session.spec
        config = schemathesis.Config.from_dict(self._config())
        document = generation_document(spec)
        refusals_of_any_documented_meaning(document)
        if self.negative:
            documented_constraints_only(document, spec.raw.get("x-tapecheck-notes", ()))
        schema = schemathesis.openapi.from_dict(document, config=config)
        with media_types_registered(audio_media_types(spec)):
            for result in schema.get_all_operations():
                if self.stopped:
                    break
                if hasattr(result, "ok"):
                    self._run_operation(result.ok())
                else:
                    self.not_generated.append(str(result.err()))
            if not self.negative and not self.stopped:
                self._run_stateful(schema)

    def _config(self) -> dict[str, Any]:
        return {
            "seed": self.session.seed,
            "base-url": self.base_url,
            "generation": {
                "mode": "negative" if self.negative else "positive",
                "max-examples": max(1, self.session.examples),
                "database": "none",
                # Every case carries the run's credential; a generated one would only be refused.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"max-steps": _stateful_steps(self.session.examples)}},
            "checks": {"negative_data_rejection": {"expected-statuses": list(REJECTION_STATUSES)}},
            "suppress-health-check": ["all"],
        }

    def _settings(self, *, stateful: bool = False) -> Any:
        import hypothesis

        examples = max(1, self.session.examples)
        return hypothesis.settings(
            hypothesis.settings.get_profile("default"),
            max_examples=max(1, examples // 5) if stateful else examples,
            stateful_step_count=_stateful_steps(examples),
            derandomize=False,  # the seed decides, so that --seed gives other data
            database=None,
            deadline=None,
            phases=(hypothesis.Phase.explicit, hypothesis.Phase.generate),
            suppress_health_check=list(hypothesis.HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=False,
        )

    def _run_operation(self, operation: Any) -> None:
        import hypothesis
        from hypothesis.errors import Unsatisfiable
        from schemathesis.core.control import SkipTest
        from schemathesis.core.errors import InvalidSchema, SerializationNotPossible
        from schemathesis.generation import derive_operation_seed
        from schemathesis.generation.hypothesis import builder
        from schemathesis.generation.overrides import Override

        modes = [builder.HypothesisTestMode.COVERAGE, builder.HypothesisTestMode.FUZZING]
        if not self.negative:
            modes.insert(0, builder.HypothesisTestMode.EXAMPLES)
        fixed = self.adjustments.fix_parameters(operation)

        def test(case: Any) -> None:
            self.run_case(case)

        try:
            hypothesis_test = builder.create_test(
                operation=operation,
                test_func=test,
                config=builder.HypothesisTestConfig(
                    project=operation.schema.config,
                    modes=modes,
                    settings=self._settings(),
                    override=Override(
                        path_parameters=fixed.get("path", {}),
                        query=fixed.get("query", {}),
                        headers=fixed.get("header", {}),
                    ),
                ),
            )
            # The run's settings and seed, whatever Hypothesis profile the process loaded.
            setattr(hypothesis_test, builder.SETTINGS_ATTRIBUTE_NAME, self._settings())
            seed = derive_operation_seed(self.session.seed, operation.label)
            hypothesis.seed(seed)(hypothesis_test)()
        except (Unsatisfiable, InvalidSchema, SerializationNotPossible, SkipTest) as exc:
            self.not_generated.append(f"{operation.label}: {exc}")

    def _run_stateful(self, schema: Any) -> None:
        import hypothesis
        from schemathesis.core.errors import NoLinksFound
        from schemathesis.generation.stateful import run_state_machine_as_test

        base = schema.as_state_machine()
        if not schema.statistic.transitions.total:
            return  # no link schemathesis could infer: nothing stateful to test
        prober = self

        class Machine(base):  # type: ignore[misc, valid-type]
            rule_order_seed = prober.session.seed

            def call(self, case: Any, **kwargs: Any) -> Any:
                response = prober.send(case)
                if response is None:
                    if prober.stopped:
                        raise _Stop
                    hypothesis.reject()
                return response

            def validate_response(self, response: Any, case: Any, *a: Any, **kw: Any) -> None:
                prober.check(case, response)
                if prober.stopped:
                    raise _Stop

        try:
            run_state_machine_as_test(
                hypothesis.seed(self.session.seed)(Machine),
                settings=self._settings(stateful=True),
            )
        except (_Stop, NoLinksFound):
            pass
        except Exception:
            # Stopping mid-scenario can make Hypothesis's replay of it inconsistent (Flaky...):
            # the failures that stopped it are the verdict.
            if not self.stopped:
                raise

    # -- one case ------------------------------------------------------------------------

    def run_case(self, case: Any) -> None:
        """Send one generated case and check the answer: the body of every Hypothesis test."""
        if self.stopped:
            return
        if self.negative:
            self.adjustments.void_lost_negations(case)
            if not is_negative(case):
                return  # nothing invalid reaches the wire: the valid layer sends such requests
        response = self.send(case)
        if response is not None:
            self.check(case, response)

    def send(self, case: Any) -> Any:
        """Send ``case`` on the runner's loop: the schemathesis response, or None if unsent."""
        import requests
        from schemathesis.core.errors import SerializationError
        from schemathesis.core.transport import Response

        if self.stopped:
            return None
        operation_id = operation_id_of(case.operation)
        self.adjustments.fill(case, operation_id)
        headers, query = self.session.credentials_for(operation_id)
        try:
            kwargs = case.as_transport_kwargs(base_url=self.base_url, headers=headers)
            prepared = requests.Request(
                method=kwargs["method"],
                url=kwargs["url"],
                headers=kwargs.get("headers"),
                params=_merged_query(kwargs.get("params"), query),
                data=kwargs.get("data"),
                files=kwargs.get("files"),
                json=kwargs.get("json"),
                cookies=kwargs.get("cookies"),
            ).prepare()
            raw = prepared.body
            body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else b""
            request = httpx.Request(
                str(prepared.method),
                str(prepared.url),
                headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in _items(prepared)],
                content=body,
            )
        except (
            SerializationError,
            ValueError,
            TypeError,
            UnicodeError,
            requests.RequestException,
            httpx.HTTPError,
        ):
            self.unsendable += 1  # no HTTP client can send it (a header no encoding allows)
            return None
        future = asyncio.run_coroutine_threadsafe(
            self.session.send(request, authenticated=True), self.loop
        )
        try:
            answer = future.result(_ANSWER_TIMEOUT_S)
        except RequirementUndecided as exc:  # no answer in time: nothing to judge
            self.error = exc
            return None
        except httpx.TransportError as exc:  # the connection dropped: nothing to judge
            self.error = RequirementUndecided(f"the target dropped a request ({exc!r})")
            return None
        except (TargetUnreachable, Undecidable) as exc:
            self.error = exc
            return None
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError) as exc:
            self.error = TargetUnreachable(f"no answer from the run's loop ({exc!r})")
            return None
        self.sent[case.operation.label] += 1
        phase = case.meta.phase.name.value if case.meta is not None else "explicit"
        self.statuses[(case.operation.label, phase, answer.status_code)] += 1
        self.session.note(operation_id, dict(case.path_parameters or {}), answer)  # the ledger
        if answer.is_success and self.fixtures.collect is not None:
            self.fixtures.collect(operation_id, _json_or_none(answer))
        multi: dict[str, list[str]] = {}
        for name, value in answer.headers.multi_items():
            multi.setdefault(name, []).append(value)
        return Response(
            status_code=answer.status_code,
            headers=multi,
            content=answer.content,
            request=prepared,
            elapsed=answer.elapsed.total_seconds(),
            verify=True,
            message=answer.reason_phrase,
            http_version=answer.http_version.removeprefix("HTTP/"),
            encoding=answer.encoding,
        )

    def check(self, case: Any, response: Any) -> None:
        """schemathesis's checks, one at a time so that a failure names its check."""
        from schemathesis.checks import CHECKS, load_all_checks
        from schemathesis.core.failures import FailureGroup

        load_all_checks()
        names: tuple[str, ...] = PROPERTY_CHECKS
        if self.negative and not negation_lost_on_the_wire(case):
            names = NEGATIVE_CHECKS
        for name, function in zip(names, CHECKS.get_by_names(list(names)), strict=True):
            try:
                case.validate_response(response, checks=[function])
            except FailureGroup as group:
                exchange = self.session.exchanges[-1] if self.session.exchanges else None
                for failure in group.exceptions:
                    message = str(failure.message).strip()
                    found = _failure(self.session, name, str(failure.title), case, message)
                    found.exchange = exchange
                    self.failures.append(found)

    def raise_outcome(self) -> None:
        """The verdict: the target went away, the first failure, or nothing to send (skipped)."""
        if self.error is not None:
            raise self.error
        if self.failures:
            first = self.failures[0]
            others = Counter(f.code for f in self.failures[1:])
            if others:
                listed = ", ".join(f"{count} {code}" for code, count in sorted(others.items()))
                stop = " (generation stopped there)" if len(self.failures) >= MAX_FAILURES else ""
                first.message += f"\n\nAlso failed: {listed}{stop}."
            raise first
        if not self.sent:
            why = "; ".join(self.not_generated) or "every case was voided or unsendable"
            kind = "invalid" if self.negative else "valid"
            raise RequirementSkipped(f"schemathesis generated no {kind} request to send: {why}")


# -- helpers ------------------------------------------------------------------------------


#: The refusals any operation may answer where the docs pin no status: a missing or wrong
#: credential, a body over a limit, a wrong content type, invalid data, another's resource.
_MEANINGS = ("400", "401", "403", "404", "413", "415", "422")


def refusals_of_any_documented_meaning(document: dict[str, Any]) -> None:
    """Let every operation answer the refusals of each meaning (401 or 403, 400 or 422, ...).

    A spec lists the statuses the docs show (some vendors' docs show none: their spec
    adds 400 and 401 for the linter and the mock); a target that answers 422 for a
    duplicate contact, or 415 for a body without a Content-Type, follows the docs as
    well. Operations keep their own definition of a status they document.
    """
    for item in document.get("paths", {}).values():
        if not isinstance(item, dict):
            continue
        for operation in item.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if not isinstance(responses, dict):
                continue
            for status in _MEANINGS:
                responses.setdefault(
                    status, {"description": "A refusal of this meaning; the docs pin no status."}
                )


def documented_constraints_only(document: dict[str, Any], notes: Any) -> list[str]:
    """Drop from ``document`` the constraints a spec adds for the linter's sake alone.

    A note with ``provenance: linter`` points at a schema keyword (a prefix
    ``pattern`` on a list filter, a ``type`` from an SDK) that the vendor's docs do
    not state: a target that accepts a value breaking it (200 and an empty list)
    follows the docs as well as one that refuses it, so no invalid request is
    generated from it. Returns the pointers dropped.
    """
    dropped: list[str] = []
    for note in notes if isinstance(notes, list) else ():
        if not isinstance(note, Mapping) or note.get("provenance") != "linter":
            continue
        pointer = str(note.get("at", ""))
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
        node: Any = document
        for token in tokens[:-1]:
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                node = None
        if isinstance(node, dict) and tokens and tokens[-1] in node:
            del node[tokens[-1]]
            dropped.append(pointer)
    return dropped


def _stateful_steps(examples: int) -> int:
    return max(2, min(10, examples // 2))


def _items(prepared: Any) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in prepared.headers.items()]


def _merged_query(params: Any, extra: Mapping[str, str]) -> Any:
    if not extra:
        return params
    if isinstance(params, str):
        from urllib.parse import urlencode

        return "&".join(part for part in (params.lstrip("?"), urlencode(extra)) if part)
    return {**(params or {}), **extra}


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _failure(
    session: Session,
    check: str,
    title: str,
    case: Any,
    message: str,
    request: httpx.Request | None = None,
) -> ConformanceFailure:
    """A failure that says which generated request (operation, mode, phase, what is invalid)."""
    meta = case.meta
    what = case.operation.label
    if meta is not None:
        invalid = bool(meta.generation.mode.is_negative)
        what += f", {'invalid' if invalid else 'valid'} request ({meta.phase.name.value} phase)"
        description = getattr(meta.phase.data, "description", None)
        if invalid and description:
            what += f": {description}"
    found = ConformanceFailure(check, title, f"{what}. {message}")
    if request is not None:
        found.exchange = session.exchange(request, None)
    return found
