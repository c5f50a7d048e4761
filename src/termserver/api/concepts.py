"""Concept lookup and hierarchy, for any version (latest by default)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from ..bodies import concept_body, hierarchy_body
from ..errors import NotFound
from .responses import cached_json
from .schemas import ERROR_RESPONSES, AncestorsOut, ConceptOut, DescendantsOut

router = APIRouter(tags=["concepts"])

VersionQuery = Query(None, description="Version to read (default: latest).")


async def concept_hot_path(request: Request) -> Response:
    """The lookup endpoint without FastAPI's parameter machinery, for throughput.

    Mounted ahead of the documented route in create_app; same URL, same body, same errors.
    Lookups are the bulk of production traffic (fagsystemer resolving codes).
    """
    params = request.path_params
    return await get_concept(request, params["scheme"], params["code"],
                             request.query_params.get("version"))


async def get_concept(
    request: Request, scheme: str, code: str, version: str | None = VersionQuery
) -> Response:
    services = request.app.state.services
    key = ("concept", scheme, code, version)
    data = services.cache.get(key)
    if data is not None:
        return Response(data, media_type="application/json")
    store = services.store
    return cached_json(services.cache, key,
                       lambda: concept_body(store, store.resolve(scheme, code, version)))


def _hierarchy(request: Request, scheme: str, code: str, version: str | None,
               relation: str) -> Response:
    services = request.app.state.services
    store = services.store
    walk = store.ancestors if relation == "ancestors" else store.descendants

    def build() -> dict:
        resolved = store.resolve(scheme, code, version)
        return hierarchy_body(resolved, relation, walk(resolved.release, resolved.concept.code))

    return cached_json(services.cache, (relation, scheme, code, version), build)


# `{code:path}`: a code may hold "/" (FHIR allows it, e.g. UCUM's mg/dL). The hierarchy
# routes come first so `…/mg/dL/ancestors` is not read as the code "mg/dL/ancestors".
@router.get(
    "/schemes/{scheme}/concepts/{code:path}/ancestors",
    response_model=AncestorsOut,
    responses=ERROR_RESPONSES,
    summary="All ancestors, nearest first",
)
async def get_ancestors(
    request: Request, scheme: str, code: str, version: str | None = VersionQuery
) -> Response:
    return _hierarchy(request, scheme, code, version, "ancestors")


@router.get(
    "/schemes/{scheme}/concepts/{code:path}/descendants",
    response_model=DescendantsOut,
    responses=ERROR_RESPONSES,
    summary="All descendants, depth first in source order",
)
async def get_descendants(
    request: Request, scheme: str, code: str, version: str | None = VersionQuery
) -> Response:
    return _hierarchy(request, scheme, code, version, "descendants")


router.add_api_route(
    "/schemes/{scheme}/concepts/{code:path}", get_concept, methods=["GET"],
    response_model=ConceptOut, responses=ERROR_RESPONSES, summary="Look up a concept by code",
)

UriQuery = Query(..., description="Concept IRI, e.g. https://data.termserver.dk/id/icf/d450")


def _by_uri(request: Request, uri: str) -> tuple[str, str]:
    found = request.app.state.services.store.resolve_uri(uri)
    if found is None:
        raise NotFound(
            f"No loaded concept has the IRI {uri!r}. Concept IRIs look like "
            "https://data.termserver.dk/id/{scheme}/{code}.",
            details={"uri": uri},
        )
    return found


@router.get(
    "/concepts",
    response_model=ConceptOut,
    responses=ERROR_RESPONSES,
    summary="Look up a concept by its IRI",
)
async def get_concept_by_uri(
    request: Request, uri: str = UriQuery, version: str | None = VersionQuery
) -> Response:
    scheme, code = _by_uri(request, uri)
    return await get_concept(request, scheme, code, version)


@router.get(
    "/concepts/ancestors",
    response_model=AncestorsOut,
    responses=ERROR_RESPONSES,
    summary="All ancestors of a concept named by its IRI",
)
async def get_ancestors_by_uri(
    request: Request, uri: str = UriQuery, version: str | None = VersionQuery
) -> Response:
    scheme, code = _by_uri(request, uri)
    return _hierarchy(request, scheme, code, version, "ancestors")


@router.get(
    "/concepts/descendants",
    response_model=DescendantsOut,
    responses=ERROR_RESPONSES,
    summary="All descendants of a concept named by its IRI",
)
async def get_descendants_by_uri(
    request: Request, uri: str = UriQuery, version: str | None = VersionQuery
) -> Response:
    scheme, code = _by_uri(request, uri)
    return _hierarchy(request, scheme, code, version, "descendants")
