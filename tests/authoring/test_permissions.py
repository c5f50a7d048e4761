"""The one permission check: roles per scheme, 403 naming the missing role, official
KL/WHO schemes read-only unless a role is granted on one by name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from termserver.authoring import tokens, users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import (
    ACTIONS,
    OFFICIAL_SCHEMES,
    ROLES,
    Actor,
    Grant,
    require,
)
from termserver.errors import Forbidden, Unauthorized
from termserver.settings import Settings

from .conftest import bearer, run

OFFICIAL = ("icf", "icf-de", "icf-qualifiers", "ffb", "fsiii", "fboe", "caresocialcodes", "ltt")


def _actor(*grants: tuple[str, str]) -> Actor:
    return Actor(name="anna", grants=frozenset(Grant(r, s) for r, s in grants))


def test_403_names_the_missing_role(api: TestClient, db: AuthoringDB,
                                    admin_token: str) -> None:
    editor = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                            "catalogue").token
    answer = api.get("/api/v1/audit", headers=bearer(editor))
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "forbidden"
    assert "needs the role admin on every scheme (*)" in error["message"]
    assert "anna has: editor on catalogue" in error["message"]
    assert error["details"]["missing_role"] == "admin"
    assert api.get("/api/v1/audit", headers=bearer(admin_token)).status_code == 200


def test_403_from_the_cli_too(db: AuthoringDB, settings: Settings, admin_token: str) -> None:
    editor = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                            "catalogue").token
    code, _, err = run(settings, "users", "add", "bob", "--role", "editor", "--scheme",
                       "catalogue", token=editor)
    assert code == 1
    assert "Adding a user needs the role admin on catalogue; anna has: editor on catalogue" \
        in err


@pytest.mark.parametrize("scheme", OFFICIAL)
def test_official_schemes_are_read_only_even_for_admins_of_everything(scheme: str) -> None:
    assert scheme in OFFICIAL_SCHEMES
    everything = _actor(("editor", "*"), ("reviewer", "*"), ("publisher", "*"), ("admin", "*"))
    for action in ("draft.create", "draft.edit", "draft.submit", "draft.review",
                   "draft.publish"):
        with pytest.raises(Forbidden) as refused:
            require(everything, action, scheme)
        assert f"granted on {scheme} by name" in refused.value.message
        assert refused.value.details["official"] is True
    require(everything, "draft.edit", "catalogue")  # our own schemes: * counts


def test_a_grant_by_name_opens_an_official_scheme(db: AuthoringDB, settings: Settings,
                                                   admin_token: str) -> None:
    anna = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                          "*").token
    with pytest.raises(Forbidden):
        require(tokens.authenticate(db, anna), "draft.edit", "icf")
    code, out, err = run(settings, "users", "grant", "anna", "--role", "editor", "--scheme",
                         "icf", token=admin_token)
    assert code == 0, err
    assert "granted editor on icf" in out
    opened = tokens.authenticate(db, anna)
    require(opened, "draft.edit", "icf")
    with pytest.raises(Forbidden):  # only icf was opened, and only for editing
        require(opened, "draft.edit", "ffb")
    with pytest.raises(Forbidden):
        require(opened, "draft.publish", "icf")


def test_roles_hold_per_scheme_and_admin_includes_the_others() -> None:
    editor = _actor(("editor", "catalogue"))
    require(editor, "draft.edit", "catalogue")
    for action, scheme in (("draft.edit", "crosswalk-ffb-icf"), ("draft.review", "catalogue"),
                           ("draft.publish", "catalogue"), ("user.add", "catalogue")):
        with pytest.raises(Forbidden) as refused:
            require(editor, action, scheme)
        assert refused.value.details["missing_role"] == ACTIONS[action].role
    admin = _actor(("admin", "catalogue"))
    for action in ("draft.edit", "draft.review", "draft.publish", "user.add"):
        require(admin, action, "catalogue")
    with pytest.raises(Forbidden):  # an admin of one scheme is not an admin of all
        require(admin, "audit.read")


def test_anonymous_may_read_and_nothing_else() -> None:
    require(Actor(), "me")
    for action, spec in ACTIONS.items():
        assert spec.role in ROLES
        if spec.role != "reader":
            with pytest.raises(Unauthorized):
                require(Actor(), action, "catalogue")
    with pytest.raises(Unauthorized):  # a broken token is refused even a reader's action
        require(Actor(problem="The token is not known"), "me")


def test_bad_grants_are_refused_with_a_reason(db: AuthoringDB, settings: Settings,
                                              admin_token: str) -> None:
    for args, message in (
        (["--role", "reader", "--scheme", "catalogue"], "reader is everyone's role"),
        (["--role", "owner", "--scheme", "catalogue"], "Unknown role 'owner'"),
        (["--role", "editor"], "Say which scheme"),
        (["--role", "editor", "--scheme", "no such"], "is not a scheme id"),
    ):
        code, _, err = run(settings, "users", "add", "bob", *args, token=admin_token)
        assert (code, message in err) == (2, True), err
    code, _, err = run(settings, "users", "add", "tsk_bob", token=admin_token)
    assert code == 2 and "not a usable user name" in err
    code, _, err = run(settings, "users", "add", "admin", token=admin_token)
    assert code == 2 and "exists" in err
