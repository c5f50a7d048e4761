"""Foundation: users, tokens, role grants and the hash-chained audit log.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64
"""The 'previous hash' of the first audit entry (audit.GENESIS; frozen here, as a
migration must not change when the code does)."""


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer()),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        _when("created_at"),
        _when("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tokens"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_tokens_user_id_users",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("prefix", name="uq_tokens_prefix"),
        sa.UniqueConstraint("hash", name="uq_tokens_hash"),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer()),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scheme", sa.String(100), nullable=False),
        _when("granted_at"),
        sa.PrimaryKeyConstraint("id", name="pk_role_grants"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_role_grants_user_id_users", ondelete="CASCADE"),
        sa.UniqueConstraint("user_id", "role", "scheme", name="uq_role_grants_user_role_scheme"),
        sa.CheckConstraint("role IN ('editor', 'reviewer', 'publisher', 'admin')",
                           name="ck_role_grants_role"),
    )
    op.create_index("ix_role_grants_user_id", "role_grants", ["user_id"])
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False),
        _when("at"),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("scheme", sa.String(100), nullable=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entries"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entries_prev_hash"),
        sa.UniqueConstraint("hash", name="uq_audit_entries_hash"),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    for table in ("audit_head", "audit_entries", "role_grants", "tokens", "users"):
        op.drop_table(table)
