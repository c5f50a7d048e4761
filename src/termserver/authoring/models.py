"""The authoring tables as SQLAlchemy 2 typed ORM classes.

The schema itself is made by the Alembic migrations in `migrations/versions/`; a test
checks that a migrated database and these classes agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names spelled out, so later migrations can name what they alter."""

GRANTABLE_ROLES = ("editor", "reviewer", "publisher", "admin")
"""Roles stored as grants; `reader` is everyone's, anonymous included, and never stored."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class User(Base):
    """A person (or a system) that authenticates with tokens and holds role grants.

    `password_hash` (argon2id, `authoring.passwords`) lets a person log in to the web
    pages under /redaktion; None: tokens only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(200))

    tokens: Mapped[list[Token]] = relationship(back_populates="user", order_by="Token.id")
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user",
                                                   order_by="RoleGrant.id")


class Token(Base):
    """An API token. Only its SHA-256 is kept: a stolen database lets nobody in.

    Tokens are 32 random bytes, so a plain hash is enough (no salt or slow hash is
    needed against guessing); `prefix` (the first 12 characters) names a token in
    listings and in `termserver users revoke` without revealing it.
    """

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class RoleGrant(Base):
    """One role on one scheme (`*`: every scheme that is not an official one)."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "scheme", name="uq_role_grants_user_role_scheme"),
        CheckConstraint("role IN ('editor', 'reviewer', 'publisher', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(20))
    scheme: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


class AuditEntry(Base):
    """One action, allowed or denied: who, when, what, why, before/after.

    `hash` is SHA-256 of the previous entry's hash followed by this entry's canonical
    JSON (see `audit.canonical`); `seq` counts without gaps, so a deleted entry is
    named by its number. Both uniqueness constraints keep the chain a single line.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    scheme: Mapped[str | None] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's newest (seq, hash), in one row.

    It detects deleted *last* entries, which the chain alone cannot, and its row lock
    serialises writers on PostgreSQL (`audit.lock`).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


DRAFT_STATUSES = ("open", "in_review", "approved", "published", "closed")
"""A draft's states: open → in_review → approved → published, or closed. Edits are
accepted while open, in review (back to open) and approved (back to in_review)."""


class Draft(Base):
    """A named change set of one scheme, made from a base release (`base_version`) or
    for a new scheme (`base_version` None). Its content is the base plus its edits."""

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_review', 'approved', 'published', 'closed')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(100), index=True)
    base_version: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    edits: Mapped[list[DraftEdit]] = relationship(back_populates="draft",
                                                  order_by="DraftEdit.id")


class DraftEdit(Base):
    """One change to one concept of a draft: its state before and after, whole.

    Whole states (the concept with its own mappings, as `authoring.concepts` encodes
    them) make every edit undoable by the reverse edit and let the concept's history be
    read straight from the table; `before` None creates a concept, `after` None deletes
    one, and a different code in `after` renames a never-published one. `undoes` names
    the edit an undo reverses.
    """

    __tablename__ = "draft_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    undoes: Mapped[int | None]

    draft: Mapped[Draft] = relationship(back_populates="edits")


class DraftCheck(Base):
    """One run of the checks on a draft, and the edit revision it ran at.

    `revision` is the id of the draft's newest edit when the check read it (0 before the
    first edit): a draft counts as checked only while no edit has come after, so submitting
    and approving ask for a passing check at the draft's current revision. `result` is the
    whole answer (findings and impact report) as the API returned it.
    """

    __tablename__ = "draft_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"),
                                          index=True)
    revision: Mapped[int]
    checked_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    passed: Mapped[bool] = mapped_column(Boolean)
    errors: Mapped[int]
    warnings: Mapped[int]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)


REVIEW_DECISIONS = ("approve", "changes")


class DraftReview(Base):
    """A reviewer's decision on a draft at one revision, with a comment that may point at
    one of its concepts (`code`)."""

    __tablename__ = "draft_reviews"
    __table_args__ = (
        CheckConstraint("decision IN ('approve', 'changes')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"),
                                          index=True)
    revision: Mapped[int]
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str | None] = mapped_column(String(200))


class WebSession(Base):
    """A browser's login to the web pages: the cookie's SHA-256 (never the cookie), the
    CSRF token its forms carry, and when it ends (idle or absolute expiry, or logout).

    The cookie is 32 random bytes, so a plain hash is enough, as for tokens: a copy of the
    database lets nobody in."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    """The local user (password login); None for an OpenID Connect login."""
    name: Mapped[str | None] = mapped_column(String(200))
    """An OpenID Connect login's user name, from its ID token."""
    issuer: Mapped[str | None] = mapped_column(String(500))
    grants: Mapped[list[str] | None] = mapped_column(JSON)
    """An OpenID Connect login's roles (`role:scheme`), from its ID token: as for API
    JWTs, the database's grants are not consulted."""
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()


class LoginFailure(Base):
    """One failed login, by the user name tried and the client's address: what the limit
    on failed logins counts (per user and per address, within a window)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(100), index=True)
