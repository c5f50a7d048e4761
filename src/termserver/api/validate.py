"""POST /api/v1/validate and POST /fhir/$validate: documents against the standard."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from .responses import json_response

router = APIRouter(tags=["validation"])
fhir_router = APIRouter(tags=["validation"])

_ACCEPTED = ("json", "xml")


async def _report(request: Request, profile: str | None):
    from validators import validator_for
    from validators.standard import document_type_by_id

    services = request.app.state.services
    limit = services.settings.max_upload_bytes
    content_type = request.headers.get("content-type", "").lower()
    if content_type and not any(kind in content_type for kind in _ACCEPTED):
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r} is not a FHIR document. Send "
            "application/fhir+json or application/fhir+xml.",
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
    if profile is not None and document_type_by_id(profile) is None:
        raise BadRequest(f"Unknown document type {profile!r}.", details={"profile": profile})
    return validator_for(services).validate_bytes(
        bytes(body), content_type, document_type=profile, max_bytes=limit,
        max_depth=services.settings.max_xml_depth)


@router.post("/validate", summary="Validate a FHIR document (JSON or XML) against KL's standard")
async def validate(
    request: Request,
    profile: str | None = Query(None, description="Document type id, overriding meta.profile"),
) -> Response:
    report = await _report(request, profile)
    return json_response(report.as_dict())


@fhir_router.post("/fhir/$validate", summary="FHIR $validate: the report as an OperationOutcome")
async def fhir_validate(request: Request, profile: str | None = Query(None)) -> Response:
    report = await _report(request, profile)
    return Response(json_response(report.as_operation_outcome()).body,
                    media_type="application/fhir+json")
