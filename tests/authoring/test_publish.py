"""Publishing an approved draft, and rebasing one that another publication overtook.

Over HTTP against the in-process app, on SQLite and PostgreSQL, with a real data
directory: the releases the test starts from are published there first, and what a
publication writes is read back from the directory. A running server loads new releases
at its reload check; `reloaded` stands for that step here (the end-to-end test with two
real servers is `test_publish_live.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from termserver.authoring import publish as publishing_drafts
from termserver.authoring.audit import verify
from termserver.authoring.db import AuthoringDB
from termserver.authoring.drafts import content, load
from termserver.authoring.permissions import Actor
from termserver.authoring.tokens import authenticate
from termserver.publishing import publish_releases
from termserver.search import generations
from termserver.services import open_services
from termserver.settings import Settings
from termserver.store import Store

from .drafting import Drafts, drafts_over, releases

NEXT = publishing_drafts.next_version(["2026.1"], dt.date.today())
"""The catalogue's next version by the yearly rule (the test data has 2026.1)."""


@pytest.fixture
def drafts(settings: Settings, db: AuthoringDB) -> Iterator[Drafts]:
    publish_releases(settings, releases())
    with drafts_over(open_services(settings), db) as api:
        yield api


def reloaded(drafts: Drafts, settings: Settings) -> None:
    """What a running server does at its next reload check: load the new releases."""
    drafts.client.app.state.services = open_services(settings)


def approved(drafts: Drafts, draft: int) -> None:
    """Check, submit (anna) and approve (rita) a draft."""
    assert drafts.check(draft)["passed"]
    submitted = drafts.call("anna", "POST", f"/{draft}/submit", json={"comment": "klar"})
    assert submitted.status_code == 200, submitted.text
    review = drafts.call("rita", "POST", f"/{draft}/review",
                         json={"decision": "approve", "comment": "fint"})
    assert review.status_code == 200, review.text
    assert drafts.status(draft) == "approved"


def published(settings: Settings, version: str) -> Store:
    store = Store.open(settings.data_dir)
    assert version in {r.version for r in store.versions("catalogue")}
    return store


def test_an_approved_draft_is_published_as_the_next_release_with_danish_notes(
        drafts: Drafts, settings: Settings, db: AuthoringDB) -> None:
    draft = drafts.new()
    drafts.change(draft, "1.1", labels={"da": "Rengøring i hjemmet"})
    approved(drafts, draft)

    answer = drafts.call("pia", "POST", f"/{draft}/publish")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "published" and body["version"] == NEXT
    reloaded(drafts, settings)
    changes = drafts.client.get(body["changes"])
    assert changes.status_code == 200
    assert [c["code"] for c in changes.json()["changed"]] == ["1.1"]
    notes = body["release_notes"]
    assert "## Ændrede begreber (1)" in notes and "1.1 Rengøring i hjemmet: betegnelse" in notes
    assert f"fra kladde {draft}" in notes and "Grundlag: 2026.1" in notes
    store = published(settings, NEXT)
    release = store.release("catalogue", NEXT)
    assert release.concepts["1.1"].labels["da"] == "Rengøring i hjemmet"
    assert release.concepts["1.2"].labels["da"] == "Tøjvask"  # the base's, untouched
    assert release.info.extra["draft"] == str(draft)
    assert store.release("catalogue", "2026.1").concepts["1.1"].labels["da"] == "Rengøring"
    index = generations.current(settings.data_dir, settings.search_backend,
                                (r.info for r in store.releases()))
    assert index.status == generations.CURRENT
    entries = drafts.call("admin", "GET", "", params={"status": "published"})
    assert [d["id"] for d in entries.json()["drafts"]] == [draft]
    audit = drafts.client.get("/api/v1/audit",
                              headers={"Authorization": f"Bearer {drafts.tokens['admin']}"})
    entry = [e for e in audit.json()["entries"] if e["action"] == "draft.publish"]
    assert entry and entry[-1]["actor"] == "pia" and entry[-1]["detail"]["version"] == NEXT
    with db.read() as session:
        assert verify(session).intact


