"""Browser sessions from an OpenID Connect login: the name, issuer and roles the ID token
gave, kept with the session (such a login has no row in `users`, as for API JWTs).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as web_sessions:
        web_sessions.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        web_sessions.add_column(sa.Column("name", sa.String(200), nullable=True))
        web_sessions.add_column(sa.Column("issuer", sa.String(500), nullable=True))
        web_sessions.add_column(sa.Column("grants", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM web_sessions WHERE user_id IS NULL")
    with op.batch_alter_table("web_sessions") as web_sessions:
        web_sessions.drop_column("grants")
        web_sessions.drop_column("issuer")
        web_sessions.drop_column("name")
        web_sessions.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
