"""The reference mock a spec alone drives, for a vendor whose folder has no mock of its own.

Every operation of the spec gets one generic endpoint. It refuses a request
without the credential of the operation's security scheme (401), or naming
another tenant than the credential's (403); it takes the audio where
``x-tapecheck.audio`` says it travels (the raw body, or a multipart part),
streamed to disk with the size limit and then probed against the formats and
the duration limit; it validates a JSON body against its schema. A request
that creates something (one without an id in its path) stores a resource and
answers the documented success status with a body made from the response
schema; one with an id in its path reads (or, for DELETE, removes) the
tenant's resource of that id, 404 when there is none. Errors come in the
shape of the spec's ``x-tapecheck.error-schema``.

An operation with an id in its path and a body (an upload to a job made
before) checks what it carries as a create does and adds it to that
resource. A job (``x-tapecheck.job-status`` on the operation that reports
it) answers its ``initial`` status when created and for its first reads,
then its first ``terminal`` value, so a polling client sees it end.

That is all a spec says; a vendor's own flow (signed URLs, idempotency)
belongs in a mock in its folder.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tapecheck.suite.contacts import contact_clashes
from tapecheck.suite.mocks.bodies import SchemaValidator
from tapecheck.suite.mocks.errors import MockError
from tapecheck.suite.mocks.multipart import Form
from tapecheck.suite.mocks.mutant import app_factory
from tapecheck.suite.mocks.vendor import DEFAULT_TENANT, DEFAULT_TOKEN, Endpoint, VendorMock
from tapecheck.suite.pointers import follow, split_pointer
from tapecheck.suite.specs import Operation, Spec, load_spec

__all__ = ["SpecMock", "spec_mock_class", "spec_mock_factory"]

#: What an upload to a stored resource never changes.
_KEPT = frozenset({"id", "polls", "created"})
#: How deep a response schema is followed when a body is made from it.
_MAX_DEPTH = 6


class SpecMock(VendorMock):
    """A vendor's mock from its spec alone; :func:`spec_mock_class` names the vendor."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        tenant: str = DEFAULT_TENANT,
        tenants: Mapping[str, str] | None = None,
        spec: Spec | None = None,
    ) -> None:
        super().__init__(token=token, tenant=tenant, tenants=tenants, spec=spec)
        #: (tenant, id) -> what is known of a stored resource
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}

    def reset(self) -> None:
        self.resources.clear()

    def endpoints(self) -> Mapping[str, Endpoint]:
        return {op_id: self._endpoint(op) for op_id, op in self.spec.operations.items()}

    def _endpoint(self, operation: Operation) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await self.handle(request, operation)

        return endpoint

    # -- hooks a mutant overrides ----------------------------------------------------

    def authenticate(self, request: Request, operation: Operation) -> str:
        """The tenant of the presented credential (401 without one or with an unknown one)."""
        if not operation.security:
            return self.tenant
        tenant = self.token_tenant(
            request,
            operation.operation_id,
            status=401,
            missing="no credential: send the one the operation's security scheme names",
            invalid="the credential is not valid",
        )
        named = self.named_tenant(request)
        if named is not None and named != tenant:
            raise MockError(403, f"the credential does not open tenant {named!r}")
        return tenant

    def named_tenant(self, request: Request) -> str | None:
        """The tenant the request names (``x-tapecheck.tenant``), if the spec has one."""
        location = self.spec.ext.get("tenant")
        if not isinstance(location, Mapping):
            return None
        name = str(location.get("name", ""))
        if location.get("in") == "header":
            return request.headers.get(name)
        value = request.path_params.get(name)
        return None if value is None else str(value)

    async def handle(self, request: Request, operation: Operation) -> Response:
        tenant = self.authenticate(request, operation)
        op_id = operation.operation_id
        ids = {k: str(v) for k, v in request.path_params.items() if k != self._tenant_param}
        if ids:
            return await self.on_resource(request, operation, (tenant, next(iter(ids.values()))))
        facts = await self.received(request, operation)
        facts["id"] = self.new_id()
        facts["polls"] = 0
        facts["created"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        with self.lock:
            self.resources[(tenant, facts["id"])] = facts
        return self.respond(op_id, self.body_for(operation, facts))

    async def on_resource(
        self, request: Request, operation: Operation, key: tuple[str, str]
    ) -> Response:
        """An operation on a stored resource: read it, remove it, or send it more (an upload).

        An id created by one operation is found by every other that names it
        in its path; another tenant's id, or one never created, is 404.
        """
        with self.lock:
            found = self.resources.get(key)
            if found is not None and operation.method == "delete":
                del self.resources[key]
        if found is None:
            raise MockError(404, f"no such resource: {key[1]}")
        if operation.method in ("post", "put", "patch") and operation.request_body:
            received = await self.received(request, operation)
            with self.lock:  # what the upload carried joins the resource it names
                found.update({k: v for k, v in received.items() if k not in _KEPT})
        elif operation.method == "get" and self._job(operation) is not None:
            with self.lock:
                found["polls"] = int(found.get("polls", 0)) + 1
        return self.respond(operation.operation_id, self.body_for(operation, found))

    def _job(self, operation: Operation) -> Mapping[str, Any] | None:
        job = operation.ext.get("job-status")
        return job if isinstance(job, Mapping) else None

    def job_status(self, job: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
        """``initial`` for a new job and for its first ``polls`` reads, then the first terminal value."""
        if int(facts.get("polls", 0)) <= int(job.get("polls", 1)):
            return str(job["initial"])
        return str(job["terminal"][0])

    async def received(self, request: Request, operation: Operation) -> dict[str, Any]:
        """What the request carried: the audio's size (checked) and the JSON body."""
        op_id = operation.operation_id
        audio = operation.audio or {}
        if audio.get("location") == "content":
            stored = await self.raw_body(request, op_id)
            await self.checked_audio(stored, op_id)
            return {"size": stored.size}
        if audio.get("location") == "part":
            form = await self.form(request, op_id)
            fields = self.check_form(form, operation)
            files = [f for part in audio.get("parts", ()) for f in form.files.get(part, [])]
            if not files:
                raise MockError(400, f"no audio part: send one of {list(audio.get('parts', []))}")
            for stored in files:
                await self.checked_audio(stored, op_id)
            self.check_facts(operation, fields)
            return {"size": files[0].size, "body": fields}
        if "application/json" in operation.media_types:
            body = await self.json_body(request, op_id)
            self.check_facts(operation, body)
            return {"body": body if isinstance(body, Mapping) else {}}
        return {}

    def check_facts(self, operation: Operation, document: Any) -> None:
        """What a schema does not say, from the hooks (400): an id's charset, unique keys.

        A spec that also writes the charset as the schema's ``pattern`` has it
        checked twice; the hook is what a mutant loosens.
        """
        op_id = operation.operation_id
        charset = self.id_charset(op_id)
        if charset is not None:
            found, value = follow(document, split_pointer(str(charset.get("pointer", ""))))
            if found and not (isinstance(value, str) and re.search(str(charset["pattern"]), value)):
                raise MockError(400, f"{charset.get('pointer')}: {value!r} is outside its charset")
        distinct = self.unique_keys(op_id)
        if distinct.get("keys"):
            found, items = follow(document, split_pointer(str(distinct.get("array", ""))))
            clashes = contact_clashes(
                items if found and isinstance(items, list) else [],
                [str(k) for k in distinct["keys"]],
                case_insensitive=distinct.get("case-insensitive", ()),
                phone_keys=distinct.get("phone-keys", ()),
            )
            if clashes:
                first = clashes[0]
                raise MockError(
                    400,
                    f"{distinct.get('array')}/{first.index}: {first.key} {first.value!r} is "
                    f"already used by item {first.first}; no two items may share it",
                )

    def check_form(self, form: Form, operation: Operation) -> dict[str, Any]:
        """The form's fields against the multipart schema (400): text as text, files as names.

        A field of ``x-tapecheck.json-fields`` is checked as the JSON document it holds.
        The text fields come back (JSON fields parsed), for the answer to echo.
        """
        json_fields = set(operation.ext.get("json-fields", ()))
        value: dict[str, Any] = {}
        parsed: dict[str, Any] = {}
        for name, texts in form.fields.items():
            text = texts[0]
            value[name] = text
            if name in json_fields:
                try:
                    parsed[name] = json.loads(text)
                except ValueError:
                    raise MockError(400, f"the form field {name!r} is not JSON") from None
                inner = self._content_schema(operation, name)
                if inner is None:  # the form declares the document itself: check it as JSON
                    value[name] = parsed[name]
                else:  # a string field whose contentSchema describes the document it holds
                    self._check_document(operation, name, parsed[name], inner)
        fields = {**value, **parsed}
        for name in form.files:
            value[name] = name  # a file part stands where a binary string is declared
        try:
            validator = self.body_validator(operation.operation_id, "multipart/form-data")
        except ValueError:
            return fields  # the spec gives the form no schema
        problems = validator.problems(value)
        if problems:
            listed = "; ".join(f"{where}: {what}" for where, what in problems.items())
            raise MockError(400, f"the form does not match the schema: {listed}", details=problems)
        return fields

    def _content_schema(self, operation: Operation, name: str) -> Mapping[str, Any] | None:
        """The ``contentSchema`` of a string form field holding JSON, if the form gives one."""
        body = operation.request_body or {}
        form = body.get("content", {}).get("multipart/form-data", {})
        schema = self.spec.resolve(form.get("schema", {}))
        field = self.spec.resolve(schema.get("properties", {}).get(name, {}))
        if not isinstance(field, Mapping) or field.get("type") != "string":
            return None
        inner = field.get("contentSchema")
        return inner if isinstance(inner, Mapping) else None

    def validated_schema(self, operation_id: str, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The body's schema, less the ``pattern`` the ``id_charset`` hook checks instead."""
        loosened: Mapping[str, Any] = self._unpatterned(self.operation(operation_id), "", schema)
        return loosened

    def _unpatterned(self, operation: Operation, prefix: str, schema: Any) -> Any:
        """``schema`` without the ``pattern`` at the ``id-charset`` pointer under ``prefix``."""
        fact = operation.ext.get("id-charset")
        pointer = str(fact.get("pointer", "")) if isinstance(fact, Mapping) else ""
        if not pointer.startswith(prefix + "/"):
            return schema
        return without_pattern(schema, split_pointer(pointer[len(prefix) :]))

    def _check_document(
        self, operation: Operation, name: str, document: Any, schema: Mapping[str, Any]
    ) -> None:
        standalone = self._unpatterned(operation, f"/{name}", self.spec.json_schema(schema))
        problems = SchemaValidator(standalone).problems(document)
        if problems:
            listed = "; ".join(
                f"/{name}{where.rstrip('/')}: {what}" for where, what in problems.items()
            )
            raise MockError(400, f"the form field {name!r} does not match its schema: {listed}")

    def body_for(self, operation: Operation, facts: Mapping[str, Any]) -> Any:
        """The success body, made from the response schema and what is known."""
        schema = operation.response_schema(self.success_status(operation.operation_id))
        if schema is None:
            body: Any = {"id": facts.get("id")}
        else:
            node = self.spec.resolve(schema["allOf"][0])
            body = _value(self.spec.resolve, node, "", facts, 0)
        job = self._job(operation)
        if job is not None:
            _put(body, str(job["pointer"]), self.job_status(job, facts))
        return body

    @functools.cached_property
    def _tenant_param(self) -> str | None:
        location = self.spec.ext.get("tenant")
        if isinstance(location, Mapping) and location.get("in") == "path":
            return str(location.get("name"))
        return None


def without_pattern(schema: Mapping[str, Any], tokens: list[str]) -> dict[str, Any]:
    """A copy of a standalone JSON Schema without the ``pattern`` of the member at ``tokens``.

    Follows ``properties`` (and a string's ``contentSchema``) through local ``$ref``s.
    """
    copied: dict[str, Any] = copy.deepcopy(dict(schema))

    def resolve(node: Any) -> Any:
        for _ in range(32):
            if not (isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/")):
                break
            node = follow(copied, split_pointer(str(node["$ref"])[1:]))[1]
        return node

    node = resolve(copied["allOf"][0] if copied.get("allOf") else copied)
    for token in tokens:
        if isinstance(node, dict) and isinstance(node.get("contentSchema"), dict):
            node = resolve(node["contentSchema"])
        properties = node.get("properties") if isinstance(node, dict) else None
        node = resolve(properties.get(token)) if isinstance(properties, dict) else None
    if isinstance(node, dict):
        node.pop("pattern", None)
    return copied


def _put(document: Any, pointer: str, value: Any) -> None:
    """Set the value at ``pointer`` where its parent object exists (the status of a job)."""
    tokens = split_pointer(pointer)
    if not tokens:
        return
    *parents, last = tokens
    for token in parents:
        document = document.get(token) if isinstance(document, Mapping) else None
    if isinstance(document, dict):
        document[last] = value


def _value(
    resolve: Callable[[Any], Any], schema: Any, name: str, facts: Mapping[str, Any], depth: int
) -> Any:
    """A value of ``schema`` for the property ``name``: from ``facts`` where they fit."""
    schema = resolve(schema)
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return None
    for key in ("allOf", "oneOf", "anyOf"):
        if schema.get(key):
            return _value(resolve, schema[key][0], name, facts, depth + 1)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
    lowered = name.lower()
    body = facts.get("body", {})
    if name and lowered != "id":  # the resource's id is its own, never echoed
        for source in (body, *(v for v in body.values() if isinstance(v, Mapping))):
            if name in source:  # a request field, or one of a JSON form field's document
                return source[name]
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties", {})
        return {
            str(key): _value(resolve, sub, str(key), facts, depth + 1)
            for key, sub in properties.items()
        }
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return int(facts.get("size", 0)) if ("size" in lowered or "bytes" in lowered) else 0
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":  # when it was made: a read answers what the create did
            return str(facts.get("created") or datetime.now(UTC).isoformat().replace("+00:00", "Z"))
        if lowered == "id" or lowered.endswith(("id", "_id")) or fmt == "uuid":
            return str(facts.get("id", ""))
        return "tapecheck"
    return None


@functools.cache
def spec_mock_class(vendor: str) -> type[SpecMock]:
    """The generic mock class of ``vendor`` (one per vendor, so a mutant may subclass it)."""
    title = load_spec(vendor).title.replace(" ", "")
    return type(f"{title}SpecMock", (SpecMock,), {"vendor": vendor, "__module__": __name__})


def spec_mock_factory(vendor: str) -> Callable[..., Any]:
    """``create_app(token=..., tenant=..., tenants=...)`` of the vendor's generic mock."""
    return app_factory(spec_mock_class(vendor))
