"""Our Danish ICF working labels (vocab/icf-da.ttl): coverage, the marking that they are
ours and not an official translation, and how the store merges them onto WHO's ICF."""

from __future__ import annotations

from pathlib import Path

import pytest

from termserver.importers import ImportOptions, load_files
from termserver.rdf import checksum, content_lines, release_graph
from termserver.settings import Settings
from termserver.store import Store

VOCAB = Path(__file__).resolve().parents[1] / "vocab"
ICF_DA = VOCAB / "icf-da.ttl"


@pytest.fixture(scope="module")
def store(real_settings: Settings) -> Store:
    return Store.open(real_settings.data_dir)


def _needs_danish(code: str, kind: str) -> bool:
    """Components, chapters, blocks and second-level categories everywhere; third-level
    categories (five characters, `d4500`) in d, activities and participation."""
    if kind != "category":
        return True
    return len(code) == 4 or (code.startswith("d") and len(code) == 5)


def test_release_is_marked_as_our_working_labels() -> None:
    (release,) = load_files([ICF_DA], ImportOptions(format="skos"))
    info = release.info
    assert info.scheme == "icf-da" and info.kind == "overlay"
    assert info.extra["label_status"] == "working"
    for text in (info.title, info.extra["label_note"]):
        assert "arbejdsbetegnelse" in text
    for text in (info.description, info.extra["label_note"]):
        assert "ikke WHO's eller Sundhedsstyrelsens officielle" in text


def test_marking_survives_export_and_reimport(tmp_path: Path) -> None:
    (release,) = load_files([ICF_DA], ImportOptions(format="skos"))
    exported = tmp_path / "icf-da.ttl"
    release_graph(release).serialize(exported, format="turtle")
    (again,) = load_files([exported], ImportOptions(format="skos"))
    assert again.info.extra == release.info.extra
    assert checksum(content_lines(again)) == checksum(content_lines(release))


def test_every_required_icf_code_has_a_danish_working_label(store: Store) -> None:
    icf = store.latest("icf")
    wanted = [c for c in icf.concepts.values()
              if _needs_danish(c.code, (c.properties.get("kind") or ["category"])[0])]
    assert len(wanted) == 4 + 30 + 37 + 362 + 266  # as counted in ../shared/data/icf
    missing = [c.code for c in wanted if not c.labels.get("da")]
    assert missing == []
    assert {c.label_sources.get("da") for c in wanted} == {"icf-da"}
    # ours sit beside WHO's English and DIMDI's German; none is lost in the merge
    assert all(c.labels.get("en") and c.labels.get("de") for c in wanted)
    d450 = icf.concepts["d450"]
    assert (d450.label(), d450.label_source()) == ("Gå", "icf-da")


def test_every_label_of_the_overlay_names_an_icf_code(store: Store) -> None:
    icf = store.latest("icf")
    overlay = store.latest("icf-da")
    assert len(overlay.concepts) == 699
    unknown = [c.uri for c in overlay.concepts.values()
               if store.resolve_uri(c.uri) is None
               or store.resolve_uri(c.uri)[1] not in icf.concepts]  # type: ignore[index]
    assert unknown == []


def test_published_icf_keeps_only_whos_labels(store: Store) -> None:
    """Exports give WHO's release as published: our Danish labels are never in it."""
    published = store.published(store.latest("icf"))
    assert "da" not in published.concepts["d450"].labels
    assert published.concepts["d450"].label_sources == {}


def test_no_two_siblings_share_a_danish_label(store: Store) -> None:
    icf = store.latest("icf")
    for parent, children in icf.narrower.items():
        labels = [icf.concepts[c].labels.get("da") for c in children]
        labels = [t for t in labels if t]
        assert len(labels) == len(set(labels)), parent


OVERLAY = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ts: <https://data.termserver.dk/def#> .
@prefix good: <https://data.termserver.dk/id/good/> .
<https://data.termserver.dk/id/words> a skos:ConceptScheme ; dct:title "Ord"@da ;
    owl:versionInfo "2026.1" ; ts:releaseKind "overlay" .
