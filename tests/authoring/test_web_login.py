"""Logging in to the methodologists' pages: sessions, CSRF, expiry and the failed-login
limit, in-process against the real app on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from termserver.api import create_app
from termserver.authoring import audit, passwords, users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.models import LoginFailure, WebSession, utcnow
from termserver.authoring.permissions import ANONYMOUS
from termserver.authoring.sessions import COOKIE
from termserver.authoring.tokens import authenticate
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

from .conftest import run
from .web import csrf, log_in, signed_in

ANNA = "anna-har-et-langt-kodeord"


@pytest.fixture
def team(db: AuthoringDB) -> dict[str, str]:
    admin = users.add_user(db, ANONYMOUS, "admin", [], None, "admin-kodeord-1")
    users.add_user(db, authenticate(db, admin.token), "anna", ["editor"], "catalogue", ANNA)
    users.add_user(db, authenticate(db, admin.token), "bo", ["editor"], "catalogue")
    return {"admin": admin.token}


def app_client(settings: Settings, **overrides: object) -> Iterator[TestClient]:
    configured = settings.model_copy(update=overrides)
    app = create_app(configured, Services(settings=configured, store=Store([])))
    with TestClient(app) as client:
        yield client
    if getattr(app.state, "authoring_db", None) is not None:
        app.state.authoring_db.dispose()


@pytest.fixture
def web(settings: Settings, team: dict[str, str]) -> Iterator[TestClient]:
    yield from app_client(settings)


@pytest.fixture
def strict(settings: Settings, team: dict[str, str]) -> Iterator[TestClient]:
    """The app with small failed-login limits: 3 per user name, 5 per address."""
    yield from app_client(settings, login_max_failures=3, login_max_failures_per_address=5)


def entries(db: AuthoringDB, action: str) -> list[dict]:
    with db.read() as session:
        found = audit.page(session, limit=1000)["entries"]
    return [e for e in reversed(found) if e["action"] == action]


def test_nothing_under_redaktion_without_a_session(web: TestClient) -> None:
    for path in ("/redaktion", "/redaktion/udkast/1", "/redaktion/udkast/1/begreb/x"):
        answer = web.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/redaktion/login?next=")
    assert web.get("/").status_code == 200  # reading pages stay public
    assert web.get("/redaktion/login").status_code == 200


def test_login_makes_a_session_and_logout_ends_it(web: TestClient, db: AuthoringDB) -> None:
    answer = log_in(web, "anna", ANNA, next="/redaktion/udkast/7")
    assert answer.status_code == 303 and answer.headers["location"] == "/redaktion/udkast/7"
    cookie = answer.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/redaktion" in cookie and "Secure" not in cookie  # plain http here
    home = web.get("/redaktion")
    assert home.status_code == 200 and "Logget ind som <strong>anna</strong>" in home.text
    value = web.cookies.get(COOKIE)
    with db.read() as session:  # only the cookie's hash is kept
        stored = session.scalars(select(WebSession.hash)).all()
    assert value not in stored and len(stored) == 1
    [login] = entries(db, "session.login")
    assert (login["actor"], login["outcome"]) == ("anna", "ok")

    out = web.post("/redaktion/logout", data={"csrf": csrf(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/redaktion/login?ude=1"
    assert "Du er logget ud" in web.get("/redaktion/login?ude=1").text
    # the old cookie is worthless now, also when a browser keeps sending it
    web.cookies.set(COOKIE, value, path="/redaktion")
    assert web.get("/redaktion", follow_redirects=False).status_code == 303
    assert entries(db, "session.logout")[0]["actor"] == "anna"


def test_the_session_cookie_is_secure_over_tls(settings: Settings, team: dict) -> None:
    for client in app_client(settings):
        client.base_url = client.base_url.copy_with(scheme="https")
        answer = log_in(client, "anna", ANNA)
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(web: TestClient,
                                                               db: AuthoringDB) -> None:
    for name, password in (("anna", "forkert-kodeord"), ("nobody", ANNA),
                           ("bo", "bo-has-no-password")):
        answer = log_in(web, name, password)
        assert answer.status_code == 401
        assert "Forkert brugernavn eller adgangskode" in answer.text
        assert COOKIE not in answer.headers.get("set-cookie", "")
    refused = entries(db, "session.login")
    assert [(e["target"], e["outcome"], e["actor"]) for e in refused] == [
        ("user anna", "denied", None), ("user nobody", "denied", None),
        ("user bo", "denied", None)]


def test_next_never_leaves_the_pages(web: TestClient) -> None:
    for target in ("https://elsewhere.example/", "//elsewhere.example/redaktion", "/api/v1"):
        web.cookies.clear()
        answer = log_in(web, "anna", ANNA, next=target)
        assert answer.headers["location"] == "/redaktion"


def test_failed_logins_are_limited_per_user(strict: TestClient, db: AuthoringDB) -> None:
    for _ in range(3):
        assert log_in(strict, "anna", "wrong-password-x").status_code == 401
    refused = log_in(strict, "anna", ANNA)  # the right password, but too late
    assert refused.status_code == 429 and "For mange mislykkede forsøg" in refused.text
    assert COOKIE not in refused.headers.get("set-cookie", "")
    last = entries(db, "session.login")[-1]
    assert last["outcome"] == "denied" and last["reason"] == "too many failed logins for anna"
    assert last["detail"]["limit"] == "user"
    # another user name from the same address is still let in
    assert log_in(strict, "admin", "admin-kodeord-1").status_code == 303
    strict.cookies.clear()
    # when the window has passed, anna may try again
    with db.write() as session:
        session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=20)))
    assert log_in(strict, "anna", ANNA).status_code == 303


def test_failed_logins_are_limited_per_address(strict: TestClient, db: AuthoringDB) -> None:
    for name in ("x1", "x2", "x3", "x4", "x5"):
        assert log_in(strict, name, "wrong-password-x").status_code == 401
    refused = log_in(strict, "anna", ANNA)
    assert refused.status_code == 429
    last = entries(db, "session.login")[-1]
    assert last["detail"]["limit"] == "address" and last["reason"].startswith(
        "too many failed logins from ")


def test_a_success_clears_the_user_s_failures(strict: TestClient) -> None:
    for _ in range(2):
        log_in(strict, "anna", "wrong-password-x")
    assert log_in(strict, "anna", ANNA).status_code == 303
    strict.cookies.clear()
    for _ in range(2):
        assert log_in(strict, "anna", "wrong-password-x").status_code == 401
    assert log_in(strict, "anna", ANNA).status_code == 303


def test_a_form_without_its_csrf_token_is_refused_and_audited(web: TestClient,
                                                              db: AuthoringDB) -> None:
    signed_in(web, "anna", ANNA)
    for data in ({"samling": "catalogue", "titel": "Uden token"},
                 {"samling": "catalogue", "titel": "Forkert token", "csrf": "forkert"}):
        answer = web.post("/redaktion/udkast", data=data, follow_redirects=False)
        assert answer.status_code == 403
        assert "sikkerhedsfelt" in answer.text and "intet er ændret" in answer.text
    refused = entries(db, "session.csrf")
    assert [(e["actor"], e["outcome"], e["reason"]) for e in refused] == [
        ("anna", "denied", "no CSRF token"), ("anna", "denied", "wrong CSRF token")]
    assert entries(db, "draft.create") == []


def test_the_login_form_has_its_own_csrf_token(web: TestClient, db: AuthoringDB) -> None:
    answer = web.post("/redaktion/login", data={"username": "anna", "password": ANNA},
                      follow_redirects=False)
    assert answer.status_code == 403 and COOKIE not in answer.headers.get("set-cookie", "")
    assert entries(db, "session.csrf")[0]["reason"] == "login form without its CSRF token"


def test_an_idle_or_old_session_expires(web: TestClient, db: AuthoringDB) -> None:
    signed_in(web, "anna", ANNA)
    assert web.get("/redaktion").status_code == 200
    with db.write() as session:
        session.execute(update(WebSession).values(
            last_seen_at=utcnow() - timedelta(minutes=121)))
    answer = web.get("/redaktion", follow_redirects=False)
    assert answer.status_code == 303 and "udlobet=1" in answer.headers["location"]
    assert "ikke har brugt siderne" in web.get(answer.headers["location"]).text

    web.cookies.clear()
    signed_in(web, "anna", ANNA)
    assert web.get("/redaktion").status_code == 200
    with db.write() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert web.get("/redaktion", follow_redirects=False).status_code == 303


def test_a_form_sent_after_expiry_is_refused_and_audited(web: TestClient,
                                                         db: AuthoringDB) -> None:
    home = signed_in(web, "anna", ANNA).get("/redaktion")
    with db.write() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    answer = web.post("/redaktion/udkast", data={"csrf": csrf(home.text), "titel": "x",
                                                 "samling": "catalogue"},
                      follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        "/redaktion/login")
    missing = entries(db, "session.missing")
    assert missing[0]["outcome"] == "denied" and missing[0]["reason"] == "not logged in (expired)"


def test_a_new_password_ends_the_user_s_sessions(web: TestClient, db: AuthoringDB,
                                                 team: dict[str, str]) -> None:
    signed_in(web, "anna", ANNA)
    passwords.set_password(db, authenticate(db, team["admin"]), "anna", "et-helt-nyt-kodeord")
    assert web.get("/redaktion", follow_redirects=False).status_code == 303
    assert log_in(web, "anna", ANNA).status_code == 401
    assert log_in(web, "anna", "et-helt-nyt-kodeord").status_code == 303
    changed = entries(db, "user.password")[0]
    assert changed["detail"] == {"password": "changed", "sessions_ended": 1}
    assert "kodeord" not in str(changed)  # neither the password nor its hash


def test_passwords_from_the_command_line(settings: Settings, web: TestClient,
                                         team: dict[str, str]) -> None:
    code, _, err = run(settings, "users", "add", "cai", "--role", "reviewer", "--scheme",
                       "catalogue", "--password", "kort", token=team["admin"])
    assert code == 2 and "10–1000 characters" in err
    code, token, _ = run(settings, "users", "add", "cai", "--role", "reviewer", "--scheme",
                         "catalogue", "--password", "cai-har-et-kodeord", token=team["admin"])
    assert code == 0 and token.startswith("tsk_")
    assert log_in(web, "cai", "cai-har-et-kodeord").status_code == 303
    web.cookies.clear()
    code, _, _ = run(settings, "users", "password", "bo", token=team["admin"],
                     input="bo-faar-et-kodeord\nbo-faar-et-kodeord\n")
    assert code == 0
    assert log_in(web, "bo", "bo-faar-et-kodeord").status_code == 303
    code, _, err = run(settings, "users", "password", "bo", "--password", "nyt-kodeord-123",
                       token=None)
    assert code == 1 and "needs a token" in err  # an admin's action
    code, out, _ = run(settings, "users", "list", token=team["admin"])
    assert "bo: editor on catalogue  (web login)" in out


def test_a_database_that_cannot_be_reached_is_a_danish_page(tmp_path) -> None:
    (tmp_path / "blocker").write_text("not a directory")
    broken = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none",
                      database_url=f"sqlite:///{tmp_path}/blocker/authoring.sqlite3")
    for client in app_client(broken):
        assert client.get("/api/v1/schemes").status_code == 200  # reading keeps working
        answer = log_in(client, "anna", ANNA)
        assert answer.status_code == 503
        assert "Redaktionen er utilgængelig" in answer.text and ANNA not in answer.text
        client.cookies.set(COOKIE, "x" * 43, path="/redaktion")
        assert client.get("/redaktion").status_code == 503
