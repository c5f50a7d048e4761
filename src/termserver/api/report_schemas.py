"""The validation report's shape in the contract: POST /api/v1/validate and /fhir/$validate.

The routes send the report as the validator encoded it (in a worker process, with
orjson), so these models change no byte of a response: they document it in
docs/openapi.json, for domain systems that generate their clients from it, and
tests/test_validate_contract.py checks real reports against them so the two cannot drift.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

Severity = Literal["error", "warning", "information"]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class IssueOut(_Shape):
    severity: Severity = Field(description="`error` makes the document invalid; `warning` and "
                                           "`information` do not.")
    rule: str = Field(description="The rule's stable id (docs/validators.md): KL's invariant id "
                                  "where KL has one (`kl-reporting-ffb-condition-1`), else ours "
                                  "(`term-valueset`, `date-after-report`).",
                      examples=["gateway-children-report-weight"])
    path: str = Field(description="Where: a FHIRPath-style location with list indexes "
                                  "(`Bundle.entry[3].resource.severity.coding[0].code`), "
                                  "`(dokument)` for the whole document, or `(linje L, kolonne "
                                  "K)` where the document cannot be read.",
                      examples=["Bundle.entry[1].resource.type"])
    message: str = Field(description="What is wrong and how to fix it, in Danish; under 1,000 "
                                     "characters (values from the document are shortened).")


class ValidationReportOut(_Shape):
    """The report of one document."""

    valid: bool = Field(description="False exactly when an issue has severity `error`.")
    document_type: str | None = Field(description="The document type id (`ffb-reporting`, "
                                                  "`children`, …); null when it cannot be "
                                                  "determined or the document cannot be read.")
    standard: str | None = Field(description="The standard version validated against "
                                             "(`kl.dk.fhir.ffbreporting#1.0.0`).")
    terminology_versions: dict[str, str] = Field(
        description="The KL code system releases the answer comes from (scheme → version): "
                    "those in force on `terminology_date`.",
        examples=[{"ffb": "20240530", "fsiii": "20250530"}])
    terminology_date: str = Field(
        "latest", description="The day whose releases in force were used (the document's "
        "own date, or `?date=`), or `latest` when the latest releases answered (asked for, "
        "or the document carries no date). A release is in force from its issued date (else "
        "its version read as a date, 20240530) until the next one.",
        examples=["2021-05-29", "latest"])
    issues: list[IssueOut]


class CodingOut(_Shape):
    system: str
    code: str


class IssueDetailsOut(_Shape):
    coding: list[CodingOut] = Field(description="The rule id, system "
                                                "https://data.termserver.dk/def/rules.")
    text: str


class IssueExtensionOut(_Shape):
    url: str = Field(description="FHIR's operationoutcome-issue-line or -col.")
    valueInteger: int


class OutcomeIssueOut(_Shape):
    severity: Severity
    code: str = Field(description="FHIR IssueType (structure, code-invalid, not-found, "
                                  "business-rule, too-costly, informational).")
    # absent rather than null when there is nothing to say, as FHIR JSON has it
    details: IssueDetailsOut | SkipJsonSchema[None] = Field(
        None, description="The rule; absent on the informational all-clear issue.")
    diagnostics: str
    expression: list[str] | SkipJsonSchema[None] = Field(
        None, description="The FHIRPath location, when there is one.")
    extension: list[IssueExtensionOut] | SkipJsonSchema[None] = Field(
        None, description="Line and column where an unreadable document fails.")


class OperationOutcomeOut(_Shape):
    """The same report as a FHIR R4 OperationOutcome (one informational issue when the
    document is valid and has nothing to report)."""

    resourceType: Literal["OperationOutcome"]
    issue: list[OutcomeIssueOut]


class CourseIssueOut(_Shape):
    severity: Severity
    rule: str = Field(description="The course rule's stable id (docs/validators.md, *Course "
                                  "rules*).", examples=["course-immutable"])
    document: str = Field(description="The document it is about: its file name, or "
                                      "`entry[N] Type/id` in a Bundle of documents.")
    path: str = Field(description="Where in that document (FHIRPath-style, as in a "
                                  "document's report).",
                      examples=["Bundle.entry[14].resource.code"])
    message: str = Field(description="What is wrong and how to fix it, in Danish.")


class CourseDocumentOut(_Shape):
    source: str = Field(description="The file name, or `entry[N] Type/id`.")
    date: str | None = Field(description="The document's own date as written "
                                         "(Bundle.timestamp, else its Encounter's start); "
                                         "null when it has none (it is placed last).")
    report: ValidationReportOut = Field(description="The document validated on its own.")


class CourseReportOut(_Shape):
    """A citizen's course: the documents in date order, each with its own report, and the
    findings of the rules over the course."""

    valid: bool = Field(description="False when any document is invalid or a course rule "
                                    "found an error.")
    citizen: str | None = Field(description="The citizen (`Patient/<id>`) as the first "
                                            "document names it; null without a Patient.")
    documents: list[CourseDocumentOut] = Field(description="In course order: by their own "
                                                           "dates, undated ones last.")
    issues: list[CourseIssueOut] = Field(description="Findings of the course rules.")
