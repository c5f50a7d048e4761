"""Alembic migrations bring an empty database to head, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from termserver.authoring import users
from termserver.authoring.audit import GENESIS
from termserver.authoring.db import AuthoringDB, alembic_config, head_revision
from termserver.authoring.models import Base
from termserver.authoring.permissions import ANONYMOUS
from termserver.errors import DatabaseUnavailable
from termserver.settings import Settings

from .conftest import run

TABLES = {"users", "tokens", "role_grants", "audit_entries", "audit_head", "drafts",
          "draft_edits", "draft_checks", "draft_reviews", "web_sessions", "login_failures",
          "alembic_version"}


def test_upgrade_takes_an_empty_database_to_head(db: AuthoringDB) -> None:
    assert db.current_revision() is None
    assert db.upgrade() == (None, head_revision())
    assert db.current_revision() == head_revision()
    with db.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        head = connection.execute(text("SELECT id, seq, hash FROM audit_head")).all()
        assert [tuple(row) for row in head] == [(1, 0, GENESIS)]


def test_migrated_schema_matches_the_models(db: AuthoringDB) -> None:
    db.upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(db: AuthoringDB) -> None:
    db.upgrade()
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with db.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    assert db.upgrade() == (None, head_revision())


def test_first_use_upgrades_by_itself(settings: Settings) -> None:
    fresh = AuthoringDB.from_settings(settings)
    try:
        users.add_user(fresh, ANONYMOUS, "first", [], None)
        assert fresh.current_revision() == head_revision()
    finally:
        fresh.dispose()


def test_db_upgrade_command_is_safe_to_repeat(settings: Settings) -> None:
    code, out, err = run(settings, "db", "upgrade")
    assert code == 0, err
    assert f"upgraded from empty to {head_revision()}" in out
    code, out, _ = run(settings, "db", "upgrade")
    assert code == 0
    assert f"already at {head_revision()}" in out


def test_engine_settings(db: AuthoringDB, engine_name: str) -> None:
    """SQLite: WAL and foreign keys on every connection; PostgreSQL: psycopg 3."""
    with db.engine.connect() as connection:
        if engine_name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert connection.dialect.driver == "psycopg"
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_foreign_keys_are_enforced(db: AuthoringDB) -> None:
    db.upgrade()
    with db.engine.connect() as connection, pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        connection.execute(text("INSERT INTO tokens (user_id, prefix, hash, created_at) "
                                "VALUES (999, 'tsk_x', 'h', CURRENT_TIMESTAMP)"))


def test_a_schema_from_a_newer_termserver_is_named(db: AuthoringDB, settings: Settings) -> None:
    db.upgrade()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    fresh = AuthoringDB.from_settings(settings)
    try:
        with pytest.raises(DatabaseUnavailable, match="at schema revision 9999, which this "
                           "termserver does not know"):
            users.add_user(fresh, ANONYMOUS, "first", [], None)
    finally:
        fresh.dispose()
