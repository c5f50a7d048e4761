"""Linked Data written without rdflib says exactly what rdflib says.

`/id/…` writes Turtle straight from a resource's N-Triples lines (`linked_data.turtle`)
instead of building an rdflib Graph per request, and keeps encoded answers in the
services' memo of rendered bodies. These tests hold the fast Turtle to rdflib: for every
FFB concept, ICF concepts with notes, the catalogue's concepts with their mappings, every
scheme, and concepts made of hostile text, it parses with rdflib into a graph isomorphic
to the one rdflib's own Turtle of the same triples gives.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from termserver.api.linked_data import turtle
from termserver.model import Concept, Mapping, Note, Release, ReleaseInfo
from termserver.namespaces import concept_iri
from termserver.rdf import concept_lines, lines_graph, scheme_lines
from termserver.settings import Settings
from termserver.store import Store


def rdflib_turtle_graph(lines: list[str]) -> Graph:
    """What the endpoint answered before: rdflib's Turtle of the triples, read back."""
    return Graph().parse(data=lines_graph(lines).serialize(format="turtle"), format="turtle")


def assert_same_graph(lines: list[str], first: str = "") -> bytes:
    fast = turtle(lines, first)
    graph = Graph().parse(data=fast, format="turtle")
    reference = rdflib_turtle_graph(lines)
    assert len(graph) == len(reference) == len(set(lines))
    assert isomorphic(graph, reference), fast.decode()
    return fast


@pytest.fixture(scope="module")
def store(real_settings: Settings) -> Store:
    return Store.open(real_settings.data_dir)


def test_every_ffb_concept(store: Store) -> None:
    release = store.latest("ffb")
    assert len(release.concepts) > 100
    for concept in release.concepts.values():
        fast = assert_same_graph(concept_lines(release, concept), f"<{concept.uri}>")
        assert fast.decode().split("\n\n")[1].startswith(f"<{concept.uri}> a skos:Concept ;")


