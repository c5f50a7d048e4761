"""POST /api/v1/validate/course and POST /api/v1/progression: documents of citizens' courses.

/validate/course validates one citizen's documents together; /progression reports the
progression (FKO) of every citizen among the documents sent, per tilstand and per
intervention (JSON, or the Danish page with its SVG charts).

The documents come as a Bundle of documents (FHIR JSON or XML; each entry's resource is
one document) or as several files in multipart/form-data (each file, or text field, one
document). The body as a whole is held to `max_upload_bytes`; reading the documents and
validating them runs in a worker process, as POST /api/v1/validate does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from fastapi import APIRouter, Query, Request, Response

from ..errors import BadRequest
from .progression_schemas import ProgressionReportOut
from .report_schemas import CourseReportOut
from .responses import JSON
from .schemas import ErrorOut
from .validate import _DATE_QUERY, _VALIDATE_ERRORS, _body, _document_type, requested_day

if TYPE_CHECKING:
    from ..services import Services

router = APIRouter(tags=["validation"])
MAX_DOCUMENTS = 1000
"""Documents in one course (a citizen's reports over years are tens to hundreds)."""
MAX_PROGRESSION_DOCUMENTS = 100_000
"""Documents in one progression request; `max_upload_bytes` bounds the body first."""

_COURSE_ACCEPTED = ("json", "xml", "multipart/form-data")
_DOCUMENTS_BODY = {"requestBody": {"required": True, "description": (
    "A citizen's documents: a FHIR Bundle (type collection) whose every entry's resource is "
    "one document (a report Bundle or a single resource), or the documents as files in "
    "multipart/form-data (one document per file or text field)"),
    "content": {"application/fhir+json": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
                "application/fhir+xml": {"schema": {"type": "string"}},
                "multipart/form-data": {"schema": {"type": "object", "additionalProperties": {
                    "type": "string", "format": "binary"}}}}}}
_COURSE_ERRORS: dict[int | str, dict] = {
    **_VALIDATE_ERRORS,
    400: {"model": ErrorOut, "description": "Unknown profile, bad date, or a body that is no "
          "Bundle of documents (nor readable files)"},
}


async def documents_of(request: Request, limit: int) -> tuple[Any, str]:
    """(the files as [(name, bytes, content type)], "") for multipart, else (the body's
    bytes, its content type) for the worker to split; at most `limit` documents."""
    body, content_type = await _body(request, _COURSE_ACCEPTED)
    if "multipart/form-data" not in content_type:
        return body, content_type
    return await _parts(body, request.headers.get("content-type", ""), limit), ""


async def _parts(body: bytes, content_type: str, limit: int) -> list[tuple[str, bytes, str]]:
    from starlette.datastructures import Headers, UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    async def stream():
        yield body

    parser = MultiPartParser(Headers({"content-type": content_type}), stream(),
                             max_files=limit, max_fields=limit, max_part_size=len(body) + 1)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"The multipart body cannot be read: {exc.message.rstrip('.')}. "
                         "Send each document as one file part.",
                         details={"reason": exc.message}) from None
    items: list[tuple[str, bytes, str]] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                kind = (value.content_type or "").lower()
                items.append((value.filename or name, await value.read(),
                              kind if "json" in kind or "xml" in kind else ""))
            else:
                items.append((name, value.encode("utf-8"), ""))
    finally:
        await form.close()
    if not items:
        raise BadRequest("The multipart body holds no documents: send each document as a file "
                         "part.", details={"parts": 0})
    return items


def course_items(services: Services, body: Any, content_type: str, limit: int) -> list:
    """In a worker: the documents, from the files or a Bundle of documents."""
    from validators.course import documents_in
    from validators.parsing import DocumentError, parse_document

    if isinstance(body, list):
        return body
    settings = services.settings
    try:
        bundle = parse_document(body, content_type, settings.max_upload_bytes,
                                settings.max_xml_depth)
    except DocumentError as exc:
        raise BadRequest(f"The Bundle of documents cannot be read: {exc.finding.path} "
                         f"{exc.finding.message}", details={"rule": exc.finding.rule}) from None
    try:
        return documents_in(bundle, limit)
    except ValueError as exc:
        raise BadRequest(f"Not a Bundle of documents: {exc}.",
                         details={"expected": "Bundle of documents"}) from None


@router.post("/validate/course", summary="Validate a citizen's course: several documents "
             "together, in date order", response_model=CourseReportOut,
             responses={**_COURSE_ERRORS, 200: {"description": "The course report"}},
             openapi_extra=_DOCUMENTS_BODY)
async def validate_course(
    request: Request,
    profile: str | None = Query(None, description="Document type id for every document, "
                                "overriding meta.profile"),
    date: str | None = _DATE_QUERY,
) -> Response:
    # Each document on its own, then the course rules (validators/rules_course.py).
    document_type = _document_type(profile)
    day = requested_day(date)
    body, content_type = await documents_of(request, MAX_DOCUMENTS)
    report = await request.app.state.services.workers.run(
        course_job, body, content_type, document_type, day)
    return Response(report, media_type=JSON)


def course_job(services: Services, body: Any, content_type: str, document_type: str | None,
               day: Any) -> bytes:
    """In a worker process: the course report, encoded."""
    from validators import validator_for
    from validators.course import validate_course as validate

    settings = services.settings
    items = course_items(services, body, content_type, MAX_DOCUMENTS)
    report = validate(validator_for(services), items, document_type=document_type, day=day,
                      max_bytes=settings.max_upload_bytes, max_depth=settings.max_xml_depth)
    return orjson.dumps(report.as_dict())


_PROGRESSION_RESPONSES: dict[int | str, dict] = {
    **_COURSE_ERRORS,
    200: {"description": "The progression report; a Danish HTML page with `Accept: text/html` "
          "or `?format=html`", "content": {"text/html": {"schema": {"type": "string"}}}},
}


@router.post("/progression", summary="Progression (FKO) over citizens' courses: per tilstand "
             "and per intervention", response_model=ProgressionReportOut,
             responses=_PROGRESSION_RESPONSES, openapi_extra=_DOCUMENTS_BODY)
async def progression(
    request: Request,
    icf: str | None = Query(None, description="Only tilstande our crosswalks relate to this "
                            "ICF code or one below it (d450 also takes d4500)",
                            examples=["d450"], max_length=20),
    format: str | None = Query(None, pattern="^(json|html)$",
                               description="`html` for the Danish page (as `Accept: "
                                           "text/html`)"),
) -> Response:
    # The documents of any number of citizens; grouped into courses by citizen.
    as_html = format == "html" or (format is None and "text/html" in request.headers.get(
        "accept", ""))
    body, content_type = await documents_of(request, MAX_PROGRESSION_DOCUMENTS)
    answer = await request.app.state.services.workers.run(
        progression_job, body, content_type, icf.strip() if icf else None, as_html)
    return Response(answer, media_type="text/html; charset=utf-8" if as_html else JSON)


def progression_job(services: Services, body: Any, content_type: str, icf: str | None,
                    as_html: bool) -> bytes:
    """In a worker process: the progression report, encoded as JSON or as the page."""
    from validators.progression import StoreLabels, progression

    settings = services.settings
    items = course_items(services, body, content_type, MAX_PROGRESSION_DOCUMENTS)
    labels = StoreLabels(services.store)
    report = progression(items, labels, labels.icf, max_bytes=settings.max_upload_bytes,
                         max_depth=settings.max_xml_depth).as_dict(icf=icf)
    if as_html:
        from ..web.progression import render

        return render(report).encode("utf-8")
    return orjson.dumps(report)
