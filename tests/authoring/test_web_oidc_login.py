"""OpenID Connect login to the methodologists' pages, against a tiny identity provider
served here on 127.0.0.1 (ports 18850–18899): discovery document, authorization endpoint
(redirects back with a one-time code), token endpoint (PKCE checked, an ID token signed
with a key made here) and key set. In-process app on SQLite and PostgreSQL.

A full login gives a session with the roles the ID token's claims give (mapped as for
API JWTs); a wrong state, a replayed code, a wrong nonce, a wrong audience and a provider
error are each refused with a Danish page and audited; with the setting off there is no
button and the callback is 404.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring import audit, sessions
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import Grant
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

PORTS = range(18850, 18900)
CLIENT_ID = "termserver-web"
SECRET = "hemmelig-klientnøgle"


@dataclass
class Provider:
    """The identity provider: its key, the codes it handed out, and how to misbehave."""

    port: int
    key: Any
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    """Extra claims (or overrides) of the next ID tokens."""
    error: str | None = None
    """Answer the authorization request with this OAuth error instead of a code."""
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "b6f3c0de", "iat": now,
                "exp": now + 300, "nonce": nonce, "preferred_username": "mette",
                "roles": ["Metodeteam", "termserver:publisher:catalogue", "andet"],
                **self.claims}
        return jwt.encode({k: v for k, v in body.items() if v is not None}, self.key,
                          algorithm="RS256", headers={"kid": "k1"})


def _port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS.start}–{PORTS.stop - 1} for the identity provider")


@pytest.fixture(scope="module")
def key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def provider(key: Any) -> Iterator[Provider]:
    state = Provider(port=_port(), key=key)

    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(200, {"issuer": state.issuer,
                                 "authorization_endpoint": state.issuer + "/authorize",
                                 "token_endpoint": state.issuer + "/token",
                                 "jwks_uri": state.issuer + "/jwks.json"})
            elif url.path == "/jwks.json":
                jwk = jwt.algorithms.RSAAlgorithm.to_jwk(state.key.public_key(), as_dict=True)
                self._json(200, {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
            elif url.path == "/authorize":
                assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
                assert query["code_challenge_method"] == "S256"
                if state.error:
                    back = {"error": state.error, "error_description": "Adgang nægtet",
                            "state": query["state"]}
                else:
                    code = secrets.token_urlsafe(16)
                    state.codes[code] = query
                    back = {"code": code, "state": query["state"]}
                self.send_response(302)
                self.send_header("Location", query["redirect_uri"] + "?"
                                 + urllib.parse.urlencode(back))
                self.end_headers()
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            state.token_requests.append(form)
            sent = base64.b64decode(self.headers.get("Authorization", "Basic ")[6:]).decode()
            started = state.codes.pop(form.get("code", ""), None)  # a code is used once
            if started is None:
                self._json(400, {"error": "invalid_grant",
                                 "error_description": "Code not valid"})
                return
            challenge = base64.urlsafe_b64encode(hashlib.sha256(
                form["code_verifier"].encode()).digest()).decode().rstrip("=")
            if (challenge != started["code_challenge"]
                    or form["redirect_uri"] != started["redirect_uri"]
                    or sent != f"{CLIENT_ID}:{urllib.parse.quote(SECRET, safe='')}"):
                self._json(400, {"error": "invalid_grant"})
                return
            self._json(200, {"access_token": "opaque", "token_type": "Bearer",
                             "id_token": state.id_token(started["nonce"])})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", state.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _client(settings: Settings, **overrides: Any) -> Iterator[tuple[TestClient, Any]]:
    configured = settings.model_copy(update=overrides)
    app = create_app(configured, Services(settings=configured, store=Store([])))
    with TestClient(app) as client:
        yield client, app
    if getattr(app.state, "authoring_db", None) is not None:
        app.state.authoring_db.dispose()


@pytest.fixture
def web(settings: Settings, provider: Provider) -> Iterator[TestClient]:
    """The app with OpenID Connect login on, its endpoints found by discovery."""
    configured = Settings(**{**settings.model_dump(), "oidc_issuer": provider.issuer,
                             "oidc_audience": "termserver-api",
                             "oidc_jwks_url": provider.issuer + "/jwks.json",
                             "oidc_client_id": CLIENT_ID, "oidc_client_secret": SECRET,
                             "oidc_provider_name": "Kommunens login",
                             "oidc_role_map": {"Metodeteam": ["editor:catalogue"]}})
    for client, _ in _client(configured):
        yield client


def _to_provider(web: TestClient, next: str = "/redaktion") -> str:
    """Start the login; the provider's authorization URL the browser is sent to."""
    started = web.get("/redaktion/login/oidc/start", params={"next": next},
                      follow_redirects=False)
    assert started.status_code == 303, started.text
    cookie = started.headers["set-cookie"]
    assert "termserver_oidc=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    return started.headers["location"]


def _at_provider(url: str) -> str:
    """The browser at the provider: where it is sent back to (path and query)."""
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    try:
        urllib.request.build_opener(Stay).open(url, timeout=5)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        back = urllib.parse.urlsplit(answer.headers["Location"])
        assert back.path == "/redaktion/login/oidc"
        return f"{back.path}?{back.query}"
    raise AssertionError("the provider did not redirect back")


def _refusals(db: AuthoringDB) -> list[dict[str, Any]]:
    with db.read() as session:
        found = audit.page(session, limit=1000)["entries"]
    return [e for e in found if e["action"] == sessions.LOGIN and e["outcome"] == "denied"]