good:A skos:prefLabel "Aftenhjælp"@da .
good:{code} skos:prefLabel "Bad"@da .
"""


@pytest.mark.parametrize(("code", "published"), [("B", True), ("Z", False)])
def test_serve_leaves_out_an_overlay_that_labels_a_code_that_does_not_exist(
        tmp_path: Path, code: str, published: bool) -> None:
    from termserver.publishing import publish_vocab

    from .test_vocab_checks import GOOD, vocab

    settings = vocab(tmp_path, good=GOOD)
    (settings.vocab_dir / "words.ttl").write_text(OVERLAY.replace("{code}", code),
                                                  encoding="utf-8")
    result = publish_vocab(settings)
    assert result is not None
    assert ("words" in Store.open(settings.data_dir).schemes()) is published
    if not published:
        (refused,) = result.refused
        assert refused.source == "words.ttl"
        assert any("good har ingen kode »Z«" in message for message in refused.errors)


@pytest.mark.parametrize(("query", "code"), [("hukommelse", "b144"), ("gå", "d450"),
                                              ("bad", "d510")])
def test_danish_words_find_icf_codes_in_the_top_five(client, query: str, code: str) -> None:
    body = client.get("/api/v1/search", params={"q": query, "limit": 5}).json()
    icf = [hit for hit in body["results"] if hit["scheme"] == "icf"]
    assert code in [hit["code"] for hit in icf], body["results"]
    hit = next(h for h in icf if h["code"] == code)
    assert hit["label_source"]["scheme"] == "icf-da" and not hit["label_source"]["official"]
    ffb = next(h for h in body["results"] if h["scheme"] != "icf")
    assert ffb["label_source"] is None  # KL's own labels are KL's


def test_search_page_marks_the_danish_icf_label_and_shows_whos_title(client) -> None:
    page = client.get("/", params={"q": "hukommelse"}).text
    hit = page.split('href="/begreb/icf/b144"', 1)[1].split("</li>", 1)[0]
    assert ">Hukommelse</a>" in hit
    assert 'title="Termservers danske arbejdsbetegnelse, ikke WHO&#39;s eller ' in hit
    assert 'WHO: <span lang="en">Memory functions</span>' in hit
    suggestions = client.get("/autocomplete", params={"q": "hukommelse"}).json()["suggestions"]
    icf = next(s for s in suggestions if s["url"] == "/begreb/icf/b144")
    assert icf["kind"] == "ICF b144 · dansk arbejdsbetegnelse" and icf["lang"] == "da"


def test_find_indsatser_takes_words_and_offers_the_icf_codes_they_match(client) -> None:
    page = client.get("/indsatser", params={"icf": "hukommelse"})
    assert page.status_code == 200
    assert "ICF-koder, der passer til »hukommelse«" in page.text
    assert ('<a href="/indsatser?icf=b144"><code>b144</code> <span>Hukommelse</span></a>'
            in page.text)
    # the words name b144 exactly, so its interventions are shown at once
    assert '<a href="/begreb/icf/b144">b144</a>' in page.text
    assert '<ol class="interventions">' in page.text
    walking = client.get("/indsatser", params={"icf": "gå"}).text
    assert '<a href="/indsatser?icf=d450">' in walking
    nothing = client.get("/indsatser", params={"icf": "xqzwv"})
    assert nothing.status_code == 404
    assert "Ingen ICF-koder passer til »xqzwv«" in nothing.text


def test_scheme_page_of_the_working_labels_says_what_they_are(client) -> None:
    page = client.get("/begreb/icf-da").text
    assert "ICF på dansk (termservers arbejdsbetegnelser)" in page
    assert "ikke WHO's eller Sundhedsstyrelsens officielle danske oversættelse" in \
        page.replace("&#39;", "'")
    assert 'href="/begreb/icf-da/' not in page  # the labels live on the ICF pages


def test_our_labels_rank_below_the_publishers_own(client) -> None:
    """A working label is not the publisher's name: it ranks as an alternative label, so
    KL's concept named by the same word comes first, and the ICF code follows."""
    hits = client.get("/api/v1/search", params={"q": "hukommelse", "limit": 10}).json()
    order = [(h["scheme"], h["label"]) for h in hits["results"]]
    assert order.index(("ffb", "Hukommelse")) < order.index(("icf", "Hukommelse"))
    # `ryger` stems to `ryg` (back): KL's tobacco concepts first, then d4303's "ryg"
    smoker = client.get("/api/v1/search", params={"q": "ryger", "limit": 3}).json()
    assert [h["scheme"] for h in smoker["results"][:2]] in (["ffb", "fsiii"], ["fsiii", "ffb"])
