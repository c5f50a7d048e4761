"""Users and their role grants: add (the first one bootstraps an admin), grant, list.

Every change goes through `writes.write`, so it is checked and audited; the one
exception is the very first user of an empty database, who becomes admin on `*`
because nobody exists yet who could grant it (recorded in the audit log as such).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import BadRequest
from . import audit
from .db import AuthoringDB
from .models import GRANTABLE_ROLES, RoleGrant, User
from .passwords import hash_password
from .permissions import ADMIN, ALL, READER, Actor, Grant
from .tokens import PREFIX_LENGTH, TOKEN_START, issue
from .writes import authorize, write

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_SCHEME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
BOOTSTRAP_ACTOR = "(bootstrap)"
"""The audit log's actor for the first user (user names cannot hold parentheses)."""
BOOTSTRAP_REASON = ("first user of an empty database: made admin on * (nobody existed "
                    "who could grant it)")


@dataclass
class Added:
    """A new user and the token to show once."""

    name: str
    grants: list[Grant]
    token: str
    bootstrapped: bool


def add_user(db: AuthoringDB, actor: Actor, name: str, roles: list[str],
             scheme: str | None, password: str | None = None) -> Added:
    """Add `name` with `roles` on `scheme` and a first token (and a password for the web
    pages, when given; only its hash is kept).

    On an empty database the new user is made admin on `*` whoever asks; afterwards
    adding a user takes an admin (on `scheme`, or on `*`).
    """
    grants = wanted_grants(name, roles, scheme)
    hashed = hash_password(password) if password is not None else None
    added = _bootstrap(db, name, grants, hashed)
    if added is not None:
        return added
    with write(db, actor, "user.add", scheme or ALL, target=name) as change:
        token = _create(change.session, name, grants, hashed)
        change.detail = {"after": _added(grants, token, hashed)}
    return Added(name, grants, token, bootstrapped=False)


def _added(grants: list[Grant], token: str, hashed: str | None) -> dict[str, Any]:
    """What the audit entry of a new user says: roles, the token's prefix, and whether a
    password was set (never the password, nor its hash)."""
    after: dict[str, Any] = {"roles": [str(g) for g in grants], "token": token[:PREFIX_LENGTH]}
    if hashed is not None:
        after["password"] = "set"
    return after


def grant(db: AuthoringDB, actor: Actor, name: str, roles: list[str], scheme: str) -> list[Grant]:
    """Give an existing user more roles on one scheme; returns the grants that are new."""
    grants = wanted_grants(name, roles, scheme)
    with write(db, actor, "role.grant", scheme, target=name) as change:
        user = change.session.execute(select(User).where(User.name == name)).scalar_one_or_none()
        if user is None:
            raise BadRequest(f"No user {name!r}: add them first with `termserver users add`.")
        held = {Grant(g.role, g.scheme) for g in user.grants}
        new = [g for g in grants if g not in held]
        for g in new:
            change.session.add(RoleGrant(user=user, role=g.role, scheme=g.scheme))
        change.detail = {"before": {"roles": sorted(str(g) for g in held)},
                         "after": {"roles": sorted(str(g) for g in held | set(new))}}
    return new


def list_users(db: AuthoringDB, actor: Actor) -> dict[str, Any]:
    """Every user with roles and tokens (prefixes only): the body of `users list --json`."""
    authorize(db, actor, "users.list")
    with db.read() as session:
        users = session.scalars(select(User).order_by(User.name))
        return {"users": [_user_body(u) for u in users]}


def describe(actor: Actor) -> dict[str, Any]:
    """Who the caller is (GET /api/v1/me): name, roles, which token (a termserver
    token's prefix, or the OpenID Connect issuer of a JWT)."""
    roles = [{"role": READER, "scheme": ALL}]
    roles += [{"role": g.role, "scheme": g.scheme}
              for g in sorted(actor.grants, key=lambda g: (g.scheme, g.role))]
    return {"name": actor.name, "anonymous": actor.anonymous, "roles": roles,
            "token": actor.token_prefix, "issuer": actor.issuer}


def wanted_grants(name: str, roles: list[str], scheme: str | None) -> list[Grant]:
    """Check a name, roles and a scheme as given on the command line."""
    if not _NAME.fullmatch(name) or name.startswith(TOKEN_START):
        raise BadRequest(f"{name!r} is not a usable user name: 1–100 letters, digits and "
                         f". _ @ -, starting with a letter or digit (and not with "
                         f"{TOKEN_START}, which names tokens).")
    for role in roles:
        if role == READER:
            raise BadRequest("reader is everyone's role (anonymous too); it is not granted.")
        if role not in GRANTABLE_ROLES:
            raise BadRequest(f"Unknown role {role!r}; roles are {', '.join(GRANTABLE_ROLES)}.")
    if roles and scheme is None:
        raise BadRequest("Say which scheme the roles are for: --scheme catalogue, or "
                         "--scheme '*' for every scheme (official KL/WHO schemes need a "
                         "grant by name).")
    if scheme is not None and scheme != ALL and not _SCHEME.fullmatch(scheme):
        raise BadRequest(f"{scheme!r} is not a scheme id (e.g. catalogue, icf, ffb) or *.")
    return [Grant(role, scheme) for role in dict.fromkeys(roles) if scheme is not None]


def _bootstrap(db: AuthoringDB, name: str, grants: list[Grant],
               hashed: str | None = None) -> Added | None:
    """Make the first user admin on `*`, if there are no users yet (checked under the
    write lock, so two first users cannot both be made)."""
    with db.write() as session:
        audit.lock(session)
        if session.scalar(select(func.count()).select_from(User)):
            return None
        grants = [Grant(ADMIN, ALL), *(g for g in grants if g != Grant(ADMIN, ALL))]
        token = _create(session, name, grants, hashed)
        audit.append(session, actor=BOOTSTRAP_ACTOR, action="user.add", scheme=ALL, target=name,
                     reason=BOOTSTRAP_REASON, detail={"after": _added(grants, token, hashed)})
    return Added(name, grants, token, bootstrapped=True)


def _create(session: Session, name: str, grants: list[Grant],
            hashed: str | None = None) -> str:
    if session.scalar(select(func.count()).select_from(User).where(User.name == name)):
        raise BadRequest(f"User {name!r} exists: give more roles with `termserver users "
                         f"grant {name}` and a new token with `termserver users token {name}`.")
    user = User(name=name, password_hash=hashed)
    session.add(user)
    for g in grants:
        session.add(RoleGrant(user=user, role=g.role, scheme=g.scheme))
    return issue(session, user)


def _user_body(user: User) -> dict[str, Any]:
    return {"name": user.name, "created_at": audit.iso(user.created_at),
            "roles": [{"role": g.role, "scheme": g.scheme} for g in user.grants],
            "password": user.password_hash is not None,
            "tokens": [{"prefix": t.prefix, "created_at": audit.iso(t.created_at),
                        "revoked_at": audit.iso(t.revoked_at) if t.revoked_at else None}
                       for t in user.tokens]}

