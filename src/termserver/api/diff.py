"""GET /schemes/{scheme}/diff: what changed between two versions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from ..bodies import diff_body
from ..diff import diff_releases
from .responses import cached_json
from .schemas import ERROR_RESPONSES, DiffOut

router = APIRouter(tags=["versions"])


@router.get("/schemes/{scheme}/diff", response_model=DiffOut, responses=ERROR_RESPONSES,
            summary="Concepts added, removed and changed between two versions")
async def get_diff(
    request: Request,
    scheme: str,
    from_: str = Query(..., alias="from", description="The older version."),
    to: str = Query("latest", description="The newer version (default: latest)."),
) -> Response:
    services = request.app.state.services
    store = services.store
    old, new = store.release(scheme, from_), store.release(scheme, to)
    return cached_json(services.cache, ("diff", scheme, old.version, new.version),
                       lambda: diff_body(diff_releases(old, new)))
