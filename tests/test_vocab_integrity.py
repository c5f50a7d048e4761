"""Our own content in vocab/: SHACL shapes, no cycles or orphans, targets exist, coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from termserver.namespaces import TS, concept_iri, parse_concept_iri
from termserver.services import open_services
from termserver.settings import Settings
from termserver.store import Store

from .conftest import KL_TERM, require_shared

VOCAB = Path(__file__).resolve().parents[1] / "vocab"
SHAPES = Path(__file__).resolve().parent / "shapes" / "vocab-shapes.ttl"
FFB_TILSTANDE = "b3ddc7d7-f6c1-4d47-8280-456992cbe0a6"
FFB_YDELSE = "af7624f8-affd-4a7e-8754-b1b1dd9d8def"
FSIII_FUNKTIONSEVNE = "d49d6b0c-c067-4469-b92d-3842822c4971"


def graph(name: str) -> Graph:
    return Graph().parse(VOCAB / name, format="turtle")


@pytest.fixture(scope="module")
def store(real_settings: Settings) -> Store:
    return Store.open(real_settings.data_dir)


def raw_leaves(file: str, root: str, uuid_only: bool = True) -> dict[str, str]:
    """Leaf codes under `root` read straight from KL's JSON (independent of our importer)."""
    data = json.loads((KL_TERM / file).read_text(encoding="utf-8"))
    out: dict[str, str] = {}

    def walk(items: list, inside: bool) -> None:
        for item in items:
            here = inside or item["code"] == root
            leaf = here and item["code"] != root and not item.get("concept")
            if leaf and (not uuid_only or "-" in item["code"]):
                out[item["code"]] = item["display"]
            walk(item.get("concept", []), here)

    walk(data["concept"], False)
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in VOCAB.glob("*.ttl")))
def test_vocab_file_passes_the_shapes(name: str) -> None:
    data = graph(name)
    conforms, _, text = shacl_validate(data, shacl_graph=Graph().parse(SHAPES),
                                       inference="none", abort_on_first=False)
    assert conforms, text


def test_catalogue_has_enough_entries_in_every_area() -> None:
    data = graph("catalogue.ttl")
    entries = set(data.subjects(SKOS.broader, None))
    assert len(entries) >= 80
    areas = {str(data.value(e, TS.area)) for e in entries}
    assert areas == {"social", "employment", "family", "health"}


def test_no_cycles_and_no_orphans(store: Store) -> None:
    catalogue = store.latest("catalogue")
    for code in catalogue.concepts:
        assert code not in {a.code for a in store.ancestors(catalogue, code)}
    tops = set(catalogue.top_concepts)
    for code, concept in catalogue.concepts.items():
        roots = {a.code for a in store.ancestors(catalogue, code) if not a.broader}
        assert code in tops or roots & tops, f"{code} is not under an area"
        assert concept.labels.get("da")


def test_every_target_exists_in_the_named_release(store: Store) -> None:
    catalogue = store.latest("catalogue")
    missing = []
    for concept in catalogue.concepts.values():
        for name in ("addressesIcf", "addressesCondition", "targetGroup"):
            for iri in concept.properties.get(name, []):
                if store.concept(*parse_concept_iri(iri)) is None:
                    missing.append((concept.code, name, iri))
    for scheme in ("catalogue", "crosswalk-ffb-icf", "crosswalk-fsiii-icf"):
        for mapping in store.latest(scheme).mappings:
            for iri in (mapping.source, mapping.target):
                parsed = parse_concept_iri(iri)
                if parsed is None or store.concept(*parsed) is None:
                    missing.append((scheme, mapping.relation, iri))
    for concept in store.latest("search-words").concepts.values():
        parsed = parse_concept_iri(concept.uri)
        if parsed is None or store.concept(*parsed) is None:
            missing.append(("search-words", "hiddenLabel", concept.uri))
    assert missing == []


def _mapped_sources(store: Store, scheme: str) -> set[str]:
    return {m.source for m in store.latest(scheme).mappings}


def test_every_ffb_tilstand_is_mapped_to_icf(store: Store) -> None:
    require_shared(KL_TERM)
    tilstande = raw_leaves("CodeSystem-FFB.json", FFB_TILSTANDE)
    mapped = _mapped_sources(store, "crosswalk-ffb-icf")
    assert len(tilstande) == 67
    assert {c for c in tilstande if concept_iri("ffb", c) not in mapped} == set()


def test_every_fsiii_funktionsevnetilstand_is_mapped_to_icf(store: Store) -> None:
    tilstande = raw_leaves("CodeSystem-FSIII.json", FSIII_FUNKTIONSEVNE)
    mapped = _mapped_sources(store, "crosswalk-fsiii-icf")
    assert len(tilstande) >= 30
    assert {c for c in tilstande if concept_iri("fsiii", c) not in mapped} == set()


def test_mappings_carry_evidence_and_translations_are_marked(store: Store) -> None:
    mappings = store.latest("crosswalk-fsiii-icf").mappings
    assert all(m.note for m in mappings)
    walking = concept_iri("fsiii", "51697715-965a-40f3-b4a5-819103bf9d49")  # FSIII "Gå"
    (gaa,) = [m for m in mappings if m.source == walking]
    assert gaa.relation == "exactMatch" and gaa.target == concept_iri("icf", "d450")
    assert "oversættelse af ICF's definition" in gaa.note


