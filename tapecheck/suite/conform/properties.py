"""The property-based layer: schemathesis-generated requests, judged by schemathesis's checks.

:func:`register_property_requirements` adds two deep requirements to a vendor
(``catalogue()`` calls it for every vendor, after the vendor's own):

- ``<VENDOR>-SCHEMA-PROPERTIES``: valid requests from every phase that applies
  (the spec's examples, schemathesis's coverage cases, fuzzing, and the stateful
  phase on the links schemathesis infers) get a documented status, Content-Type,
  headers and body, and never a server error;
- ``<VENDOR>-SCHEMA-NEGATIVE``: invalid requests (coverage and fuzzing in
  negative mode) are refused, with a documented answer and never a server error.

Hypothesis is synchronous and the runner is one asyncio loop, so generation runs
in a worker thread (:func:`asyncio.to_thread`) and each case goes out as an
``httpx.Request`` through :meth:`Session.send` on the runner's loop: the same
target, client and credentials as every other requirement, and the exchange is
recorded redacted. Uploads are real audio of the operation's accepted formats
(``x-tapecheck.audio.formats``), registered as the media types of the file parts
and raw bodies. A vendor's ``flow.py`` (``prerequisites(session)``) creates what
path parameters must name (a Corti interaction, a Crescendo job, a Bota
recording) and completes valid bodies (a Siro ``downloadUrl``). Everything is
seeded by ``--seed`` and bounded by ``--examples`` per operation.
docs/schemathesis-adjustments.md says what is adjusted in schemathesis and why.
"""

from __future__ import annotations

import asyncio
import copy
import functools
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
    "NEGATIVE_CHECKS",
    "PROPERTY_CHECKS",
    "Fixtures",
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
#: ... and, for invalid data, that it is refused.
NEGATIVE_CHECKS = (*PROPERTY_CHECKS, "negative_data_rejection")
#: What "refused" means (CONTRACT.md 3: any 4xx of the right meaning).
REJECTION_STATUSES = ("400", "401", "403", "404", "405", "409", "413", "415", "422")
#: Durations of generated audio: short, and few, so that every encoding is made once.
AUDIO_DURATIONS_S = (0.5, 1.5)
#: Stop sending after this many failures (the first is reported, the rest counted).
MAX_FAILURES = 5
_SEND_TIMEOUT_S = 900.0
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
_SOURCE = "specs/{vendor}.yaml, every operation (schemathesis {phases})"
_LOCK = threading.Lock()  # the media-type registry is process-wide


@dataclass
class Fixtures:
    """What a vendor's ``flow.prerequisites`` made so that generated cases reach real resources."""

    #: operationId (or ``*`` for all) -> parameter name -> value, for path, query or header
    parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: completes a *valid* body (operationId, body) -> body: ids that must exist, a real downloadUrl
    complete: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    #: sees every success (operationId, JSON body), to clean up what generated cases created
    collect: Callable[[str, Any], None] | None = None
    #: deletes what the prerequisites (and collected successes) created
    cleanup: Callable[[], Awaitable[None]] | None = None


# -- registration -----------------------------------------------------------------


def register_property_requirements(vendor: str) -> None:
    """Register ``<VENDOR>-SCHEMA-PROPERTIES`` and ``<VENDOR>-SCHEMA-NEGATIVE`` (once)."""
    prefix = vendor.upper()
    table = REQUIREMENTS.get(vendor, {})
    if f"{prefix}-SCHEMA-PROPERTIES" in table:
        return

    async def schema_properties(session: Session) -> None:
        await run_properties(session, negative=False)

    async def schema_negative(session: Session) -> None:
        await run_properties(session, negative=True)

    requirement(
        vendor,
        f"{prefix}-SCHEMA-PROPERTIES",
        title="Generated valid requests get documented, schema-conforming answers "
        "and never a server error",
        source=_SOURCE.format(vendor=vendor, phases="examples, coverage, fuzzing, stateful"),
        checks=PROPERTY_CHECKS,
        depth="deep",
    )(schema_properties)
    requirement(
        vendor,
        f"{prefix}-SCHEMA-NEGATIVE",
        title="Generated invalid requests are refused with a documented answer, "
        "never accepted and never a server error",
        source=_SOURCE.format(vendor=vendor, phases="coverage and fuzzing, negative mode"),
        checks=NEGATIVE_CHECKS,
        depth="deep",
    )(schema_negative)


