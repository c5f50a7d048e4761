"""The authoring database: one engine per URL, read and write sessions, schema at head.

SQLite in the data directory by default, so a deployment needs no set-up; PostgreSQL by
`TERMSERVER_DATABASE_URL` when several machines write. Both run the same Alembic
migrations, brought to head on first use (or by `termserver db upgrade`).

Write transactions are serialised: SQLite's begin `IMMEDIATE` (the write lock is taken
at the start, so a transaction never reads a state another writer is about to change)
and PostgreSQL's row lock on the audit head (see `audit.lock`). Authoring writes are
rare and small; serialising them keeps the audit chain a single line.

Any failure to reach or open the database becomes `DatabaseUnavailable` (HTTP 503):
reading releases never touches this database, so it keeps working meanwhile.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from ..errors import DatabaseUnavailable
from ..settings import Settings

DEFAULT_FILE = "authoring.sqlite3"
"""The default database: a SQLite file in the data directory."""
_IMMEDIATE = "termserver_immediate"
"""Execution option that makes a SQLite transaction begin IMMEDIATE (a writer)."""
_MIGRATION_LOCK = 7_461_020_001
"""PostgreSQL advisory lock key held while migrating, so two processes never migrate
the same database at once."""
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(settings: Settings) -> URL:
    """The URL `settings` names (a `postgresql://` URL is read as psycopg 3's)."""
    if not settings.database_url:
        return URL.create("sqlite", database=str(Path(settings.data_dir).absolute() /
                                                 DEFAULT_FILE))
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        raise DatabaseUnavailable(
            "TERMSERVER_DATABASE_URL is not a database URL; it takes e.g. "
            "postgresql+psycopg://user:password@host:5432/dbname, or leave it unset for "
            "the SQLite file in the data directory.") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"TERMSERVER_DATABASE_URL names a {url.get_backend_name()} database; the "
            "authoring database is SQLite (default) or PostgreSQL (postgresql+psycopg://…).")
    return url


class AuthoringDB:
    """One authoring database: its engine, sessions and schema state."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})
        self._ready = False
        self._ready_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthoringDB:
        return cls(database_url(settings))

    @property
    def where(self) -> str:
        """The URL with its password hidden: safe for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading, in one transaction (one consistent view)."""
        self.ensure_schema()
        with self.unavailable_as_503(), Session(self.engine) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits at the end, or rolls back on an error."""
        self.ensure_schema()
        with (self.unavailable_as_503(), Session(self._writer, expire_on_commit=False)
              as session, session.begin()):
            yield session

    def ensure_schema(self) -> None:
        """Bring the schema to head once per process, on first use."""
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                if self.current_revision() != head_revision():
                    self.upgrade()
                self._ready = True

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.unavailable_as_503(), self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def upgrade(self) -> tuple[str | None, str]:
        """Run every migration not yet applied, in one transaction: (from, to) revision."""
        from alembic import command
        from alembic.util import CommandError

        with self.unavailable_as_503(), self._writer.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": _MIGRATION_LOCK})
            before = _revision_of(connection)
            config = alembic_config()
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, "head")
            except CommandError as exc:
                raise DatabaseUnavailable(
                    f"The authoring database {self.where} is at schema revision {before}, "
                    f"which this termserver does not know (its newest is {head_revision()}): "
                    "a newer termserver has migrated it. Run that version, or restore the "
                    "database from before the migration.",
                    details={"database": self.where, "revision": before,
                             "problem": str(exc)}) from None
            after = _revision_of(connection)
        self._ready = True
        return before, after or ""

    def dispose(self) -> None:
        """Close every pooled connection (tests, and before dropping a database)."""
        self.engine.dispose()

    @contextmanager
    def unavailable_as_503(self) -> Iterator[None]:
        """Turn 'cannot reach or open the database' into one clear DatabaseUnavailable."""
        try:
            yield
        except DBAPIError as exc:
            if not _unreachable(exc):
                raise
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(
                f"The authoring database {self.where} cannot be used: {reason}. Reading "
                "releases is unaffected; check TERMSERVER_DATABASE_URL and that the database "
                "is running and writable.", details={"database": self.where}) from None
        except OSError as exc:
            raise DatabaseUnavailable(
                f"The authoring database {self.where} cannot be opened: "
                f"{exc.strerror or exc}.", details={"database": self.where}) from None


def alembic_config() -> Any:
    """Alembic's configuration for our migrations, with no alembic.ini needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the authoring migrations have no head"
    return head


def _revision_of(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _unreachable(exc: DBAPIError) -> bool:
    """Whether a driver error means the database cannot be reached, opened or written
    (as opposed to a bug in our SQL, which should surface as one)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated


def _create_engine(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=True,
                             connect_args={"connect_timeout": 5, "application_name":
                                           "termserver"})
    except NoSuchModuleError as exc:
        raise DatabaseUnavailable(f"No database driver for {url.drivername}: {exc}. "
                                  "PostgreSQL URLs take postgresql+psycopg://…") from None


def _sqlite_engine(url: URL) -> Engine:
    """A SQLite engine with WAL, foreign keys on, and transactions we begin ourselves.

    Python's sqlite3 module begins transactions lazily and never `IMMEDIATE`; taking
    that over is the documented SQLAlchemy recipe, and it also makes DDL transactional,
    so a failed migration leaves nothing half-made.
    """
    if url.database and url.database != ":memory:":
        with contextlib.suppress(OSError):  # reported by the first connection instead
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "busy_timeout=10000", "journal_mode=WAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
