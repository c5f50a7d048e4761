"""Alembic migrations of the authoring database (`termserver db upgrade`)."""
