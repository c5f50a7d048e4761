"""GET/POST /sparql: the read-only SPARQL endpoint (SPARQL 1.1 Protocol, query only).

Each query is evaluated in a forked process (`sparql.py`); at most `sparql_max_concurrent`
at once, others wait briefly and are then answered 503 with Retry-After (`workers.py`).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from ..sparql import MAX_QUERY_CHARS, SparqlResult
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
    400: {"model": ErrorOut, "description": "Not a read-only SPARQL query, a SERVICE or "
          "FROM outside the loaded releases, or an answer over sparql_max_rows / "
          "sparql_max_bytes (`result_too_large`)"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    503: {"model": ErrorOut, "description": "The query ran past the time limit "
          "(`query_timeout`), or every SPARQL slot is busy (`overloaded`, with Retry-After)"},
}
_POST_ERRORS = {**SPARQL_ERRORS, 415: {
    "model": ErrorOut,
    "description": "Content-Type is neither application/sparql-query nor a form"}}
_QUERY_BODY = {"requestBody": {"required": True, "description": "The query, as the body "
               "(application/sparql-query) or as the form field `query`; `update` is refused",
               "content": {
                   "application/sparql-query": {"schema": {"type": "string"}},
                   "application/x-www-form-urlencoded": {"schema": {
                       "type": "object", "required": ["query"],
                       "properties": {"query": {"type": "string",
                                                "maxLength": MAX_QUERY_CHARS}}}}}}}


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


async def _answer(request: Request, text: str) -> Response:
    """Evaluate in a slot of this store's SPARQL gate (a reload brings a new gate)."""
    workers = request.app.state.services.workers
    async with workers.sparql_gate.slot():
        result: SparqlResult = await run_in_threadpool(
            workers.sparql().query, text, request.headers.get("accept", ""))
    return Response(result.body, media_type=result.media_type)


@router.get("/sparql", summary="Read-only SPARQL query (every version is a named graph)",
            response_class=Response, responses=SPARQL_ERRORS)
async def sparql_get(
    request: Request, query: str = Query(..., description="A SPARQL 1.1 query.",
                                         max_length=MAX_QUERY_CHARS)
) -> Response:
    return await _answer(request, query)


@router.post("/sparql", summary="Read-only SPARQL query in the body", response_class=Response,
             responses=_POST_ERRORS, openapi_extra=_QUERY_BODY)
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
    return await _answer(request, text)
