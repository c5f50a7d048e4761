"""GET /schemes and /schemes/{scheme}: what is loaded, in which versions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..bodies import scheme_body, schemes_body
from .responses import cached_json
from .schemas import ERROR_RESPONSES, SchemeOut

router = APIRouter(tags=["schemes"])


@router.get("/schemes", response_model=list[SchemeOut], summary="All schemes and versions")
async def list_schemes(request: Request) -> Response:
    services = request.app.state.services
    return cached_json(services.cache, ("schemes",), lambda: schemes_body(services.store))


@router.get(
    "/schemes/{scheme}", response_model=SchemeOut, responses=ERROR_RESPONSES,
    summary="One scheme with its versions",
)
async def get_scheme(request: Request, scheme: str) -> Response:
    services = request.app.state.services
    services.store.versions(scheme)  # raises NotFound with the known schemes
    return cached_json(services.cache, ("scheme", scheme),
                       lambda: scheme_body(services.store, scheme))
