"""GET/POST /sparql: the read-only SPARQL endpoint (SPARQL 1.1 Protocol, query only)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from ..releases import ReleaseRepository
from ..sparql import MAX_QUERY_CHARS, SparqlEngine
from .schemas import ERROR_RESPONSES, ErrorOut

router = APIRouter(tags=["sparql"])

MAX_BODY_BYTES = 16 * MAX_QUERY_CHARS
"""Room for the longest accepted query, percent-encoded in a form; more is refused unread."""
SPARQL_ERRORS = {
    **ERROR_RESPONSES,
    200: {"description": "SELECT/ASK results (SPARQL JSON or XML by Accept); CONSTRUCT/"
          "DESCRIBE graphs (Turtle, or JSON-LD by Accept)",
          "content": {"application/sparql-results+json": {},
                      "application/sparql-results+xml": {}, "text/turtle": {},
                      "application/ld+json": {}}},
    413: {"model": ErrorOut, "description": "Request body too large"},
    503: {"model": ErrorOut, "description": "The query ran past the time limit"},
}


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it grows past MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The request body ({declared} bytes) is larger than {MAX_BODY_BYTES} bytes; a "
            f"SPARQL query may be at most {MAX_QUERY_CHARS} characters.",
            details={"limit_bytes": MAX_BODY_BYTES},
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"The request body is larger than {MAX_BODY_BYTES} bytes; a SPARQL query "
                f"may be at most {MAX_QUERY_CHARS} characters.",
                details={"limit_bytes": MAX_BODY_BYTES},
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _engine(request: Request) -> SparqlEngine:
    services = request.app.state.services
    engine = services.cache.get("sparql-engine")
    if engine is None:
        engine = SparqlEngine(services.store, ReleaseRepository(services.settings.data_dir),
                              services.settings.sparql_timeout)
        services.cache["sparql-engine"] = engine
    return engine


@router.get("/sparql", summary="Read-only SPARQL query (every version is a named graph)",
            response_class=Response, responses=SPARQL_ERRORS)
async def sparql_get(
    request: Request, query: str = Query(..., description="A SPARQL 1.1 query.")
) -> Response:
    result = await run_in_threadpool(
        _engine(request).query, query, request.headers.get("accept", "")
    )
    return Response(result.body, media_type=result.media_type)


@router.post("/sparql", summary="Read-only SPARQL query in the body", response_class=Response,
             responses=SPARQL_ERRORS)
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type == "application/sparql-query":
        text = (await _body(request)).decode("utf-8", errors="replace")
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs((await _body(request)).decode("utf-8", errors="replace"),
                        keep_blank_values=True)
        if "update" in form:
            raise BadRequest("This endpoint is read-only: SPARQL Update is not accepted.")
        text = (form.get("query") or [""])[0]
    else:
        raise UnsupportedMediaType(
            "Send the query as application/sparql-query or as a form field `query`.",
            details={"content_type": content_type},
        )
    result = await run_in_threadpool(
        _engine(request).query, text, request.headers.get("accept", "")
    )
    return Response(result.body, media_type=result.media_type)