def test_a_full_login_gives_a_session_with_the_mapped_roles(
        web: TestClient, provider: Provider, db: AuthoringDB) -> None:
    page = web.get("/redaktion/login")
    assert "Log ind med Kommunens login" in page.text
    authorize = _to_provider(web, next="/redaktion/udkast/3")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))
    assert authorize.startswith(provider.issuer + "/authorize?")
    assert query["redirect_uri"] == "http://testserver/redaktion/login/oidc"
    back = web.get(_at_provider(authorize), follow_redirects=False)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/redaktion/udkast/3"
    cookie = web.cookies.get(sessions.COOKIE)
    found = sessions.resume(db, web.app.state.services.settings, cookie)
    assert isinstance(found, sessions.Current)
    assert found.actor.name == "mette" and found.actor.issuer == provider.issuer
    assert found.actor.grants == {Grant("editor", "catalogue"),
                                  Grant("publisher", "catalogue")}
    assert provider.token_requests[0]["grant_type"] == "authorization_code"
    home = web.get("/redaktion")
    assert home.status_code == 200 and "mette" in home.text
    with db.read() as session:
        entries = audit.page(session, limit=1000)["entries"]
    login = next(e for e in entries if e["action"] == sessions.LOGIN)
    assert (login["actor"], login["outcome"]) == ("mette", "ok")
    assert login["detail"]["roles"] == ["editor:catalogue", "publisher:catalogue"]
    logged_out = web.post("/redaktion/logout", data={"csrf": found.csrf},
                          follow_redirects=False)
    assert logged_out.status_code == 303
    assert isinstance(sessions.resume(db, web.app.state.services.settings, cookie),
                      sessions.Ended)


def _refused(web: TestClient, db: AuthoringDB, path: str, status: int, danish: str,
             reason: str) -> None:
    before = len(_refusals(db))
    answer = web.get(path, follow_redirects=False)
    assert answer.status_code == status, answer.text
    assert danish in answer.text and "Du blev ikke logget ind" in answer.text
    assert sessions.COOKIE not in web.cookies
    refusals = _refusals(db)
    assert len(refusals) == before + 1
    assert reason in refusals[0]["reason"], refusals[0]


def test_a_wrong_state_is_refused(web: TestClient, provider: Provider,
                                  db: AuthoringDB) -> None:
    back = _at_provider(_to_provider(web))
    forged = back.replace("state=", "state=x")
    _refused(web, db, forged, 400, "hørte til et login", "state that is not the login's")
    assert provider.token_requests == []  # the code was never exchanged


def test_a_callback_without_a_started_login_is_refused(web: TestClient, provider: Provider,
                                                       db: AuthoringDB) -> None:
    back = _at_provider(_to_provider(web))
    web.cookies.clear()
    _refused(web, db, back, 400, "hørte til et login", "without a started login")


def test_a_replayed_code_is_refused(web: TestClient, provider: Provider,
                                    db: AuthoringDB) -> None:
    first = _at_provider(_to_provider(web))
    assert web.get(first, follow_redirects=False).status_code == 303
    web.cookies.clear()
    # the same callback again: its login is over (the pre-login cookie is gone)
    _refused(web, db, first, 400, "hørte til et login", "without a started login")
    # the old code under a new login's state: the provider refuses it
    fresh = _at_provider(_to_provider(web))
    old_code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first).query))["code"]
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fresh).query))["state"]
    replay = "/redaktion/login/oidc?" + urllib.parse.urlencode(
        {"code": old_code, "state": state})
    _refused(web, db, replay, 401, "login-koden", "invalid_grant")


def test_a_wrong_nonce_is_refused(web: TestClient, provider: Provider,
                                  db: AuthoringDB) -> None:
    provider.claims = {"nonce": "en-anden-login"}
    _refused(web, db, _at_provider(_to_provider(web)), 401, "ID-tokenet",
             "its nonce is not the login's")


def test_a_wrong_audience_is_refused(web: TestClient, provider: Provider,
                                     db: AuthoringDB) -> None:
    provider.claims = {"aud": "termserver-api"}  # the API's audience is not the client
    _refused(web, db, _at_provider(_to_provider(web)), 401, "ID-tokenet",
             "does not include 'termserver-web'")


def test_a_provider_error_is_refused(web: TestClient, provider: Provider,
                                     db: AuthoringDB) -> None:
    provider.error = "access_denied"
    _refused(web, db, _at_provider(_to_provider(web)), 401,
             "Identitetsudbyderen afviste login (access_denied)",
             "answered access_denied: Adgang nægtet")
    assert provider.token_requests == []


def test_with_the_setting_off_there_is_no_button_and_no_callback(
        settings: Settings) -> None:
    for client, _ in _client(settings):
        page = client.get("/redaktion/login")
        assert page.status_code == 200 and "Log ind med" not in page.text
        assert client.get("/redaktion/login/oidc?code=x&state=y").status_code == 404
        assert client.get("/redaktion/login/oidc/start").status_code == 404


def test_the_client_id_needs_the_issuer() -> None:
    with pytest.raises(ValueError, match="TERMSERVER_OIDC_CLIENT_ID needs"):
        Settings(oidc_client_id="x")
    with pytest.raises(ValueError, match="TERMSERVER_OIDC_TOKEN_URL must be an https"):
        Settings(oidc_token_url="http://idp.example/token")
