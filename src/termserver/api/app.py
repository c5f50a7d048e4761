"""The app factory: one FastAPI app over one `Services`, never built at import time."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..errors import TermserverError, error_envelope
from ..services import Services, open_services
from ..settings import Settings
from .docs_pages import install_api_docs
from .fhir import fhir_error_response, is_fhir_path
from .fhir import hot_routes as fhir_hot_routes
from .fhir import router as fhir_terminology_router

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    services = services or open_services(settings)
    app = FastAPI(
        title="termserver",
        version=__version__,
        description="Versioned ICF, FFB, FSIII and intervention-catalogue vocabularies: "
        "lookup, search, diff, validation.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served from the package by install_api_docs: no CDN
        redoc_url=None,
    )
    app.state.services = services
    _install_error_handlers(app)
    _document_the_error_envelope(app)
    install_api_docs(app)
    from starlette.routing import Route

    from .concepts import concept_hot_path
    from .linked_data import concept_hot_path as linked_data_hot_path
    from .search import WellFormedSearchRoute

    app.router.routes.append(Route("/api/v1/schemes/{scheme}/concepts/{code}", concept_hot_path,
                                   methods=["GET"], include_in_schema=False))
    app.router.routes.append(WellFormedSearchRoute("/api/v1/search"))
    app.router.routes.append(Route("/id/{scheme}/{code}", linked_data_hot_path,
                                   methods=["GET"], include_in_schema=False))
    app.router.routes.extend(fhir_hot_routes())
    from . import (
        auth,
        changes,
        concepts,
        courses,
        diff,
        draft_publish,
        draft_workflow,
        drafts,
        export,
        history,
        interventions,
        linked_data,
        schemes,
        search,
        sparql,
        validate,
    )

    for module in (schemes, history, concepts, search, diff, export, changes, interventions,
                   validate, courses, auth, drafts, draft_workflow, draft_publish):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(changes.feed_router)
    app.include_router(validate.fhir_router)
    app.include_router(fhir_terminology_router)
    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    from ..web import history_page, redaktion, search_page, shortlist
    from ..web import routes as web_routes

    app.include_router(search_page.router)
    app.include_router(shortlist.router)
    app.include_router(history_page.router)
    app.include_router(web_routes.router)
    app.include_router(redaktion.router)
    app.mount("/static", web_routes.static_files, name="static")
    from . import health

    health.install(app)
    return app


def _document_the_error_envelope(app: FastAPI) -> None:
    """OpenAPI says what the server does: bad parameters are 400 with the one envelope.

    FastAPI documents its own 422 `HTTPValidationError` body on every endpoint with
    parameters; our handler answers those requests with 400 `{error: …}` instead.
    """
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            envelope = {"description": "Bad request (invalid parameters)", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if "HTTPValidationError" in str(responses.get("422", "")):
                        del responses["422"]
                        responses.setdefault("400", envelope)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_MACHINE_PATHS = ("/api/", "/fhir", "/sparql", "/id/", "/resource", "/static/")


def _browser_page_request(request: Request) -> bool:
    """A person's browser asking for a page (not a client of the API or Linked Data)."""
    accept = request.headers.get("accept", "")
    return ("text/html" in accept and request.method in ("GET", "HEAD")
            and not request.url.path.startswith(_MACHINE_PATHS))


def _fhir_http_message(request: Request, exc: StarletteHTTPException) -> str:
    if exc.status_code == 404:
        return (f"No such FHIR endpoint: {request.url.path}. See GET /fhir/metadata for what "
                "this server offers.")
    if exc.status_code == 405:
        return f"{request.method} is not allowed on {request.url.path}."
    return exc.detail if isinstance(exc.detail, str) else str(exc.detail)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as the one envelope `{error: {code, message, details}}`."""

    @app.exception_handler(TermserverError)
    async def _domain_error(request: Request, exc: TermserverError) -> Response:
        if is_fhir_path(request.url.path):
            return fhir_error_response(exc.status_code, exc.message, exc,
                                       getattr(exc, "headers", None), request=request)
        return JSONResponse(exc.envelope(), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        if is_fhir_path(request.url.path):
            return fhir_error_response(400, f"Invalid request parameters: {message}",
                                       request=request)
        return JSONResponse(
            error_envelope("bad_request", f"Invalid request parameters: {message}",
                           {"problems": problems}),
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and _browser_page_request(request):
            from ..web.routes import page_not_found

            return page_not_found(request)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if is_fhir_path(request.url.path):
            return fhir_error_response(exc.status_code, _fhir_http_message(request, exc),
                                       headers=exc.headers, request=request)
        details: dict = {}
        if exc.status_code == 404:
            message = (f"No such path: {request.url.path}. The API lives under /api/v1; "
                       "see /api/v1/docs.")
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            message = (f"{request.method} is not allowed on {request.url.path}; use "
                       f"{allowed or 'another method'}.")
            details = {"method": request.method, "allowed": allowed.split(", ") if allowed
                       else []}
        return JSONResponse(error_envelope(code, message, details),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client hung up mid-upload: nothing to answer and nothing wrong here, so one
        # line (unless the server cut it off for being too slow, which it logged itself).
        if not request.scope.get("termserver.body_timeout"):
            log.warning("client %s went away before sending all of %s %s",
                        request.client.host if request.client else "?", request.method,
                        request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        if is_fhir_path(request.url.path):
            return fhir_error_response(500, "An unexpected error occurred; it has been "
                                       "logged. Please report it with the time of the request.",
                                       request=request)
        return JSONResponse(
            error_envelope("internal_error", "An unexpected error occurred; it has been "
                           "logged. Please report it with the time of the request."),
            status_code=500,
        )
