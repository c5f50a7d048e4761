"""SKOS in every RDF syntax, following the conventions our own vocab/ files use."""

from __future__ import annotations

from pathlib import Path

import pytest

from termserver.errors import ImportRefused
from termserver.importers import ImportOptions, detect_format, load_files
from termserver.rdf import content_lines

from .conftest import FIXTURES

SYNTAXES = ("ttl", "rdf", "nt", "jsonld")


@pytest.fixture(scope="module")
def small():
    return load_files([FIXTURES / "small.ttl"], ImportOptions())[0]


@pytest.mark.parametrize("ext", SYNTAXES)
def test_every_syntax_is_detected_and_loads_equal(ext: str, small) -> None:
    path = FIXTURES / f"small.{ext}"
    assert detect_format(path, path.read_bytes()[:4096]) == "skos"
    (release,) = load_files([path], ImportOptions())
    assert content_lines(release) == content_lines(small)


def test_scheme_concepts_labels_notes_and_properties(small) -> None:
    info = small.info
    assert (info.scheme, info.version, info.title, info.kind) == (
        "small", "1.0", "Lille testordforråd", "vocabulary")
    assert info.uri == "https://data.termserver.dk/id/small"
    assert sorted(small.concepts) == ["A", "B", "C"]
    a, b, c = (small.concepts[k] for k in "ABC")
    assert a.labels == {"da": "Bevægelse", "en": "Movement"}
    assert a.definitions == {"da": "Evnen til at bevæge sig."}
    assert [(n.kind, n.text, n.lang) for n in a.notes] == [
        ("scope", "Bruges om hele kroppen.", "da")]
    assert b.uri == "https://data.termserver.dk/id/small/B"
    assert b.broader == ["A"] and c.broader == ["A"] and small.top_concepts == ["A"]
    assert b.alt_labels == {"da": ["gang"]} and b.hidden_labels == {"da": ["gå tur"]}
    assert b.properties == {"addressesIcf": ["https://data.termserver.dk/id/icf/d450"],
                            "legalBasis": ["Serviceloven § 86"]}
    assert c.status == "deprecated" and a.status == "active"
    assert [x.code for x in sorted(small.concepts.values(), key=lambda x: x.order)] == list("ABC")
    (mapping,) = small.mappings
    assert (mapping.source, mapping.relation, mapping.target, mapping.note) == (
        b.uri, "closeMatch", "https://data.termserver.dk/id/icf/d450", "Begge handler om at gå.")


def test_mappings_release_keeps_plain_triples_and_statements() -> None:
    (release,) = load_files([FIXTURES / "mappings.ttl"], ImportOptions())
    assert release.info.kind == "mappings" and release.concepts == {}
    got = [(m.source.rsplit("/", 1)[1], m.relation, m.target.rsplit("/", 1)[1], m.note)
           for m in release.mappings]
    assert got == [
        ("x", "broadMatch", "d4", ""),
        ("x", "exactMatch", "d450", ""),
        ("y", "relatedMatch", "d420", "Kun når flytningen er en del af at gå."),
    ]


def test_overlay_release_names_the_target_concepts() -> None:
    (release,) = load_files([FIXTURES / "overlay.ttl"], ImportOptions())
    assert release.info.kind == "overlay"
    assert set(release.concepts) == {"icf:d450", "small:B"}
    b = release.concepts["small:B"]
    assert b.uri == "https://data.termserver.dk/id/small/B"
    assert b.hidden_labels == {"da": ["gåtur", "spadseretur"]}
    assert release.concepts["icf:d450"].alt_labels == {"da": ["at gå"]}


def test_scheme_and_version_can_be_given_when_the_file_lacks_them() -> None:
    with pytest.raises(ImportRefused, match="--version"):
        load_files([FIXTURES / "no-version.ttl"], ImportOptions())
    (release,) = load_files([FIXTURES / "no-version.ttl"], ImportOptions(version="7"))
    assert (release.scheme, release.version) == ("noversion", "7")
    with pytest.raises(ImportRefused, match="--scheme"):
        load_files([FIXTURES / "foreign-scheme.ttl"], ImportOptions())
    (foreign,) = load_files([FIXTURES / "foreign-scheme.ttl"], ImportOptions(scheme="fremmed"))
    assert foreign.scheme == "fremmed" and foreign.info.title == "Fremmed"
    assert foreign.info.uri == "http://example.org/vocab/scheme"
    assert foreign.concepts["x"].uri == "http://example.org/vocab/x"


def test_real_vocab_files_load(tmp_path: Path) -> None:
    """Our own vocab/ sources (written by the content team) follow these conventions."""
    vocab = sorted((Path(__file__).resolve().parents[1] / "vocab").glob("*.ttl"))
    assert vocab, "vocab/*.ttl belongs in the repository"
    for path in vocab:
        for release in load_files([path], ImportOptions(format="skos")):
            assert release.info.kind in {"vocabulary", "mappings", "overlay"}
            assert release.concepts or release.mappings, path.name
            assert all("/" not in code for code in release.concepts), path.name


def test_a_broader_link_to_a_concept_the_scheme_lacks_is_refused_not_dropped(
        tmp_path: Path) -> None:
    source = tmp_path / "dangling.ttl"
    source.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix ex: <https://data.termserver.dk/id/dangling/> .\n"
        "<https://data.termserver.dk/id/dangling> a skos:ConceptScheme ;"
        " owl:versionInfo \"1\" .\n"
        "ex:A a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/dangling> ;"
        " skos:notation \"A\" ; skos:prefLabel \"A\"@da ; skos:broader ex:MISSING .\n",
        encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"skos:broader .*MISSING.*not a concept") as refused:
        load_files([source], ImportOptions(format="skos"))
    assert refused.value.details["broader"].endswith("/dangling/MISSING")
