"""Findings and the report a domain system acts on (also as a FHIR OperationOutcome)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "information")
MAX_MESSAGE = 1000
"""Messages echo the document's own values; a 10 MB string must not come back whole."""
_LONG_RUN = re.compile(r"[^\s»«]{121,}")


def shown(value: Any, limit: int = 120) -> str:
    """A document value for a Danish message: text as it is, a missing value as such,
    anything else as JSON (not a Python repr); shortened to `limit` characters."""
    if value is None:
        return "(mangler)"
    try:
        text = value if isinstance(value, str) else json.dumps(
            value, ensure_ascii=False, sort_keys=True, default=str)
    except (RecursionError, ValueError, TypeError):  # nested too deep to write out
        text = "[…]" if isinstance(value, list) else "{…}"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def clipped(message: str) -> str:
    """A message as reported: long runs of a value shortened, the whole under MAX_MESSAGE."""
    if len(message) <= 300:
        return message
    message = _LONG_RUN.sub(lambda m: m.group()[:119] + "…", message)
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


@dataclass(slots=True)
class Finding:
    severity: str
    rule: str
    path: str
    message: str

    def __post_init__(self) -> None:
        self.message = clipped(self.message)

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
    terminology_date: str = "latest"
    """The day whose releases in force answered (`2021-05-29`), or `latest`."""

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
            "terminology_date": self.terminology_date,
            "issues": [f.as_dict() for f in self.issues],
        }
        if self.source is not None:
            body["source"] = self.source
        return body

    def as_operation_outcome(self) -> dict[str, Any]:
        issues = [_outcome_issue(f) for f in self.issues]
        if not issues:
            issues = [{"severity": "information", "code": "informational",
                       "diagnostics": "Dokumentet overholder dokumentationsstandarden."}]
        return {"resourceType": "OperationOutcome", "issue": issues}


_LINE = re.compile(r"\((?:byte \d+, )?linje (\d+)(?:, kolonne (\d+))?\)")
_OO_EXTENSION = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-"


def _outcome_issue(finding: Finding) -> dict[str, Any]:
    """One OperationOutcome issue: `expression` only for a FHIRPath location; where the
    document could not be read, the line and column as FHIR's own extensions."""
    issue: dict[str, Any] = {
        "severity": finding.severity,
        "code": _issue_type(finding.rule),
        "details": {"coding": [{"system": "https://data.termserver.dk/def/rules",
                                "code": finding.rule}], "text": finding.message},
        "diagnostics": finding.message,
    }
    if not finding.path.startswith("("):
        issue["expression"] = [finding.path]
    elif match := _LINE.fullmatch(finding.path):
        issue["extension"] = [{"url": _OO_EXTENSION + "line",
                               "valueInteger": int(match.group(1))}]
        if match.group(2):
            issue["extension"].append({"url": _OO_EXTENSION + "col",
                                       "valueInteger": int(match.group(2))})
    return issue


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
