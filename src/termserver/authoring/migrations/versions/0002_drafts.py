"""Drafts and their edits: change sets of one scheme, each edit a before/after state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer()),
        sa.Column("scheme", sa.String(100), nullable=False),
        sa.Column("base_version", sa.String(100), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.CheckConstraint("status IN ('open', 'in_review', 'approved', 'published', "
                           "'closed')", name="ck_drafts_status"),
    )
    op.create_index("ix_drafts_scheme", "drafts", ["scheme"])
    op.create_table(
        "draft_edits",
        sa.Column("id", sa.Integer()),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        _when("at"),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_draft_edits"),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"],
                                name="fk_draft_edits_draft_id_drafts", ondelete="CASCADE"),
    )
    op.create_index("ix_draft_edits_draft_id", "draft_edits", ["draft_id"])


def downgrade() -> None:
    op.drop_table("draft_edits")
    op.drop_table("drafts")
