"""Errors under /fhir leave as `OperationOutcome`s, the way FHIR clients read them."""

from __future__ import annotations

from typing import Any

from ..errors import TermserverError

_ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
                405: "not-supported", 406: "not-supported", 413: "too-long",
                415: "not-supported", 422: "processing", 503: "transient"}


TX_ISSUE_TYPE = "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"
"""The ecosystem's finer issue types (`not-found`, `invalid-code`, `not-in-vs`…)."""


class FhirError(TermserverError):
    """An operation that cannot be answered; `issue_code` is FHIR's IssueType code and
    `tx_code` the ecosystem's finer type when it differs (`version-error`…)."""

    def __init__(self, message: str, *, status_code: int = 400,
                 issue_code: str = "invalid", tx_code: str | None = None,
                 expression: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.issue_code = issue_code
        self.tx_code = tx_code
        self.expression = expression
        """Where in the request or its resources the problem is (FHIRPath)."""


def operation_outcome(message: str, *, severity: str = "error", code: str = "invalid",
                      details: dict[str, Any] | None = None,
                      tx_code: str | None = None) -> dict[str, Any]:
    """One issue with our message as `details.text` and its type as a tx-issue-type coding."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "details": {
        "coding": [{"system": TX_ISSUE_TYPE, "code": tx_code or code}], "text": message}}
    if tx_code == "":  # no finer type than FHIR's own (too-costly)
        del issue["details"]["coding"]
    outcome: dict[str, Any] = {"resourceType": "OperationOutcome", "issue": [issue]}
    if details:
        issue["expression"] = [str(v) for v in details.get("expression", [])] or None
        if issue["expression"] is None:
            del issue["expression"]
    return outcome


def outcome_for_status(status_code: int, message: str) -> dict[str, Any]:
    """The OperationOutcome for an error answered with `status_code`."""
    code = _ISSUE_CODES.get(status_code, "exception")
    return operation_outcome(message, severity="fatal" if status_code >= 500 else "error",
                             code=code)


def outcome_for_error(exc: TermserverError) -> dict[str, Any]:
    code = getattr(exc, "issue_code", None) or _ISSUE_CODES.get(exc.status_code, "exception")
    expression = getattr(exc, "expression", None)
    return operation_outcome(exc.message, code=code, tx_code=getattr(exc, "tx_code", None),
                             details={"expression": [expression]} if expression else None)