def test_publishing_is_refused_before_approval_without_the_role_and_for_a_taken_version(
        drafts: Drafts, settings: Settings) -> None:
    draft = drafts.new()
    drafts.change(draft, "2", labels={"da": "Personlig pleje og hygiejne"})
    early = drafts.call("pia", "POST", f"/{draft}/publish")
    assert early.status_code == 409 and "approved" in early.json()["error"]["message"]
    approved(drafts, draft)
    editor = drafts.call("anna", "POST", f"/{draft}/publish")
    assert editor.status_code == 403 and "publisher" in editor.json()["error"]["message"]
    taken = drafts.call("pia", "POST", f"/{draft}/publish", json={"version": "2026.1"})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "version-exists"
    bad = drafts.call("pia", "POST", f"/{draft}/publish", json={"version": "../x"})
    assert bad.status_code == 400 and "version" in bad.json()["error"]["message"]
    assert {r.version for r in Store.open(settings.data_dir).versions("catalogue")} == \
        {"2026.1"}
    chosen = drafts.call("pia", "POST", f"/{draft}/publish", json={"version": "2026.1.1"})
    assert chosen.status_code == 200, chosen.text
    again = drafts.call("pia", "POST", f"/{draft}/publish")
    assert again.status_code == 409 and "published already" in again.json()["error"]["message"]


