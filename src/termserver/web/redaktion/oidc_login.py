"""/redaktion/login/oidc: logging in to the web pages through the municipality's identity
provider (OpenID Connect), when the settings turn it on (`authoring.oidc_login`).

`/redaktion/login/oidc/start` sends the browser to the provider with a fresh state,
nonce and PKCE challenge, kept in a pre-login cookie (HttpOnly, SameSite=Lax, 10
minutes, only for /redaktion/login). The provider sends the browser back to
`/redaktion/login/oidc`, which checks the answer against that cookie and the ID token
against the provider's keys, and makes the same session as the password login, with the
roles the ID token gives. Every refusal is the login page with a Danish explanation and
an audit entry (`session.login`, denied). With the setting off both paths are 404.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...authoring import sessions
from ...authoring.oidc_login import CALLBACK, PENDING_SECONDS, BrowserLogin, LoginFailed, Pending
from ...authoring.permissions import Actor
from .common import client, db, services
from .login import HOME, _form, _safe_next, _secure, login_cookie

router = APIRouter()
PENDING_COOKIE = "termserver_oidc"
"""The started login's state, nonce and PKCE verifier, until the provider answers."""
_making = threading.Lock()


def browser_login(request: Request) -> BrowserLogin | None:
    """The app's OpenID Connect login (None when the settings leave it off), made on first
    use; it keeps the provider's endpoints and key set for every login."""
    state = request.app.state
    if not hasattr(state, "oidc_browser_login"):
        with _making:
            if not hasattr(state, "oidc_browser_login"):
                state.oidc_browser_login = BrowserLogin.from_settings(services(request).settings)
    return state.oidc_browser_login


def _redirect_uri(request: Request) -> str:
    base = services(request).settings.oidc_redirect_base or str(request.base_url)
    return base.rstrip("/") + CALLBACK


def _flow(request: Request) -> BrowserLogin:
    flow = browser_login(request)
    if flow is None:
        raise HTTPException(404, "OpenID Connect login is not configured")
    return flow


@router.get("/redaktion/login/oidc/start")
async def start(request: Request, next: str = HOME) -> Response:
    flow = _flow(request)
    try:
        url, pending = await run_in_threadpool(flow.start, _redirect_uri(request),
                                               _safe_next(next))
    except LoginFailed as failed:
        return await _refuse(request, failed, _safe_next(next))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(PENDING_COOKIE, pending.cookie(), max_age=PENDING_SECONDS,
                        httponly=True, samesite="lax", secure=_secure(request),
                        path="/redaktion/login")
    return response


@router.get(CALLBACK)
async def callback(request: Request) -> Response:
    flow = _flow(request)
    pending = Pending.from_cookie(request.cookies.get(PENDING_COOKIE))
    params = {k: v for k, v in request.query_params.items()
              if k in ("code", "state", "error", "error_description")}
    target = pending.next if pending is not None else HOME
    try:
        actor = await run_in_threadpool(flow.finish, pending, params, _redirect_uri(request))
        made = await run_in_threadpool(sessions.login_oidc, db(request),
                                       services(request).settings, actor, client(request))
    except LoginFailed as failed:
        return await _refuse(request, failed, target)
    response = RedirectResponse(_safe_next(target), status_code=303)
    login_cookie(request, response, made)
    response.delete_cookie(PENDING_COOKIE, path="/redaktion/login")
    return response


async def _refuse(request: Request, failed: LoginFailed, target: str) -> Response:
    """The login page with why (Danish), the refusal in the audit log, the started login
    forgotten (a state is used once)."""
    await run_in_threadpool(sessions.record_refusal, db(request), Actor(), sessions.LOGIN,
                            request.url.path, client(request),
                            f"OpenID Connect: {failed.reason}"[:1000], failed.status)
    response = _form(request, next=target, error=failed.message, status=failed.status)
    response.delete_cookie(PENDING_COOKIE, path="/redaktion/login")
    return response

