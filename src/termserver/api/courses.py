"""POST /api/v1/validate/course: a citizen's documents validated together.

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
from .report_schemas import CourseReportOut
from .responses import JSON
from .schemas import ErrorOut
from .validate import _DATE_QUERY, _VALIDATE_ERRORS, _body, _document_type, requested_day

if TYPE_CHECKING:
    from ..services import Services

router = APIRouter(tags=["validation"])

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


async def documents_of(request: Request) -> tuple[Any, str]:
    """(the files as [(name, bytes, content type)], "") for multipart, else (the body's
    bytes, its content type) for the worker to split."""
    body, content_type = await _body(request, _COURSE_ACCEPTED)
    if "multipart/form-data" not in content_type:
        return body, content_type
    return await _parts(body, request.headers.get("content-type", "")), ""


async def _parts(body: bytes, content_type: str) -> list[tuple[str, bytes, str]]:
    from starlette.datastructures import Headers, UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    from validators.course import MAX_DOCUMENTS

    async def stream():
        yield body

    parser = MultiPartParser(Headers({"content-type": content_type}), stream(),
                             max_files=MAX_DOCUMENTS, max_fields=MAX_DOCUMENTS,
                             max_part_size=len(body) + 1)
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


def course_items(services: Services, body: Any, content_type: str) -> list:
    """In a worker: the documents to validate, from the files or a Bundle of documents."""
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
        return documents_in(bundle)
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
    body, content_type = await documents_of(request)
    report = await request.app.state.services.workers.run(
        course_job, body, content_type, document_type, day)
    return Response(report, media_type=JSON)


def course_job(services: Services, body: Any, content_type: str, document_type: str | None,
               day: Any) -> bytes:
    """In a worker process: the course report, encoded."""
    from validators import validator_for
    from validators.course import validate_course as validate

    settings = services.settings
    items = course_items(services, body, content_type)
    report = validate(validator_for(services), items, document_type=document_type, day=day,
                      max_bytes=settings.max_upload_bytes, max_depth=settings.max_xml_depth)
    return orjson.dumps(report.as_dict())
