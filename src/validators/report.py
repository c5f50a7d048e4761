"""Findings and the report a domain system acts on (also as a FHIR OperationOutcome)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "information")


@dataclass(slots=True)
class Finding:
    severity: str
    rule: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "rule": self.rule, "path": self.path,
                "message": self.message}


@dataclass
class Report:
    document_type: str | None
    standard: str | None
    terminology_versions: dict[str, str] = field(default_factory=dict)
    issues: list[Finding] = field(default_factory=list)
    source: str | None = None

    @property
    def valid(self) -> bool:
        """False exactly when there is an error."""
        return not any(f.severity == "error" for f in self.issues)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "valid": self.valid,
            "document_type": self.document_type,
            "standard": self.standard,
            "terminology_versions": self.terminology_versions,
            "issues": [f.as_dict() for f in self.issues],
        }
        if self.source is not None:
            body["source"] = self.source
        return body

    def as_operation_outcome(self) -> dict[str, Any]:
        issues = [
            {
                "severity": f.severity,
                "code": _issue_type(f.rule),
                "details": {"coding": [{"system": "https://data.termserver.dk/def/rules",
                                        "code": f.rule}], "text": f.message},
                "diagnostics": f.message,
                "expression": [f.path],
            }
            for f in self.issues
        ]
        if not issues:
            issues = [{"severity": "information", "code": "informational",
                       "diagnostics": "Dokumentet overholder dokumentationsstandarden."}]
        return {"resourceType": "OperationOutcome", "issue": issues}


def _issue_type(rule: str) -> str:
    """FHIR IssueType for a rule id (http://hl7.org/fhir/issue-type)."""
    if rule.startswith("syntax-limits"):
        return "too-costly"
    if rule.startswith("syntax-"):
        return "structure"
    if rule.startswith(("struct-", "bdl-", "report-", "doc-type")):
        return "structure"
    if rule == "ref-resolves":
        return "not-found"
    if rule.startswith("term-"):
        return "code-invalid"
    return "business-rule"
