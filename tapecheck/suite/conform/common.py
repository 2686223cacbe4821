"""What every vendor's requirements share: the contract's status sets and the usual expectations.

CONTRACT.md section 3: where the vendor's docs do not pin a status, any 4xx of
the right meaning passes. The sets below are those meanings; a requirement
narrows one only where the vendor's docs pin the status.
"""

from __future__ import annotations

from collections.abc import Collection

import httpx

from tapecheck.suite.conform.session import Session

__all__ = [
    "AUTH_REFUSED",
    "DOCUMENTED_ERROR_CHECKS",
    "INVALID",
    "JSON_ERROR_CHECKS",
    "NOT_FOUND",
    "OTHER_TENANT",
    "TOO_LARGE",
    "WRONG_TYPE",
    "error_checks",
    "expect_error",
    "expect_success",
    "success_statuses",
]

AUTH_REFUSED = frozenset({401, 403})
INVALID = frozenset({400, 422})
TOO_LARGE = frozenset({400, 413})
WRONG_TYPE = frozenset({400, 415})
OTHER_TENANT = frozenset({403, 404})
NOT_FOUND = frozenset({404})

#: The checks applied to every success.
SUCCESS_CHECKS = ("status_code_expected", "json_content_type", "response_schema_conformance")
#: What an error is held to where the spec quotes the docs for its body, and where it does not.
DOCUMENTED_ERROR_CHECKS = ("status_code_expected", "error_body_shape", "error_members")
JSON_ERROR_CHECKS = ("status_code_expected", "json_content_type")


def success_statuses(session: Session, operation_id: str) -> frozenset[int]:
    """The documented success status(es) of an operation (``x-tapecheck.success-status``)."""
    value = session.op(operation_id).ext.get("success-status", 200)
    return frozenset(value if isinstance(value, list) else [value])


def expect_success(
    session: Session, response: httpx.Response, operation_id: str, *, json: bool = True
) -> None:
    """The documented success status, a JSON body of the documented schema."""
    checks = SUCCESS_CHECKS if json else ("status_code_expected",)
    session.expect(
        response, *checks, operation=operation_id, status=success_statuses(session, operation_id)
    )


def error_checks(session: Session, operation_id: str) -> tuple[str, ...]:
    """What an error of the operation is held to: the spec's ``error-schema`` and
    ``error-members`` where ``sources.error-schema`` quotes the docs for them; else a
    JSON body (the schema is then the mock's choice, not the vendor's)."""
    from tapecheck.suite.conform.families.facts import fact_source

    quoted = fact_source(session.spec, session.op(operation_id), "error-schema")
    return DOCUMENTED_ERROR_CHECKS if quoted else JSON_ERROR_CHECKS


def expect_error(
    session: Session, response: httpx.Response, operation_id: str, statuses: Collection[int]
) -> None:
    """One of ``statuses``, with an error body as :func:`error_checks` asks."""
    session.expect(
        response, *error_checks(session, operation_id), operation=operation_id, status=statuses
    )
