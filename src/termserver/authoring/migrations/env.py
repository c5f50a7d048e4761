"""Alembic's entry point: runs our migrations on the authoring database.

`termserver db upgrade` (and the first use of the database) hands in a connection that
is already in a transaction; `alembic upgrade head` from the repository (alembic.ini)
takes the database URL from our settings, exactly as the server would.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from termserver.authoring.db import AuthoringDB, database_url
from termserver.authoring.models import Base
from termserver.settings import Settings


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      transactional_ddl=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():  # `alembic upgrade head --sql`: print the SQL
        context.configure(url=database_url(Settings()), target_metadata=Base.metadata,
                          literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    db = AuthoringDB.from_settings(Settings())
    try:
        with db.engine.begin() as own:
            run(own)
    finally:
        db.dispose()


main()
