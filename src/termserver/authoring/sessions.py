"""Logins to the web pages: a session per browser, kept in the authoring database.

A login checks the password (`passwords`), then makes a session: the browser gets 32
random bytes as a cookie, the database keeps only their SHA-256 (as for tokens), the
session's CSRF token (which every form of the pages carries) and when it ends — after
`session_idle_minutes` without use, after `session_max_hours` in any case, or at logout.
Each request reads the user's roles afresh, so a grant or a revocation applies at once.

Failed logins are limited per user name and per client address
(`login_max_failures[_per_address]` within `login_failure_window_minutes`). An attempt
is counted *before* its password is checked, in the same write transaction as the test
of the limit, so parallel guesses cannot slip past it; a successful login removes the
count again (and the user's earlier failures). Every login, refusal and logout is an
audit entry (`session.login`, `session.logout`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from ..errors import TermserverError
from ..settings import Settings
from . import audit
from .db import AuthoringDB
from .models import LoginFailure, User, WebSession, utcnow
from .passwords import _HASHER, needs_rehash, verify
from .permissions import Actor, Grant

COOKIE = "termserver_session"
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{43}")
_TOUCH_EVERY = timedelta(seconds=60)
"""A session's last use is written at most once a minute: enough for the idle limit,
without a database write on every page."""
LOGIN = "session.login"
LOGOUT = "session.logout"
CSRF = "session.csrf"
"""The audit action of a form refused for a missing or wrong CSRF token."""
MISSING = "session.missing"
"""The audit action of a form sent without a valid session (not logged in, expired)."""


class LoginRefused(TermserverError):
    """A wrong user name or password, or too many failed attempts (`details.locked`)."""

    status_code = 401
    code = "login_failed"
    exit_code = 1


@dataclass(frozen=True)
class Login:
    """A started session: the cookie to set (shown this once) and who it is for."""

    cookie: str
    csrf: str
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class Current:
    """The session a request's cookie names: who, with which roles, and its CSRF token."""

    id: int
    actor: Actor
    csrf: str


def cookie_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def login(db: AuthoringDB, settings: Settings, name: str, password: str,
          client: str) -> Login:
    """Start a session for `name` if the password is right and no limit is reached."""
    name, client = name.strip()[:100], client[:100]
    attempt = _count_attempt(db, settings, name, client)
    with db.read() as session:
        user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        stored = user.password_hash if user is not None else None
    if not verify(stored, password):
        _refuse(db, name, client, "wrong user name or password")
        raise LoginRefused("Wrong user name or password.", details={"locked": False})
    now = utcnow()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_max_hours)
    with db.write() as session:
        audit.lock(session)
        session.execute(delete(LoginFailure).where(
            (LoginFailure.username == name) | (LoginFailure.id == attempt)))
        session.execute(delete(WebSession).where(WebSession.expires_at < now - timedelta(days=1)))
        user = session.execute(select(User).where(User.name == name)).scalar_one()
        if stored is not None and needs_rehash(stored):
            user.password_hash = _HASHER.hash(password)
        made = WebSession(user=user, hash=cookie_hash(cookie), csrf=csrf, client=client,
                          created_at=now, last_seen_at=now, expires_at=expires)
        session.add(made)
        session.flush()
        audit.append(session, actor=name, action=LOGIN, target=f"user {name}",
                     detail={"client": client, "session": made.id})
    return Login(cookie=cookie, csrf=csrf, name=name, expires_at=expires)


def login_oidc(db: AuthoringDB, settings: Settings, actor: Actor, client: str) -> Login:
    """Start a session for the user an ID token named (`oidc_login`), with the roles its
    claims gave; the database's users and grants are not consulted, as for API JWTs."""
    assert actor.name is not None and actor.issuer is not None
    now = utcnow()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_max_hours)
    grants = sorted(f"{g.role}:{g.scheme}" for g in actor.grants)
    with db.write() as session:
        audit.lock(session)
        session.execute(delete(WebSession).where(WebSession.expires_at < now - timedelta(days=1)))
        made = WebSession(user=None, name=actor.name, issuer=actor.issuer, grants=grants,
                          hash=cookie_hash(cookie), csrf=csrf, client=client[:100],
                          created_at=now, last_seen_at=now, expires_at=expires)
        session.add(made)
        session.flush()
        audit.append(session, actor=actor.name, action=LOGIN, target=f"user {actor.name}",
                     detail={"client": client[:100], "session": made.id,
                             "issuer": actor.issuer, "roles": grants})
    return Login(cookie=cookie, csrf=csrf, name=actor.name, expires_at=expires)


