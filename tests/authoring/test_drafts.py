"""Drafts over HTTP: create, edit with ETags, undo, diff, roles; on SQLite and PostgreSQL.

The store holds two small releases made here: `catalogue` 2026.1 (a scheme of our own)
and `fsiii` 2025.1 (an official one, read-only unless granted by name).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring import audit, users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import ANONYMOUS
from termserver.model import Concept, Mapping, Release, ReleaseInfo
from termserver.namespaces import concept_iri
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

from .conftest import bearer


def _release(scheme: str, version: str, codes: dict[str, tuple[str, list[str]]],
             mappings: list[Mapping] | None = None) -> Release:
    concepts = {code: Concept(code=code, uri=concept_iri(scheme, code), labels={"da": label},
                              broader=parents, order=i)
                for i, (code, (label, parents)) in enumerate(codes.items())}
    release = Release(ReleaseInfo(scheme=scheme, version=version, title=scheme,
                                  uri=f"https://example.org/{scheme}"), concepts,
                      mappings or [])
    release.index_hierarchy()
    return release


def make_store() -> Store:
    catalogue = _release("catalogue", "2026.1", {
        "1": ("Praktisk hjælp", []),
        "1.1": ("Rengøring", ["1"]),
        "1.2": ("Tøjvask", ["1"]),
        "2": ("Personlig pleje", []),
    }, [Mapping(concept_iri("catalogue", "1.1"), "closeMatch", concept_iri("fsiii", "A1"),
                "rengøring")])
    fsiii = _release("fsiii", "2025.1", {"A1": ("Rengøring", [])})
    return Store([catalogue, fsiii])


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, Services(settings=settings, store=make_store()))
    with TestClient(app) as test_client:
        yield test_client
    opened = getattr(app.state, "authoring_db", None)
    if opened is not None:
        opened.dispose()


@pytest.fixture
def people(db: AuthoringDB) -> dict[str, str]:
    """Tokens: admin (on *), anna (editor on catalogue), rita (reviewer on catalogue),
    otto (editor on another scheme)."""
    admin = users.add_user(db, ANONYMOUS, "admin", [], None)
    actor = _actor(db, admin.token)
    made = {"admin": admin.token}
    for name, role, scheme in (("anna", "editor", "catalogue"),
                               ("rita", "reviewer", "catalogue"),
                               ("otto", "editor", "other")):
        made[name] = users.add_user(db, actor, name, [role], scheme).token
    return made


def _actor(db: AuthoringDB, token: str):
    from termserver.authoring.tokens import authenticate

    return authenticate(db, token)


def _new_draft(client: TestClient, token: str, **body) -> dict:
    answer = client.post("/api/v1/drafts", json={"scheme": "catalogue",
                                                 "title": "Nye ydelser", **body},
                         headers=bearer(token))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _entries(db: AuthoringDB) -> list[dict]:
    with db.read() as session:
        return list(reversed(audit.page(session, limit=1000)["entries"]))


def test_draft_from_the_latest_release_and_listing(client: TestClient,
                                                   people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    assert (draft["scheme"], draft["base"], draft["status"], draft["created_by"]) == \
        ("catalogue", "2026.1", "open", "anna")
    assert draft["version"] == f"draft-{draft['id']}"
    listed = client.get("/api/v1/drafts?scheme=catalogue&status=open",
                        headers=bearer(people["rita"])).json()["drafts"]
    assert [d["id"] for d in listed] == [draft["id"]]
    assert client.get("/api/v1/drafts", headers=bearer(people["otto"])).json() == \
        {"drafts": []}  # otto cannot read catalogue drafts: they are not listed
    assert client.get("/api/v1/drafts?status=closed",
                      headers=bearer(people["anna"])).json() == {"drafts": []}
    bad = client.get("/api/v1/drafts?status=done", headers=bearer(people["anna"]))
    assert bad.status_code == 400 and "in_review" in bad.json()["error"]["message"]


def test_get_edit_put_round_trip_with_etags(client: TestClient, people: dict[str, str],
                                            db: AuthoringDB) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}/concepts/1.1"
    got = client.get(url, headers=bearer(people["anna"]))
    assert got.status_code == 200
    concept, tag = got.json(), got.headers["etag"]
    assert concept["etag"] == tag and concept["labels"] == {"da": "Rengøring"}
    assert concept["mappings"][0]["code"] == "A1"

    concept["labels"]["da"] = "Rengøring i hjemmet"
    concept["alt_labels"] = {"da": ["Husrengøring"]}
    concept["definitions"] = {"da": "Rengøring af borgerens bolig."}
    concept["properties"] = {"legal_basis": ["SEL § 83"], "icf": ["d640"]}
    concept["comment"] = "KL's nye ordlyd"
    put = client.put(url, json=concept, headers={**bearer(people["anna"]), "If-Match": tag})
    assert put.status_code == 200, put.text
    assert put.json()["labels"] == {"da": "Rengøring i hjemmet"}
    assert put.headers["etag"] != tag
    assert put.json()["mappings"] == concept["mappings"]  # unchanged, still resolved

    again = client.get(url, headers=bearer(people["anna"])).json()
    assert again["properties"] == {"icf": ["d640"], "legal_basis": ["SEL § 83"]}
    edit = _entries(db)[-1]
    assert (edit["actor"], edit["action"], edit["outcome"], edit["reason"]) == \
        ("anna", "draft.edit", "ok", "KL's nye ordlyd")
    assert edit["detail"]["before"]["labels"] == {"da": "Rengøring"}
    assert edit["detail"]["after"]["labels"] == {"da": "Rengøring i hjemmet"}


def test_a_stale_if_match_is_412_with_the_current_state(client: TestClient,
                                                        people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}/concepts/2"
    first = client.get(url, headers=bearer(people["anna"]))
    tag = first.headers["etag"]
    mine, theirs = first.json(), first.json()
    theirs["definitions"] = {"da": "Hjælp til personlig hygiejne."}
    assert client.put(url, json=theirs, headers={**bearer(people["admin"]),
                                                 "If-Match": tag}).status_code == 200
    mine["labels"] = {"da": "Pleje"}
    stale = client.put(url, json=mine, headers={**bearer(people["anna"]), "If-Match": tag})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["details"]["current"]["definitions"] == {"da": "Hjælp til personlig hygiejne."}
    assert stale.headers["etag"] == error["details"]["etag"] != tag
    # nothing was lost: the admin's definition stands, the stale label was not written
    now = client.get(url, headers=bearer(people["anna"])).json()
    assert now["labels"] == {"da": "Personlig pleje"}


def test_a_write_without_if_match_is_428(client: TestClient, people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}/concepts/2"
    body = client.get(url, headers=bearer(people["anna"])).json()
    answer = client.put(url, json=body, headers=bearer(people["anna"]))
    assert answer.status_code == 428
    assert answer.json()["error"]["code"] == "precondition_required"
    assert "If-Match" in answer.json()["error"]["message"]
    deleted = client.delete(url, headers=bearer(people["anna"]))
    assert deleted.status_code == 428


def test_create_move_retire_and_the_diff(client: TestClient, people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    base = f"/api/v1/drafts/{draft['id']}/concepts"
    anna = bearer(people["anna"])
    new = {"labels": {"da": "Indkøb"}, "broader": [{"code": "1"}],
           "mappings": [{"relation": "relatedMatch", "scheme": "fsiii", "code": "A1",
                         "note": "delvis"}]}
    created = client.put(f"{base}/1.3", json=new, headers={**anna, "If-None-Match": "*"})
    assert created.status_code == 201, created.text
    assert created.json()["mappings"][0]["uri"] == concept_iri("fsiii", "A1")
    assert client.put(f"{base}/1.3", json=new, headers={**anna, "If-None-Match": "*"}
                      ).status_code == 412  # exists now

    moved = client.get(f"{base}/1.2", headers=anna)
    body = moved.json() | {"broader": [{"code": "2"}]}
    assert client.put(f"{base}/1.2", json=body, headers={**anna, "If-Match":
                                                         moved.headers["etag"]}).is_success

    old = client.get(f"{base}/1.1", headers=anna)
    retire = old.json() | {"status": "retired", "replaced_by": [{"code": "1.3"}]}
    refused = client.put(f"{base}/1.1", json=retire, headers={**anna, "If-Match":
                                                              old.headers["etag"]})
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["message"]
    retire["reason"] = "Erstattet af Indkøb"
    retired = client.put(f"{base}/1.1", json=retire, headers={**anna, "If-Match":
                                                              old.headers["etag"]})
    assert retired.status_code == 200, retired.text
    assert {"kind": "history", "text": "Erstattet af Indkøb", "lang": "da", "refs": []} in \
        retired.json()["notes"]

    diff = client.get(f"/api/v1/drafts/{draft['id']}/diff", headers=anna).json()
    assert (diff["scheme"], diff["from"], diff["to"]) == \
        ("catalogue", "2026.1", f"draft-{draft['id']}")
    assert diff["added"] == [{"code": "1.3", "label": "Indkøb"}]
    changed = {c["code"]: {f["field"]: f["new"] for f in c["fields"]} for c in diff["changed"]}
    assert changed == {"1.1": {"status": "retired"}, "1.2": {"parent": ["2"]}}
    shown = client.get(f"/api/v1/drafts/{draft['id']}", headers=anna).json()
    assert [e["kind"] for e in shown["edits"]] == ["create", "update", "retire"]


def test_bad_concepts_are_clear_400s(client: TestClient, people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    base = f"/api/v1/drafts/{draft['id']}/concepts"
    create = {**bearer(people["anna"]), "If-None-Match": "*"}
    cases = [({"labels": {}}, "labels"),
             ({"labels": {"da": "X"}, "broader": [{"code": "9"}]}, "broader"),
             ({"labels": {"da": "X"}, "status": "draft"}, "status"),
             ({"labels": {"da": "X"}, "mappings": [{"relation": "sameAs", "uri": "x"}]},
              "mappings"),
             ({"labels": {"da": "X"}, "mappings": [{"relation": "exactMatch",
                                                    "scheme": "fsiii", "code": "ZZ"}]},
              "ZZ"),
             ({"labels": {"da": "X"}, "notes": [{"kind": "scope", "text": "t", "refs": "d4"}]},
              "refs")]
    for body, named in cases:
        answer = client.put(f"{base}/9.9", json=body, headers=create)
        assert answer.status_code == 400, (body, answer.text)
        assert named in answer.json()["error"]["message"], answer.json()
    assert client.get(f"{base}/9.9", headers=bearer(people["anna"])).status_code == 404


def test_undo_delete_and_notation_of_a_new_concept(client: TestClient,
                                                   people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}"
    anna = bearer(people["anna"])
    client.put(f"{url}/concepts/3", json={"labels": {"da": "Ny"}},
               headers={**anna, "If-None-Match": "*"})
    new = client.get(f"{url}/concepts/3", headers=anna)
    renamed = client.put(f"{url}/concepts/3", json=new.json() | {"code": "3.0"},
                         headers={**anna, "If-Match": new.headers["etag"]})
    assert renamed.status_code == 200 and renamed.json()["code"] == "3.0"
    assert renamed.json()["uri"] == concept_iri("catalogue", "3.0")
    assert client.get(f"{url}/concepts/3", headers=anna).status_code == 404

    published = client.get(f"{url}/concepts/1.2", headers=anna)
    refused = client.put(f"{url}/concepts/1.2", json=published.json() | {"code": "1.9"},
                         headers={**anna, "If-Match": published.headers["etag"]})
    assert refused.status_code == 409 and "retire" in refused.json()["error"]["message"]
    refused = client.delete(f"{url}/concepts/1.2",
                            headers={**anna, "If-Match": published.headers["etag"]})
    assert refused.status_code == 409

    undone = client.post(f"{url}/undo", json={}, headers=anna)  # the rename
    assert undone.status_code == 200, undone.text
    assert client.get(f"{url}/concepts/3", headers=anna).json()["code"] == "3"
    tag = client.get(f"{url}/concepts/3", headers=anna).headers["etag"]
    deleted = client.delete(f"{url}/concepts/3?comment=fejl", headers={**anna,
                                                                        "If-Match": tag})
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get(f"/api/v1/drafts/{draft['id']}/diff", headers=anna).json()["added"] == []
    client.post(f"{url}/undo", json={}, headers=anna)  # the delete
    assert client.get(f"{url}/diff", headers=anna).json()["added"] == \
        [{"code": "3", "label": "Ny"}]
    edits = client.get(url, headers=anna).json()["edits"]
    assert [e["kind"] for e in edits] == ["create", "rename", "undo", "delete", "undo"]
    assert edits[1]["undone_by"] == edits[2]["id"] and edits[4]["undoes"] == edits[3]["id"]


def test_an_undo_after_a_later_edit_of_the_same_concept_is_refused(
        client: TestClient, people: dict[str, str]) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}"
    anna = bearer(people["anna"])
    for label in ("A", "B"):
        got = client.get(f"{url}/concepts/2", headers=anna)
        client.put(f"{url}/concepts/2", json=got.json() | {"labels": {"da": label}},
                   headers={**anna, "If-Match": got.headers["etag"]})
    first = client.get(url, headers=anna).json()["edits"][0]["id"]
    refused = client.post(f"{url}/undo", json={"edit": first}, headers=anna)
    assert refused.status_code == 409 and "later edit" in refused.json()["error"]["message"]


def test_roles_reader_editor_anonymous(client: TestClient, people: dict[str, str],
                                       db: AuthoringDB) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}/concepts/2"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(people["otto"])).status_code == 403
    rita = client.get(url, headers=bearer(people["rita"]))
    assert rita.status_code == 200  # a reviewer reads drafts…
    refused = client.put(url, json=rita.json(), headers={**bearer(people["rita"]),
                                                         "If-Match": rita.headers["etag"]})
    assert refused.status_code == 403  # …but does not edit them
    assert "editor" in refused.json()["error"]["message"]
    assert _entries(db)[-1]["outcome"] == "denied"
    assert client.post("/api/v1/drafts", json={"scheme": "catalogue", "title": "x"},
                       headers=bearer(people["rita"])).status_code == 403


def test_official_schemes_are_read_only_even_for_an_admin_on_all(
        client: TestClient, people: dict[str, str]) -> None:
    refused = client.post("/api/v1/drafts", json={"scheme": "fsiii", "title": "x"},
                          headers=bearer(people["admin"]))
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["official"] is True


def test_a_draft_of_a_new_scheme(client: TestClient, people: dict[str, str]) -> None:
    draft = _new_draft(client, people["admin"], scheme="aalborg-local")
    assert draft["base"] is None
    url = f"/api/v1/drafts/{draft['id']}"
    made = client.put(f"{url}/concepts/L1", json={"labels": {"da": "Lokal ydelse"}},
                      headers={**bearer(people["admin"]), "If-None-Match": "*"})
    assert made.status_code == 201
    diff = client.get(f"{url}/diff", headers=bearer(people["admin"])).json()
    assert diff["added"] == [{"code": "L1", "label": "Lokal ydelse"}]
    missing = client.post("/api/v1/drafts", json={"scheme": "catalogue", "base": "1999",
                                                  "title": "x"},
                          headers=bearer(people["anna"]))
    assert missing.status_code == 404 and "1999" in missing.json()["error"]["message"]


def test_a_closed_draft_takes_no_edits(client: TestClient, people: dict[str, str],
                                       db: AuthoringDB) -> None:
    from termserver.authoring.models import Draft

    draft = _new_draft(client, people["anna"])
    with db.write() as session:
        session.get(Draft, draft["id"]).status = "closed"
    url = f"/api/v1/drafts/{draft['id']}/concepts/2"
    got = client.get(url, headers=bearer(people["anna"]))
    answer = client.put(url, json=got.json(), headers={**bearer(people["anna"]),
                                                       "If-Match": got.headers["etag"]})
    assert answer.status_code == 409 and "closed" in answer.json()["error"]["message"]


def test_the_draft_is_a_release_that_the_published_code_reads(
        client: TestClient, people: dict[str, str], db: AuthoringDB) -> None:
    from termserver.authoring import drafts
    from termserver.authoring.tokens import authenticate

    draft = _new_draft(client, people["anna"])
    got = client.get(f"/api/v1/drafts/{draft['id']}/concepts/1.1",
                     headers=bearer(people["anna"]))
    client.put(f"/api/v1/drafts/{draft['id']}/concepts/1.1",
               json=got.json() | {"mappings": []},
               headers={**bearer(people["anna"]), "If-Match": got.headers["etag"]})
    store = client.app.state.services.store
    opened, edits = drafts.open_draft(db, authenticate(db, people["anna"]), draft["id"])
    release = drafts.content(store, opened, edits).release()
    assert release.version == f"draft-{draft['id']}" and release.info.status == "draft"
    assert release.mappings == []  # the one mapping the base stated was removed
    assert store.latest("catalogue").mappings  # and the published release still has it
    assert release.narrower["1"] == ["1.1", "1.2"]


def test_every_edit_has_one_audit_entry_and_the_chain_holds(
        client: TestClient, people: dict[str, str], db: AuthoringDB) -> None:
    draft = _new_draft(client, people["anna"])
    url = f"/api/v1/drafts/{draft['id']}"
    anna = bearer(people["anna"])
    before = len(_entries(db))
    client.put(f"{url}/concepts/5", json={"labels": {"da": "Fem"}, "comment": "ny"},
               headers={**anna, "If-None-Match": "*"})
    got = client.get(f"{url}/concepts/5", headers=anna)
    client.put(f"{url}/concepts/5", json=got.json() | {"labels": {"da": "5"}},
               headers={**anna, "If-Match": got.headers["etag"]})
    client.post(f"{url}/undo", json={"comment": "fortrudt"}, headers=anna)
    client.put(f"{url}/concepts/5", json=got.json(), headers=anna)  # 428: no entry
    entries = _entries(db)[before:]
    assert [(e["action"], e["target"], e["detail"]["kind"]) for e in entries] == [
        ("draft.edit", f"draft {draft['id']} 5", "create"),
        ("draft.edit", f"draft {draft['id']} 5", "update"),
        ("draft.edit", f"draft {draft['id']} 5", "undo")]
    assert entries[0]["detail"]["before"] is None and entries[0]["reason"] == "ny"
    assert entries[2]["detail"]["after"]["labels"] == {"da": "Fem"}
    assert entries[2]["reason"] == "fortrudt"
    with db.read() as session:
        assert audit.verify(session).intact


def test_concurrent_writers_with_one_etag_exactly_one_wins(
        client: TestClient, people: dict[str, str], db: AuthoringDB) -> None:
    """Eight editors send a change on the same ETag at once: one is saved, seven get 412,
    and the saved one is the concept's state (no update lost or half-applied)."""
    from concurrent.futures import ThreadPoolExecutor

    from termserver.authoring import drafts
    from termserver.authoring.tokens import authenticate

    draft = _new_draft(client, people["anna"])
    store = client.app.state.services.store
    anna = authenticate(db, people["anna"])
    first = drafts.read_concept(db, store, anna, draft["id"], "2")

    def edit(n: int) -> str:
        body = first.body | {"labels": {"da": f"Pleje {n}"}}
        try:
            drafts.put_concept(db, store, anna, draft["id"], "2", body, if_match=first.etag,
                               if_none_match=None)
        except drafts.PreconditionFailed:
            return "412"
        return f"Pleje {n}"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(edit, range(8)))
    winners = [o for o in outcomes if o != "412"]
    assert len(winners) == 1 and outcomes.count("412") == 7
    now = drafts.read_concept(db, store, anna, draft["id"], "2").body
    assert now["labels"] == {"da": winners[0]}
    assert len(drafts.show(db, anna, draft["id"])["edits"]) == 1


