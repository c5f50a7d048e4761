"""Helpers for the check and workflow tests: a small store, a team, and a client that
speaks the draft API (every call a real HTTP request to the in-process app).

The store: `catalogue` 2026.1 (1 Praktisk hjælp › 1.1 Rengøring, 1.2 Tøjvask; 2 Personlig
pleje; 1.1 maps closeMatch to fsiii T1 and addresses the tilstand fsiii T1), `fsiii` 2024.1
and 2025.1 (J1 a home-care area › T1, T2; Z; O1 only in 2024.1) with FSIII's canonical URL
so that the document validator and its value sets know it, a crosswalk and a search-word
overlay about fsiii T1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring import users
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import ANONYMOUS
from termserver.authoring.tokens import authenticate
from termserver.model import Concept, Mapping, Release, ReleaseInfo
from termserver.namespaces import concept_iri
from termserver.services import Services
from termserver.store import Store

from .conftest import bearer

FSIII_URL = "urn:oid:1.2.208.176.2.21"
T1 = concept_iri("fsiii", "T1")


def release(scheme: str, version: str, codes: dict[str, tuple[str, list[str]]], *,
            uri: str = "", kind: str = "vocabulary", mappings: list[Mapping] | None = None,
            properties: dict[str, dict[str, list[str]]] | None = None) -> Release:
    concepts = {code: Concept(code=code, uri=concept_iri(scheme, code), labels={"da": label},
                              broader=parents, order=i,
                              properties=(properties or {}).get(code, {}))
                for i, (code, (label, parents)) in enumerate(codes.items())}
    made = Release(ReleaseInfo(scheme=scheme, version=version, title=scheme, kind=kind,
                               uri=uri or f"https://example.org/{scheme}"), concepts,
                   mappings or [])
    made.index_hierarchy()
    return made


def releases() -> list[Release]:
    catalogue = release("catalogue", "2026.1", {
        "1": ("Praktisk hjælp", []), "1.1": ("Rengøring", ["1"]), "1.2": ("Tøjvask", ["1"]),
        "2": ("Personlig pleje", []),
    }, mappings=[Mapping(concept_iri("catalogue", "1.1"), "closeMatch", T1, "rengøring")],
        properties={"1.1": {"addressesCondition": [T1], "legalBasis": ["Serviceloven § 83"]}})
    fsiii = {"J1": ("Praktiske opgaver", []), "T1": ("Rengøring", ["J1"]),
             "T2": ("Tøjvask", ["J1"]), "Z": ("Andet", [])}
    old = release("fsiii", "2024.1", {**fsiii, "O1": ("Gammel tilstand", [])}, uri=FSIII_URL)
    new = release("fsiii", "2025.1", fsiii, uri=FSIII_URL)
    crosswalk = release("crosswalk-fsiii-icf", "2026.1", {}, kind="mappings", mappings=[
        Mapping(T1, "closeMatch", concept_iri("icf", "d640"), "rengøring ~ husligt arbejde")])
    words = Release(ReleaseInfo(scheme="search-words", version="2026.1", title="ord",
                                uri="https://example.org/search-words", kind="overlay"),
                    {"T1": Concept(code="T1", uri=T1, hidden_labels={"da": ["støvsuge"]})})
    return [catalogue, old, new, crosswalk, words]


def make_store() -> Store:
    return Store(releases())


def team(db: AuthoringDB) -> dict[str, str]:
    """Tokens: admin (on *), anna and bo (editors on catalogue), rita (reviewer on
    catalogue), lars (editor and reviewer on catalogue), fie (editor on fsiii, by name),
    vera (reviewer on fsiii), otto (editor on another scheme), pia (publisher on
    catalogue)."""
    admin = users.add_user(db, ANONYMOUS, "admin", [], None)
    boss = authenticate(db, admin.token)
    made = {"admin": admin.token}
    for name, roles, scheme in (("anna", ["editor"], "catalogue"),
                                ("bo", ["editor"], "catalogue"),
                                ("rita", ["reviewer"], "catalogue"),
                                ("lars", ["editor", "reviewer"], "catalogue"),
                                ("fie", ["editor"], "fsiii"),
                                ("vera", ["reviewer"], "fsiii"),
                                ("otto", ["editor"], "other"),
                                ("pia", ["publisher"], "catalogue")):
        made[name] = users.add_user(db, boss, name, roles, scheme).token
    return made


@dataclass
class Drafts:
    """The draft API as one team member at a time."""

    client: TestClient
    tokens: dict[str, str]

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**bearer(self.tokens[who]), **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1/drafts{path}", headers=headers, **kwargs)

    def new(self, who: str = "anna", scheme: str = "catalogue") -> int:
        answer = self.call(who, "POST", "", json={"scheme": scheme, "title": "Ændringer"})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def create(self, draft: int, code: str, body: dict[str, Any], who: str = "anna") -> Any:
        answer = self.call(who, "PUT", f"/{draft}/concepts/{code}", json=body,
                           headers={"If-None-Match": "*"})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def change(self, draft: int, code: str, who: str = "anna", **fields: Any) -> Any:
        got = self.call(who, "GET", f"/{draft}/concepts/{code}")
        assert got.status_code == 200, got.text
        answer = self.call(who, "PUT", f"/{draft}/concepts/{code}", json=got.json() | fields,
                           headers={"If-Match": got.headers["etag"]})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def delete(self, draft: int, code: str, who: str = "anna") -> None:
        got = self.call(who, "GET", f"/{draft}/concepts/{code}")
        answer = self.call(who, "DELETE", f"/{draft}/concepts/{code}",
                           headers={"If-Match": got.headers["etag"]})
        assert answer.status_code == 200, answer.text

    def check(self, draft: int, who: str = "anna") -> dict[str, Any]:
        answer = self.call(who, "POST", f"/{draft}/check")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def findings(self, draft: int) -> dict[str, list[dict[str, Any]]]:
        """The check's findings by rule id."""
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for finding in self.check(draft)["findings"]:
            by_rule.setdefault(finding["rule"], []).append(finding)
        return by_rule

    def status(self, draft: int, who: str = "anna") -> str:
        return self.call(who, "GET", f"/{draft}").json()["status"]


@contextmanager
def drafts_over(services: Services, db: AuthoringDB) -> Iterator[Drafts]:
    """The draft API of an in-process app over `services`, as the team of `db`; the app's
    own database connections are closed afterwards."""
    app = create_app(services.settings, services)
    tokens = team(db)
    with TestClient(app) as client:
        yield Drafts(client, tokens)
    opened = getattr(app.state, "authoring_db", None)
    if opened is not None:
        opened.dispose()
