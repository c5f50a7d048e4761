"""A concept's history with its draft edits, on SQLite and PostgreSQL.

Draft edits are work in progress: only a token with editor, reviewer or publisher on the
scheme sees them, anonymous callers and other users get the published history and the
reason. A bad token is refused (401, audited); a database that cannot be reached leaves
the draft history out instead of failing the read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.api.history import HistoryOut
from termserver.authoring import audit
from termserver.authoring import publish as publishing_drafts
from termserver.authoring.db import AuthoringDB
from termserver.publishing import publish_releases
from termserver.services import Services, open_services
from termserver.settings import Settings

from .conftest import ENGINES, bearer, run
from .drafting import Drafts, drafts_over, make_store, releases


@pytest.fixture
def drafts(settings: Settings, db: AuthoringDB) -> Iterator[Drafts]:
    publish_releases(settings, releases())
    with drafts_over(open_services(settings), db) as api:
        yield api


def history(drafts: Drafts, code: str, who: str | None = None, status: int = 200) -> dict:
    headers = bearer(drafts.tokens[who]) if who else {}
    answer = drafts.client.get(f"/api/v1/schemes/catalogue/concepts/{code}/history",
                               headers=headers)
    assert answer.status_code == status, answer.text
    body = answer.json()
    if status == 200:
        HistoryOut.model_validate(body)
    return body


def test_draft_edits_are_shown_only_to_those_who_may_read_the_drafts(drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.change(draft, "1.1", labels={"da": "Rengøring i hjemmet"}, comment="præcisering")
    drafts.change(draft, "1.1", alt_labels={"da": ["rengøring"]})

    public = history(drafts, "1.1")
    assert [(e["version"], e["change"]) for e in public["releases"]] == [("2026.1", "added")]
    assert public["drafts"]["included"] is False and public["drafts"]["edits"] == []
    assert "token" in public["drafts"]["reason"]
    otto = history(drafts, "1.1", "otto")  # editor, but on another scheme
    assert otto["drafts"]["included"] is False and otto["drafts"]["edits"] == []
    assert "otto has no editor, reviewer or publisher role on catalogue" in \
        otto["drafts"]["reason"]
    assert otto["releases"] == public["releases"]

    rita = history(drafts, "1.1", "rita")  # a reviewer of the scheme
    assert rita["drafts"]["included"] is True and rita["drafts"]["reason"] is None
    first, second = rita["drafts"]["edits"]
    assert (first["draft"], first["title"], first["draft_status"], first["base"]) == \
        (draft, "Ændringer", "open", "2026.1")
    assert (first["kind"], first["author"], first["comment"], first["code"]) == \
        ("update", "anna", "præcisering", "1.1")
    assert first["fields"] == [{"field": "labels", "old": {"da": "Rengøring"},
                                "new": {"da": "Rengøring i hjemmet"}}]
    assert second["edit"] > first["edit"] and second["at"] >= first["at"]
    assert second["fields"] == [{"field": "alt_labels", "old": {}, "new": {"da": ["rengøring"]}}]
    assert history(drafts, "1.1", "anna")["drafts"] == rita["drafts"]
    assert history(drafts, "1.2", "anna")["drafts"]["edits"] == []  # untouched concept


def test_a_concept_only_in_a_draft_is_found_only_by_those_who_may_read_it(
        drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.create(draft, "3", {"labels": {"da": "Madservice"}, "comment": "ny ydelse"})
    got = drafts.call("anna", "GET", f"/{draft}/concepts/3")
    rename = drafts.call("anna", "PUT", f"/{draft}/concepts/3",
                         json=got.json() | {"code": "3a", "comment": "bedre kode"},
                         headers={"If-Match": got.headers["etag"]})
    assert rename.status_code == 200, rename.text

    anonymous = history(drafts, "3", status=404)
    assert "never been in catalogue" in anonymous["error"]["message"]
    assert "Drafts were not searched" in anonymous["error"]["message"]
    history(drafts, "3", "otto", status=404)

    three = history(drafts, "3", "anna")
    assert three["releases"] == [] and three["versions"] == 1
    created, renamed = three["drafts"]["edits"]
    assert created["kind"] == "create" and created["comment"] == "ny ydelse"
    made = {f["field"]: (f["old"], f["new"]) for f in created["fields"]}
    assert made["labels"] == (None, {"da": "Madservice"}) and made["code"] == (None, "3")
    assert "alt_labels" not in made  # empty fields of a new concept are not listed
    assert renamed["kind"] == "rename" and renamed["code"] == "3"
    assert {f["field"]: f["new"] for f in renamed["fields"]}["code"] == "3a"
    # the new code's history starts with the rename (filed under the old code)
    assert [e["edit"] for e in history(drafts, "3a", "anna")["drafts"]["edits"]] == \
        [renamed["edit"]]
    undone = drafts.call("anna", "POST", f"/{draft}/undo", json={})
    assert undone.status_code == 200, undone.text
    again = history(drafts, "3", "anna")["drafts"]["edits"]
    assert [e["kind"] for e in again] == ["create", "rename", "undo"]
    assert again[-1]["undoes"] == renamed["edit"] and again[-1]["code"] == "3a"


def test_a_bad_token_is_refused_and_audited(drafts: Drafts, db: AuthoringDB) -> None:
    answer = drafts.client.get("/api/v1/schemes/catalogue/concepts/1.1/history",
                               headers=bearer("tsk_" + "x" * 43))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert "not known" in answer.json()["error"]["message"]
    with db.read() as session:
        newest = audit.page(session, limit=1)["entries"][0]
    assert (newest["action"], newest["outcome"], newest["actor"]) == \
        ("draft.read", "denied", None)


def test_a_published_draft_shows_in_the_release_history_with_its_draft(
        drafts: Drafts, settings: Settings) -> None:
    draft = drafts.new()
    drafts.change(draft, "1.1", labels={"da": "Rengøring i hjemmet"})
    assert drafts.check(draft)["passed"]
    assert drafts.call("anna", "POST", f"/{draft}/submit", json={}).status_code == 200
    assert drafts.call("rita", "POST", f"/{draft}/review",
                       json={"decision": "approve", "comment": "ok"}).status_code == 200
    published = drafts.call("pia", "POST", f"/{draft}/publish")
    assert published.status_code == 200, published.text
    version = published.json()["version"]
    assert version == publishing_drafts.next_version(["2026.1"], dt.date.today())
    drafts.client.app.state.services = open_services(settings)  # the reload check

    body = history(drafts, "1.1", "anna")
    added, changed = body["releases"]
    assert (added["version"], added["unchanged_through"]) == ("2026.1", None)
    assert (changed["version"], changed["change"], changed["draft"]) == \
        (version, "changed", draft)
    assert changed["fields"] == [{"field": "label", "old": {"da": "Rengøring"},
                                  "new": {"da": "Rengøring i hjemmet"}}]
    assert [e["draft_status"] for e in body["drafts"]["edits"]] == ["published"]
    assert body["label"] == "Rengøring i hjemmet"
    # the change feed names the draft and carries its release notes
    feed = drafts.client.get("/api/v1/changes")
    assert feed.status_code == 200, feed.text
    (entry,) = [e for e in feed.json()["releases"] if e["scheme"] == "catalogue"
                and e["version"] == version]
    assert (entry["version"], entry["draft"], entry["previous"]) == (version, draft, "2026.1")
    assert f"fra kladde {draft}" in entry["release_notes"]
    assert entry["links"]["diff"] == f"/api/v1/schemes/catalogue/diff?from=2026.1&to={version}"


def test_the_cli_shows_draft_edits_with_a_token(drafts: Drafts, settings: Settings) -> None:
    draft = drafts.new()
    drafts.change(draft, "2", labels={"da": "Personlig pleje og hygiejne"}, comment="hygiejne")
    code, out, _ = run(settings, "history", "catalogue", "2", "--json", token=drafts.tokens["lars"])
    assert code == 0
    assert out.startswith("{") and '"included": true' in out and '"hygiejne"' in out
    code, out, _ = run(settings, "history", "catalogue", "2", token=drafts.tokens["lars"])
    assert code == 0
    assert f"draft {draft} (open) edit" in out and "update by anna" in out
    assert "labels — hygiejne" in out
    code, out, _ = run(settings, "history", "catalogue", "2")
    assert code == 0 and "drafts left out:" in out
    code, _, err = run(settings, "history", "catalogue", "2", token="tsk_" + "y" * 43)
    assert code == 1 and "not known" in err


@pytest.fixture(params=ENGINES)
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A database that cannot be reached (as in test_unavailable.py)."""
    if request.param == "sqlite":
        (tmp_path / "blocker").write_text("not a directory")
        url = f"sqlite:///{tmp_path}/blocker/authoring.sqlite3"
    else:
        url = "postgresql+psycopg://termserver:secret@127.0.0.1:18599/authoring"
    return Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none",
                    database_url=url)


def test_without_the_database_the_release_history_still_answers(unreachable: Settings) -> None:
    app = create_app(unreachable, Services(settings=unreachable, store=make_store()))
    with TestClient(app) as client:
        for headers in ({}, bearer("tsk_" + "D" * 43)):
            answer = client.get("/api/v1/schemes/fsiii/concepts/O1/history", headers=headers)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert [(e["version"], e["change"]) for e in body["releases"]] == [
                ("2024.1", "added"), ("2025.1", "removed")]
            assert body["drafts"]["included"] is False
        assert "draft history is unavailable" in body["drafts"]["reason"]
        assert "secret" not in answer.text