@pytest.mark.parametrize("scheme", ["icf", "icf-de"])
def test_icf_concepts_with_notes(store: Store, scheme: str) -> None:
    release = store.latest(scheme)
    with_notes = [c for c in release.concepts.values() if c.notes]
    sample = with_notes[::max(1, len(with_notes) // 150)]
    assert len(sample) >= 100
    for concept in sample:
        fast = assert_same_graph(concept_lines(release, concept), f"<{concept.uri}>")
        assert b"a ts:Note ;" in fast


def test_catalogue_concepts_with_their_mappings(store: Store) -> None:
    release = store.latest("catalogue")
    mapped = {m.source for m in release.mappings}
    concepts = [c for c in release.concepts.values() if c.uri in mapped]
    assert concepts, "the catalogue states mappings about its concepts"
    for concept in release.concepts.values():
        assert_same_graph(concept_lines(release, concept), f"<{concept.uri}>")


def test_every_scheme(store: Store) -> None:
    for release in store.latest_releases():
        assert_same_graph(sorted(scheme_lines(release.info)))


HOSTILE = [
    'say "hi"', "back\\slash", "ends with a backslash\\", "line\nbreak\r\nand CR\r",
    "tab\tvertical\x0bformfeed\x0c", '"""triple quotes"""', "'single' and '''three'''",
    "æøå 𝄞 \u2028 \u00a0 zero-width\u200b", '"^^<http://www.w3.org/2001/XMLSchema#integer>',
    "@en", " # not a comment", "a ; b , c . d", "<not an IRI>", "_:b0", "",
]


def hostile_release() -> Release:
    """Concepts whose text, codes and property names need every kind of care in Turtle."""
    scheme = "hostile"
    concepts = {}
    for number, text in enumerate(HOSTILE):
        code = ["a b", "x/y", "§ 85", "ünï", "dot.", "50%", "q?#f"][number % 7] + str(number)
        concepts[code] = Concept(
            code=code, uri=concept_iri(scheme, code), order=number,
            labels={"da": text, "en-GB": text + "!", "": "plain " + text},
            alt_labels={"da": [text, text + " igen"]},
            definitions={"de": text},
            notes=[Note(kind="exclusion", text=text, lang="da", refs=("a b0",)),
                   Note(kind="scope", text=text)],
            properties={"kind": [text], "a.b": ["x"], "ä": ["y"], "end.": ["z"],
                        "with-dash_under": ["w"]},
            broader=["a b0"] if number else [],
            replaced_by=["x/y1"],
        )
    info = ReleaseInfo(scheme=scheme, version="1", title='Titel "med" \\ tegn\n', uri="urn:x",
                       description="æ\tø", issued="2026-01-01", identifiers=["urn:oid:1.2"])
    source = concepts["a b0"].uri
    mappings = [Mapping(source, "exactMatch", concept_iri("icf", "d450"), note=HOSTILE[0]),
                Mapping(source, "closeMatch", "https://example.org/x?a=b&c=d#e",
                        note=HOSTILE[3])]
    return Release(info=info, concepts=concepts, mappings=mappings)


def test_hostile_text_codes_and_property_names() -> None:
    release = hostile_release()
    for concept in release.concepts.values():
        fast = assert_same_graph(concept_lines(release, concept), f"<{concept.uri}>")
        text = fast.decode()
        assert "skos:prefLabel" in text
        assert "<https://data.termserver.dk/def#prop-a.b>" in text  # not abbreviable
        assert "ts:prop-with-dash_under" in text
    assert_same_graph(sorted(scheme_lines(release.info)))


def test_turtle_declares_the_prefixes_it_uses_and_no_others() -> None:
    release = hostile_release()
    concept = release.concepts["a b0"]
    text = turtle(concept_lines(release, concept), f"<{concept.uri}>").decode()
    header, _, body = text.partition("\n\n")
    assert header.splitlines() == [
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix ts: <https://data.termserver.dk/def#> ."]
    assert "ts:order 0 ;" in body  # xsd:integer written as a bare number
    assert "skos:exactMatch <https://data.termserver.dk/id/icf/d450> ;" in body
    scheme = turtle(sorted(scheme_lines(release.info))).decode()
    assert "@prefix owl: <http://www.w3.org/2002/07/owl#> ." in scheme


# -- over HTTP -----------------------------------------------------------------------------
def test_http_turtle_is_the_fast_turtle_and_cached(client: TestClient, store: Store) -> None:
    release = store.latest("icf")
    concept = release.concepts["d450"]
    lines = concept_lines(release, concept)
    first = client.get("/id/icf/d450", headers={"Accept": "text/turtle"})
    again = client.get("/id/icf/d450", headers={"Accept": "text/turtle"})
    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"].startswith("text/turtle")
    assert first.headers["vary"] == "Accept"
    assert first.content == again.content == turtle(lines, f"<{concept.uri}>")
    memo = client.app.state.services.cache
    key = ("rdf", "icf", release.version, release.info.checksum, "d450", "ttl")
    assert memo.get(key) == first.content
    assert isomorphic(Graph().parse(data=first.content, format="turtle"), lines_graph(lines))


@pytest.mark.parametrize(("fmt", "rdflib_format", "media"), [
    ("jsonld", "json-ld", "application/ld+json"),
    ("nt", "nt", "application/n-triples"),
    ("ttl", "turtle", "text/turtle"),
])
def test_http_every_format_is_the_concept_graph(client: TestClient, store: Store, fmt: str,
                                                rdflib_format: str, media: str) -> None:
    for scheme, code in (("ffb", next(iter(store.latest("ffb").concepts))), ("icf", "b144"),
                         ("catalogue", next(iter(store.latest("catalogue").concepts)))):
        resolved = store.resolve(scheme, code, None)
        lines = concept_lines(resolved.release, resolved.concept)
        for _ in range(2):  # built, then from the cache
            answer = client.get(f"/id/{scheme}/{code}", params={"format": fmt})
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith(media)
            graph = Graph().parse(data=answer.content, format=rdflib_format)
            assert isomorphic(graph, lines_graph(lines))


def test_http_scheme_turtle(client: TestClient, store: Store) -> None:
    answer = client.get("/id/ffb", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    expected = lines_graph(sorted(scheme_lines(store.latest("ffb").info)))
    assert isomorphic(Graph().parse(data=answer.content, format="turtle"), expected)


def test_http_a_code_with_a_slash_still_resolves(slash_code_client: TestClient) -> None:
    """Codes holding "/" take the documented route; the answer is the same Turtle."""
    answer = slash_code_client.get("/id/units/mg/dL", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    assert b'skos:notation "mg/dL"' in answer.content
    plain = slash_code_client.get("/id/units/mass", headers={"Accept": "text/turtle"})
    assert plain.status_code == 200 and b'skos:notation "mass"' in plain.content


def test_http_last_repeated_parameter_wins_on_both_routes(
        slash_code_client: TestClient) -> None:
    for path in ("/id/units/mass", "/id/units/mg/dL"):  # fast route, documented route
        answer = slash_code_client.get(f"{path}?format=jsonld&format=nt")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/n-triples")
