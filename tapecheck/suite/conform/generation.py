"""What schemathesis generates from, and what tapecheck adjusts in the cases it generates.

The property-based layer (:mod:`tapecheck.suite.conform.properties`) runs
schemathesis on a vendor's spec; this module holds what makes its requests
fit an audio-upload API, each adjustment numbered as in
docs/schemathesis-adjustments.md:

- :func:`generation_document`: the copy of the spec schemathesis generates
  from, its uploads reshaped as the docs say (2, 3);
- :func:`audio_media_types` and :func:`media_types_registered`: real audio as
  the media types of file parts and raw bodies, for the run only (1);
- :class:`CaseAdjustments`: the parameters fixed in every case, what is
  written into a case before it is sent, and which negations did not survive
  (4, 5, 7); :func:`negation_lost_on_the_wire` says when a case's only invalid
  values are file contents (6).

Everything from schemathesis and Hypothesis is imported where it is used, so
importing this module stays light.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tapecheck.strategies import AUDIO_FORMATS, ENCODINGS, encode_audio
from tapecheck.suite.conform.media import MIME
from tapecheck.suite.specs import Operation, Spec

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from tapecheck.suite.conform.session import Session

__all__ = [
    "AUDIO_DURATIONS_S",
    "CaseAdjustments",
    "accepted_formats",
    "audio_media_types",
    "audio_payloads",
    "generation_document",
    "is_negative",
    "media_types_registered",
    "negation_lost_on_the_wire",
    "operation_id_of",
]

#: Durations of generated audio: short, and few, so that each encoding is made once or twice.
AUDIO_DURATIONS_S = (0.5, 1.5)
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


def audio_media_types(spec: Spec) -> dict[str, st.SearchStrategy[bytes]]:
    """Each audio MIME type, and each raw audio body's media type, to real audio (adjustment 1)."""
    strategies = {MIME[fmt]: audio_payloads(formats=(fmt,)) for fmt in AUDIO_FORMATS}
    for operation in spec.operations.values():
        if (operation.audio or {}).get("location") == "content":
            for media_type in operation.media_types:
                strategies[media_type] = audio_payloads(formats=accepted_formats(operation))
    return strategies


@contextmanager
def media_types_registered(strategies: Mapping[str, st.SearchStrategy[bytes]]) -> Iterator[None]:
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


# -- what tapecheck writes into a case, and what stays invalid -------------------------------


class CaseAdjustments:
    """One run's adjustments of generated cases: fixed parameters, filled bodies, lost negations.

    ``parameters`` and ``complete`` are what the vendor's flow made (its
    ``Fixtures``): operationId (or ``*``) -> parameter name -> value, fixed in
    every case, and a function that completes a body with real values.
    """

    def __init__(
        self,
        session: Session,
        *,
        parameters: Mapping[str, Mapping[str, str]],
        complete: Callable[[str, dict[str, Any]], dict[str, Any]] | None,
    ) -> None:
        self.session = session
        self.parameters = parameters
        self.complete = complete
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

    def fix_parameters(self, operation: Any) -> dict[str, dict[str, str]]:
        """Location -> name -> value: the tenant and the fixtures' parameters (adjustment 4).

        Remembers the locations of ``operation`` whose every parameter is fixed:
        a negation there never reaches the wire.
        """
        from schemathesis.core.parameters import ParameterLocation

        fixed = self._fixed_parameters(operation)
        self.fixed_locations[operation.label] = {
            where
            for where, values in fixed.items()
            if {p.name for p in operation.get_parameter_set(ParameterLocation(where))}
            <= set(values)
        }
        return fixed

    def _fixed_parameters(self, operation: Any) -> dict[str, dict[str, str]]:
        spec_operation = self.session.op(operation_id_of(operation))
        values = {
            self.tenant[1]: self.session.credentials.tenant,
            **self.parameters.get("*", {}),
            **self.parameters.get(spec_operation.operation_id, {}),
        }
        fixed: dict[str, dict[str, str]] = {}
        for parameter in spec_operation.parameters:
            if parameter["name"] in values:
                fixed.setdefault(parameter["in"], {})[parameter["name"]] = values[parameter["name"]]
        return fixed

    def void_lost_negations(self, case: Any) -> None:
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

    def fill(self, case: Any, operation_id: str) -> None:
        """The tenant everywhere; bodies completed by the flow; real audio in valid file parts.

        These are what a fixture or an override writes, not edits of generated
        values: the case's metadata is frozen after them, so schemathesis does
        not re-judge the case from them (it reads any file as invalid JSON).
        """
        from schemathesis.transport.serialization import Binary

        negative = is_negative(case)
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
            if self.complete is not None and touched is not None:
                body = self.complete(operation_id, dict(case.body))
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


def operation_id_of(operation: Any) -> str:
    """The ``operationId`` of a schemathesis operation ("" when it has none)."""
    return str(operation.definition.raw.get("operationId", ""))


def is_negative(case: Any) -> bool:
    """Whether schemathesis generated ``case`` as an invalid request."""
    return case.meta is not None and bool(case.meta.generation.mode.is_negative)


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


def negation_lost_on_the_wire(case: Any) -> bool:
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
