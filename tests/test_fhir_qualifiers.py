"""ICF codes with a qualifier (d450.2, e310+2) in `$lookup` and `$validate-code`, read
the way /api/v1 reads them (`interventions.parse_icf`)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ICF = "http://hl7.org/fhir/sid/icf"


def _values(body: dict[str, Any]) -> dict[str, Any]:
    assert body["resourceType"] == "Parameters", body
    return {p["name"]: next((v for k, v in p.items() if k.startswith("value")), None)
            for p in body["parameter"]}


def _properties(body: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for parameter in body["parameter"]:
        if parameter["name"] == "property":
            parts = {p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                     for p in parameter["part"]}
            out.setdefault(parts["code"], []).append(parts["value"])
    return out


def test_lookup_reads_the_qualifier_and_its_meaning(client: TestClient) -> None:
    body = client.get("/fhir/CodeSystem/$lookup", params={
        "system": ICF, "code": "d450.2", "displayLanguage": "en"}).json()
    assert _values(body)["code"] == "d450.2"
    assert _values(body)["display"] == "Walking"
    properties = _properties(body)
    assert properties["qualifier"] == [".2"]
    [meaning] = properties["qualifier-meaning"]
    assert meaning["code"] == "Q_Performance.2"
    assert "MODERATE difficulty" in meaning["display"]
    facilitator = _properties(client.post("/fhir/CodeSystem/$lookup", json={
        "resourceType": "Parameters", "parameter": [
            {"name": "coding", "valueCoding": {"system": ICF, "code": "e310+2"}}]}).json())
    assert facilitator["qualifier"] == ["+2"]
    assert facilitator["qualifier-meaning"][0]["code"] == "Q_Barrier_or_Facilitator.plus-2"


def test_lookup_of_a_wrong_qualifier_says_why(client: TestClient) -> None:
    for code, reason in (("d450.7", "7 is not a value"), ("d450+2", "only environmental")):
        response = client.get("/fhir/CodeSystem/$lookup", params={"system": ICF, "code": code})
        assert response.status_code == 400
        assert reason in response.json()["issue"][0]["details"]["text"]


def test_validate_code_accepts_a_qualified_code_where_its_category_is(
        client: TestClient) -> None:
    good = _values(client.get("/fhir/CodeSystem/$validate-code", params={
        "url": ICF, "code": "d450.2", "display": "Walking"}).json())
    assert good["result"] is True and good["code"] == "d450.2"
    concept = client.post("/fhir/CodeSystem/$validate-code", json={
        "resourceType": "Parameters", "parameter": [{"name": "codeableConcept",
            "valueCodeableConcept": {"coding": [{"system": ICF, "code": "e310+3"}]}}]}).json()
    assert _values(concept)["result"] is True
    wrong = _values(client.get("/fhir/CodeSystem/$validate-code", params={
        "url": ICF, "code": "d450.7"}).json())
    assert wrong["result"] is False
    assert "7 is not a value of an ICF qualifier" in wrong["message"]
    unknown_category = _values(client.get("/fhir/CodeSystem/$validate-code", params={
        "url": ICF, "code": "d4507.2"}).json())
    assert unknown_category["result"] is False


def test_lookup_asked_for_other_properties_leaves_the_qualifier_out(
        client: TestClient) -> None:
    only_parent = _properties(client.get("/fhir/CodeSystem/$lookup", params={
        "system": ICF, "code": "d450.2", "property": "parent"}).json())
    assert set(only_parent) == {"parent"}
    asked = _properties(client.get("/fhir/CodeSystem/$lookup", params={
        "system": ICF, "code": "d450.2", "property": "qualifier"}).json())
    assert asked["qualifier"] == [".2"]
