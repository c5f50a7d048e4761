"""Every authoring test runs twice: on SQLite (the default) and on PostgreSQL.

PostgreSQL is a throwaway cluster made for the test session from Debian's `postgresql`
package (initdb and pg_ctl, run as an unprivileged user because PostgreSQL refuses to
run as root), listening on 127.0.0.1 at a port in 18500–18599 and stopped at the end.
Each test gets an empty schema of its own. Without PostgreSQL the PostgreSQL half is skipped
on a developer's machine and fails in CI (CI=true), like the reference data.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring import users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import ANONYMOUS
from termserver.cli import main
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

PG_PORTS = range(18500, 18600)
PG_SUPERUSER = "termserver"
ENGINES = ("sqlite", "postgresql")


@dataclass
class Cluster:
    """A running throwaway PostgreSQL cluster."""

    port: int
    root: Path
    bindir: Path
    run_as: list[str] = field(default_factory=list)

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{PG_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=PG_SUPERUSER,
                               dbname="postgres", autocommit=True)


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message + " (CI installs PostgreSQL with .ci/run)")
    pytest.skip(message)


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _unprivileged(root: Path) -> list[str]:
    """The command prefix that runs PostgreSQL as someone other than root."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root, and there is no `postgres` user to run PostgreSQL "
                    "as (Debian's postgresql package creates it)")
    os.chown(root, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    for port in PG_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PG_PORTS.start}–{PG_PORTS.stop - 1} for PostgreSQL")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    if bindir is None:
        _missing("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="termserver-pg-"))
    run_as = _unprivileged(root)
    data = root / "data"

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120)

    done = pg(str(bindir / "initdb"), "-D", str(data), "-U", PG_SUPERUSER, "--auth=trust",
              "-E", "UTF8", "--no-locale", "--no-sync")
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {done.stderr or done.stdout}")
    port = _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
               "-c full_page_writes=off -c synchronous_commit=off")
    done = pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
              "-t", "60", "-o", options, "start")
    if done.returncode != 0:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {done.stdout}{done.stderr}\n{log}")
    try:
        yield Cluster(port=port, root=root, bindir=bindir, run_as=run_as)
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_database(postgres_cluster: Cluster) -> str:
    """One database for the session; each test works in a schema of its own in it
    (making and dropping a schema is a catalogue change, far quicker than a database)."""
    name = f"authoring_tests_{os.getpid()}"
    with postgres_cluster.admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(engine_name: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite (the default file in the test's data directory), else an empty
    PostgreSQL schema for this test alone (the connection's search_path)."""
    if engine_name == "sqlite":
        yield None
        return
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    database: str = request.getfixturevalue("postgres_database")
    schema = f"test_{next(_numbers)}"
    with psycopg.connect(cluster.url(database, driver="postgresql"), autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield cluster.url(database) + f"?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(cluster.url(database, driver="postgresql"),
                             autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "no-vocab",
                    database_url=database_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[AuthoringDB]:
    database = AuthoringDB.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """The app over an empty store, in-process, with the test's authoring database."""
    app = create_app(settings, Services(settings=settings, store=Store([])))
    with TestClient(app) as client:
        yield client
    opened = getattr(app.state, "authoring_db", None)
    if opened is not None:
        opened.dispose()


@pytest.fixture
def admin_token(db: AuthoringDB) -> str:
    """The first user, bootstrapped as admin on *."""
    return users.add_user(db, ANONYMOUS, "admin", [], None).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def run(settings: Settings, *args: str, token: str | None = None,
        input: str | None = None) -> tuple[int, str, str]:
    """`termserver --data-dir … ARGS` in-process with the test's database and token in
    the environment: (exit code, stdout, stderr)."""
    env = {"TERMSERVER_DATABASE_URL": settings.database_url, "TERMSERVER_TOKEN": token}
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), *args],
                                env=env, input=input)
    return result.exit_code, result.stdout, result.stderr
