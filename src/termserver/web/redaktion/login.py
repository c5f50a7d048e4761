"""/redaktion/login and /redaktion/logout: a browser session from a user name and password.

The login form has no session yet, so its CSRF token is a random cookie of its own that
the form repeats (double submit): a page elsewhere cannot read the cookie and so cannot
send a login in the user's name. The session cookie is HttpOnly, SameSite=Lax, limited
to /redaktion, and Secure when the request came over TLS.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...authoring import sessions
from ...authoring.permissions import Actor
from .common import PageRoute, client, current, db, page, services

router = APIRouter(route_class=PageRoute)
LOGIN_COOKIE = "termserver_login"
"""The login form's own CSRF token (double submit), until there is a session."""
HOME = "/redaktion"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(value: object) -> str:
    """Where to go after logging in: only a page under /redaktion (no open redirect)."""
    if isinstance(value, str) and value.startswith(HOME) and "\\" not in value \
            and not value.startswith("//"):
        return value
    return HOME


@router.get("/redaktion/login")
def login_form(request: Request, next: str = HOME, udlobet: str = "",
               ude: str = "") -> Response:
    found = sessions.resume(db(request), services(request).settings,
                            request.cookies.get(sessions.COOKIE))
    if isinstance(found, sessions.Current):
        return RedirectResponse(_safe_next(next), status_code=303)
    notice = ("Du er blevet logget ud, fordi du ikke har brugt siderne i et stykke tid. "
              "Log ind igen." if udlobet else "Du er logget ud." if ude else None)
    return _form(request, next=_safe_next(next), notice=notice)


def _form(request: Request, *, next: str, username: str = "", error: str | None = None,
          notice: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    settings = services(request).settings
    oidc = settings.oidc_provider_name if settings.oidc_client_id and settings.oidc_issuer \
        else None
    response = page(request, "redaktion/login.html", {
        "title": "Log ind", "next": next, "username": username, "error": error,
        "notice": notice, "csrf": token, "nav": "login", "oidc_provider": oidc}, status)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="lax",
                        secure=_secure(request), path="/redaktion/login")
    return response


@router.post("/redaktion/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    target = _safe_next(form.get("next"))
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not sessions.csrf_matches(expected, str(form.get("csrf") or "")):
        await run_in_threadpool(sessions.record_refusal, db(request), Actor(), sessions.CSRF,
                                request.url.path, client(request),
                                "login form without its CSRF token", 403)
        return _form(request, next=target, username=username, status=403, error=(
            "Login-formularen manglede sit sikkerhedsfelt. Tillad cookies for denne side, "
            "genindlæs den og prøv igen."))
    if not username.strip() or not password:
        return _form(request, next=target, username=username, status=400,
                     error="Skriv både brugernavn og adgangskode.")
    try:
        made = await run_in_threadpool(sessions.login, db(request), services(request).settings,
                                       username, password, client(request))
    except sessions.LoginRefused as refused:
        if refused.details.get("locked"):
            error = (f"For mange mislykkede forsøg. Vent {refused.details['minutes']} "
                     "minut(ter), og prøv igen; spørg en administrator, hvis du har glemt "
                     "din adgangskode.")
            return _form(request, next=target, username=username, status=429, error=error)
        return _form(request, next=target, username=username, status=401,
                     error="Forkert brugernavn eller adgangskode.")
    response = RedirectResponse(target, status_code=303)
    login_cookie(request, response, made)
    return response


def login_cookie(request: Request, response: Response, made: sessions.Login) -> None:
    """Give the browser its session (password or OpenID Connect login alike)."""
    settings = services(request).settings
    response.set_cookie(sessions.COOKIE, made.cookie, httponly=True, samesite="lax",
                        secure=_secure(request), path="/redaktion",
                        max_age=int(settings.session_max_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/redaktion/login")


@router.post("/redaktion/logout")
async def logout(request: Request) -> Response:
    await run_in_threadpool(sessions.logout, db(request), current(request), client(request))
    response = RedirectResponse("/redaktion/login?ude=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/redaktion", httponly=True, samesite="lax",
                           secure=_secure(request))
    return response
