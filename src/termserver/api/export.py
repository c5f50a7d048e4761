"""GET /schemes/{scheme}/export: a whole release as SKOS or FHIR CodeSystem JSON.

Serialising a large release is seconds of CPU, so a first export runs in a worker process
(`workers.py`) and its bytes are memoised (bounded, like every response memo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Query, Request, Response

from .schemas import ERROR_RESPONSES, ErrorOut

if TYPE_CHECKING:
    from ..services import Services

router = APIRouter(tags=["versions"])

MEDIA_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "fhir": "application/fhir+json",
}

_BUSY: dict[int | str, dict] = {503: {
    "model": ErrorOut, "description": "Every export worker is busy (`overloaded`, with "
    "Retry-After)"}}


@router.get("/schemes/{scheme}/export", response_class=Response,
            responses={**ERROR_RESPONSES, **_BUSY, 200: {
                "description": "The release in the format asked for",
                "content": {media: {} for media in MEDIA_TYPES.values()}}},
            summary="Export a release as published (SKOS Turtle, N-Triples, JSON-LD or FHIR "
            "CodeSystem)")
async def export(
    request: Request,
    scheme: str,
    format: Literal["ttl", "nt", "jsonld", "fhir"] = Query("ttl"),
    version: str | None = Query(None, description="Version (default: latest)."),
) -> Response:
    services = request.app.state.services
    release = services.store.release(scheme, version)
    key = ("export", scheme, release.version, format)
    body = services.cache.get(key)
    if body is None:
        body = await services.workers.run(export_job, scheme, release.version, format)
        services.cache[key] = body
    filename = f"{scheme}-{release.version}.{'json' if format == 'fhir' else format}"
    return Response(body, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def export_job(services: Services, scheme: str, version: str, format: str) -> bytes:
    """In a worker process: the release exactly as published, in `format`."""
    from ..exporters import export_release

    store = services.store
    return export_release(store.published(store.release(scheme, version)), format)
