"""Passwords for people who log in to the web pages under /redaktion (tokens stay for
machines): argon2id hashes from argon2-cffi, checked so that a wrong user name costs the
same time as a wrong password.

Only the hash is stored (`users.password_hash`); setting a password is an admin's action
(`user.password`), audited like every other, and the audit entry says that a password was
set, never what it was.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from ..errors import BadRequest, NotFound
from .db import AuthoringDB
from .models import User
from .permissions import Actor
from .writes import write

MIN_LENGTH = 10
MAX_LENGTH = 1000
"""Longer passwords are refused: hashing megabytes of 'password' would be a cheap way to
keep the server busy."""
_HASHER = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106's second recommended option)."""
_NOBODY = _HASHER.hash("termserver: a password no user has")
"""What a login for an unknown user (or one without a password) is checked against, so
that the answer takes as long as for a known one and does not tell them apart."""


def check_strength(password: str) -> None:
    """Refuse a password that is too short or too long, saying how long it must be."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise BadRequest(f"A password needs {MIN_LENGTH}–{MAX_LENGTH} characters; a few "
                         "words in a row are easy to remember and hard to guess.",
                         details={"field": "password"})


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash (None: the user has no password)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored or _NOBODY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A hash made with older parameters, to be replaced at the next successful login."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def set_password(db: AuthoringDB, actor: Actor, name: str, password: str) -> None:
    """Give an existing user a (new) password; their sessions started with the old one end."""
    from .sessions import end_all

    hashed = hash_password(password)
    with write(db, actor, "user.password", target=name) as change:
        user = change.session.execute(select(User).where(User.name == name)
                                      ).scalar_one_or_none()
        if user is None:
            raise NotFound(f"No user {name!r}; `termserver users list` shows who there is.")
        had = user.password_hash is not None
        user.password_hash = hashed
        ended = end_all(change.session, user)
        change.detail = {"password": "changed" if had else "set", "sessions_ended": ended}
