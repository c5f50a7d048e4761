"""GET /search: Danish-aware search over labels, codes and definitions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from ..bodies import search_body
from ..search import check_filters
from .responses import json_response
from .schemas import ERROR_RESPONSES, SearchOut

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchOut, responses=ERROR_RESPONSES,
            summary="Search concepts")
def search(
    request: Request,
    q: str = Query(..., description="Words, a code or a code prefix, e.g. `hukommelse`, "
                   "`d450`, `§ 85`."),
    scheme: str | None = Query(None, description="Only this scheme."),
    version: str | None = Query(None, description="Only this version (needs scheme)."),
    limit: int = Query(10, ge=1, le=200, description="Most results to return."),
) -> Response:
    services = request.app.state.services
    check_filters(services.store, scheme, version)
    results = services.search.search(q, scheme=scheme, version=version, limit=limit)
    return json_response(search_body(results))
