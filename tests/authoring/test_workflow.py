"""The review workflow over HTTP: check, submit, review by a second person, edits that
send a draft back, close; every refusal with its reason; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from termserver.authoring import audit
from termserver.authoring.db import AuthoringDB
from termserver.services import Services
from termserver.settings import Settings

from .drafting import Drafts, drafts_over, make_store


@pytest.fixture
def drafts(settings: Settings, db: AuthoringDB) -> Iterator[Drafts]:
    with drafts_over(Services(settings=settings, store=make_store()), db) as api:
        yield api


def _entries(db: AuthoringDB) -> list[dict]:
    with db.read() as session:
        return list(reversed(audit.page(session, limit=1000)["entries"]))


def _error(answer) -> dict:
    return answer.json()["error"]


def _checked(drafts: Drafts) -> int:
    """An open draft with one good edit and a passing check at its revision."""
    draft = drafts.new()
    drafts.create(draft, "1.3", {"labels": {"da": "Indkøb"}, "broader": ["1"]})
    assert drafts.check(draft)["passed"]
    return draft


def test_from_open_to_approved_and_closed(drafts: Drafts, db: AuthoringDB) -> None:
    draft = _checked(drafts)
    submitted = drafts.call("anna", "POST", f"/{draft}/submit", json={"comment": "klar"})
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["draft"]["status"] == "in_review" and body["check"] is not None

    review = drafts.call("rita", "POST", f"/{draft}/review",
                         json={"decision": "approve", "comment": "fint"})
    assert review.status_code == 200, review.text
    made = review.json()["review"]
    assert (made["decision"], made["reviewer"], made["revision"]) == \
        ("approve", "rita", body["draft"]["revision"])
    assert drafts.status(draft) == "approved"

    closed = drafts.call("pia", "POST", f"/{draft}/close", json={"comment": "udskudt"})
    assert closed.status_code == 200 and closed.json()["draft"]["status"] == "closed"
    again = drafts.call("anna", "POST", f"/{draft}/close")
    assert again.status_code == 409 and "closed already" in _error(again)["message"]
    edit = drafts.call("anna", "PUT", f"/{draft}/concepts/9", json={"labels": {"da": "x"}},
                       headers={"If-None-Match": "*"})
    assert edit.status_code == 409 and "takes no more edits" in _error(edit)["message"]

    actions = [(e["actor"], e["action"], e["outcome"]) for e in _entries(db)[-4:]]
    assert actions == [("anna", "draft.check", "ok"), ("anna", "draft.submit", "ok"),
                       ("rita", "draft.review", "ok"), ("pia", "draft.close", "ok")]
    submit_entry = next(e for e in _entries(db) if e["action"] == "draft.submit")
    assert submit_entry["reason"] == "klar"
    assert submit_entry["detail"]["status"] == {"before": "open", "after": "in_review"}


def test_submit_needs_a_passing_check_at_the_current_revision(drafts: Drafts) -> None:
    draft = drafts.new()
    empty = drafts.call("anna", "POST", f"/{draft}/submit")
    assert empty.status_code == 409 and "no edits" in _error(empty)["message"]

    drafts.create(draft, "A", {"labels": {"da": "A"}, "broader": ["1"]})
    unchecked = drafts.call("anna", "POST", f"/{draft}/submit")
    assert unchecked.status_code == 409
    assert "has not been checked" in _error(unchecked)["message"]
    assert f"termserver draft check {draft}" in _error(unchecked)["message"]

    drafts.create(draft, "B", {"labels": {"da": "B"}, "broader": ["A"]})
    drafts.change(draft, "A", broader=["B"])  # a cycle: the check fails
    failed = drafts.check(draft)
    assert failed["passed"] is False and failed["errors"] == 1
    refused = drafts.call("anna", "POST", f"/{draft}/submit")
    assert refused.status_code == 409 and "found 1 error(s)" in _error(refused)["message"]

    drafts.change(draft, "A", broader=["1"])
    stale = drafts.call("anna", "POST", f"/{draft}/submit")
    assert stale.status_code == 409
    error = _error(stale)
    assert "edited since" in error["message"]
    assert error["details"]["checked_revision"] < error["details"]["revision"]

    assert drafts.check(draft)["passed"]
    assert drafts.call("anna", "POST", f"/{draft}/submit").status_code == 200
    twice = drafts.call("anna", "POST", f"/{draft}/submit")
    assert twice.status_code == 409 and "only an open draft" in _error(twice)["message"]


def test_the_latest_check_says_whether_it_is_current(drafts: Drafts) -> None:
    draft = drafts.new()
    none = drafts.call("rita", "GET", f"/{draft}/check")
    assert none.status_code == 404 and "not been checked" in _error(none)["message"]
    drafts.create(draft, "A", {"labels": {"da": "A"}})
    ran = drafts.check(draft, who="rita")
    latest = drafts.call("rita", "GET", f"/{draft}/check").json()
    assert latest["id"] == ran["id"] and latest["current"] is True
    assert latest["revision"] == drafts.call("rita", "GET", f"/{draft}").json()["revision"]
    drafts.change(draft, "A", labels={"da": "A2"})
    assert drafts.call("rita", "GET", f"/{draft}/check").json()["current"] is False


def test_a_reviewer_who_wrote_the_draft_is_refused_and_audited(drafts: Drafts,
                                                                db: AuthoringDB) -> None:
    draft = drafts.new("lars")  # lars is editor and reviewer: he opened it
    drafts.create(draft, "1.3", {"labels": {"da": "Indkøb"}}, who="lars")
    assert drafts.check(draft, who="lars")["passed"]
    assert drafts.call("lars", "POST", f"/{draft}/submit").status_code == 200
    own = drafts.call("lars", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert own.status_code == 403
    error = _error(own)
    assert error["code"] == "forbidden"
    assert "lars cannot review draft" in error["message"] and "opened it" in error["message"]
    assert "second person" in error["message"]
    denied = _entries(db)[-1]
    assert (denied["actor"], denied["action"], denied["outcome"]) == \
        ("lars", "draft.review", "denied")
    assert denied["detail"] == {"status": 403, "authors": ["lars"]}
    assert drafts.status(draft) == "in_review"  # nothing changed

    other = drafts.new("anna")  # lars only edited this one
    drafts.create(other, "1.4", {"labels": {"da": "Vinduespudsning"}})
    drafts.change(other, "1.4", who="lars", definitions={"da": "Pudsning af vinduer."})
    assert drafts.check(other)["passed"]
    drafts.call("anna", "POST", f"/{other}/submit")
    edited = drafts.call("lars", "POST", f"/{other}/review",
                         json={"decision": "changes", "comment": "mere"})
    assert edited.status_code == 403 and "made edit " in _error(edited)["message"]
    assert drafts.call("rita", "POST", f"/{other}/review",
                       json={"decision": "approve"}).status_code == 200


def test_wrong_roles_are_refused_naming_the_role(drafts: Drafts, db: AuthoringDB) -> None:
    draft = _checked(drafts)
    as_reviewer = drafts.call("rita", "POST", f"/{draft}/submit")
    assert as_reviewer.status_code == 403
    assert "needs the role editor on catalogue" in _error(as_reviewer)["message"]
    assert drafts.call("anna", "POST", f"/{draft}/submit").status_code == 200
    as_editor = drafts.call("bo", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert as_editor.status_code == 403
    assert "needs the role reviewer on catalogue" in _error(as_editor)["message"]
    outsider = drafts.call("otto", "POST", f"/{draft}/check")
    assert outsider.status_code == 403
    other_scheme = drafts.call("vera", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert other_scheme.status_code == 403
    closing = drafts.call("rita", "POST", f"/{draft}/close")
    assert closing.status_code == 403 and "Closing a draft needs" in _error(closing)["message"]
    denied = [(e["actor"], e["action"]) for e in _entries(db) if e["outcome"] == "denied"]
    assert denied == [("rita", "draft.submit"), ("bo", "draft.review"), ("otto", "draft.check"),
                      ("vera", "draft.review"), ("rita", "draft.close")]
    assert drafts.status(draft) == "in_review"


def test_changes_send_a_draft_back_with_a_comment_on_a_concept(drafts: Drafts) -> None:
    draft = _checked(drafts)
    drafts.call("anna", "POST", f"/{draft}/submit")
    asked = drafts.call("rita", "POST", f"/{draft}/review", json={
        "decision": "changes", "comment": "Skriv en definition.", "concept": "1.3"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["draft"]["status"] == "open"
    listed = drafts.call("anna", "GET", f"/{draft}/reviews").json()
    assert [(r["reviewer"], r["decision"], r["concept"], r["comment"])
            for r in listed["reviews"]] == [("rita", "changes", "1.3", "Skriv en definition.")]
    assert listed["status"] == "open"


def test_review_input_is_checked(drafts: Drafts) -> None:
    draft = _checked(drafts)
    drafts.call("anna", "POST", f"/{draft}/submit")
    for body, field in (({"decision": "maybe"}, "decision"),
                        ({"decision": "changes"}, "comment"),
                        ({"decision": "changes", "comment": "x", "concept": "NOPE"}, "concept")):
        answer = drafts.call("rita", "POST", f"/{draft}/review", json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert field in _error(answer)["message"], answer.text
    assert drafts.status(draft) == "in_review"


def test_edits_after_submitting_or_approval_send_the_draft_back(drafts: Drafts,
                                                                 db: AuthoringDB) -> None:
    draft = _checked(drafts)
    drafts.call("anna", "POST", f"/{draft}/submit")
    drafts.change(draft, "1.3", definitions={"da": "Indkøb af dagligvarer."})
    assert drafts.status(draft) == "open"  # the submission is withdrawn
    back = _entries(db)[-2]
    assert back["detail"]["status"] == {"before": "in_review", "after": "open"}
    assert "withdraws the submission" in back["reason"]

    assert drafts.check(draft)["passed"]
    drafts.call("anna", "POST", f"/{draft}/submit")
    drafts.call("rita", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert drafts.status(draft) == "approved"
    drafts.change(draft, "1.3", labels={"da": "Indkøbsordning"})
    assert drafts.status(draft) == "in_review"  # back to review
    assert "sends the draft back to review" in _entries(db)[-2]["reason"]

    unchecked = drafts.call("rita", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert unchecked.status_code == 409 and "edited since" in _error(unchecked)["message"]
    assert drafts.check(draft, who="rita")["passed"]
    approved = drafts.call("rita", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert approved.status_code == 200
    reviews = drafts.call("rita", "GET", f"/{draft}/reviews").json()["reviews"]
    assert [r["decision"] for r in reviews] == ["approve", "approve"]
    assert reviews[0]["revision"] < reviews[1]["revision"]


def test_approve_needs_a_draft_in_review(drafts: Drafts) -> None:
    draft = _checked(drafts)
    answer = drafts.call("rita", "POST", f"/{draft}/review", json={"decision": "approve"})
    assert answer.status_code == 409
    assert "only a draft in review can be approved" in _error(answer)["message"]


def test_an_official_schemes_draft_is_checked_by_those_granted_on_it(drafts: Drafts) -> None:
    draft = drafts.new("fie", scheme="fsiii")
    drafts.change(draft, "T2", who="fie", definitions={"da": "Vask af tøj."})
    assert drafts.check(draft, who="vera")["passed"]
    assert drafts.call("rita", "POST", f"/{draft}/check").status_code == 403