def _count_attempt(db: AuthoringDB, settings: Settings, name: str, client: str) -> int:
    """Count this attempt as a failure unless a limit is reached (then refuse it, audited);
    returns the attempt's row, which a successful login removes."""
    since = utcnow() - timedelta(minutes=settings.login_failure_window_minutes)
    with db.write() as session:
        audit.lock(session)
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        failures = _failures(session, since)
        by_name = session.scalar(failures.where(LoginFailure.username == name)) or 0
        by_client = session.scalar(failures.where(LoginFailure.client == client)) or 0
        reached = ("user" if by_name >= settings.login_max_failures else
                   "address" if by_client >= settings.login_max_failures_per_address else None)
        if reached is None:
            attempt = LoginFailure(at=utcnow(), username=name, client=client)
            session.add(attempt)
            session.flush()
            return attempt.id
        first = session.scalar(select(func.min(LoginFailure.at)).where(
            LoginFailure.at >= since,
            (LoginFailure.username == name) if reached == "user"
            else (LoginFailure.client == client)))
        wait = _minutes_left(first, settings)
        why = (f"too many failed logins for {name}" if reached == "user"
               else f"too many failed logins from {client}")
        audit.append(session, actor=None, action=LOGIN, target=f"user {name}",
                     outcome=audit.DENIED, reason=why,
                     detail={"client": client, "status": 429, "limit": reached,
                             "retry_in_minutes": wait})
    raise LoginRefused(f"Login refused: {why}; try again in {wait} minute(s).",
                       details={"locked": True, "limit": reached, "minutes": wait})


def _failures(session: Session, since: datetime) -> Select[tuple[int]]:
    return select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)


def _minutes_left(first: datetime | None, settings: Settings) -> int:
    if first is None:
        return 1
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    left = first + timedelta(minutes=settings.login_failure_window_minutes) - utcnow()
    return max(1, -(-int(left.total_seconds()) // 60))


def _refuse(db: AuthoringDB, name: str, client: str, why: str) -> None:
    with db.write() as session:
        audit.append(session, actor=None, action=LOGIN, target=f"user {name}",
                     outcome=audit.DENIED, reason=why, detail={"client": client, "status": 401})


@dataclass(frozen=True)
class Ended:
    """A cookie whose session has ended: why (`expired`, `logged_out`, `unknown`)."""

    why: str


def resume(db: AuthoringDB, settings: Settings, cookie: str | None) -> Current | Ended:
    """The session a cookie names, with the user's current roles, or why there is none."""
    if not cookie or not _COOKIE_VALUE.fullmatch(cookie):
        return Ended("unknown")
    now = utcnow()
    with db.read() as session:
        found = session.execute(select(WebSession).where(
            WebSession.hash == cookie_hash(cookie))).scalar_one_or_none()
        if found is None:
            return Ended("unknown")
        if found.ended_at is not None:
            return Ended("logged_out")
        last_seen = _aware(found.last_seen_at)
        idle = now - last_seen > timedelta(minutes=settings.session_idle_minutes)
        if idle or now > _aware(found.expires_at):
            return Ended("expired")
        user = found.user
        if user is None:  # an OpenID Connect login: name and roles from its ID token
            actor = Actor(name=found.name, issuer=found.issuer, grants=frozenset(
                Grant(*g.split(":", 1)) for g in found.grants or []))
        else:
            actor = Actor(name=user.name,
                          grants=frozenset(Grant(g.role, g.scheme) for g in user.grants))
        current = Current(id=found.id, actor=actor, csrf=found.csrf)
    if now - last_seen > _TOUCH_EVERY:
        # bookkeeping of the session itself, not an authoring action: no audit entry
        with db.write() as session:
            session.execute(update(WebSession).where(WebSession.id == current.id)
                            .values(last_seen_at=now))
    return current


def logout(db: AuthoringDB, current: Current, client: str) -> None:
    """End the session at once (the cookie is worthless from now on), audited."""
    with db.write() as session:
        audit.lock(session)
        session.execute(update(WebSession).where(WebSession.id == current.id)
                        .values(ended_at=utcnow()))
        audit.append(session, actor=current.actor.name, action=LOGOUT,
                     target=f"user {current.actor.name}",
                     detail={"client": client[:100], "session": current.id})


def end_all(session: Session, user: User) -> int:
    """End every open session of `user` (a new password), in the caller's transaction."""
    done = session.execute(update(WebSession).where(
        WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow()))
    return done.rowcount or 0


def record_refusal(db: AuthoringDB, actor: Actor, action: str, path: str, client: str,
                   why: str, status: int) -> None:
    """A form of the web pages refused before it reached an authoring action: sent
    without a session (`MISSING`), or without its CSRF token or with a wrong one (`CSRF`)."""
    with db.write() as session:
        audit.append(session, actor=actor.name, action=action, target=path[:200],
                     outcome=audit.DENIED, reason=why,
                     detail={"client": client[:100], "status": status})


def csrf_matches(expected: str, sent: str | None) -> bool:
    return bool(sent) and secrets.compare_digest(expected.encode(), (sent or "").encode())


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without a time zone; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