def test_an_edit_after_the_check_makes_publishing_wait_for_a_new_check(
        drafts: Drafts) -> None:
    draft = drafts.new()
    drafts.change(draft, "2", labels={"da": "Pleje"})
    approved(drafts, draft)
    drafts.change(draft, "2", labels={"da": "Personlig pleje"})  # back to review
    approval = drafts.call("rita", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert approval.status_code == 409 and "check" in approval.json()["error"]["message"]
    refused = drafts.call("pia", "POST", f"/{draft}/publish")
    assert refused.status_code == 409
    assert "in_review" in refused.json()["error"]["message"]
    approved_again = drafts.check(draft)
    assert approved_again["passed"]
    assert drafts.call("rita", "POST", f"/{draft}/review",
                       json={"decision": "approve"}).status_code == 200
    assert drafts.call("pia", "POST", f"/{draft}/publish").status_code == 200


def test_a_publication_interrupted_before_its_bookkeeping_is_finished_not_repeated(
        drafts: Drafts, settings: Settings, db: AuthoringDB) -> None:
    draft = drafts.new()
    drafts.change(draft, "1.2", labels={"da": "Tøjvask og strygning"})
    approved(drafts, draft)
    # the state a crash right after the release was written leaves: release on disk,
    # draft still approved
    store = drafts.client.app.state.services.store
    row, edits = load(db, draft)
    pia = authenticate(db, drafts.tokens["pia"])
    assert isinstance(pia, Actor)
    release = publishing_drafts._release(content(store, row, edits), NEXT, draft, row.title,
                                         pia)
    publish_releases(settings, [release])
    assert drafts.status(draft) == "approved"

    answer = drafts.call("pia", "POST", f"/{draft}/publish")

    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == NEXT
    versions = sorted(r.version for r in Store.open(settings.data_dir).versions("catalogue"))
    assert versions == ["2026.1", NEXT]  # no second release of the same draft


def test_a_draft_overtaken_by_another_publication_is_rebased_merging_both(
        drafts: Drafts, settings: Settings) -> None:
    first, second = drafts.new("anna"), drafts.new("bo")
    drafts.change(first, "1.1", labels={"da": "Rengøring i hjemmet"})
    drafts.change(second, "1.1", who="bo", definitions={"da": "Hjælp til at gøre rent."})
    drafts.change(second, "1.2", who="bo", labels={"da": "Vask af tøj"})
    approved(drafts, first)
    assert drafts.call("pia", "POST", f"/{first}/publish").status_code == 200
    reloaded(drafts, settings)
    drafts.check(second, who="bo")
    drafts.call("bo", "POST", f"/{second}/submit")
    drafts.call("rita", "POST", f"/{second}/review", json={"decision": "approve"})

    overtaken = drafts.call("pia", "POST", f"/{second}/publish")
    assert overtaken.status_code == 409
    assert "rebase" in overtaken.json()["error"]["message"]
    assert overtaken.json()["error"]["details"]["latest"] == NEXT

    rebased = drafts.call("bo", "POST", f"/{second}/rebase")
    assert rebased.status_code == 200, rebased.text
    assert rebased.json()["base"] == NEXT
    assert rebased.json()["status"] == "in_review"  # approved before: reviewed again
    concept = drafts.call("bo", "GET", f"/{second}/concepts/1.1").json()
    assert concept["labels"]["da"] == "Rengøring i hjemmet"  # theirs
    assert concept["definitions"]["da"] == "Hjælp til at gøre rent."  # ours
    assert drafts.check(second, who="bo")["passed"]
    drafts.call("rita", "POST", f"/{second}/review", json={"decision": "approve"})
    done = drafts.call("pia", "POST", f"/{second}/publish")
    assert done.status_code == 200, done.text
    latest = Store.open(settings.data_dir).release("catalogue", done.json()["version"])
    assert latest.concepts["1.1"].labels["da"] == "Rengøring i hjemmet"
    assert latest.concepts["1.1"].definitions["da"] == "Hjælp til at gøre rent."
    assert latest.concepts["1.2"].labels["da"] == "Vask af tøj"


def test_a_rebase_with_colliding_changes_lists_them_and_takes_a_resolution_for_each(
        drafts: Drafts, settings: Settings) -> None:
    first, second = drafts.new("anna"), drafts.new("bo")
    drafts.change(first, "1.1", labels={"da": "Rengøring i hjemmet"})
    drafts.change(second, "1.1", who="bo", labels={"da": "Rengøring af bolig"})
    approved(drafts, first)
    assert drafts.call("pia", "POST", f"/{first}/publish").status_code == 200
    reloaded(drafts, settings)
    before = drafts.call("bo", "GET", f"/{second}").json()["revision"]

    refused = drafts.call("bo", "POST", f"/{second}/rebase")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "rebase-conflicts"
    assert error["details"]["conflicts"] == [{
        "code": "1.1", "field": "labels", "base": {"da": "Rengøring"},
        "ours": {"da": "Rengøring af bolig"}, "theirs": {"da": "Rengøring i hjemmet"}}]
    assert drafts.call("bo", "GET", f"/{second}").json()["revision"] == before  # untouched
    unknown = drafts.call("bo", "POST", f"/{second}/rebase",
                          json={"resolutions": {"1.1": {"labels": "both"}}})
    assert unknown.status_code == 422 or unknown.status_code == 400
    resolved = drafts.call("bo", "POST", f"/{second}/rebase",
                           json={"resolutions": {"1.1": {"labels": "ours"}}})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["rebased"]["resolved"][0]["took"] == "ours"
    concept = drafts.call("bo", "GET", f"/{second}/concepts/1.1").json()
    assert concept["labels"]["da"] == "Rengøring af bolig"
    undo = drafts.call("bo", "POST", f"/{second}/undo", json={})
    assert undo.status_code == 200, undo.text  # undoes bo's own edit, not the rebase
    assert undo.json()["code"] == "1.1"


def test_a_draft_holds_the_concept_as_published_not_the_overlay_labels(
        drafts: Drafts) -> None:
    shown = drafts.client.get("/api/v1/schemes/fsiii/concepts/T1").json()
    assert "støvsuge" in shown["hidden_labels"]["da"]  # the search-word overlay's label
    draft = drafts.new("fie", "fsiii")
    edited = drafts.change(draft, "T1", who="fie", definitions={"da": "Rengøring af bolig."})
    assert edited["hidden_labels"] == {}
    assert drafts.call("fie", "GET", f"/{draft}/concepts/T1").json()["hidden_labels"] == {}


def test_nothing_to_rebase_onto_is_a_clear_refusal(drafts: Drafts) -> None:
    draft = drafts.new()
    refused = drafts.call("anna", "POST", f"/{draft}/rebase")
    assert refused.status_code == 409
    assert "nothing to rebase onto" in refused.json()["error"]["message"]


def test_next_version_counts_the_years_releases() -> None:
    today = dt.date(2026, 5, 1)
    assert publishing_drafts.next_version([], today) == "2026.1"
    assert publishing_drafts.next_version(["2025.4", "2026.1", "2026.2"], today) == "2026.3"
    assert publishing_drafts.next_version(["2026.10", "2026.9", "x"], today) == "2026.11"
