"""Our catalogue as a CodeSystem and our crosswalks as ConceptMaps under /fhir: read,
search and `ConceptMap/$translate` (forward and R4's reverse) over the real releases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.importers import ImportOptions
from termserver.publishing import import_paths
from termserver.settings import Settings

ICF = "http://hl7.org/fhir/sid/icf"
FFB = "urn:oid:1.2.208.176.2.22"
FFB_MEMORY = "61452fe5-cea2-4d92-b2f1-406e9a5d31cb"
"""FFB's tilstand Hukommelse, which vocab/crosswalk-ffb-icf.ttl maps exactly to b144."""
CROSSWALK = "https://data.termserver.dk/id/crosswalk-ffb-icf"


def _matches(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body["resourceType"] == "Parameters", body
    out = []
    for parameter in body["parameter"]:
        if parameter["name"] == "match":
            out.append({p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                        for p in parameter["part"]})
    return out


def _count(concepts: list[dict[str, Any]]) -> int:
    return sum(1 + _count(c.get("concept", [])) for c in concepts)


def test_the_catalogue_is_a_code_system_and_crosswalks_are_not(client: TestClient) -> None:
    bundle = client.get("/fhir/CodeSystem", params={"title": "fælles"}).json()
    version = client.app.state.services.store.latest("catalogue").version  # vocab/'s
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"catalogue-{version}"]
    catalogue = client.get(f"/fhir/CodeSystem/catalogue-{version}").json()
    assert catalogue["url"] == "https://data.termserver.dk/id/catalogue"
    assert _count(catalogue["concept"]) == catalogue["count"] > 0
    ids = {e["resource"]["id"] for e in client.get("/fhir/CodeSystem").json()["entry"]}
    assert not any(i.startswith("crosswalk-") for i in ids)
    assert client.get("/fhir/CodeSystem/crosswalk-ffb-icf-2026.1").status_code == 404
    systems = {s["uri"] for s in client.get(
        "/fhir/metadata", params={"mode": "terminology"}).json()["codeSystem"]}
    assert CROSSWALK not in systems


def test_crosswalks_are_read_and_searched_as_concept_maps(client: TestClient) -> None:
    bundle = client.get("/fhir/ConceptMap").json()
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert {"crosswalk-ffb-icf-2026.1", "crosswalk-fsiii-icf-2026.1"} <= ids
    assert all("group" not in e["resource"] for e in bundle["entry"])
    for query, expected in [({"url": CROSSWALK}, 1), ({"url": f"{CROSSWALK}|2026.1"}, 1),
                            ({"url": f"{CROSSWALK}|1999"}, 0), ({"version": "2026.1"}, 2),
                            ({"name": "crosswalkffb"}, 1), ({"title": "krydsreference fs"}, 1),
                            ({"status": "active"}, 2), ({"status": "retired"}, 0)]:
        found = client.get("/fhir/ConceptMap", params=query).json()
        assert found["total"] == expected, query
    concept_map = client.get("/fhir/ConceptMap/crosswalk-ffb-icf-2026.1").json()
    assert concept_map["resourceType"] == "ConceptMap"
    assert concept_map["url"] == CROSSWALK and concept_map["version"] == "2026.1"
    [group] = concept_map["group"]
    assert (group["source"], group["target"]) == (FFB, ICF)
    memory = next(e for e in group["element"] if e["code"] == FFB_MEMORY)
    assert memory["target"][0]["code"] == "b144"
    assert memory["target"][0]["equivalence"] == "equivalent"
    assert memory["target"][0]["comment"]  # the crosswalk's reason, from skos:note
    missing = client.get("/fhir/ConceptMap/nope")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_translate_forward_over_our_crosswalks(client: TestClient) -> None:
    body = client.get("/fhir/ConceptMap/$translate",
                      params={"code": FFB_MEMORY, "system": FFB}).json()
    matches = _matches(body)
    assert {"concept": {"system": ICF, "code": "b144", "display": "Hukommelse"},
            "equivalence": "equivalent", "originMap": f"{CROSSWALK}|2026.1"} in matches
    # R4's url, conceptMapVersion, targetsystem and source narrow the maps used
    narrowed = client.post("/fhir/ConceptMap/$translate", json={
        "resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": CROSSWALK},
            {"name": "conceptMapVersion", "valueString": "2026.1"},
            {"name": "coding", "valueCoding": {"system": FFB, "code": FFB_MEMORY}},
            {"name": "source", "valueUri": f"{FFB}?fhir_vs"},
            {"name": "targetsystem", "valueUri": ICF}]}).json()
    assert _matches(narrowed) == matches
    elsewhere = client.get("/fhir/ConceptMap/$translate", params={
        "code": FFB_MEMORY, "system": FFB, "targetsystem": "http://example.org/other"}).json()
    assert elsewhere["parameter"][0] == {"name": "result", "valueBoolean": False}
    unknown_version = client.get("/fhir/ConceptMap/$translate", params={
        "url": CROSSWALK, "conceptMapVersion": "1999", "code": FFB_MEMORY, "system": FFB})
    assert unknown_version.status_code == 404
    assert "1999" in unknown_version.json()["issue"][0]["details"]["text"]


def test_translate_reverse_turns_the_equivalence_round(client: TestClient) -> None:
    back = client.get("/fhir/ConceptMap/$translate", params={
        "code": "b144", "system": ICF, "reverse": "true", "targetsystem": FFB}).json()
    matches = _matches(back)
    assert {"concept": {"system": FFB, "code": FFB_MEMORY, "display": "Hukommelse"},
            "equivalence": "equivalent", "originMap": f"{CROSSWALK}|2026.1"} in matches
    # b130 is broader than FFB's Igangsætning og motivation (broadMatch: R4 `wider`); read
    # from ICF back to FFB the tilstand is the narrower one
    broad = client.get("/fhir/ConceptMap/$translate", params={
        "code": "b130", "system": ICF, "reverse": "true", "targetsystem": FFB}).json()
    equivalences = {m["concept"]["code"]: m["equivalence"] for m in _matches(broad)}
    assert equivalences["8028b034-cad2-42df-b51c-aaba9c0bba61"] == "narrower"


def test_published_concept_maps_are_listed_and_read_beside_our_crosswalks(
        empty_settings: Settings, tmp_path: Path) -> None:
    concept_map = {"resourceType": "ConceptMap", "url": "http://example.org/cm",
                   "version": "1.0", "name": "ExampleMap", "title": "Example map",
                   "status": "active", "group": [{
                       "source": "http://example.org/a", "target": "http://example.org/b",
                       "element": [{"code": "x", "target": [
                           {"code": "y", "equivalence": "equivalent"}]}]}]}
    path = tmp_path / "ConceptMap-example.json"
    path.write_text(json.dumps(concept_map))
    import_paths(empty_settings, [path], ImportOptions())
    client = TestClient(create_app(empty_settings))
    bundle = client.get("/fhir/ConceptMap", params={"name": "example"}).json()
    assert bundle["total"] == 1
    entry = bundle["entry"][0]
    assert entry["resource"]["url"] == "http://example.org/cm"
    read = client.get("/fhir" + entry["fullUrl"].split("/fhir", 1)[1]).json()
    assert read["group"][0]["element"][0]["code"] == "x"
    translated = client.get("/fhir/ConceptMap/$translate", params={
        "code": "x", "system": "http://example.org/a"}).json()
    assert translated["parameter"][0] == {"name": "result", "valueBoolean": True}
