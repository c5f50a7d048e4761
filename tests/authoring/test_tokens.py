"""Tokens: shown once, stored only as a hash, refused when missing, wrong or revoked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from termserver.authoring import tokens, users
from termserver.authoring.db import DEFAULT_FILE, AuthoringDB
from termserver.authoring.models import Base, Token
from termserver.settings import Settings

from .conftest import bearer, run


def _every_row(db: AuthoringDB) -> str:
    """Every value of every table, as text."""
    with db.engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in connection.execute(text(f"SELECT * FROM {table.name}")))


def test_only_the_hash_is_stored(db: AuthoringDB, settings: Settings, engine_name: str,
                                 admin_token: str) -> None:
    editor = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                            "catalogue").token
    rows = _every_row(db)
    for plain in (admin_token, editor):
        assert plain not in rows
        assert plain[len(tokens.TOKEN_START):] not in rows
        assert hashlib.sha256(plain.encode()).hexdigest() in rows
        assert plain[:tokens.PREFIX_LENGTH] in rows  # the prefix, for listings
    if engine_name == "sqlite":  # and not in the bytes on disk (database and WAL) either
        files = sorted(Path(settings.data_dir).glob(DEFAULT_FILE + "*"))
        content = b"".join(f.read_bytes() for f in files)
        assert hashlib.sha256(editor.encode()).hexdigest().encode() in content
        assert editor.encode() not in content and admin_token.encode() not in content


def test_token_shape(db: AuthoringDB, admin_token: str) -> None:
    assert admin_token.startswith("tsk_") and len(admin_token) == 47
    with db.read() as session:
        stored = session.scalars(select(Token)).one()
        assert stored.hash == hashlib.sha256(admin_token.encode()).hexdigest()
        assert stored.prefix == admin_token[:12]


@pytest.mark.parametrize("header, problem", [
    (None, "needs a token"),
    ("Bearer", "must be `Bearer <token>`"),
    ("Basic YWRtaW46YWRtaW4=", "must be `Bearer <token>`"),
    ("Bearer not-a-token", "not a termserver token"),
    ("Bearer tsk_" + "A" * 43, "not known"),
])
def test_401_without_a_valid_token(api: TestClient, admin_token: str, header: str | None,
                                   problem: str) -> None:
    answer = api.get("/api/v1/audit", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    error = answer.json()["error"]
    assert error["code"] == "unauthorized"
    assert problem in error["message"]
    assert "TERMSERVER_TOKEN" in error["message"]  # says how to authenticate


def test_me(api: TestClient, db: AuthoringDB, admin_token: str) -> None:
    added = users.add_user(db, tokens.authenticate(db, admin_token), "anna",
                           ["editor", "reviewer"], "catalogue")
    body = api.get("/api/v1/me", headers=bearer(added.token)).json()
    assert body == {"name": "anna", "anonymous": False, "token": added.token[:12],
                    "issuer": None, "roles": [
        {"role": "reader", "scheme": "*"}, {"role": "editor", "scheme": "catalogue"},
        {"role": "reviewer", "scheme": "catalogue"}]}
    anonymous = api.get("/api/v1/me").json()
    assert anonymous == {"name": None, "anonymous": True, "token": None, "issuer": None,
                         "roles": [{"role": "reader", "scheme": "*"}]}
    assert api.get("/api/v1/me", headers=bearer("tsk_" + "B" * 43)).status_code == 401


def test_revoke_one_token_by_prefix(api: TestClient, db: AuthoringDB, settings: Settings,
                                    admin_token: str) -> None:
    first = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                           "catalogue").token
    code, second, err = run(settings, "users", "token", "anna", token=admin_token)
    assert code == 0, err
    second = second.strip()
    assert api.get("/api/v1/me", headers=bearer(first)).json()["name"] == "anna"

    code, out, err = run(settings, "users", "revoke", first[:12], token=admin_token)
    assert code == 0, err
    assert first[:12] in out
    refused = api.get("/api/v1/me", headers=bearer(first))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
    assert api.get("/api/v1/me", headers=bearer(second)).json()["name"] == "anna"


def test_revoke_every_token_of_a_user(api: TestClient, db: AuthoringDB, settings: Settings,
                                      admin_token: str) -> None:
    anna = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                          "catalogue").token
    code, _, err = run(settings, "users", "revoke", "anna", token=admin_token)
    assert code == 0, err
    assert api.get("/api/v1/me", headers=bearer(anna)).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(admin_token)).status_code == 200
    code, _, err = run(settings, "users", "revoke", "anna", token=admin_token)
    assert code == 1 and "no active token" in err
    code, _, err = run(settings, "users", "revoke", "tsk_nothing0", token=admin_token)
    assert code == 1 and "No active token starts with tsk_nothing0" in err


def test_revoking_takes_an_admin(db: AuthoringDB, settings: Settings, admin_token: str) -> None:
    anna = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                          "catalogue").token
    code, _, err = run(settings, "users", "revoke", admin_token[:12], token=anna)
    assert code == 1
    assert "needs the role admin" in err
    assert tokens.authenticate(db, admin_token).name == "admin"
