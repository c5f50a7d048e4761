"""The change feed: GET /api/v1/changes (paged, `since`) and the Atom feed /feed.atom.

Releases are published into a real data directory in three batches with known
publication times; the export hashes are checked against the bytes the export endpoint
actually sends, and the Atom document is parsed with lxml and checked against RFC 4287's
requirements.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from termserver.api import create_app
from termserver.api.changes import ChangesOut
from termserver.model import Concept, Mapping, Release, ReleaseInfo
from termserver.namespaces import TS, concept_iri, release_iri
from termserver.publishing import publish_releases
from termserver.services import open_services
from termserver.settings import Settings

ATOM = "{http://www.w3.org/2005/Atom}"
TS_NS = f"{{{TS}}}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
JANUARY, FEBRUARY, MARCH = ("2026-01-05T09:00:00+00:00", "2026-02-05T09:00:00+00:00",
                            "2026-03-05T09:00:00+00:00")


def release(scheme: str, version: str, codes: list[str], at: str, *, kind: str = "vocabulary",
            mappings: list[Mapping] = (), extra: dict[str, str] | None = None) -> Release:
    concepts = {code: Concept(code=code, uri=concept_iri(scheme, code), labels={"da": code},
                              order=i) for i, code in enumerate(codes)}
    info = ReleaseInfo(scheme=scheme, version=version, title=f"{scheme.title()} titel",
                       uri=f"https://example.org/{scheme}", issued="2025-12-24", kind=kind,
                       imported_at=at, extra=dict(extra or {}))
    made = Release(info, concepts, list(mappings))
    made.index_hierarchy()
    return made


def batches() -> list[list[Release]]:
    """January: alpha 1 and beta 1 together (one import, one second); February: alpha 2;
    March: alpha 3 (from draft 7, with notes) and a crosswalk."""
    return [
        [release("beta", "1", ["B1"], JANUARY), release("alpha", "1", ["A1"], JANUARY)],
        [release("alpha", "2", ["A1", "A2"], FEBRUARY)],
        [release("alpha", "3", ["A1", "A2", "A3"], MARCH,
                 extra={"draft": "7", "release_notes": "# alpha 3\n\nNye begreber: A3."}),
         release("crosswalk", "1", [], MARCH, kind="mappings", mappings=[
             Mapping(concept_iri("alpha", "A1"), "exactMatch", concept_iri("beta", "B1"))])],
    ]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    for batch in batches():
        publish_releases(settings, batch)
    return settings


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, open_services(settings))) as client:
        yield client


def changes(client: TestClient, **params: object) -> dict:
    answer = client.get("/api/v1/changes", params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    ChangesOut.model_validate(body)
    return body


def names(body: dict) -> list[tuple[str, str]]:
    return [(r["scheme"], r["version"]) for r in body["releases"]]


def test_releases_in_publication_order_then_scheme_and_version(client: TestClient) -> None:
    body = changes(client)
    assert names(body) == [("alpha", "1"), ("beta", "1"), ("alpha", "2"), ("alpha", "3"),
                           ("crosswalk", "1")]
    assert [r["published_at"] for r in body["releases"]] == [
        "2026-01-05T09:00:00Z", "2026-01-05T09:00:00Z", "2026-02-05T09:00:00Z",
        "2026-03-05T09:00:00Z", "2026-03-05T09:00:00Z"]
    assert body["until"] == "2026-03-05T09:00:00Z" and body["next"] is None
    third = body["releases"][3]
    assert (third["title"], third["kind"], third["issued"], third["concepts"]) == \
        ("Alpha titel", "vocabulary", "2025-12-24", 3)
    assert third["previous"] == "2" and third["draft"] == 7
    assert third["release_notes"] == "# alpha 3\n\nNye begreber: A3."
    assert re.fullmatch(r"[0-9a-f]{64}", third["checksum"])
    assert third["links"] == {
        "scheme": "/api/v1/schemes/alpha",
        "skos": "/api/v1/schemes/alpha/export?format=ttl&version=3",
        "fhir": "/api/v1/schemes/alpha/export?format=fhir&version=3",
        "diff": "/api/v1/schemes/alpha/diff?from=2&to=3"}
    first = body["releases"][0]
    assert first["previous"] is None and first["links"]["diff"] is None
    assert first["draft"] is None and first["release_notes"] is None
    crosswalk = body["releases"][4]
    assert crosswalk["kind"] == "mappings"
    assert crosswalk["sha256"]["fhir"] is None and crosswalk["links"]["fhir"] is None


def test_pages_follow_next_and_never_split_one_second(client: TestClient) -> None:
    first = changes(client, limit=1)
    assert names(first) == [("alpha", "1"), ("beta", "1")]  # one second: both, past limit
    assert first["until"] == "2026-01-05T09:00:00Z"
    assert first["next"] == "/api/v1/changes?since=2026-01-05T09%3A00%3A00Z&limit=1"
    seen, page = names(first), first
    while page["next"]:
        answer = client.get(page["next"])
        assert answer.status_code == 200
        page = answer.json()
        seen += names(page)
    assert seen == names(changes(client))  # everything once, in order
    assert names(changes(client, limit=3)) == [("alpha", "1"), ("beta", "1"), ("alpha", "2")]
    assert changes(client, limit=3)["next"] is not None


@pytest.mark.parametrize("since, expected", [
    ("2026-02-05T09:00:00Z", [("alpha", "3"), ("crosswalk", "1")]),  # exclusive
    ("2026-02-05T08:59:59Z", [("alpha", "2"), ("alpha", "3"), ("crosswalk", "1")]),
    ("2026-02-05T10:00:00+01:00", [("alpha", "3"), ("crosswalk", "1")]),  # = 09:00 UTC
    ("2026-02-05", [("alpha", "2"), ("alpha", "3"), ("crosswalk", "1")]),  # midnight UTC
    ("2026-03-05T09:00:00", []),  # no zone: UTC
])
def test_since_is_exclusive_and_read_in_utc(client: TestClient, since: str,
                                            expected: list[tuple[str, str]]) -> None:
    body = changes(client, since=since)
    assert names(body) == expected
    if not expected:
        assert body["until"] is None and body["next"] is None


@pytest.mark.parametrize("params, words", [
    ({"since": "last tuesday"}, ["since: 'last tuesday' is not an ISO 8601 timestamp",
                                 "since=2026-03-01"]),
    ({"limit": 0}, ["limit"]),
    ({"limit": 501}, ["limit"]),
])
def test_bad_parameters_are_400_saying_what_to_send(client: TestClient, params: dict,
                                                    words: list[str]) -> None:
    answer = client.get("/api/v1/changes", params=params)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    for word in words:
        assert word in answer.json()["error"]["message"]


def test_export_hashes_are_the_sha256_of_what_the_export_endpoint_sends(
        client: TestClient) -> None:
    body = changes(client)
    for entry in body["releases"]:
        skos = client.get(entry["links"]["skos"])
        assert skos.status_code == 200 and skos.headers["content-type"].startswith("text/turtle")
        assert entry["sha256"]["skos"] == hashlib.sha256(skos.content).hexdigest()
        if entry["kind"] == "mappings":
            assert client.get(f"/api/v1/schemes/{entry['scheme']}/export",
                              params={"format": "fhir"}).status_code == 400
            continue
        fhir = client.get(entry["links"]["fhir"])
        assert fhir.status_code == 200
        assert entry["sha256"]["fhir"] == hashlib.sha256(fhir.content).hexdigest()
    hashes = {(e["scheme"], e["version"]): e["sha256"] for e in body["releases"]}
    assert len({h["skos"] for h in hashes.values()}) == len(hashes)  # each its own


def test_export_hashes_are_memoised_by_scheme_version_and_checksum(
        client: TestClient) -> None:
    entry = changes(client)["releases"][2]
    services = client.app.state.services
    key = ("export-sha256", "alpha", "2", entry["checksum"])
    assert services.cache.get(key) == entry["sha256"]
    services.cache[key] = {"skos": "0" * 64, "fhir": "1" * 64}  # the memo answers
    assert changes(client)["releases"][2]["sha256"] == {"skos": "0" * 64, "fhir": "1" * 64}


def test_the_atom_feed_is_atom_1_0_newest_first(client: TestClient) -> None:
    answer = client.get("/feed.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(answer.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):  # RFC 4287 4.1.1: exactly one of each
        assert len(root.findall(f"{ATOM}{name}")) == 1
    assert root.findtext(f"{ATOM}updated") == "2026-03-05T09:00:00Z"
    assert root.findtext(f"{ATOM}title") == "termserver: nye versioner af terminologier"
    assert root.find(f"{ATOM}author/{ATOM}name").text == "termserver"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert urlsplit(self_link.get("href")).path == "/feed.atom"

    entries = root.findall(f"{ATOM}entry")
    body = changes(client)
    json_by_id = {release_iri(e["scheme"], e["version"]): e for e in body["releases"]}
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [release_iri(s, v) for s, v in [("crosswalk", "1"), ("alpha", "3"),
                                                   ("alpha", "2"), ("beta", "1"),
                                                   ("alpha", "1")]]
    assert len(set(ids)) == len(ids)
    stamps = [e.findtext(f"{ATOM}updated") for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    for entry in entries:
        for name in ("id", "title", "updated"):  # RFC 4287 4.1.2
            assert len(entry.findall(f"{ATOM}{name}")) == 1
        assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}summary") is not None or entry.find(f"{ATOM}content") \
            is not None
        alternates = entry.findall(f"{ATOM}link[@rel='alternate']")
        assert len({(a.get("type"), a.get("hreflang")) for a in alternates}) == len(alternates)
        assert alternates
        data = json_by_id[entry.findtext(f"{ATOM}id")]
        assert entry.findtext(f"{ATOM}title") == \
            f"{data['scheme'].title()} titel – version {data['version']}"
        assert entry.findtext(f"{ATOM}summary").startswith(
            f"Ny version {data['version']} af {data['scheme']}")
        assert entry.findtext(f"{TS_NS}checksum") == data["checksum"]
        sha = {e.get("export"): e.text for e in entry.findall(f"{TS_NS}sha256")}
        assert sha == {k: v for k, v in data["sha256"].items() if v}
        links = {(a.get("rel"), a.get("type")): a.get("href")
                 for a in entry.findall(f"{ATOM}link")}
        turtle = client.get(links[("enclosure", "text/turtle")])
        assert hashlib.sha256(turtle.content).hexdigest() == sha["skos"]
        if data["kind"] == "mappings":
            assert ("enclosure", "application/fhir+json") not in links
        else:
            fhir = client.get(links[("enclosure", "application/fhir+json")])
            assert hashlib.sha256(fhir.content).hexdigest() == sha["fhir"]
        diff = links.get(("related", "application/json"))
        assert (diff is None) == (data["previous"] is None)
        if diff is not None:
            assert client.get(diff).json()["to"] == data["version"]
    newest_alpha = entries[1]
    assert newest_alpha.findtext(f"{ATOM}content") == "# alpha 3\n\nNye begreber: A3."
    assert newest_alpha.findtext(f"{TS_NS}draft") == "7"
    assert "Udgivet fra kladde 7." in newest_alpha.findtext(f"{ATOM}summary")
    assert "Udstedt 24. december 2025." in newest_alpha.findtext(f"{ATOM}summary")


def test_the_atom_feed_limit_keeps_the_newest(client: TestClient) -> None:
    root = etree.fromstring(client.get("/feed.atom", params={"limit": 2}).content)
    assert [e.findtext(f"{TS_NS}version") for e in root.findall(f"{ATOM}entry")] == ["1", "3"]
    assert client.get("/feed.atom", params={"limit": 0}).status_code == 400


def test_an_empty_server_has_an_empty_but_valid_feed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    with TestClient(create_app(settings, open_services(settings))) as client:
        body = changes(client)
        assert body["releases"] == [] and body["until"] is None and body["next"] is None
        root = etree.fromstring(client.get("/feed.atom").content)
        assert root.findall(f"{ATOM}entry") == []
        assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated"))


def test_text_xml_cannot_carry_is_dropped_not_a_500(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    odd = release("odd", "1", ["X"], JANUARY)
    odd.info = dataclasses.replace(odd.info, title="Titel\x0bmed lodret tabulator")
    publish_releases(settings, [odd])
    with TestClient(create_app(settings, open_services(settings))) as client:
        answer = client.get("/feed.atom")
        assert answer.status_code == 200
        title = etree.fromstring(answer.content).findtext(f"{ATOM}entry/{ATOM}title")
        assert title == "Titelmed lodret tabulator – version 1"
