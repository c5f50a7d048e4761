"""A citizen's course: several documents validated together, in date order.

Each document is first validated on its own (every single-document rule, against the
terminology releases in force on its own date); then the course rules
(validators.rules_course) read the documents in the order of their own dates: the same
resource id in a later document is an update of the earlier one. Findings of the course
rules name the document (its source: a file name, or `entry[2]` of a Bundle of
documents) and the FHIRPath in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dates import document_date, sort_key
from .engine import Validator
from .parsing import DocumentError, parse_document
from .report import Report, clipped, shown


@dataclass(slots=True)
class CourseFinding:
    severity: str
    rule: str
    document: str
    """The document's source: its file name, or `entry[N]` in a Bundle of documents."""
    path: str
    message: str

    def __post_init__(self) -> None:
        self.message = clipped(self.message)

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "rule": self.rule, "document": self.document,
                "path": self.path, "message": self.message}


@dataclass(slots=True)
class CourseDocument:
    """One document of a course: where it came from, what it says, and its own report."""

    source: str
    position: int
    """Its place in the input: documents of the same date keep the order given."""
    document: dict | None
    """The parsed document; None when it could not be read (its report says why)."""
    date: str | None = None
    """The document's own date as written (Bundle.timestamp, else its Encounter's start)."""
    report: Report | None = None

    @property
    def key(self) -> tuple:
        return (*sort_key(self.date), self.position)


@dataclass
class CourseReport:
    documents: list[CourseDocument]
    """In course order: by their own dates, undated ones last."""
    issues: list[CourseFinding] = field(default_factory=list)
    citizen: str | None = None
    """The citizen's Patient (`Patient/<id>`) as the first document names it."""

    @property
    def valid(self) -> bool:
        """False when any document is invalid or a course rule found an error."""
        return all(d.report is None or d.report.valid for d in self.documents) and not any(
            f.severity == "error" for f in self.issues)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "citizen": self.citizen,
            "documents": [{"source": d.source, "date": d.date,
                           "report": d.report.as_dict() if d.report else None}
                          for d in self.documents],
            "issues": [f.as_dict() for f in self.issues],
        }


Item = tuple[str, "bytes | dict", str]
"""One document as given: (source, its bytes or the parsed document, content type)."""


def read_course(items: Iterable[Item], *, max_bytes: int = 10 * 1024 * 1024,
                max_depth: int = 256) -> tuple[list[CourseDocument], dict[int, Report]]:
    """The documents parsed and put in date order, and the reports of those that could not
    be read (by position)."""
    documents: list[CourseDocument] = []
    unreadable: dict[int, Report] = {}
    for position, (source, data, content_type) in enumerate(items):
        if isinstance(data, dict):
            document = data
        else:
            try:
                document = parse_document(data, content_type, max_bytes, max_depth)
            except DocumentError as exc:
                unreadable[position] = Report(None, None, {}, [exc.finding])
                documents.append(CourseDocument(source, position, None))
                continue
        documents.append(CourseDocument(source, position, document, document_date(document)))
    documents.sort(key=lambda d: d.key)
    return documents, unreadable


def documents_in(bundle: dict, limit: int) -> list[Item]:
    """The documents of a Bundle of documents (each entry's resource is one document: a
    report Bundle, or a single resource), named `entry[N] Type/id`. Raises ValueError
    when the body is no such Bundle: not a Bundle, one report itself (it declares a KL
    document profile), empty, or with more than `limit` documents."""
    from .context import profile_urls
    from .standard import document_type_for

    if bundle.get("resourceType") != "Bundle":
        found = shown(bundle.get("resourceType"))
        raise ValueError(f"expected a Bundle of documents, found {found}")
    doc_type = document_type_for(profile_urls(bundle))
    if doc_type is not None:
        raise ValueError(f"the Bundle is one document itself ({doc_type.id}), not a Bundle of "
                         "documents; put each report in an entry of a collection Bundle, or "
                         "send the reports as files (multipart/form-data)")
    entries = bundle.get("entry") if type(bundle.get("entry")) is list else []
    items: list[Item] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if type(entry) is dict else None
        if type(resource) is not dict:
            raise ValueError(f"entry[{index}] holds no resource (each entry is one document)")
        name = f"{shown(resource.get('resourceType'))}/{shown(resource.get('id'))}"
        items.append((f"entry[{index}] {name}", resource, ""))
    if not items:
        raise ValueError("the Bundle holds no documents (each entry's resource is one)")
    if len(items) > limit:
        raise ValueError(f"{len(items)} documents; at most {limit} are taken at once")
    return items


def validate_course(validator: Validator, items: Iterable[Item], *,
                    document_type: str | None = None, day: date | str | None = None,
                    max_bytes: int = 10 * 1024 * 1024, max_depth: int = 256) -> CourseReport:
    """Validate a citizen's documents one by one and then together (validators.rules_course).

    `day` applies to every document (`latest`, or a date); by default each document is
    checked against the releases in force on its own date."""
    from . import rules_course

    documents, unreadable = read_course(items, max_bytes=max_bytes, max_depth=max_depth)
    for doc in documents:
        if doc.document is None:
            term, on = validator.terminology_on(None, day)
            doc.report = unreadable[doc.position]
            doc.report.terminology_versions, doc.report.terminology_date = term.versions(), on
        else:
            doc.report = validator.validate(doc.document, document_type=document_type,
                                            max_depth=max_depth, day=day)
    report = CourseReport(documents)
    report.citizen, report.issues = rules_course.check(documents)
    return report