# -- audio ----------------------------------------------------------------------------


def accepted_formats(operation: Operation) -> tuple[str, ...]:
    """The probe formats an operation's audio may be (all of them when the docs set none)."""
    formats = (operation.audio or {}).get("formats")
    if isinstance(formats, list):
        return tuple(f for f in formats if f in AUDIO_FORMATS) or AUDIO_FORMATS
    return AUDIO_FORMATS


@functools.cache
def _encoded(encoding: str, duration_s: float) -> bytes:
    return encode_audio(encoding, duration_s=duration_s)


def audio_payloads(*, formats: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """Real audio of ``formats``, every encoding of them, a second or so long (cached)."""
    from hypothesis import strategies as st

    names = sorted(name for name, spec in ENCODINGS.items() if spec.format in formats)
    if not names:
        raise ValueError(f"no encoding makes any of {formats}")
    return st.builds(_encoded, st.sampled_from(names), st.sampled_from(AUDIO_DURATIONS_S))


def _media_type_strategies(spec: Spec) -> dict[str, st.SearchStrategy[bytes]]:
    """Media type -> audio strategy: each audio MIME type, and the raw bodies' media types."""
    strategies: dict[str, st.SearchStrategy[bytes]] = {
        MIME[fmt]: audio_payloads(formats=(fmt,)) for fmt in AUDIO_FORMATS
    }
    for operation in spec.operations.values():
        if (operation.audio or {}).get("location") == "content":
            for media_type in operation.media_types:
                strategies[media_type] = audio_payloads(formats=accepted_formats(operation))
    return strategies


@contextmanager
def _registered(strategies: Mapping[str, st.SearchStrategy[bytes]]) -> Iterator[None]:
    """Register ``strategies`` in schemathesis's media-type registry for the block only."""
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
    """The spec as schemathesis reads it, with the adjustments of docs/schemathesis-adjustments.md.

    1. An audio part without ``encoding.contentType`` gets the MIME types of its
       accepted formats, so the registered audio strategies fill it.
    2. An upload carries an audio part: the part is required (one of them, where
       ``x-tapecheck.audio.parts`` names several).
    3. A form field that carries a JSON document (``contentMediaType: application/json``
       with a ``contentSchema``) is generated from its ``contentSchema``; it still
       travels as the field's text (schemathesis writes objects as JSON).
    """
    document: dict[str, Any] = copy.deepcopy(dict(spec.raw))
    for operation in spec.operations.values():
        raw_operation = document["paths"][operation.path][operation.method]
        body = raw_operation.get("requestBody")
        if not isinstance(body, dict):
            continue
        if "$ref" in body:
            body = raw_operation["requestBody"] = copy.deepcopy(dict(spec.resolve(body)))
        for media_type, content in body.get("content", {}).items():
            if not media_type.startswith("multipart/") or not isinstance(content, dict):
                continue
            _encode_audio_parts(operation, content)
            schema = _local_schema(document, content.get("schema"))
            if schema is not None:
                _require_an_audio_part(operation, schema)
                _json_fields_from_content_schema(schema)
    return document


def _encode_audio_parts(operation: Operation, content: dict[str, Any]) -> None:
    audio = operation.audio or {}
    if audio.get("location") != "part":
        return
    mime = ", ".join(dict.fromkeys(MIME[fmt] for fmt in accepted_formats(operation)))
    encoding = content.setdefault("encoding", {})
    for part in audio.get("parts", ()):
        encoding.setdefault(part, {}).setdefault("contentType", mime)


def _require_an_audio_part(operation: Operation, schema: dict[str, Any]) -> None:
    audio = operation.audio or {}
    parts = [p for p in audio.get("parts", ()) if p in schema.get("properties", {})]
    if audio.get("location") != "part" or not parts:
        return
    if len(parts) == 1:
        required = schema.setdefault("required", [])
        if parts[0] not in required:
            required.append(parts[0])
        return
    one_of_them = {"anyOf": [{"required": [part]} for part in parts]}
    schema["allOf"] = [*schema.get("allOf", []), one_of_them]


def _local_schema(document: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """Follow local ``$ref`` s to the schema object inside ``document`` (to edit it in place)."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 16:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return None
        schema = document
        for token in ref[2:].split("/"):
            schema = schema.get(token.replace("~1", "/").replace("~0", "~"), {})
        seen += 1
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
            replacement = dict(prop["contentSchema"])
            if "description" in prop:
                replacement = {"allOf": [replacement], "description": prop["description"]}
            properties[name] = replacement


# -- running ------------------------------------------------------------------------


async def _prerequisites(session: Session) -> Fixtures:
    module_name = f"tapecheck.suite.vendors.{session.vendor}.flow"
    if importlib.util.find_spec(module_name) is None:
        return Fixtures()
    module = importlib.import_module(module_name)
    fixtures: Fixtures = await module.prerequisites(session)
    return fixtures


async def run_properties(session: Session, *, negative: bool) -> None:
    """Generate, send and check; raise the first failure (the others counted in its message)."""
    fixtures = await _prerequisites(session)
    try:
        prober = Prober(session, asyncio.get_running_loop(), fixtures, negative=negative)
        await asyncio.to_thread(prober.run)
    finally:
        if fixtures.cleanup is not None:
            await fixtures.cleanup()
    prober.raise_outcome()



class _Stop(Exception):
    """Stop generating: enough failures were found, or the target went away."""


class Prober:
    """One requirement's run: the schema, every phase, and what the target answered."""

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
        #: operation label -> cases sent; cases that could not be sent; operations not generated
        self.sent: Counter[str] = Counter()
        #: (operation label, phase, status) -> count, for whoever wants to see how deep it went
        self.statuses: Counter[tuple[str, str, int]] = Counter()
        self.unsendable = 0
        self.not_generated: list[str] = []
        self.tenant = _tenant_parameter(session)
        #: operation label -> locations whose every declared parameter tapecheck fixes
        self.fixed_locations: dict[str, set[str]] = {}
        #: operationId -> (parts, MIME type, audio): what unmutated file parts of invalid cases carry
        self.part_audio = {
            operation.operation_id: (
                tuple((operation.audio or {}).get("parts", ())),
                MIME[accepted_formats(operation)[0]],
                session.media.audio_bytes(accepted_formats(operation)[0]),
            )
            for operation in session.spec.operations.values()
            if (operation.audio or {}).get("location") == "part"
        }

    @property
    def stopped(self) -> bool:
        return self.error is not None or len(self.failures) >= MAX_FAILURES

    # -- phases ----------------------------------------------------------------------

    def run(self) -> None:
        """Every operation (examples, coverage, fuzzing), then the stateful phase (in a thread)."""
        import schemathesis

        spec = self.session.spec
        config = schemathesis.Config.from_dict(self._config())
        schema = schemathesis.openapi.from_dict(generation_document(spec), config=config)
        with _registered(_media_type_strategies(spec)):
            for result in schema.get_all_operations():
                if self.stopped:
                    break
                if not hasattr(result, "ok"):
                    self.not_generated.append(str(result.err()))
                    continue
                self._run_operation(result.ok())
            if not self.negative and not self.stopped:
                self._run_stateful(schema)

    def _config(self) -> dict[str, Any]:
        return {
            "seed": self.session.seed,
            "base-url": self.base_url,
            "generation": {
                "mode": "negative" if self.negative else "positive",
                "max-examples": self.session.examples,
                "database": "none",
                # The run's credential goes on every case; a generated one would only be refused.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"max-steps": _stateful_steps(self.session.examples)}},
            "checks": {"negative_data_rejection": {"expected-statuses": list(REJECTION_STATUSES)}},
            "suppress-health-check": ["all"],
        }

    def _settings(self, *, stateful: bool = False) -> Any:
        import hypothesis

        examples = self.session.examples
        return hypothesis.settings(
            hypothesis.settings.get_profile("default"),
            max_examples=max(1, examples // 5) if stateful else examples,
            stateful_step_count=_stateful_steps(examples),
            derandomize=False,
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
            location
            for location, values in fixed.items()
            if {p.name for p in operation.get_parameter_set(ParameterLocation(location))}
            <= set(values)
        }
        override = Override(
            path_parameters=fixed.get("path", {}),
            query=fixed.get("query", {}),
            headers=fixed.get("header", {}),
        )

        def test_case(case: Any) -> None:
            self.run_case(case)

        try:
            test = builder.create_test(
                operation=operation,
                test_func=test_case,
                config=builder.HypothesisTestConfig(
                    project=operation.schema.config,
                    modes=modes,
                    settings=self._settings(),
                    override=override,
                ),
            )
            # The run's settings and seed, whatever Hypothesis profile the process loaded.
            setattr(test, builder.SETTINGS_ATTRIBUTE_NAME, self._settings())
            test = hypothesis.seed(derive_operation_seed(self.session.seed, operation.label))(test)
            test()
        except (Unsatisfiable, InvalidSchema, SerializationNotPossible, SkipTest) as exc:
            self.not_generated.append(f"{operation.label}: {exc}")

    def _run_stateful(self, schema: Any) -> None:
        import hypothesis
        from schemathesis.core.errors import NoLinksFound
        from schemathesis.generation.stateful import run_state_machine_as_test

        base = schema.as_state_machine()
        if not schema.statistic.transitions.total:
            return  # no links schemathesis could infer: nothing stateful to test
        prober = self

        class Machine(base):  # type: ignore[misc, valid-type]
            def call(self, case: Any, **kwargs: Any) -> Any:
                response = prober.send(case)
                if response is None:
                    if prober.stopped:
                        raise _Stop
                    hypothesis.reject()
                return response

            def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
                prober.check(case, response)
                if prober.stopped:
                    raise _Stop

        Machine.rule_order_seed = self.session.seed
        machine = hypothesis.seed(self.session.seed)(Machine)
        try:
            run_state_machine_as_test(machine, settings=self._settings(stateful=True))
        except (_Stop, NoLinksFound):
            pass

    # -- one case -----------------------------------------------------------------------

    def run_case(self, case: Any) -> None:
        """Send one generated case and check the answer (the body of every Hypothesis test)."""
        if self.stopped:
            return
        if self.negative:
            self._void_lost_negations(case)
            if not _is_negative(case):
                return  # nothing invalid is left to send: the positive layer sends those
        response = self.send(case)
        if response is not None:
            self.check(case, response)

    def send(self, case: Any) -> Any:
        """Send ``case`` on the runner's loop; the schemathesis response, or None if unsent."""
        import requests
        from schemathesis.core.transport import Response

        if self.stopped:
            return None
        operation_id = _operation_id(case)
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
            body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
            request = httpx.Request(
                str(prepared.method),
                str(prepared.url),
                headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in _items(prepared)],
                content=body or b"",
            )
        except (ValueError, TypeError, UnicodeError, requests.RequestException, httpx.HTTPError):
            self.unsendable += 1
            return None
        future = asyncio.run_coroutine_threadsafe(
            self.session.send(request, authenticated=True), self.loop
        )
        try:
            answer = future.result(_SEND_TIMEOUT_S)
        except ConformanceFailure as failure:  # no answer in time: a finding
            self.failures.append(failure)
            return None
        except httpx.TransportError as exc:  # the target dropped the request: a finding
            self.failures.append(_dropped(self.session, case, request, exc))
            return None
        except (TargetUnreachable, RuntimeError) as exc:
            self.error = exc
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
            _override=None,
        )

    def _fill(self, case: Any, operation_id: str) -> None:
        """The tenant on every case; a valid body completed by the vendor's flow."""
        location, name = self.tenant
        if location == "path":
            case.path_parameters = {**(case.path_parameters or {}), name: self.session.credentials.tenant}
        elif location == "header":
            case.headers = {**(case.headers or {}), name: self.session.credentials.tenant}
        if not isinstance(case.body, dict):
            return
        if not _is_negative(case):
            if self.fixtures.complete is not None:
                case.body = self.fixtures.complete(operation_id, dict(case.body))
            return
        parts, mime, audio = self.part_audio.get(operation_id, ((), "", b""))
        mutated = _mutated_properties(case)
        for part in parts:
            # Adjustment 6: a file part the case did not mutate carries real audio.
            if part in case.body and part not in mutated and isinstance(case.body[part], bytes | str):
                case.body = {**case.body, part: audio}
                case.multipart_content_types = {**(case.multipart_content_types or {}), part: mime}

    def _void_lost_negations(self, case: Any) -> None:
        """Un-mark negations that never reach the wire (adjustments 4 and 5)."""
        from schemathesis.core.parameters import ParameterLocation
        from schemathesis.generation import GenerationMode
        from schemathesis.generation.meta import ComponentInfo

        meta = case.meta
        if meta is None or getattr(meta.phase.data, "scenario", None) in _SHAPE_PROBES:
            return  # the method, path or Content-Type is what is invalid
        void = {ParameterLocation(where) for where in self.fixed_locations.get(case.operation.label, ())}
        if _body_is_valid(case):
            void.add(ParameterLocation.BODY)
        for location in void:
            info = meta.components.get(location)
            if info is not None and info.mode.is_negative:
                meta.components[location] = ComponentInfo(mode=GenerationMode.POSITIVE)
        if not any(info.mode.is_negative for info in meta.components.values()):
            meta.generation.mode = GenerationMode.POSITIVE

    def _fixed_parameters(self, operation: Any) -> dict[str, dict[str, str]]:
        """Location -> name -> value: the prerequisites' parameters for this operation."""
        spec_operation = self.session.op(_operation_id_of(operation))
        values = {
            **self.fixtures.parameters.get("*", {}),
            **self.fixtures.parameters.get(spec_operation.operation_id, {}),
        }
        fixed: dict[str, dict[str, str]] = {}
        for parameter in spec_operation.parameters:
            if parameter["name"] in values:
                fixed.setdefault(parameter["in"], {})[parameter["name"]] = values[parameter["name"]]
        return fixed

    def check(self, case: Any, response: Any) -> None:
        """schemathesis's checks, one at a time, so that a failure names its check."""
        from schemathesis.checks import CHECKS, load_all_checks
        from schemathesis.core.failures import FailureGroup

        load_all_checks()
        names = PROPERTY_CHECKS
        if self.negative and not _negation_lost_on_the_wire(case):
            names = NEGATIVE_CHECKS
        for name, function in zip(names, CHECKS.get_by_names(list(names)), strict=True):
            try:
                case.validate_response(response, checks=[function])
            except FailureGroup as group:
                for failure in group.exceptions:
                    self.failures.append(self._failure(name, case, response, failure))

    def _failure(self, name: str, case: Any, response: Any, failure: Any) -> ConformanceFailure:
        exchange = self.session.exchanges[-1] if self.session.exchanges else None
        found = ConformanceFailure(
            name, str(failure.title), f"{_describe(case)}: {str(failure.message).strip()}"
        )
        found.exchange = exchange  # type: ignore[attr-defined]
        return found

    # -- the verdict ----------------------------------------------------------------------

    def raise_outcome(self) -> None:
        if self.error is not None:
            raise self.error
        if self.failures:
            first = self.failures[0]
            others = Counter(f.code for f in self.failures[1:])
            if others:
                listed = ", ".join(f"{count} {code}" for code, count in sorted(others.items()))
                more = "" if len(self.failures) < MAX_FAILURES else " (generation stopped there)"
                first.message += f"\n\nAlso failed: {listed}{more}."
            raise first
        if not self.sent:
            why = "; ".join(self.not_generated) or "no case to send"
            mode = "invalid" if self.negative else "valid"
            raise RequirementSkipped(f"schemathesis generated no {mode} request: {why}")


# -- helpers ------------------------------------------------------------------------------


def _stateful_steps(examples: int) -> int:
    return max(2, min(10, examples // 2))


def _tenant_parameter(session: Session) -> tuple[str, str]:
    tenant = session.spec.ext.get("tenant", {})
    return str(tenant.get("in", "")), str(tenant.get("name", ""))


def _operation_id_of(operation: Any) -> str:
    return str(operation.definition.raw.get("operationId", ""))


def _operation_id(case: Any) -> str:
    return _operation_id_of(case.operation)


def _is_negative(case: Any) -> bool:
    meta = case.meta
    return meta is not None and bool(meta.generation.mode.is_negative)


def _items(prepared: Any) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in prepared.headers.items()]


def _merged_query(params: Any, extra: Mapping[str, str]) -> Any:
    if not extra:
        return params
    if isinstance(params, str):
        from urllib.parse import urlencode

        joined = "&".join(part for part in (params.lstrip("?"), urlencode(extra)) if part)
        return joined
    return {**(params or {}), **extra}


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _describe(case: Any) -> str:
    meta = case.meta
    if meta is None:
        return case.operation.label  # type: ignore[no-any-return]
    mode = "invalid" if meta.generation.mode.is_negative else "valid"
    description = getattr(meta.phase.data, "description", None)
    what = f"{case.operation.label}, {mode} request ({meta.phase.name.value} phase)"
    return f"{what}, {description}" if description and mode == "invalid" else what


def _dropped(session: Session, case: Any, request: httpx.Request, exc: Exception) -> ConformanceFailure:
    found = ConformanceFailure(
        "not_a_server_error",
        "No answer",
        f"{_describe(case)}: the target dropped the request ({type(exc).__name__}: {exc})",
    )
    found.exchange = session.exchange(request, None)  # type: ignore[attr-defined]
    return found


def _body_is_valid(case: Any) -> bool:
    """Whether a generated body (files read as any bytes) satisfies its schema after all."""
    from schemathesis.core import NOT_SET
    from schemathesis.core.jsonschema import make_validator
    from schemathesis.transport.serialization import Binary

    body = case.body
    if body is NOT_SET or case.media_type is None or isinstance(body, bytes):
        return False
    alternative = case.operation.get_body_for_media_type(case.media_type)
    if alternative is None:
        return False
    if isinstance(body, dict):
        body = {k: "" if isinstance(v, bytes | bytearray | Binary) else v for k, v in body.items()}
    try:
        validator = make_validator(
            alternative.optimized_schema, case.operation.schema.adapter.jsonschema_validator_cls
        )
        return bool(validator.is_valid(body))
    except Exception:  # a schema or value the validator cannot read: keep the case as generated
        return False


def _mutated_properties(case: Any) -> set[str]:
    """The top-level body properties the case's mutations changed (``""`` for the whole body)."""
    data = case.meta.phase.data if case.meta is not None else None
    names: set[str] = set()
    for mutation in getattr(data, "mutations", ()):
        if mutation.parameter_location.value == "body":
            names.add(str(mutation.path[0]) if mutation.path else "")
    if not names and data is not None and getattr(data, "parameter_location", None) is not None:
        if data.parameter_location.value == "body":
            names.add(str(data.parameter or ""))
    return names


def _negation_lost_on_the_wire(case: Any) -> bool:
    """Whether the case is invalid only in file parts' values, which any bytes satisfy (adjustment 5).

    A ``format: binary`` part accepts any bytes, so a value mutated into another
    JSON type (``5`` for a file) goes on the wire as the bytes ``5``: a valid
    file. A *missing* part is visible, and is still judged.
    """
    from schemathesis.core.mutations import OperatorKind

    meta = case.meta
    if meta is None or not str(case.media_type or "").startswith("multipart/"):
        return False
    if any(info.mode.is_negative for where, info in meta.components.items() if where.value != "body"):
        return False
    body = case.operation.get_body_for_media_type(case.media_type)
    properties = (getattr(body, "resolved_schema", None) or {}).get("properties", {})
    binary = {
        name
        for name, schema in properties.items()
        if isinstance(schema, dict) and schema.get("format") in ("binary", "byte")
    }
    mutations = getattr(meta.phase.data, "mutations", ())
    if not binary or not mutations:
        return False
    return all(
        mutation.parameter_location.value == "body"
        and mutation.operator != OperatorKind.REMOVE_REQUIRED_PROPERTY
        and bool(mutation.path)
        and mutation.path[0] in binary
        for mutation in mutations
    )
