"""API tokens: made, shown once, kept only as a hash, looked up, revoked.

A token is `tsk_` and 32 random bytes (URL-safe base64). Its SHA-256 is all the database
keeps: with that much randomness nobody can guess a token from its hash, so no salt or
slow hash is needed, and a lookup is one indexed equality.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from .db import AuthoringDB
from .models import Token, User, utcnow
from .oidc import Verifier, looks_like_jwt
from .permissions import ANONYMOUS, Actor, Grant
from .writes import write

TOKEN_START = "tsk_"
PREFIX_LENGTH = 12
"""Characters of a token shown in listings (`tsk_` and 8 random ones: 48 bits)."""
_TOKEN = re.compile(r"tsk_[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, user: User) -> str:
    """Create a token for `user` in the caller's transaction; the plain token is
    returned to be shown once and is never stored."""
    token = TOKEN_START + secrets.token_urlsafe(32)
    session.add(Token(user=user, prefix=token[:PREFIX_LENGTH], hash=token_hash(token)))
    return token


def actor_for_header(db: AuthoringDB, authorization: str | None,
                     oidc: Verifier | None = None) -> Actor:
    """Who an `Authorization` header names: anonymous without one; with a bad one an
    anonymous actor whose `problem` says what is wrong (refused by `require`).

    With `oidc` (OpenID Connect configured), a bearer JWT is checked by it; termserver
    tokens are checked against the database either way."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return Actor(problem="The Authorization header must be `Bearer <token>`")
    if oidc is not None and looks_like_jwt(token):
        return oidc.actor(token)
    return authenticate(db, token)


def authenticate(db: AuthoringDB, token: str) -> Actor:
    """The actor a token belongs to, or an anonymous actor saying why it is refused."""
    if not _TOKEN.fullmatch(token):
        note = (" OpenID Connect tokens are not accepted: this server has no "
               "TERMSERVER_OIDC_ISSUER set)" if looks_like_jwt(token) else ")")
        return Actor(problem="The token is not a termserver token (they start with tsk_ "
                             "and are 47 characters long;" + note)
    with db.read() as session:
        found = session.execute(select(Token).where(Token.hash == token_hash(token))
                                ).scalar_one_or_none()
        if found is None:
            return Actor(problem="The token is not known (mistyped, or from another "
                                 "database)")
        if found.revoked_at is not None:
            return Actor(problem=f"The token {found.prefix}… was revoked")
        user = found.user
        return Actor(name=user.name, token_prefix=found.prefix,
                     grants=frozenset(Grant(g.role, g.scheme) for g in user.grants))


def create(db: AuthoringDB, actor: Actor, name: str) -> str:
    """A new token for an existing user (shown once), e.g. after revoking the old one."""
    with write(db, actor, "token.create", target=name) as change:
        user = _user(change.session, name)
        token = issue(change.session, user)
        change.detail = {"after": {"token": token[:PREFIX_LENGTH]}}
    return token


def revoke(db: AuthoringDB, actor: Actor, what: str) -> list[str]:
    """Revoke one token (by its prefix, or the whole token) or every active token of a
    user (by name). Returns the prefixes revoked."""
    with write(db, actor, "token.revoke", target=_display(what)) as change:
        tokens = _active_tokens(change.session, what)
        now = utcnow()
        for token in tokens:
            token.revoked_at = now
        revoked = [t.prefix for t in tokens]
        change.detail = {"revoked": revoked,
                         "users": sorted({t.user.name for t in tokens})}
    return revoked


def _active_tokens(session: Session, what: str) -> list[Token]:
    active = select(Token).where(Token.revoked_at.is_(None))
    if what.startswith(TOKEN_START):
        if _TOKEN.fullmatch(what):
            query = active.where(Token.hash == token_hash(what))
        elif len(what) >= PREFIX_LENGTH:
            query = active.where(Token.prefix == what[:PREFIX_LENGTH])
        else:
            raise BadRequest(f"{what!r} is too short to name a token: give the "
                             f"{PREFIX_LENGTH}-character prefix `termserver users list` "
                             "shows.")
        tokens = list(session.scalars(query))
        if not tokens:
            raise NotFound(f"No active token starts with {what[:PREFIX_LENGTH]}; "
                           "`termserver users list` shows every token and whether it is "
                           "revoked.")
        return tokens
    user = _user(session, what)
    tokens = list(session.scalars(active.where(Token.user_id == user.id)))
    if not tokens:
        raise NotFound(f"{what} has no active token.")
    return tokens


def _user(session: Session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No user {name!r}; `termserver users list` shows who there is.")
    return user


def _display(what: str) -> str:
    """What to record as the target: never more than a token's prefix."""
    return what[:PREFIX_LENGTH] if what.startswith(TOKEN_START) else what
