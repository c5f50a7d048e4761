"""The public history page linked from the concept page, and the audit log page for
administrators; in-process on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from termserver.authoring import drafts
from termserver.authoring.db import AuthoringDB
from termserver.authoring.models import AuditEntry
from termserver.web.redaktion import audit_log

from .test_web_pages import actor, app, new_draft, person, published  # noqa: F401
from .web import csrf


def test_the_concept_page_links_its_public_history(app: object,  # noqa: F811
                                                   db: AuthoringDB) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    store = app.state.services.store
    got = drafts.read_concept(db, store, actor(db, "anna"), int(draft.rsplit("/", 1)[1]),
                              "1.2")
    drafts.put_concept(db, store, actor(db, "anna"), int(draft.rsplit("/", 1)[1]), "1.2",
                       got.body | {"labels": {"da": "Hemmeligt arbejdsnavn"}},
                       if_match=got.etag, if_none_match=None)
    public = TestClient(app)  # no session
    concept = public.get("/begreb/catalogue/1.2")
    assert 'href="/historik/catalogue/1.2">Begrebets historik</a>' in concept.text
    history = public.get("/historik/catalogue/1.2")
    assert history.status_code == 200
    assert "<h1>Historik: Tøjvask</h1>" in history.text
    assert re.search(r"<strong>Tilføjet</strong> i version <a href=\"/begreb/catalogue/1\.2"
                     r"\?version=2026\.1\">", history.text)
    # drafts are not public: only a link to the methodologists' view
    assert "Hemmeligt arbejdsnavn" not in history.text
    assert 'href="/redaktion/historik/catalogue/1.2"' in history.text
    assert "Hemmeligt arbejdsnavn" in anna.get("/redaktion/historik/catalogue/1.2").text
    missing = public.get("/historik/catalogue/9.9")
    assert missing.status_code == 404 and "Koden findes ikke" in missing.text
    unknown = public.get("/historik/nope/1")
    assert unknown.status_code == 404 and "Begrebssamlingen findes ikke" in unknown.text


def test_the_audit_log_is_for_administrators_only(app: object,  # noqa: F811
                                                  db: AuthoringDB) -> None:
    anna, admin = person(app, "anna"), person(app, "admin")
    assert 'href="/redaktion/audit"' not in anna.get("/redaktion").text
    refused = anna.get("/redaktion/audit")
    assert refused.status_code == 403 and "Det har du ikke adgang til" in refused.text
    assert 'href="/redaktion/audit"' in admin.get("/redaktion").text
    log = admin.get("/redaktion/audit")
    assert log.status_code == 200
    assert "Loggen er intakt" in log.text
    rows = re.findall(r"<tr class=\"outcome-(\w+)\"><td>(\d+)</td>", log.text)
    seqs = [int(seq) for _, seq in rows]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 8  # newest first
    assert ("denied", str(seqs[0])) == rows[0]  # anna's refusal just now is the newest
    assert "<td>anna</td><td><code>audit.read</code></td>" in log.text
    only = admin.get("/redaktion/audit", params={"handling": "audit.read"}).text
    assert set(re.findall(r"<td><code>([\w.]+)</code></td>", only)) == {"audit.read"}
    by_anna = admin.get("/redaktion/audit", params={"hvem": "anna"}).text
    assert set(re.findall(r"</td><td>([\w()]+)</td><td><code>", by_anna)) == {"anna"}


def test_the_audit_log_pages_and_shows_a_broken_chain(app: object,  # noqa: F811
                                                      db: AuthoringDB,
                                                      monkeypatch) -> None:
    admin = person(app, "admin")
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 3)
    first = admin.get("/redaktion/audit").text
    newest = [int(s) for s in re.findall(r"<tr class=\"outcome-\w+\"><td>(\d+)</td>", first)]
    assert len(newest) == 3
    older = re.search(r'<a href="([^"]+)" rel="next">Ældre poster</a>', first).group(1)
    assert older == f"/redaktion/audit?foer={newest[-1]}"
    second = admin.get(older.replace("&amp;", "&")).text
    next_seqs = [int(s) for s in re.findall(r"<tr class=\"outcome-\w+\"><td>(\d+)</td>",
                                            second)]
    assert next_seqs == [newest[-1] - 1, newest[-1] - 2, newest[-1] - 3]
    assert 'href="/redaktion/audit">Nyeste poster</a>' in second
    with db.write() as session:  # someone edits an entry in the database directly
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2)
                        .values(reason="rewritten"))
    broken = admin.get("/redaktion/audit").text
    assert "Loggen er brudt" in broken and "Post 2: ændret" in broken


def test_the_history_and_audit_pages_need_no_post_and_no_csrf(app: object) -> None:  # noqa: F811
    """Both pages only read: a GET without a form (the audit page still needs a session)."""
    anonymous = TestClient(app)
    answer = anonymous.get("/redaktion/audit", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        "/redaktion/login")
    assert csrf(person(app, "admin").get("/redaktion/audit").text)  # the logout form
