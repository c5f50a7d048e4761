"""DIMDI's German ICF (ClaML) as an overlay release on `icf`, checked against the OWL release
and against an independent CSV conversion of the same ClaML file."""

from __future__ import annotations

import csv
import time

import pytest

from termserver.importers import ImportOptions, load_files
from termserver.model import Release
from termserver.namespaces import concept_iri
from termserver.settings import Settings
from termserver.store import Store

from .conftest import FIXTURES, ICF_CLAML, SHARED_DATA, require_shared
from .icf_loaded import icf_releases

GERMAN_TABLE = SHARED_DATA / "icf" / "icf-2005-de.from-dimdi-claml.csv"


@pytest.fixture(scope="module")
def german() -> Release:
    require_shared(ICF_CLAML)
    (release,) = load_files([ICF_CLAML], ImportOptions())
    return release


def test_overlay_identity(german: Release) -> None:
    info = german.info
    assert (info.scheme, info.version, info.kind) == ("icf-de", "2005", "overlay")
    assert info.languages == ["de"] and info.source_format == "claml"


def test_codes_parents_and_iris_match_the_owl_release(german: Release) -> None:
    icf = icf_releases()["icf"]
    assert set(german.concepts) == set(icf.concepts)
    for code, concept in german.concepts.items():
        assert concept.broader == icf.concepts[code].broader, code
        assert concept.uri == icf.concepts[code].uri == concept_iri("icf", code)


def test_labels_definitions_and_notes_match_an_independent_reading(german: Release) -> None:
    """The CSV joins list items with " | " and puts coding-hint before definition rubrics;
    we keep document order (the component definitions come first), so definitions are
    compared part by part."""
    require_shared(GERMAN_TABLE)
    with open(GERMAN_TABLE, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(german.concepts) == 1495
    definition_column = next(c for c in rows[0] if c.startswith("definition_de"))
    for row in rows:
        concept = german.concepts[row["code"]]
        assert concept.labels["de"] == row["title_de"], row["code"]
        assert concept.broader[:1] == ([row["parent"]] if row["parent"] else [])
        parts = [p for p in row[definition_column].split(" | ") if p]
        ours = concept.definitions.get("de", "")
        assert all(part in ours for part in parts), row["code"]
        assert len(ours) == sum(map(len, parts)) + max(len(parts) - 1, 0), row["code"]
        for kind, column in (("inclusion", "inclusions_de"), ("exclusion", "exclusions_de")):
            expected = row[column].split(" | ") if row[column] else []
            assert [n.text for n in concept.notes if n.kind == kind] == expected, row["code"]
    assert all(n.lang == "de" for c in german.concepts.values() for n in c.notes)
    assert german.concepts["d450"].labels["de"] == "Gehen"


def test_german_labels_show_on_icf_after_loading(real_settings: Settings) -> None:
    store = Store.open(real_settings.data_dir)
    d450 = store.concept("icf", "d450")
    assert (d450.labels["en"], d450.labels["de"]) == ("Walking", "Gehen")
    assert d450.definitions["de"].startswith("Sich zu Fuß")
    assert store.release("icf").version == "2001"


def test_small_claml_collapses_whitespace_and_never_fetches_the_dtd() -> None:
    """The fixture names an unreachable DTD; the parser must not try to load it."""
    started = time.perf_counter()
    (release,) = load_files([FIXTURES / "small-claml.xml"], ImportOptions())
    assert time.perf_counter() - started < 2
    d, d450 = release.concepts["d"], release.concepts["d450"]
    assert d.labels == {"de": "Aktivitäten und Partizipation"}
    assert d450.broader == ["d4"] and d450.uri == concept_iri("icf", "d450")
    assert d450.definitions == {"de": "Sich zu Fuß fortbewegen"}
    assert [(n.kind, n.text, n.refs) for n in d450.notes] == [
        ("inclusion", "Kurze Entfernungen gehen", ()),
        ("exclusion", "Transfer (d420)", ("d420",)),
    ]
    assert (release.version, release.info.issued) == ("2005", "2020-01-01")
