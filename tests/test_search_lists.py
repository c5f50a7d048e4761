"""Result lists a caseworker can trust and narrow: honest totals, paging, filters by scheme,
kind, area and law, retired concepts left out, and each hit saying where it sits.

Run against both engines over every real release and vocab/ (whose catalogue 2026.2
retires SEL-83-MADSERVICE in favour of SEL-83B-MADSERVICE).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from termserver.errors import BadRequest
from termserver.releases import ReleaseRepository
from termserver.search import BACKENDS, SearchIndex, get_backend, search_filters
from termserver.search.base import Filters
from termserver.search.facets import kind_of, known_laws
from termserver.search.matching import highlight
from termserver.store import Store


@pytest.fixture(scope="module")
def store(real_settings) -> Store:
    return Store(ReleaseRepository(real_settings.data_dir).load_all())


@pytest.fixture(scope="module", params=BACKENDS)
def index(request: pytest.FixtureRequest, store: Store,
          tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    backend = get_backend(request.param)
    directory = tmp_path_factory.mktemp(f"lists-{request.param}")
    backend.build(store, directory)
    return backend.open(store, directory)


def _all_pages(index: SearchIndex, query: str, size: int, **kwargs) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    offset = 0
    while True:
        page = index.search(query, limit=size, offset=offset, **kwargs)
        if not page.hits:
            return seen
        seen += [(h.scheme, h.code) for h in page.hits]
        offset += size


@pytest.mark.parametrize("query", [
    "hjælp til bad",  # framing words around the matter
    "hukommelse",  # a label word
    "hukomelse",  # a typo: the typo fallback merged with the main results
    "hukommelsesproblemer",  # a compound the labels write apart
    "støtte",  # a common word: many pages
])
def test_total_is_what_paging_reaches(index: SearchIndex, query: str) -> None:
    total = index.search(query, limit=5).total
    reached = _all_pages(index, query, 7)
    assert len(reached) == total > 0, query
    assert len(set(reached)) == len(reached), "a concept came back on two pages"
    assert index.search(query, limit=5, offset=total).hits == []


def test_framing_words_alone_find_nothing_more(index: SearchIndex) -> None:
    """`hjælp til bad` is about bathing: a concept that only has `hjælp` is not a result."""
    with_framing = index.search("hjælp til bad", limit=1).total
    assert with_framing == index.search("bad", limit=1).total
    assert with_framing < index.search("hjælp", limit=1).total


def test_several_schemes_at_once(index: SearchIndex) -> None:
    both = index.search("hukommelse", scheme=("ffb", "fsiii"), limit=50)
    ffb = index.search("hukommelse", scheme="ffb", limit=50)
    fsiii = index.search("hukommelse", scheme="fsiii", limit=50)
    assert both.total == ffb.total + fsiii.total
    assert {h.scheme for h in both.hits} == {"ffb", "fsiii"}


@pytest.mark.parametrize(("kind", "query", "expected"), [
    ("maalgruppe", "angst", "Angst"),
    ("tilstand", "lave mad", "Lave mad"),
    ("indsats", "praktiske opgaver", "Støtte til praktiske opgaver"),
])
def test_kind_filter(index: SearchIndex, kind: str, query: str, expected: str) -> None:
    hits = index.search(query, filters=Filters(kinds=(kind,)), limit=20).hits
    assert hits and {h.kind for h in hits} == {kind}
    assert expected in {h.label for h in hits}


def test_law_and_area_filters_reach_entries_and_their_official_twins(
        index: SearchIndex, store: Store) -> None:
    hits = index.search("afløsning", filters=Filters(law="Ældreloven"), limit=20).hits
    codes = {(h.scheme, h.code) for h in hits}
    assert ("catalogue", "AEL-16-AFLOES") in codes
    assert ("fsiii", "649b3428-4018-47da-bb36-1f2bfab3c8c1") in codes  # its FSIII indsats
    assert ("catalogue", "SEL-84-AFLOES") not in codes
    family = index.search("aflastning", filters=Filters(area="family"), limit=20).hits
    assert {h.code for h in family} == {"BL-32-AFLAST"}
    assert "Ældreloven" in known_laws(store).values()


def test_retired_entries_are_not_offered_unless_asked_for(index: SearchIndex) -> None:
    offered = index.search("madservice", limit=20).hits
    assert "SEL-83B-MADSERVICE" in {h.code for h in offered}
    assert "SEL-83-MADSERVICE" not in {h.code for h in offered}
    assert all(h.status == "active" for h in offered)
    everything = index.search("madservice", filters=Filters(include_retired=True), limit=20)
    retired = next(h for h in everything.hits if h.code == "SEL-83-MADSERVICE")
    assert retired.status == "deprecated"
    assert everything.total == index.search("madservice", limit=1).total + 1


def test_look_alikes_are_told_apart_by_where_they_sit(index: SearchIndex, store: Store) -> None:
    from termserver.search.facets import where

    hits = [h for h in index.search("hukommelse", scheme="fsiii", limit=20).hits
            if h.label == "Hukommelse"]
    assert len(hits) >= 2
    paths = [tuple(label for _, label in where(store, h.scheme, h.version, h.code))
             for h in hits]
    assert len(set(paths)) == len(paths), paths
    assert any("Kommunale pleje- og omsorgstilstande" in p for p in paths)


def test_found_via_a_definition_is_one_marked_sentence(index: SearchIndex,
                                                       store: Store) -> None:
    hit = next(h for h in index.search("§ 85", scheme="ffb", limit=20).hits
               if h.field == "definition")
    definition = store.concept("ffb", hit.code).definition() or ""
    highlight(hit)
    assert len(hit.matched) < len(definition) and hit.matched in definition
    assert [hit.matched[s:e] for s, e in hit.marks] == ["§ 85"]
    word = highlight(index.search("madlavning", scheme="catalogue", limit=1).hits[0])
    assert [word.matched[s:e].lower() for s, e in word.marks] == ["madlavning"]


@pytest.mark.parametrize(("scheme", "label", "kind"), [
    ("ffb", "Lave mad", "tilstand"),
    ("ffb", "Støtte til praktiske opgaver", "indsats"),
    ("ffb", "Angst", "maalgruppe"),
    ("ffb", "Moderat støttebehov", "andet"),
    ("fsiii", "Rengøring", "indsats"),
    ("fsiii", "Søvnproblemer", "tilstand"),
    ("catalogue", "Rengøring", "indsats"),
])
def test_kinds_follow_the_hierarchy(store: Store, scheme: str, label: str, kind: str) -> None:
    release = store.latest(scheme)
    concept = next(c for c in release.concepts.values() if c.label() == label)
    assert kind_of(store, release, concept) == kind
    assert kind_of(store, store.latest("icf"), store.concept("icf", "d450")) == "icf"


def test_unknown_filters_are_clear_errors(store: Store) -> None:
    with pytest.raises(BadRequest, match="not a kind"):
        search_filters(store, kinds=["hest"])
    with pytest.raises(BadRequest, match="not an area"):
        search_filters(store, area="sport")
    with pytest.raises(BadRequest, match="no legal basis in the catalogue"):
        search_filters(store, law="Hundeloven")
    assert search_filters(store, schemes=["ffb,fsiii"]).schemes == ("ffb", "fsiii")
    assert search_filters(store, kinds=["ydelse", "målgruppe"]).kinds == ("indsats",
                                                                        "maalgruppe")
    assert search_filters(store, law="serviceloven").law == "Serviceloven"


def test_api_pages_filters_and_explains(client: TestClient) -> None:
    first = client.get("/api/v1/search", params={"q": "støtte", "limit": 5}).json()
    second = client.get("/api/v1/search",
                        params={"q": "støtte", "limit": 5, "offset": 5}).json()
    assert first["total"] == second["total"] > 10 and second["offset"] == 5
    assert not {h["code"] for h in first["results"]} & {h["code"] for h in second["results"]}
    hit = first["results"][0]
    assert {"status", "kind", "path", "matched_marks"} <= hit.keys()
    assert hit["path"] and hit["path"][0]["label"]
    both = client.get("/api/v1/search", params=[("q", "hukommelse"), ("scheme", "ffb"),
                                                ("scheme", "fsiii")]).json()
    assert {h["scheme"] for h in both["results"]} == {"ffb", "fsiii"}
    assert client.get("/api/v1/search", params={"q": "hukommelse", "scheme": "ffb,fsiii"}
                      ).json() == both
    groups = client.get("/api/v1/search", params={"q": "angst", "kind": "målgruppe"}).json()
    assert {h["kind"] for h in groups["results"]} == {"maalgruppe"}
    law = client.get("/api/v1/search", params={"q": "madservice", "law": "Ældreloven"}).json()
    assert [h["code"] for h in law["results"] if h["scheme"] == "catalogue"] == [
        "AEL-MADSERVICE"]
    retired = client.get("/api/v1/search", params={"q": "madservice",
                                                   "include_retired": "true"}).json()
    assert {"deprecated"} == {h["status"] for h in retired["results"]
                              if h["code"] == "SEL-83-MADSERVICE"}
    bad = client.get("/api/v1/search", params={"q": "x", "law": "Hundeloven"})
    assert bad.status_code == 400 and "Ældreloven" in bad.json()["error"]["message"]


def test_cli_pages_and_filters_like_the_api(real_settings, client: TestClient) -> None:
    import json

    from .conftest import run_cli

    code, out, err = run_cli(real_settings, "search", "støtte", "--limit", "5",
                             "--offset", "5", "--json")
    api = client.get("/api/v1/search", params={"q": "støtte", "limit": 5, "offset": 5}).json()
    assert code == 0 and json.loads(out) == api
    code, out, err = run_cli(real_settings, "search", "støtte", "--limit", "5")
    assert code == 0 and "next page: --offset 5" in err
    code, out, _ = run_cli(real_settings, "search", "madservice", "--law", "Ældreloven")
    assert code == 0 and "AEL-MADSERVICE" in out and "SEL-83B" not in out
    code, out, _ = run_cli(real_settings, "search", "madservice", "--include-retired",
                           "--scheme", "catalogue")
    assert "SEL-83-MADSERVICE" in out and "[deprecated]" in out
    code, _, err = run_cli(real_settings, "search", "x", "--kind", "hest")
    assert code != 0 and "not a kind" in err