def test_the_published_concept_body_can_be_put_into_a_draft(
        client: TestClient, people: dict[str, str]) -> None:
    """GET /api/v1/schemes/{s}/concepts/{c} (public), change it, PUT it into a draft: the
    same shape, and mappings that other releases state about the concept stay theirs."""
    draft = _new_draft(client, people["anna"])
    published = client.get("/api/v1/schemes/catalogue/concepts/1.1").json()
    assert published["mappings"][0]["source"] == "catalogue@2026.1"
    tag = client.get(f"/api/v1/drafts/{draft['id']}/concepts/1.1",
                     headers=bearer(people["anna"])).headers["etag"]
    published["labels"] = {"da": "Rengøring", "en": "Cleaning"}
    put = client.put(f"/api/v1/drafts/{draft['id']}/concepts/1.1", json=published,
                     headers={**bearer(people["anna"]), "If-Match": tag})
    assert put.status_code == 200, put.text
    assert put.json()["labels"] == {"da": "Rengøring", "en": "Cleaning"}
    assert [(m["relation"], m["code"]) for m in put.json()["mappings"]] == \
        [("closeMatch", "A1")]
    assert put.json()["broader"] == [{"scheme": "catalogue", "code": "1",
                                      "label": "Praktisk hjælp"}]

    fsiii = client.get("/api/v1/schemes/fsiii/concepts/A1").json()
    assert fsiii["mappings"][0]["source"] == "catalogue@2026.1"  # stated by the catalogue
    admin = bearer(people["admin"])
    own = _new_draft(client, people["admin"], scheme="mine")
    made = client.put(f"/api/v1/drafts/{own['id']}/concepts/A1",
                      json=fsiii | {"scheme": "mine"}, headers={**admin, "If-None-Match": "*"})
    assert made.status_code == 201 and made.json()["mappings"] == []
