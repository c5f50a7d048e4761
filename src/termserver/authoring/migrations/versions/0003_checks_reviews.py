"""Check runs and review decisions of drafts; draft edits indexed by concept code.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _draft(table: str) -> list[sa.SchemaItem]:
    return [sa.Column("id", sa.Integer()),
            sa.Column("draft_id", sa.Integer(), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"],
                                    name=f"fk_{table}_draft_id_drafts", ondelete="CASCADE")]


def upgrade() -> None:
    op.create_table(
        "draft_checks",
        *_draft("draft_checks"),
        sa.Column("checked_by", sa.String(100), nullable=False),
        _when("at"),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
    )
    op.create_index("ix_draft_checks_draft_id", "draft_checks", ["draft_id"])
    op.create_table(
        "draft_reviews",
        *_draft("draft_reviews"),
        sa.Column("reviewer", sa.String(100), nullable=False),
        _when("at"),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("code", sa.String(200), nullable=True),
        sa.CheckConstraint("decision IN ('approve', 'changes')",
                           name="ck_draft_reviews_decision"),
    )
    op.create_index("ix_draft_reviews_draft_id", "draft_reviews", ["draft_id"])
    op.create_index("ix_draft_edits_code", "draft_edits", ["code"])


def downgrade() -> None:
    op.drop_index("ix_draft_edits_code", table_name="draft_edits")
    op.drop_table("draft_reviews")
    op.drop_table("draft_checks")
