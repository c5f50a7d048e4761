"""GET/POST /sparql: the read-only SPARQL endpoint (SPARQL 1.1 Protocol, query only)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..errors import BadRequest
from ..releases import ReleaseRepository
from ..sparql import SparqlEngine

router = APIRouter(tags=["sparql"])


def _engine(request: Request) -> SparqlEngine:
    services = request.app.state.services
    engine = services.cache.get("sparql-engine")
    if engine is None:
        engine = SparqlEngine(services.store, ReleaseRepository(services.settings.data_dir),
                              services.settings.sparql_timeout)
        services.cache["sparql-engine"] = engine
    return engine


@router.get("/sparql", summary="Read-only SPARQL query (every version is a named graph)")
async def sparql_get(
    request: Request, query: str = Query(..., description="A SPARQL 1.1 query.")
) -> Response:
    result = await run_in_threadpool(
        _engine(request).query, query, request.headers.get("accept", "")
    )
    return Response(result.body, media_type=result.media_type)


@router.post("/sparql", summary="Read-only SPARQL query in the body")
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/sparql-query":
        text = (await request.body()).decode("utf-8", errors="replace")
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        if "update" in form:
            raise BadRequest("This endpoint is read-only: SPARQL Update is not accepted.")
        text = str(form.get("query", ""))
    else:
        raise BadRequest(
            "Send the query as application/sparql-query or as a form field `query`.",
            details={"content_type": content_type},
        )
    result = await run_in_threadpool(
        _engine(request).query, text, request.headers.get("accept", "")
    )
    return Response(result.body, media_type=result.media_type)
