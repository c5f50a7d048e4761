"""A database that cannot be reached: reading keeps working, authoring answers 503."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring.db import AuthoringDB, database_url
from termserver.errors import DatabaseUnavailable
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

from .conftest import ENGINES, bearer, run

SECRET = "s3cret-password"


@pytest.fixture(params=ENGINES)
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """SQLite: a database file whose directory cannot be made (a file is in the way);
    PostgreSQL: a port in our range where nothing listens."""
    if request.param == "sqlite":
        (tmp_path / "blocker").write_text("not a directory")
        url = f"sqlite:///{tmp_path}/blocker/authoring.sqlite3"
    else:
        url = f"postgresql+psycopg://termserver:{SECRET}@127.0.0.1:18599/authoring"
    return Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none",
                    database_url=url)


@pytest.fixture
def broken_api(unreachable: Settings) -> Iterator[TestClient]:
    app = create_app(unreachable, Services(settings=unreachable, store=Store([])))
    with TestClient(app) as client:
        yield client


def test_reading_keeps_working_and_authoring_answers_503(broken_api: TestClient) -> None:
    assert broken_api.get("/api/v1/schemes").status_code == 200
    assert broken_api.get("/healthz").status_code == 200
    assert broken_api.get("/api/v1/me").status_code == 200  # anonymous: no database needed
    for path in ("/api/v1/audit", "/api/v1/me", "/api/v1/drafts", "/api/v1/drafts/1/concepts/a"):
        answer = broken_api.get(path, headers=bearer("tsk_" + "D" * 43))
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["code"] == "database_unavailable"
        assert "cannot be used" in error["message"]
        assert "Reading releases is unaffected" in error["message"]
        assert SECRET not in answer.text
    assert broken_api.get("/api/v1/audit").status_code == 503  # the refusal cannot be audited
    put = broken_api.put("/api/v1/drafts/1/concepts/a", json={"labels": {"da": "x"}},
                         headers={**bearer("tsk_" + "D" * 43), "If-Match": '"x"'})
    assert put.status_code == 503 and put.json()["error"]["code"] == "database_unavailable"


def test_the_cli_says_so_and_exits_2(unreachable: Settings) -> None:
    code, _, err = run(unreachable, "users", "add", "anna")
    assert code == 2
    assert "termserver: The authoring database" in err and "cannot be used" in err
    assert SECRET not in err and "Traceback" not in err
    code, _, err = run(unreachable, "audit", "verify")
    assert code == 2 and "cannot be used" in err


@pytest.mark.parametrize("url, problem", [
    ("not a url", "is not a database URL"),
    ("mysql://u@127.0.0.1/x", "names a mysql database"),
])
def test_a_bad_database_url_is_named(tmp_path: Path, url: str, problem: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=url)
    with pytest.raises(DatabaseUnavailable, match=problem):
        AuthoringDB.from_settings(settings)


def test_postgresql_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql://u:p@db:5432/termserver")
    assert database_url(settings).drivername == "postgresql+psycopg"
    default = database_url(Settings(data_dir=tmp_path))
    assert default.drivername == "sqlite"
    assert default.database == str(tmp_path / "authoring.sqlite3")


def test_the_read_store_never_imports_the_write_side() -> None:
    code = ("import sys, termserver.store, termserver.services, termserver.releases; "
            "print(sorted(m for m in sys.modules if m.startswith('termserver.authoring') "
            "or m.startswith('sqlalchemy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
