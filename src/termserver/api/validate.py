"""POST /api/v1/validate and POST /fhir/$validate: documents against the standard.

`router` is mounted under /api/v1; `fhir_router` carries the FHIR operation at /fhir (the
app includes both). The Content-Type decides JSON or XML (none: sniffed). `profile` is a
document type id (`ffb-reporting`) or, as in FHIR's $validate, a profile canonical URL;
`date` chooses the terminology releases (those in force on a day, or `latest`) instead of
the document's own date.
$validate also accepts a FHIR Parameters resource with the document in `resource`.

The event loop only reads the body; parsing, validating and encoding the report run in
a worker process (`workers.py`), a bounded number at a time, so a 10 MB document does
not hold up the lookups arriving meanwhile.
"""

from __future__ import annotations

from datetime import date as Day
from typing import TYPE_CHECKING

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .report_schemas import OperationOutcomeOut, ValidationReportOut
from .responses import JSON
from .schemas import ErrorOut

if TYPE_CHECKING:
    from ..services import Services

router = APIRouter(tags=["validation"])
fhir_router = APIRouter(tags=["validation"])

_ACCEPTED = ("json", "xml")


def _document_type(profile: str | None) -> str | None:
    from validators.standard import DOCUMENT_TYPES, document_type_by_id, document_type_for

    if profile is None:
        return None
    found = document_type_by_id(profile) or (
        document_type_for([profile]) if "://" in profile else None)
    if found is None:
        raise BadRequest(f"Unknown document type {profile!r}. Use a document type id or a KL "
                         "profile URL.",
                         details={"profile": profile, "document_types":
                                  [t.id for t in DOCUMENT_TYPES]})
    return found.id


_DATE_QUERY = Query(None, description="The day whose terminology releases in force apply "
                    "(YYYY-MM-DD), or `latest` for the latest releases; by default the "
                    "document's own date (Bundle.timestamp, else its Encounter's start)",
                    examples=["2024-05-30", "latest"])


def requested_day(text: str | None) -> Day | str | None:
    """The `date` query as validators take it; a clear 400 when it is neither."""
    from validators.dates import requested_day as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise BadRequest(f"Bad 'date' parameter: {exc}.", details={"date": text}) from None


async def _body(request: Request, accepted: tuple[str, ...] = _ACCEPTED) -> tuple[bytes, str]:
    """The body up to max_upload_bytes, and its Content-Type (lower case), which must
    name one of `accepted` (or be absent: sniffed)."""
    services = request.app.state.services
    limit = services.settings.max_upload_bytes
    content_type = request.headers.get("content-type", "").lower()
    if content_type and not any(kind in content_type for kind in accepted):
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r} is not a FHIR document. Send "
            "application/fhir+json or application/fhir+xml"
            + (", or the documents as files in multipart/form-data."
               if "multipart/form-data" in accepted else "."),
            details={"content_type": content_type})
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The document is {int(declared):,} bytes; the limit is "
                              f"{limit:,} bytes.", details={"limit": limit})
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"The document is larger than the limit of {limit:,} bytes.",
                                  details={"limit": limit})
    return bytes(body), content_type


def _validator(services: Services):
    from validators import validator_for

    return validator_for(services)


_DOCUMENT_BODY = {"requestBody": {"required": True, "description": "A FHIR R4 document: a "
                  "Bundle (collection or message) or a single resource, UTF-8",
                  "content": {"application/fhir+json": {"schema": {"type": "object"}},
                              "application/json": {"schema": {"type": "object"}},
                              "application/fhir+xml": {"schema": {"type": "string"}},
                              "application/xml": {"schema": {"type": "string"}}}}}
