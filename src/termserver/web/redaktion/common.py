"""What every page under /redaktion shares: the login it needs, the CSRF token its forms
carry, rendering in the caseworker pages' look, and refusals explained in Danish.

`PageRoute` wraps every route of these pages. Before the route runs it finds the
browser's session (`authoring.sessions`); without one a GET is sent to the login page and
a POST is refused the same way and written to the audit log. A POST must carry the
session's CSRF token (`csrf` field): a missing or wrong one is refused with a Danish page
and audited. Errors of the authoring functions the routes call (the same ones the API
calls, with the same checks and audit) become Danish pages, never JSON or a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from ...api.auth import authoring_db
from ...authoring import sessions
from ...authoring.db import AuthoringDB
from ...authoring.permissions import ACTIONS, Actor, allows
from ...authoring.sheets import MAX_FILE_BYTES
from ...errors import PayloadTooLarge, TermserverError
from ..routes import templates
from . import danish

PUBLIC = {"/redaktion/login"}
"""Paths that need no session: the login form itself."""
LOGIN = "/redaktion/login"
MAX_BODY = MAX_FILE_BYTES + 1024 * 1024
"""The largest form read at all: the bulk page's largest file and room for the rest."""


class LoginNeeded(Exception):
    """No valid session: the browser goes to the login page (and comes back after)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class PageRoute(APIRoute):
    """A route of the methodologists' pages: session, CSRF and Danish errors (see module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()
        public = self.path_format in PUBLIC

        async def handler(request: Request) -> Response:
            try:
                if not public:
                    await _admit(request)
                return await original(request)
            except LoginNeeded as missing:
                return _to_login(request, missing.why)
            except CsrfRefused as refused:
                return page(request, "redaktion/message.html", {
                    "title": "Formularen blev afvist",
                    "message": refused.message,
                    "back": request.headers.get("referer") or "/redaktion"}, 403)
            except TermserverError as exc:
                title, message = danish.explain(exc)
                return page(request, "redaktion/message.html", {
                    "title": title, "message": message,
                    "back": request.headers.get("referer") or "/redaktion"},
                    exc.status_code)
            finally:
                await request.close()  # an uploaded file's temporary copy, if any

        return handler


class CsrfRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _admit(request: Request) -> None:
    """Find the session (or refuse), and for a POST check the form's CSRF token."""
    db = authoring_db(request)
    settings = request.app.state.services.settings
    found = await run_in_threadpool(sessions.resume, db, settings,
                                    request.cookies.get(sessions.COOKIE))
    if isinstance(found, sessions.Ended):
        if request.method != "GET":
            await run_in_threadpool(sessions.record_refusal, db, Actor(), sessions.MISSING,
                                    request.url.path, client(request),
                                    f"not logged in ({found.why})", 401)
        raise LoginNeeded(found.why)
    request.state.current = found
    if request.method == "POST":
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            raise PayloadTooLarge(
                f"Formularen er større end {MAX_BODY // (1024 * 1024)} MB og blev ikke læst. "
                "Del filen i flere, og indlæs dem en ad gangen.")
        form = await request.form()
        sent = form.get("csrf")
        if not sessions.csrf_matches(found.csrf, sent if isinstance(sent, str) else None):
            why = "no CSRF token" if not sent else "wrong CSRF token"
            await run_in_threadpool(sessions.record_refusal, db, found.actor, sessions.CSRF,
                                    request.url.path, client(request), why, 403)
            raise CsrfRefused(
                "Formularen manglede sit sikkerhedsfelt (CSRF-token) eller havde et forkert, "
                "så intet er ændret. Det sker, hvis siden er gammel, eller hvis du er logget "
                "ind igen siden; gå tilbage, genindlæs siden og prøv igen. Forsøget er "
                "noteret i revisionsloggen.")


def _to_login(request: Request, why: str) -> Response:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    where = f"{LOGIN}?next={quote(target, safe='')}"
    if why in ("expired", "logged_out") and request.cookies.get(sessions.COOKIE):
        where += "&udlobet=1" if why == "expired" else ""
    response = RedirectResponse(where, status_code=303)
    if request.cookies.get(sessions.COOKIE):
        response.delete_cookie(sessions.COOKIE, path="/redaktion")
    return response


def current(request: Request) -> sessions.Current:
    """The session `PageRoute` found for this request."""
    return request.state.current


def actor(request: Request) -> Actor:
    return current(request).actor


def db(request: Request) -> AuthoringDB:
    return authoring_db(request)


def services(request: Request) -> Any:
    return request.app.state.services


def client(request: Request) -> str:
    return request.client.host if request.client else ""


def may(who: Actor, action: str, scheme: str) -> bool:
    """Whether the permission check would let `who` do `action` on `scheme`: which
    buttons a page shows. The action itself still asks `require` when it is sent."""
    return allows(who.grants, ACTIONS[action], scheme)


def page(request: Request, name: str, context: dict[str, Any],
         status: int = 200) -> HTMLResponse:
    """Render one of the pages in the caseworker pages' look, with who is logged in and
    the CSRF token for its forms."""
    from ..routes import _lang_attr

    found = getattr(request.state, "current", None)
    context.setdefault("nav", "redaktion")
    context["me"] = found.actor.name if found else None
    context["csrf"] = found.csrf if found else context.get("csrf", "")
    context["lang_attr"] = lambda scheme, code, version=None: _lang_attr(
        services(request).store, scheme, code, version)
    return templates.TemplateResponse(request, name, context, status_code=status)


def back_to(url: str, message: str | None = None) -> RedirectResponse:
    """Post/redirect/get: after a change, the page that shows it (with a fixed message
    key, never text from the request)."""
    if message:
        url += ("&" if "?" in url else "?") + f"besked={message}"
    return RedirectResponse(url, status_code=303)
