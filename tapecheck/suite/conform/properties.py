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
docs/schemathesis-adjustments.md; the numbers below refer to it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import functools
import importlib
import importlib.util
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from tapecheck.strategies import AUDIO_FORMATS, ENCODINGS, encode_audio
from tapecheck.suite.conform.checks import ConformanceFailure
from tapecheck.suite.conform.media import MIME
from tapecheck.suite.conform.requirements import REQUIREMENTS, RequirementSkipped, requirement
from tapecheck.suite.conform.session import Session, TargetUnreachable
from tapecheck.suite.specs import Operation, Spec

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = [
    "MAX_FAILURES",
    "NEGATIVE_CHECKS",
    "PROPERTY_CHECKS",
    "REJECTION_STATUSES",
    "Fixtures",
    "accepted_formats",
    "audio_payloads",
    "generation_document",
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
#: Durations of generated audio: short, and few, so that each encoding is made once or twice.
AUDIO_DURATIONS_S = (0.5, 1.5)
#: Stop sending after this many failures (the first is reported, the others counted).
MAX_FAILURES = 5
_ANSWER_TIMEOUT_S = 900.0  # beyond the client's own timeout: the loop itself is stuck
#: Coverage scenarios whose invalid part is the request's shape, not a component's value.
_SHAPE_PROBES = frozenset(
    {
        "unspecified_http_method",
        "unsupported_path_pattern",
        "malformed_content_type",
        "unsupported_content_type",
        "duplicate_parameter",
    }
)
_LOCK = threading.Lock()  # schemathesis's media-type registry is process-wide


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
    source = f"specs/{vendor}.yaml, every operation (schemathesis {{}}); --examples per operation"

    async def schema_properties(session: Session) -> None:
        await run_properties(session, negative=False)

    async def schema_negative(session: Session) -> None:
        await run_properties(session, negative=True)

    requirement(
        vendor,
        f"{prefix}-SCHEMA-PROPERTIES",
        title="Generated valid requests get documented, schema-conforming answers "
        "and never a server error",
        source=source.format("examples, coverage, fuzzing and stateful phases"),
        checks=PROPERTY_CHECKS,
        depth="deep",
    )(schema_properties)
    requirement(
        vendor,
        f"{prefix}-SCHEMA-NEGATIVE",
        title="Generated invalid requests are refused with a documented answer "
        "and never a server error",
        source=source.format("coverage and fuzzing phases, negative mode"),
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
    name = f"tapecheck.suite.vendors.{session.vendor}.flow"
    if importlib.util.find_spec(name) is None:
        return Fixtures()
    fixtures: Fixtures = await importlib.import_module(name).prerequisites(session)
    return fixtures


# -- audio ----------------------------------------------------------------------------


def accepted_formats(operation: Operation) -> tuple[str, ...]:
    """The probe formats of an operation's audio (``x-tapecheck.audio.formats``; all when unset)."""
    formats = (operation.audio or {}).get("formats")
    if isinstance(formats, list):
        return tuple(f for f in formats if f in AUDIO_FORMATS) or AUDIO_FORMATS
    return AUDIO_FORMATS


@functools.cache
def _encoded(encoding: str, duration_s: float) -> bytes:
    return encode_audio(encoding, duration_s=duration_s)


def audio_payloads(*, formats: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Real audio of ``formats``: every encoding of them, half a second or 1.5 s (cached)."""
    from hypothesis import strategies as st

    names = sorted(name for name, spec in ENCODINGS.items() if spec.format in formats)
    if not names:
        raise ValueError(f"no encoding makes any of {formats}")
    return st.builds(_encoded, st.sampled_from(names), st.sampled_from(AUDIO_DURATIONS_S))


def _media_type_strategies(spec: Spec) -> dict[str, st.SearchStrategy[bytes]]:
    """Each audio MIME type, and each raw audio body's media type, to real audio (adjustment 1)."""
    strategies = {MIME[fmt]: audio_payloads(formats=(fmt,)) for fmt in AUDIO_FORMATS}
    for operation in spec.operations.values():
        if (operation.audio or {}).get("location") == "content":
            for media_type in operation.media_types:
                strategies[media_type] = audio_payloads(formats=accepted_formats(operation))
    return strategies


@contextmanager
def _registered(strategies: Mapping[str, st.SearchStrategy[bytes]]) -> Iterator[None]:
    """Put ``strategies`` in schemathesis's media-type registry for the block only."""
    from schemathesis.core.media_types import MEDIA_TYPE_STRATEGIES

    with _LOCK:
        saved = dict(MEDIA_TYPE_STRATEGIES)
        MEDIA_TYPE_STRATEGIES.update(strategies)
        try:
            yield
        finally:
            MEDIA_TYPE_STRATEGIES.clear()
            MEDIA_TYPE_STRATEGIES.update(saved)


# -- the document schemathesis generates from ------------------------------------------


def generation_document(spec: Spec) -> dict[str, Any]:
    """A copy of the spec, as schemathesis reads it to generate (adjustments 2 and 3).

    Multipart uploads: an audio part without ``encoding.contentType`` gets the
    MIME types of its accepted formats; an upload carries an audio part (one of
    ``x-tapecheck.audio.parts``); a form field holding a JSON document
    (``contentMediaType: application/json`` with a ``contentSchema``) is
    generated from its ``contentSchema`` and still travels as the field's text.
    """
    document: dict[str, Any] = copy.deepcopy(dict(spec.raw))
    for operation in spec.operations.values():
        raw_operation = document["paths"][operation.path][operation.method]
        body = raw_operation.get("requestBody")
        if isinstance(body, dict) and "$ref" in body:
            body = raw_operation["requestBody"] = copy.deepcopy(dict(spec.resolve(body)))
        if not isinstance(body, dict):
            continue
        for media_type, content in body.get("content", {}).items():
            if not media_type.startswith("multipart/") or not isinstance(content, dict):
                continue
            schema = _local_schema(document, content.get("schema"))
            audio = operation.audio or {}
            if audio.get("location") == "part" and schema is not None:
                parts = [p for p in audio.get("parts", ()) if p in schema.get("properties", {})]
                mime = ", ".join(dict.fromkeys(MIME[f] for f in accepted_formats(operation)))
                for part in parts:
                    content.setdefault("encoding", {}).setdefault(part, {})
                    content["encoding"][part].setdefault("contentType", mime)
                _require_one_of(schema, parts)
            if schema is not None:
                _json_fields_from_content_schema(schema)
    return document


def _require_one_of(schema: dict[str, Any], parts: list[str]) -> None:
    if len(parts) == 1:
        required = schema.setdefault("required", [])
        if parts[0] not in required:
            required.append(parts[0])
    elif parts:
        one_of_them = {"anyOf": [{"required": [part]} for part in parts]}
        schema["allOf"] = [*schema.get("allOf", []), one_of_them]


def _local_schema(document: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """Follow local ``$ref`` s to the schema object inside ``document`` (to edit it in place)."""
    for _ in range(16):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        if not schema["$ref"].startswith("#/"):
            return None
        target: Any = document
        for token in schema["$ref"][2:].split("/"):
            target = target.get(token.replace("~1", "/").replace("~0", "~"), {})
        schema = target
    return schema if isinstance(schema, dict) else None


def _json_fields_from_content_schema(schema: dict[str, Any]) -> None:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return
    for name, prop in list(properties.items()):
        if (
            isinstance(prop, dict)
            and "contentSchema" in prop
            and str(prop.get("contentMediaType", "")).endswith("json")
        ):
            properties[name] = {"allOf": [prop["contentSchema"]]} | (
                {"description": prop["description"]} if "description" in prop else {}
            )


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
        tenant = session.spec.ext.get("tenant", {})
        self.tenant = (str(tenant.get("in", "")), str(tenant.get("name", "")))
        #: operation label -> the locations whose every parameter a fixture fixes
        self.fixed_locations: dict[str, set[str]] = {}
        #: operationId -> (parts, MIME type, audio) for the untouched file parts of invalid cases
        self.part_audio = {
            op.operation_id: (
                tuple((op.audio or {}).get("parts", ())),
                MIME[accepted_formats(op)[0]],
                session.media.audio_bytes(accepted_formats(op)[0]),
            )
            for op in session.spec.operations.values()
            if (op.audio or {}).get("location") == "part"
        }

    @property
    def stopped(self) -> bool:
        return self.error is not None or len(self.failures) >= MAX_FAILURES

    def run(self) -> None:
        """Each operation's examples, coverage and fuzzing; then the stateful phase."""
        import schemathesis

        spec = self.session.spec
        config = schemathesis.Config.from_dict(self._config())
        schema = schemathesis.openapi.from_dict(generation_document(spec), config=config)
        with _registered(_media_type_strategies(spec)):
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
        from schemathesis.core.parameters import ParameterLocation
        from schemathesis.generation import derive_operation_seed
        from schemathesis.generation.hypothesis import builder
        from schemathesis.generation.overrides import Override

        modes = [builder.HypothesisTestMode.COVERAGE, builder.HypothesisTestMode.FUZZING]
        if not self.negative:
            modes.insert(0, builder.HypothesisTestMode.EXAMPLES)
        fixed = self._fixed_parameters(operation)
        self.fixed_locations[operation.label] = {
            where
            for where, values in fixed.items()
            if {p.name for p in operation.get_parameter_set(ParameterLocation(where))}
            <= set(values)
        }

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

    def _fixed_parameters(self, operation: Any) -> dict[str, dict[str, str]]:
        """Location -> name -> value: the tenant and the fixtures' parameters of this operation."""
        spec_operation = self.session.op(_operation_id(operation))
        values = {
            self.tenant[1]: self.session.credentials.tenant,
            **self.fixtures.parameters.get("*", {}),
            **self.fixtures.parameters.get(spec_operation.operation_id, {}),
        }
        fixed: dict[str, dict[str, str]] = {}
        for parameter in spec_operation.parameters:
            if parameter["name"] in values:
                fixed.setdefault(parameter["in"], {})[parameter["name"]] = values[parameter["name"]]
        return fixed

    # -- one case ------------------------------------------------------------------------

    def run_case(self, case: Any) -> None:
        """Send one generated case and check the answer: the body of every Hypothesis test."""
        if self.stopped:
            return
        if self.negative:
            self._void_lost_negations(case)
            if not _is_negative(case):
                return  # nothing invalid reaches the wire: the valid layer sends such requests
        response = self.send(case)
        if response is not None:
            self.check(case, response)

    def _void_lost_negations(self, case: Any) -> None:
        """An invalid value a fixture replaced, or a body the schema accepts, is valid (4, 5)."""
        from schemathesis.core.parameters import ParameterLocation
        from schemathesis.generation import GenerationMode
        from schemathesis.generation.meta import ComponentInfo

        meta = case.meta
        if meta is None or getattr(meta.phase.data, "scenario", None) in _SHAPE_PROBES:
            return  # the method, the path or the Content-Type is what is invalid
        void = {ParameterLocation(w) for w in self.fixed_locations.get(case.operation.label, ())}
        if _body_is_valid(case):
            void.add(ParameterLocation.BODY)
        for location in void:
            info = meta.components.get(location)
            if info is not None and info.mode.is_negative:
                meta.components[location] = ComponentInfo(mode=GenerationMode.POSITIVE)
        if not any(info.mode.is_negative for info in meta.components.values()):
            meta.generation.mode = GenerationMode.POSITIVE

    def _fill(self, case: Any, operation_id: str) -> None:
        """The tenant everywhere; bodies completed by the flow; real audio in valid file parts.

        These are what a fixture or an override writes, not edits of generated
        values: the case's metadata is frozen after them, so schemathesis does
        not re-judge the case from them (it reads any file as invalid JSON).
        """
        from schemathesis.transport.serialization import Binary

        negative = _is_negative(case)
        touched = _negated_body_properties(case) if negative else set()
        where, name = self.tenant
        tenant = self.session.credentials.tenant
        if where == "path":
            case.path_parameters = {**(case.path_parameters or {}), name: tenant}
        elif where == "header":
            case.headers = {**(case.headers or {}), name: tenant}
        if isinstance(case.body, dict):
            # Completed in invalid requests too, but never a value the case made invalid:
            # the refusal must come from that value.
            if self.fixtures.complete is not None and touched is not None:
                body = self.fixtures.complete(operation_id, dict(case.body))
                for key in touched:
                    if key in case.body:
                        body[key] = case.body[key]
                    else:
                        body.pop(key, None)
                case.body = body
            parts, mime, audio = self.part_audio.get(operation_id, ((), "", b""))
            for part in parts:  # adjustment 7: any bytes are a valid file, so these are audio
                if negative and isinstance(case.body.get(part), bytes | Binary):
                    case.body = {**case.body, part: audio}
                    types_ = {**(case.multipart_content_types or {}), part: mime}
                    case.multipart_content_types = types_
        case.freeze_metadata()

    def send(self, case: Any) -> Any:
        """Send ``case`` on the runner's loop: the schemathesis response, or None if unsent."""
        import requests
        from schemathesis.core.errors import SerializationError
        from schemathesis.core.transport import Response

        if self.stopped:
            return None
        operation_id = _operation_id(case.operation)
        self._fill(case, operation_id)
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
        except ConformanceFailure as failure:  # no answer in time: a finding
            self.failures.append(failure)
            return None
        except httpx.TransportError as exc:  # the connection dropped: a finding
            self.failures.append(
                _failure(
                    self.session,
                    "not_a_server_error",
                    "No answer",
                    case,
                    f"the target dropped the request ({exc!r})",
                    request,
                )
            )
            return None
        except TargetUnreachable as exc:
            self.error = exc
            return None
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError) as exc:
            self.error = TargetUnreachable(f"no answer from the run's loop ({exc!r})")
            return None
        self.sent[case.operation.label] += 1
        phase = case.meta.phase.name.value if case.meta is not None else "explicit"
        self.statuses[(case.operation.label, phase, answer.status_code)] += 1
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
        if self.negative and not _negation_lost_on_the_wire(case):
            names = NEGATIVE_CHECKS
        for name, function in zip(names, CHECKS.get_by_names(list(names)), strict=True):
            try:
                case.validate_response(response, checks=[function])
            except FailureGroup as group:
                exchange = self.session.exchanges[-1] if self.session.exchanges else None
                for failure in group.exceptions:
                    message = str(failure.message).strip()
                    found = _failure(self.session, name, str(failure.title), case, message)
                    found.exchange = exchange  # type: ignore[attr-defined]
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


def _stateful_steps(examples: int) -> int:
    return max(2, min(10, examples // 2))


def _operation_id(operation: Any) -> str:
    return str(operation.definition.raw.get("operationId", ""))


def _is_negative(case: Any) -> bool:
    return case.meta is not None and bool(case.meta.generation.mode.is_negative)


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
        found.exchange = session.exchange(request, None)  # type: ignore[attr-defined]
    return found


def _body_is_valid(case: Any) -> bool:
    """Whether a generated body (a file read as any bytes) satisfies its schema after all."""
    from schemathesis.core import NOT_SET
    from schemathesis.core.jsonschema import make_validator
    from schemathesis.transport.serialization import Binary

    body = case.body
    alternative = None
    if body is not NOT_SET and case.media_type is not None and not isinstance(body, bytes):
        alternative = case.operation.get_body_for_media_type(case.media_type)
    if alternative is None:
        return False
    if isinstance(body, dict):
        body = {k: "" if isinstance(v, bytes | bytearray | Binary) else v for k, v in body.items()}
    try:
        validator_cls = case.operation.schema.adapter.jsonschema_validator_cls
        return bool(make_validator(alternative.optimized_schema, validator_cls).is_valid(body))
    except Exception:  # a schema or value the validator cannot read: keep the case as generated
        return False


def _negated_body_properties(case: Any) -> set[str] | None:
    """Top-level body properties the case made invalid; None when that cannot be told.

    None for a missing property, the body as a whole, or a coverage case
    (whose invalid value is not located more precisely than its name).
    """
    from schemathesis.core.mutations import OperatorKind

    data = case.meta.phase.data if case.meta is not None else None
    names: set[str] = set()
    for mutation in getattr(data, "mutations", ()):
        if mutation.parameter_location.value != "body":
            continue
        if mutation.operator == OperatorKind.REMOVE_REQUIRED_PROPERTY or not mutation.path:
            return None
        names.add(str(mutation.path[0]))
    body_negated = any(
        where.value == "body" and info.mode.is_negative
        for where, info in (case.meta.components.items() if case.meta is not None else ())
    )
    if body_negated and not names:
        return None
    return names


def _negation_lost_on_the_wire(case: Any) -> bool:
    """Whether only file parts' values are invalid: any bytes are a valid file (adjustment 6).

    A ``format: binary`` part takes any bytes, so a value mutated into another
    JSON type (``5`` for a file) goes out as the bytes ``5``: a valid file as
    far as the schema can tell. A missing part is visible and still judged.
    """
    meta = case.meta
    if meta is None or not str(case.media_type or "").startswith("multipart/"):
        return False
    if any(
        info.mode.is_negative for where, info in meta.components.items() if where.value != "body"
    ):
        return False
    alternative = case.operation.get_body_for_media_type(case.media_type)
    properties = (getattr(alternative, "resolved_schema", None) or {}).get("properties", {})
    binary = {
        name
        for name, schema in properties.items()
        if isinstance(schema, dict) and schema.get("format") in ("binary", "byte")
    }
    touched = _negated_body_properties(case)
    return touched is not None and bool(touched) and touched <= binary