_VALIDATE_ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "Unknown profile / document type"},
    413: {"model": ErrorOut, "description": "Body larger than max_upload_bytes"},
    415: {"model": ErrorOut, "description": "Content-Type is not FHIR JSON or XML"},
    503: {"model": ErrorOut, "description": "KL's code systems are not imported, or every "
          "validation worker is busy (`overloaded`, with Retry-After)"},
}
_OUTCOME = {200: {"description": "The report as a FHIR OperationOutcome"}}
_FHIR_ERRORS: dict[int | str, dict] = {
    status: {"description": answer["description"], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for status, answer in _VALIDATE_ERRORS.items()}
"""The same refusals, named as the errors they are (JSON) beside the FHIR route's own
media type; ErrorOut is in the contract through /api/v1/validate."""


class _FhirJSON(JSONResponse):
    """FHIR's JSON media type, so that the contract names it for the OperationOutcome (the
    route sends the encoded bytes itself)."""

    media_type = "application/fhir+json"


@router.post("/validate", summary="Validate a FHIR document (JSON or XML) against KL's standard",
             response_model=ValidationReportOut,
             responses={**_VALIDATE_ERRORS, 200: {"description": "The validation report"}},
             openapi_extra=_DOCUMENT_BODY)
async def validate(
    request: Request,
    profile: str | None = Query(None, description="Document type id, overriding meta.profile"),
    date: str | None = _DATE_QUERY,
) -> Response:
    # The report: {valid, document_type, standard, terminology_versions, issues}; profile
    # may also be a KL profile URL (the OpenAPI text is generated; kept as it was).
    document_type = _document_type(profile)
    day = requested_day(date)
    body, content_type = await _body(request)
    report = await request.app.state.services.workers.run(
        validate_job, body, content_type, document_type, day)
    return Response(report, media_type=JSON)


def validate_job(services: Services, body: bytes, content_type: str,
                 document_type: str | None, day: Day | str | None = None) -> bytes:
    """In a worker process: the report of POST /api/v1/validate, encoded."""
    settings = services.settings
    report = _validator(services).validate_bytes(
        body, content_type, document_type=document_type, max_bytes=settings.max_upload_bytes,
        max_depth=settings.max_xml_depth, day=day)
    return orjson.dumps(report.as_dict())


@fhir_router.post("/fhir/$validate", summary="FHIR $validate: the report as an OperationOutcome",
                  response_class=_FhirJSON, response_model=OperationOutcomeOut,
                  responses={**_FHIR_ERRORS, **_OUTCOME}, openapi_extra=_DOCUMENT_BODY)
async def fhir_validate(request: Request, profile: str | None = Query(None),
                        date: str | None = _DATE_QUERY) -> Response:
    # The same validation; a Parameters body is unwrapped (`resource`, `profile`).
    day = requested_day(date)
    body, content_type = await _body(request)
    outcome = await request.app.state.services.workers.run(
        fhir_validate_job, body, content_type, profile, day)
    return Response(outcome, media_type="application/fhir+json")


def fhir_validate_job(services: Services, body: bytes, content_type: str,
                      profile: str | None, day: Day | str | None = None) -> bytes:
    """In a worker process: the OperationOutcome of POST /fhir/$validate, encoded."""
    from validators.parsing import DocumentError, parse_document
    from validators.report import Report

    settings = services.settings
    validator = _validator(services)
    try:
        document = parse_document(body, content_type, settings.max_upload_bytes,
                                  settings.max_xml_depth)
    except DocumentError as exc:
        report = Report(None, None, validator.terminology_on(None, day)[0].versions(),
                        [exc.finding])
    else:
        if document.get("resourceType") == "Parameters":
            document, profile = _unwrap(document, profile)
        report = validator.validate(document, document_type=_document_type(profile),
                                    max_depth=settings.max_xml_depth, day=day)
    return orjson.dumps(report.as_operation_outcome())


def _unwrap(parameters: dict, profile: str | None) -> tuple[dict, str | None]:
    resource = None
    listed = parameters.get("parameter")
    for parameter in listed if isinstance(listed, list) else []:
        if not isinstance(parameter, dict):
            continue
        if parameter.get("name") == "resource" and isinstance(parameter.get("resource"), dict):
            resource = parameter["resource"]
        elif parameter.get("name") == "profile" and profile is None:
            given = parameter.get("valueUri") or parameter.get("valueCanonical")
            if not isinstance(given, str):
                raise BadRequest("The Parameters parameter 'profile' must carry its profile "
                                 "as a string in valueUri or valueCanonical.",
                                 details={"parameter": "profile"})
            profile = given
    if resource is None:
        raise BadRequest("The Parameters resource has no parameter 'resource' with the document.",
                         details={"parameter": "resource"})
    return resource, profile