def test_every_ydelse_and_indsats_has_an_entry_or_a_reason(store: Store) -> None:
    data = graph("catalogue.ttl")
    matched = {str(t) for t in data.objects(None, SKOS.exactMatch)}
    excluded = {str(data.value(node, TS.excludedConcept))
                for node in data.subjects(RDF.type, TS.CatalogueExclusion)}
    ffb = json.loads((KL_TERM / "CodeSystem-FFB.json").read_text(encoding="utf-8"))
    ydelser = set()

    def walk(items: list, inside: bool) -> None:
        for item in items:
            if inside:
                ydelser.add(item["code"])
            walk(item.get("concept", []), inside or item["code"] == FFB_YDELSE)

    walk(ffb["concept"], False)
    uncovered = [c for c in ydelser if concept_iri("ffb", c) not in matched | excluded]
    assert len(ydelser) >= 20 and uncovered == []
    fsiii = json.loads((KL_TERM / "CodeSystem-FSIII.json").read_text(encoding="utf-8"))
    indsats_roots = [c["code"] for c in fsiii["concept"]
                     if "indsats" in c["display"].lower() and "-" in c["code"]]
    indsatser = {}
    for root in indsats_roots:
        indsatser.update(raw_leaves("CodeSystem-FSIII.json", root))
    covered = matched | excluded
    uncovered = [n for c, n in indsatser.items() if concept_iri("fsiii", c) not in covered]
    assert len(indsatser) > 100 and uncovered == []
    assert excluded.isdisjoint(matched)
    assert all(data.value(node, SKOS.note) for node in data.subjects(RDF.type,
                                                                     TS.CatalogueExclusion))


def test_everyday_words_reach_the_official_concept(real_settings: Settings,
                                                   store: Store) -> None:
    tobak = next(c for c in store.latest("ffb").concepts.values() if c.label() == "Tobak")
    assert "rygning" in tobak.hidden_labels["da"]
    services = open_services(real_settings)
    cases = {
        "rygning": "Tobak", "bad": "Vaske sig", "handle ind": "Købe ind",
        "ensomhed": "Social isolation", "glemsom": "Hukommelse", "støvsuge": "Gøre rent",
        "tøjvask": "Vaske tøj", "gæld": "Økonomisk situation", "e-boks": "Håndtere post",
        "søvnløshed": "Søvn", "hash": "Rusmidler", "rollator": "Gå og bevæge sig",
        "madlavning": "Lave mad", "påklædning": "Klæde sig af og på", "husleje": "Varetage bolig",
        "regninger": "Varetage økonomi", "koncentration": "Opmærksomhed og koncentrationsevne",
        "hjemløs": "Hjemløshed", "inkontinens": "Gå på toilettet", "venner":
        "Varetage relationer til netværk",
    }
    found = 0
    for query, label in cases.items():
        hits = services.search.search(query, limit=5).hits
        found += any(h.label == label for h in hits)
    assert found >= 19, f"{found}/20"


def test_everyday_words_reach_fsiii_concepts(real_settings: Settings) -> None:
    """Home-care and nursing words, searched within FSIII as a fagsystem would."""
    services = open_services(real_settings)
    cases = {
        "bad": "Vaske sig", "tage tøj på": "Af- og påklædning", "ble": "Problemer med "
        "urininkontinens", "forstoppelse": "Problemer med mave og tarm", "åndenød":
        "Respirationsproblemer", "hævede ben": "Ødem", "vægttab": "Uhensigtsmæssig "
        "vægtændring", "appetit": "Problemer med fødeindtag", "dehydrering": "Problemer med "
        "væskeindtag", "gangbesvær": "Gå", "svimmel": "Balance", "døv": "Problemer med "
        "hørelse", "blind": "Problemer med synssans", "forvirret": "Orienteringsevne",
        "søvnløshed": "Søvnproblemer", "pilleæske": "Medicindispensering", "ryger":
        "Tobak og nikotin", "handle ind": "Indkøb", "mad på hjul": "Madservice",
        "nødkald": "Tilsyn/omsorg",
    }
    misses = [q for q, label in cases.items() if not any(
        h.label == label for h in services.search.search(q, scheme="fsiii", limit=5).hits)]
    assert len(misses) <= 1, misses


def test_interventions_for_d450_use_every_match_kind(store: Store) -> None:
    from termserver.interventions import InterventionIndex

    result = InterventionIndex.build(store).for_icf("d450")
    kinds = [r["match"] for r in result["results"]]
    assert set(kinds) == {"exact", "narrower", "crosswalk", "broader"}
    order = ["exact", "narrower", "crosswalk", "broader"]
    assert kinds == sorted(kinds, key=order.index)
    crosswalk = next(r for r in result["results"] if r["match"] == "crosswalk")
    assert crosswalk["path"][0]["code"] == "d450" and crosswalk["path"][1]["scheme"] == "ffb"
    assert URIRef(concept_iri("icf", "d450"))
