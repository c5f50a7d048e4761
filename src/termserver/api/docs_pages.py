"""The interactive API docs (Swagger UI at /api/v1/docs, ReDoc at /api/v1/redoc), offline.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN, so on a network without
internet access (a municipality's, or a laptop on a train) they were blank. The
`fastapi-offline` package ships the built files; we serve them from the installed
package under `ASSETS`, so the pages need nothing but this server, and the files are
always the ones `scripts/setup` installed (no copies to keep up to date here).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/api/v1/docs"
REDOC = "/api/v1/redoc"
ASSETS = "/api/v1/docs/assets"
_ASSET_DIR = Path(str(files("fastapi_offline") / "static"))
_SAME_ORIGIN_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
"""The pages' Content-Security-Policy: the browser fetches nothing from elsewhere. ReDoc's
bundle shows a logo from its publisher's CDN in the menu and has no option to leave it
out; under this policy the browser never asks for it and ReDoc hides the empty image."""


def install_api_docs(app: FastAPI) -> None:
    """Add the Swagger UI and ReDoc pages and their assets; the app has docs_url=None."""
    app.mount(ASSETS, StaticFiles(directory=_ASSET_DIR), name="api-docs-assets")

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _same_origin_only(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} API – Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            # no badge from the public validator service: the page asks nothing of others
            swagger_ui_parameters={"validatorUrl": None},
        ))

    @app.get(REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _same_origin_only(get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} API – ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        ))


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = _SAME_ORIGIN_ONLY
    return page
