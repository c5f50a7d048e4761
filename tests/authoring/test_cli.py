"""`termserver users|audit`: the first user bootstraps an admin, then tokens rule."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from termserver.settings import Settings

from .conftest import bearer, run


def test_first_user_bootstraps_an_admin_then_a_token_is_needed(api: TestClient,
                                                               settings: Settings) -> None:
    code, out, err = run(settings, "users", "add", "boss")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("tsk_") and "\n" not in token  # stdout is the token alone
    assert "the first user: made admin" in err and "shown this once" in err
    assert api.get("/api/v1/me", headers=bearer(token)).json()["roles"][1] == \
        {"role": "admin", "scheme": "*"}

    code, _, err = run(settings, "users", "add", "anna", "--role", "editor", "--scheme",
                       "catalogue")
    assert code == 1
    assert "needs a token" in err and "TERMSERVER_TOKEN" in err

    code, out, err = run(settings, "users", "add", "anna", "--role", "editor", "--scheme",
                         "catalogue", "--json", token=token)
    assert code == 0, err
    added = json.loads(out)
    assert added["roles"] == [{"role": "editor", "scheme": "catalogue"}]
    assert added["bootstrapped"] is False
    assert api.get("/api/v1/me", headers=bearer(added["token"])).json()["name"] == "anna"


def test_token_option_and_environment_variable(settings: Settings) -> None:
    _, token, _ = run(settings, "users", "add", "boss")
    token = token.strip()
    code, out, err = run(settings, "users", "list", "--token", token)
    assert code == 0, err
    code, same, _ = run(settings, "users", "list", token=token)  # TERMSERVER_TOKEN
    assert same == out
    assert "boss: admin on *" in out and token[:12] in out
    assert token not in out  # listings show prefixes only


def test_users_list_json(settings: Settings) -> None:
    _, token, _ = run(settings, "users", "add", "boss")
    token = token.strip()
    run(settings, "users", "add", "anna", "--role", "editor", "--role", "reviewer",
        "--scheme", "catalogue", token=token)
    run(settings, "users", "revoke", "anna", token=token)
    code, out, _ = run(settings, "users", "list", "--json", token=token)
    assert code == 0
    listed = {u["name"]: u for u in json.loads(out)["users"]}
    assert listed["anna"]["roles"] == [{"role": "editor", "scheme": "catalogue"},
                                       {"role": "reviewer", "scheme": "catalogue"}]
    assert listed["anna"]["tokens"][0]["revoked_at"] is not None
    assert listed["boss"]["tokens"][0]["revoked_at"] is None


def test_audit_listing_needs_an_admin(settings: Settings) -> None:
    _, token, _ = run(settings, "users", "add", "boss")
    code, _, err = run(settings, "audit")
    assert code == 1 and "Reading the audit log needs a token" in err
    code, out, err = run(settings, "audit", token=token.strip())
    assert code == 0, err
    lines = out.splitlines()
    assert "anonymous  denied  audit.read" in lines[0]
    assert "(bootstrap)  ok  user.add * boss" in lines[1]
