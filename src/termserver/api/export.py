"""GET /schemes/{scheme}/export: a whole release as SKOS or FHIR CodeSystem JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from .schemas import ERROR_RESPONSES

router = APIRouter(tags=["versions"])

MEDIA_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "fhir": "application/fhir+json",
}


@router.get("/schemes/{scheme}/export", response_class=Response,
            responses={**ERROR_RESPONSES, 200: {
                "description": "The release in the format asked for",
                "content": {media: {} for media in MEDIA_TYPES.values()}}},
            summary="Export a release as published (SKOS Turtle, N-Triples, JSON-LD or FHIR "
            "CodeSystem)")
def export(
    request: Request,
    scheme: str,
    format: Literal["ttl", "nt", "jsonld", "fhir"] = Query("ttl"),
    version: str | None = Query(None, description="Version (default: latest)."),
) -> Response:
    from ..exporters import export_release

    services = request.app.state.services
    store = services.store
    release = store.release(scheme, version)
    key = ("export", scheme, release.version, format)
    body = services.cache.get(key)
    if body is None:
        body = services.cache[key] = export_release(store.published(release), format)
    filename = f"{scheme}-{release.version}.{'json' if format == 'fhir' else format}"
    return Response(body, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
