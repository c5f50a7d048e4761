"""The audit log: every action and every refusal, in the change's own transaction,
hash-chained so that `termserver audit verify` names a changed or deleted entry."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from termserver.authoring import audit, tokens, users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.models import User
from termserver.authoring.writes import write
from termserver.settings import Settings

from .conftest import bearer, run


@pytest.fixture
def history(db: AuthoringDB, admin_token: str) -> str:
    """Five entries: bootstrap, anna added, a denied attempt, bob added, a revocation."""
    admin = tokens.authenticate(db, admin_token)
    anna = users.add_user(db, admin, "anna", ["editor"], "catalogue").token
    with pytest.raises(Exception, match="needs the role admin"):
        users.add_user(db, tokens.authenticate(db, anna), "eve", ["admin"], "*")
    users.add_user(db, admin, "bob", ["reviewer"], "catalogue")
    tokens.revoke(db, admin, "bob")
    return admin_token


def _verify(db: AuthoringDB) -> audit.Verdict:
    with db.read() as session:
        return audit.verify(session)


def _sql(db: AuthoringDB, statement: str) -> None:
    """Tamper with the log behind termserver's back."""
    with db.engine.begin() as connection:
        connection.execute(text(statement))


def test_every_action_is_recorded(db: AuthoringDB, history: str) -> None:
    with db.read() as session:
        entries = list(reversed(audit.page(session)["entries"]))
    assert [(e["seq"], e["actor"], e["action"], e["target"], e["outcome"]) for e in entries] \
        == [(1, "(bootstrap)", "user.add", "admin", "ok"),
            (2, "admin", "user.add", "anna", "ok"),
            (3, "anna", "user.add", "eve", "denied"),
            (4, "admin", "user.add", "bob", "ok"),
            (5, "admin", "token.revoke", "bob", "ok")]
    assert entries[1]["detail"]["after"]["roles"] == ["editor on catalogue"]
    assert "needs the role admin" in entries[2]["reason"]
    assert entries[2]["detail"] == {"status": 403}
    assert [e["prev_hash"] for e in entries] == [audit.GENESIS] + [e["hash"] for e in entries[:-1]]
    verdict = _verify(db)
    assert verdict.intact and verdict.entries == 5 and verdict.head_seq == 5
    assert verdict.head_hash == entries[-1]["hash"]


def test_verify_names_an_edited_entry(db: AuthoringDB, settings: Settings,
                                      history: str) -> None:
    code, out, _ = run(settings, "audit", "verify")
    assert code == 0 and "audit log intact: 5 entries" in out
    _sql(db, "UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 2")
    code, out, _ = run(settings, "audit", "verify")
    assert code == 1
    assert "entry 2 was changed" in out
    assert [(b.seq, b.kind) for b in _verify(db).breaks] == [(2, "changed")]


def test_verify_names_an_entry_edited_with_its_hash_recomputed(db: AuthoringDB,
                                                               history: str) -> None:
    with db.write() as session:
        entry = session.get(audit.AuditEntry, 3)
        entry.outcome = "ok"
        entry.hash = audit.chain_hash(entry.prev_hash, entry)
    breaks = _verify(db).breaks
    assert [(b.seq, b.kind) for b in breaks] == [(3, "changed")]
    assert "entry 4 recorded a different hash for it" in breaks[0].message


def test_verify_names_a_deleted_entry(db: AuthoringDB, settings: Settings,
                                      history: str) -> None:
    _sql(db, "DELETE FROM audit_entries WHERE seq = 3")
    code, out, _ = run(settings, "audit", "verify", "--json")
    assert code == 1
    assert '"kind": "deleted"' in out and '"seq": 3' in out
    assert [(b.seq, b.kind) for b in _verify(db).breaks] == [(3, "deleted")]


def test_verify_names_deleted_newest_entries(db: AuthoringDB, history: str) -> None:
    _sql(db, "DELETE FROM audit_entries WHERE seq >= 4")
    breaks = _verify(db).breaks
    assert [(b.seq, b.kind) for b in breaks] == [(4, "deleted")]
    assert "entries 4–5 were deleted" in breaks[0].message


def test_denied_attempts_are_audited(api: TestClient, db: AuthoringDB, settings: Settings,
                                     admin_token: str) -> None:
    editor = users.add_user(db, tokens.authenticate(db, admin_token), "anna", ["editor"],
                            "catalogue").token
    assert api.get("/api/v1/audit").status_code == 401
    assert api.get("/api/v1/audit", headers=bearer(editor)).status_code == 403
    assert api.get("/api/v1/me", headers=bearer("tsk_" + "C" * 43)).status_code == 401
    code, _, _ = run(settings, "users", "list", token=editor)
    assert code == 1
    with db.read() as session:
        denied = [e for e in reversed(audit.page(session)["entries"])
                  if e["outcome"] == "denied"]
    assert [(e["actor"], e["action"], e["detail"]["status"]) for e in denied] == [
        (None, "audit.read", 401), ("anna", "audit.read", 403), (None, "me", 401),
        ("anna", "users.list", 403)]
    assert "not known" in denied[2]["reason"]
    assert _verify(db).intact


def test_the_entry_and_the_change_commit_together(db: AuthoringDB, admin_token: str) -> None:
    admin = tokens.authenticate(db, admin_token)

    def counts() -> tuple[int, int]:
        with db.read() as session:
            return (session.scalar(select(func.count()).select_from(User)),
                    session.scalar(select(func.count()).select_from(audit.AuditEntry)))

    before = counts()
    with pytest.raises(RuntimeError), write(db, admin, "user.add", target="x") as change:
        change.session.add(User(name="half-made"))
        change.session.flush()
        raise RuntimeError("the change fails after its first statement")
    assert counts() == before  # neither the user nor an entry
    with pytest.raises(TypeError), write(db, admin, "user.add", target="y") as change:
        change.session.add(User(name="unrecorded"))
        change.detail = {"not json": {1, 2}}  # the audit entry cannot be written
    assert counts() == before  # so the change is not kept either
    with write(db, admin, "user.add", target="z") as change:
        change.session.add(User(name="recorded"))
    assert counts() == (before[0] + 1, before[1] + 1)


def test_concurrent_writers_keep_one_chain(db: AuthoringDB, admin_token: str) -> None:
    admin = tokens.authenticate(db, admin_token)
    errors: list[BaseException] = []

    def add(prefix: str) -> None:
        try:
            for n in range(8):
                users.add_user(db, admin, f"{prefix}{n}", ["editor"], "catalogue")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(p,)) for p in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = _verify(db)
    assert verdict.intact and verdict.entries == 1 + 3 * 8


def test_paging_over_http_and_the_cli_agree(api: TestClient, settings: Settings,
                                            history: str) -> None:
    pages, before = [], None
    while True:
        query = {"limit": 2} | ({"before": before} if before else {})
        body = api.get("/api/v1/audit", params=query, headers=bearer(history)).json()
        pages.append(body)
        before = body["next_before"]
        if before is None:
            break
    seqs = [e["seq"] for page in pages for e in page["entries"]]
    assert seqs == [5, 4, 3, 2, 1] and {p["total"] for p in pages} == {5}
    code, out, err = run(settings, "audit", "--json", "--limit", "2", "--before", "5",
                         token=history)
    assert code == 0, err
    from_cli = json.loads(out)
    assert from_cli == api.get("/api/v1/audit", params={"limit": 2, "before": 5},
                               headers=bearer(history)).json()
    assert [e["seq"] for e in from_cli["entries"]] == [4, 3]
    assert api.get("/api/v1/audit", params={"limit": 0},
                   headers=bearer(history)).status_code == 400
