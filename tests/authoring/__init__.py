"""Authoring tests: users, tokens, roles, audit, migrations; on SQLite and PostgreSQL."""
