"""Every importer on real files, checked against independent readings of the same data."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from termserver.errors import ImportRefused
from termserver.exporters import export_release
from termserver.importers import ImportOptions, load_files
from termserver.publishing import import_paths
from termserver.rdf import content_lines
from termserver.settings import Settings
from termserver.store import Store

from .conftest import FIXTURES, ICF_CLAML, ICF_OWL, KL_CURRENT, KL_TERM, SHARED_DATA, require_shared

ICF_TABLE = SHARED_DATA / "icf" / "icf-2001-en.from-owl.json"


@pytest.fixture(scope="module")
def icf_releases():
    require_shared(ICF_OWL, ICF_TABLE)
    return {r.scheme: r for r in load_files([ICF_OWL], ImportOptions())}


@pytest.fixture(scope="module")
def icf_table() -> list[dict]:
    require_shared(ICF_TABLE)
    return json.loads(ICF_TABLE.read_text(encoding="utf-8"))


def test_owl_has_every_icf_class_with_its_parent_and_title(icf_releases, icf_table) -> None:
    icf = icf_releases["icf"]
    assert len(icf.concepts) == len(icf_table) == 1495
    for row in icf_table:
        concept = icf.concepts[row["code"]]
        assert concept.labels["en"] == row["title_en"]
        assert concept.broader == ([row["parent"]] if row["parent"] else [])
        assert concept.properties["kind"] == [row["class_kind"]]
        if row["definition_en"]:
            assert concept.definitions["en"] == row["definition_en"]
        assert [n.text for n in concept.notes if n.kind == "inclusion"] == row["inclusions_en"]
        exclusions = [n for n in concept.notes if n.kind == "exclusion"]
        assert [n.text for n in exclusions] == [e["text"] for e in row["exclusions_en"]]
        assert [sorted(n.refs) for n in exclusions] == [sorted(e["refs"]) for e in
                                                        row["exclusions_en"]]


def test_owl_counts_match_the_published_structure(icf_releases) -> None:
    icf = icf_releases["icf"]
    kinds = Counter(c.properties["kind"][0] for c in icf.concepts.values())
    assert kinds == {"component": 4, "chapter": 30, "block": 37, "category": 1424}
    assert kinds["chapter"] + kinds["category"] == 1454
    per_component = Counter(c.code[0] for c in icf.concepts.values()
                            if c.properties["kind"][0] in {"chapter", "category"})
    assert per_component == {"b": 493, "s": 310, "d": 393, "e": 258}
    assert icf.top_concepts == ["b", "s", "d", "e"]
    assert icf.info.version == "2001" and icf.info.scheme == "icf"


def test_owl_qualifier_scales_are_their_own_scheme(icf_releases) -> None:
    require_shared(SHARED_DATA / "icf" / "icf-qualifiers-en.from-owl.csv")
    qualifiers = icf_releases["icf-qualifiers"]
    with open(SHARED_DATA / "icf" / "icf-qualifiers-en.from-owl.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(qualifiers.top_concepts) == len({r["qualifier_set"] for r in rows}) == 6
    values = [c for c in qualifiers.concepts.values() if c.broader]
    assert len(values) == len(rows) == 54
    expected = {(r["qualifier_set"], r["value"], r["label_en"]) for r in rows}
    got = {(c.broader[0], c.properties["value"][0], c.labels["en"]) for c in values}
    assert got == expected


def test_claml_is_a_german_overlay_with_the_same_codes_and_parents(icf_releases) -> None:
    require_shared(ICF_CLAML)
    (german,) = load_files([ICF_CLAML], ImportOptions())
    icf = icf_releases["icf"]
    assert (german.scheme, german.version, german.info.kind) == ("icf-de", "2005", "overlay")
    assert set(german.concepts) == set(icf.concepts)
    for code, concept in german.concepts.items():
        assert concept.broader == icf.concepts[code].broader, code
        assert concept.uri == icf.concepts[code].uri
    assert german.concepts["d450"].labels["de"] == "Gehen"


def test_german_labels_show_on_icf_after_loading(real_settings: Settings) -> None:
    store = Store.open(real_settings.data_dir)
    d450 = store.concept("icf", "d450")
    assert d450.labels == {"en": "Walking", "de": "Gehen"}
    assert d450.definitions["de"].startswith("Sich zu Fuß")


def test_every_kl_publication_in_history_imports(history_settings: Settings) -> None:
    store = Store.open(history_settings.data_dir)
    folders = sorted((KL_TERM / "history").glob("*/CodeSystem-*.json"))
    for path in folders:
        raw = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
        scheme = raw["id"].lower()
        matching = [r for r in store.versions(scheme)
                    if r.version == raw["version"] or r.version.startswith(raw["version"] + "~")]
        codes: set[str] = set()
        stack = list(raw["concept"])
        while stack:
            item = stack.pop()
            codes.add(item["code"])
            stack.extend(item.get("concept", []))
        assert any(set(r.concepts) == codes for r in matching), path


@pytest.mark.parametrize("path", KL_CURRENT, ids=lambda p: p.name)
def test_fhir_export_round_trips_codes_hierarchy_displays_definitions(path: Path,
                                                                       tmp_path: Path) -> None:
    require_shared(path)
    (release,) = load_files([path], ImportOptions())
    exported = tmp_path / path.name
    exported.write_bytes(export_release(release, "fhir"))

    def table(items: list, parent: str | None, out: dict) -> dict:
        for item in items:
            out[item["code"]] = (parent, item.get("display"), item.get("definition"))
            table(item.get("concept", []), item["code"], out)
        return out

    original = json.loads(path.read_text(encoding="utf-8"))
    again = json.loads(exported.read_text(encoding="utf-8"))
    assert table(again["concept"], None, {}) == table(original["concept"], None, {})
    assert (again["url"], again["version"]) == (original["url"], original["version"])
    (reimported,) = load_files([exported], ImportOptions())
    assert content_lines(reimported) == content_lines(release)


def test_skos_export_reimports_to_identical_content(icf_releases, tmp_path: Path) -> None:
    for release in icf_releases.values():
        for fmt in ("ttl", "nt", "jsonld"):
            target = tmp_path / f"{release.scheme}.{fmt}"
            target.write_bytes(export_release(release, fmt))
            (again,) = load_files([target], ImportOptions(format="skos"))
            assert content_lines(again) == content_lines(release), (release.scheme, fmt)


def test_skos_fixture_loads_equal_in_every_syntax() -> None:
    loaded = [load_files([FIXTURES / f"small.{ext}"], ImportOptions())[0]
              for ext in ("ttl", "rdf", "nt", "jsonld")]
    assert all(content_lines(r) == content_lines(loaded[0]) for r in loaded)
    small = loaded[0]
    assert small.scheme == "small" and small.version == "1.0"
    b = small.concepts["B"]
    assert b.broader == ["A"] and b.hidden_labels == {"da": ["gå tur"]}
    assert b.properties["legalBasis"] == ["Serviceloven § 86"]
    assert small.concepts["C"].status == "deprecated"
    assert small.concepts["A"].notes[0].kind == "scope"
    (mapping,) = small.mappings
    assert (mapping.relation, mapping.note) == ("closeMatch", "Begge handler om at gå.")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cycle.ttl", "cycle"),
        ("dup.ttl", "used by two concepts"),
        ("two-preflabels.ttl", "two preferred labels"),
        ("broken.ttl", "line 6"),
        ("dup-codes.json", "occurs twice"),
        ("billion-laughs.rdf", "entities"),
        ("xxe.rdf", "entities"),
        ("xxe-claml.xml", "entities"),
        ("unknown.txt", "cannot tell what format"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(empty_settings: Settings, name: str,
                                                  message: str) -> None:
    require_shared(KL_TERM)
    import_paths(empty_settings, [KL_TERM / "CodeSystem-LTT.json"], ImportOptions())
    before = sorted(p.relative_to(empty_settings.data_dir)
                    for p in empty_settings.data_dir.rglob("*") if p.name != ".lock")
    with pytest.raises(ImportRefused) as caught:
        import_paths(empty_settings, [FIXTURES / name], ImportOptions())
    assert message in caught.value.message
    assert name in caught.value.message
    assert "root:" not in caught.value.message  # no /etc/passwd content leaked
    after = sorted(p.relative_to(empty_settings.data_dir)
                   for p in empty_settings.data_dir.rglob("*") if p.name != ".lock")
    assert after == before


def test_forced_wrong_format_is_a_clear_error() -> None:
    require_shared(ICF_CLAML)
    with pytest.raises(ImportRefused, match=r"not readable as RDF/XML|not valid"):
        load_files([ICF_CLAML], ImportOptions(format="owl"))
    with pytest.raises(ImportRefused, match="Unknown format"):
        load_files([FIXTURES / "small.ttl"], ImportOptions(format="csv"))
