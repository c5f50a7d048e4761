"""`$expand`'s `filter` through the Danish search analysis of /api/v1/search over the code
systems we hold, and FHIR's plain reading for code systems sent with the request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from termserver.fhir.textfilter import plain_match

ICF = "http://hl7.org/fhir/sid/icf"
FSIII = "urn:oid:1.2.208.176.2.21"


def _expand(client: TestClient, url: str, text: str, **extra: str) -> dict[str, Any]:
    response = client.get("/fhir/ValueSet/$expand",
                          params={"url": url, "filter": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()["expansion"]


def _displays(expansion: dict[str, Any]) -> list[str]:
    return [c.get("display", "") for c in expansion.get("contains", [])]


def test_one_word_finds_the_concepts_best_first(client: TestClient) -> None:
    expansion = _expand(client, FSIII, "hukommelse")
    displays = _displays(expansion)
    assert displays[0] == "Hukommelse"
    assert "Problemer med hukommelse" in displays
    assert expansion["total"] == len(displays)
    assert {"name": "filter", "valueString": "hukommelse"} in expansion["parameter"]


def test_typos_compounds_and_inflections_find_what_the_word_means(
        client: TestClient) -> None:
    assert "Hukommelse" in _displays(_expand(client, FSIII, "hukomelse"))  # a typo
    compound = _displays(_expand(client, FSIII, "hukommelsesproblemer"))
    assert "Problemer med hukommelse" in compound
    assert "Hukommelse" in _displays(_expand(client, FSIII, "Hukommelsen"))  # inflected
    # FHIR's plain reading (a label containing the text) finds none of these
    fsiii = client.app.state.services.store.latest("fsiii")
    for text in ("hukomelse", "hukommelsesproblemer", "hukommelsen"):
        assert not any(plain_match(c, text) for c in fsiii.concepts.values())


def test_icf_in_danish_with_paging(client: TestClient) -> None:
    expansion = _expand(client, ICF, "gå", displayLanguage="da", count="3")
    assert expansion["contains"][0]["code"] == "d450"
    assert len(expansion["contains"]) == 3 and expansion["total"] > 3
    walking = _expand(client, ICF, "walking", displayLanguage="en")
    assert "d450" in [c["code"] for c in walking["contains"]]
    assert _expand(client, ICF, "qqqzzz")["total"] == 0


def test_a_code_system_sent_along_keeps_the_plain_reading(client: TestClient) -> None:
    code_system = {"resourceType": "CodeSystem", "url": "http://example.org/cs",
                   "version": "1", "status": "active", "content": "complete",
                   "concept": [{"code": "a", "display": "Hukommelse"},
                               {"code": "b", "display": "Gang"}]}
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://example.org/cs"},
        {"name": "filter", "valueString": "ukomm"},
        {"name": "tx-resource", "resource": code_system}]}
    expansion = client.post("/fhir/ValueSet/$expand", json=body).json()["expansion"]
    assert [c["code"] for c in expansion["contains"]] == ["a"]


def test_evaluations_are_reused_only_where_nothing_in_the_request_changes_them(
        client: TestClient) -> None:
    fboe = "http://fhir.kl.dk/term/CodeSystem/FBOE"
    stored = client.get("/fhir/ValueSet/$expand", params={"url": fboe, "count": "1"}).json()
    total = stored["expansion"]["total"]
    assert total > 1
    sent = {"resourceType": "CodeSystem", "url": fboe, "version": "99990101",
            "status": "active", "content": "complete",
            "concept": [{"code": "only", "display": "Kun denne"}]}
    with_resource = client.post("/fhir/ValueSet/$expand", json={
        "resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": fboe},
            {"name": "tx-resource", "resource": sent}]}).json()
    assert [c["code"] for c in with_resource["expansion"]["contains"]] == ["only"]
    again = client.get("/fhir/ValueSet/$expand", params={"url": fboe, "offset": "1"}).json()
    assert again["expansion"]["total"] == total
    active = client.get("/fhir/ValueSet/$expand",
                        params={"url": fboe, "activeOnly": "true"}).json()
    assert active["expansion"]["total"] <= total
