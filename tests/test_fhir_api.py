"""The FHIR terminology API under /fhir over the real KL and ICF releases, in process."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ICF = "http://hl7.org/fhir/sid/icf"
FBOE = "http://fhir.kl.dk/term/CodeSystem/FBOE"


def _parameters(body: dict[str, Any]) -> dict[str, Any]:
    assert body["resourceType"] == "Parameters", body
    return {p["name"]: next((v for k, v in p.items() if k.startswith("value")), p.get("part"))
            for p in body["parameter"]}


def test_metadata_is_a_terminology_server_capability_statement(client: TestClient) -> None:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    assert body["instantiates"] == ["http://hl7.org/fhir/CapabilityStatement/terminology-server"]
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types == {"CodeSystem", "ValueSet", "ConceptMap"}


def test_terminology_capabilities_list_every_code_system(client: TestClient) -> None:
    body = client.get("/fhir/metadata", params={"mode": "terminology"}).json()
    assert body["resourceType"] == "TerminologyCapabilities"
    systems = {s["uri"]: s for s in body["codeSystem"]}
    assert ICF in systems and FBOE in systems
    assert any(v["isDefault"] for v in systems[FBOE]["version"])


def test_lookup_gives_display_in_the_asked_language_and_the_hierarchy(
        client: TestClient) -> None:
    response = client.get("/fhir/CodeSystem/$lookup",
                          params={"system": ICF, "code": "d450", "displayLanguage": "en"})
    assert response.status_code == 200
    body = response.json()
    found = _parameters(body)
    assert found["display"] == "Walking"
    properties = [{p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                   for p in item["part"]} for item in body["parameter"]
                  if item["name"] == "property"]
    assert {"code": "parent", "value": "d445"} not in properties
    assert any(p["code"] == "parent" for p in properties)
    assert any(p["code"] == "child" and p["value"] == "d4500" for p in properties)


def test_lookup_by_post_parameters_matches_get(client: TestClient) -> None:
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "coding", "valueCoding": {"system": ICF, "code": "d450"}},
        {"name": "displayLanguage", "valueCode": "de"}]}
    response = client.post("/fhir/CodeSystem/$lookup", json=body)
    assert response.status_code == 200
    assert _parameters(response.json())["display"] == "Gehen"


def test_validate_code_checks_membership_and_display(client: TestClient) -> None:
    good = client.get("/fhir/CodeSystem/$validate-code",
                      params={"url": ICF, "code": "d450", "display": "Walking"}).json()
    assert _parameters(good)["result"] is True
    wrong_display = client.get("/fhir/CodeSystem/$validate-code", params={
        "url": ICF, "system": ICF, "code": "d450", "display": "Running"}).json()
    found = _parameters(wrong_display)
    assert found["result"] is False
    assert "Running" in found["message"]
    unknown = _parameters(client.get("/fhir/CodeSystem/$validate-code", params={
        "system": ICF, "code": "x999"}).json())
    assert unknown["result"] is False and "x999" in unknown["message"]


def test_subsumes_answers_all_four_outcomes(client: TestClient) -> None:
    def outcome(a: str, b: str) -> str:
        body = client.get("/fhir/CodeSystem/$subsumes",
                          params={"system": ICF, "codeA": a, "codeB": b}).json()
        return _parameters(body)["outcome"]

    assert outcome("d4", "d450") == "subsumes"
    assert outcome("d450", "d4") == "subsumed-by"
    assert outcome("d450", "d450") == "equivalent"
    assert outcome("d450", "b110") == "not-subsumed"


def test_expand_implicit_value_set_pages_with_count_and_offset(client: TestClient) -> None:
    first = client.get("/fhir/ValueSet/$expand",
                       params={"url": FBOE, "count": 2, "offset": 0}).json()
    second = client.get("/fhir/ValueSet/$expand",
                        params={"url": f"{FBOE}?fhir_vs", "count": 2, "offset": 2}).json()
    assert first["expansion"]["total"] == second["expansion"]["total"] > 4
    codes = [c["code"] for c in first["expansion"]["contains"]]
    later = [c["code"] for c in second["expansion"]["contains"]]
    assert len(codes) == 2 and len(later) == 2 and not set(codes) & set(later)
    assert {"name": "count", "valueInteger": 2} in first["expansion"]["parameter"]


def test_expand_with_a_supplied_value_set_and_code_system(client: TestClient) -> None:
    code_system = {"resourceType": "CodeSystem", "id": "colours", "url": "http://ex/cs",
                   "version": "1", "status": "active", "content": "complete", "concept": [
                       {"code": "warm", "display": "Warm", "concept": [
                           {"code": "red", "display": "Red"}]},
                       {"code": "blue", "display": "Blue"}]}
    value_set = {"resourceType": "ValueSet", "url": "http://ex/vs", "status": "active",
                 "compose": {"include": [{"system": "http://ex/cs", "filter": [
                     {"property": "concept", "op": "is-a", "value": "warm"}]}]}}
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://ex/vs"},
        {"name": "tx-resource", "resource": code_system},
        {"name": "tx-resource", "resource": value_set}]}
    expansion = client.post("/fhir/ValueSet/$expand", json=body).json()["expansion"]
    assert [c["code"] for c in expansion["contains"]] == ["warm", "red"]
    assert {"name": "used-codesystem", "valueUri": "http://ex/cs|1"} in expansion["parameter"]


def test_read_and_search_code_systems(client: TestClient) -> None:
    bundle = client.get("/fhir/CodeSystem", params={"url": FBOE}).json()
    assert bundle["resourceType"] == "Bundle" and bundle["total"] >= 1
    resource_id = bundle["entry"][0]["resource"]["id"]
    full = client.get(f"/fhir/CodeSystem/{resource_id}").json()
    assert full["url"] == FBOE and full["concept"]
    assert client.get("/fhir/CodeSystem", params={"name": "nosuch"}).json()["total"] == 0


def test_errors_under_fhir_are_operation_outcomes(client: TestClient) -> None:
    for response, status in (
        (client.get("/fhir/CodeSystem/$lookup", params={"system": "http://x", "code": "1"}),
         404),
        (client.get("/fhir/CodeSystem/$lookup", params={"code": "1"}), 400),
        (client.get("/fhir/CodeSystem/no-such-id"), 404),
        (client.get("/fhir/no/such/path"), 404),
        (client.post("/fhir/ValueSet/$expand", content=b"{not json",
                     headers={"content-type": "application/fhir+json"}), 400),
        (client.get("/fhir/metadata", params={"_format": "turtle"}), 406),
        (client.get("/fhir/ValueSet/$expand", params={"url": FBOE, "count": "many"}), 400),
    ):
        assert response.status_code == status, response.text
        body = response.json()
        assert body["resourceType"] == "OperationOutcome", body
        assert body["issue"][0]["details"]["text"]
        assert "error" not in body


def test_the_api_v1_envelope_is_unchanged(client: TestClient) -> None:
    body = client.get("/api/v1/no/such/path").json()
    assert body["error"]["code"] == "not_found"


def test_validate_code_against_a_value_set_pinning_another_version(client: TestClient) -> None:
    def code_system(version: str) -> dict[str, Any]:
        return {"resourceType": "CodeSystem", "id": "v", "url": "http://ex/v",
                "version": version, "status": "active", "content": "complete",
                "concept": [{"code": "a", "display": f"A {version}"}]}

    value_set = {"resourceType": "ValueSet", "url": "http://ex/vs-v2", "status": "active",
                 "compose": {"include": [{"system": "http://ex/v", "version": "2"}]}}
    resources = [{"name": "tx-resource", "resource": r}
                 for r in (code_system("1"), code_system("2"), value_set)]

    def validate(coding: dict[str, str]) -> dict[str, Any]:
        body = {"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": "http://ex/vs-v2"},
            {"name": "coding", "valueCoding": coding}, *resources]}
        return client.post("/fhir/ValueSet/$validate-code", json=body).json()

    unpinned = _parameters(validate({"system": "http://ex/v", "code": "a"}))
    assert unpinned["result"] is True and unpinned["display"] == "A 2"
    answer = validate({"system": "http://ex/v", "version": "1", "code": "a"})
    found = _parameters(answer)
    assert found["result"] is False
    assert "version '2'" in found["message"] and "('1')" in found["message"]
    issues = next(p["resource"] for p in answer["parameter"] if p["name"] == "issues")
    assert [i["details"]["coding"][0]["code"] for i in issues["issue"]] == ["vs-invalid"]


def _shades() -> dict[str, Any]:
    return {"resourceType": "CodeSystem", "url": "http://ex/nuancer", "version": "1",
            "status": "active", "content": "complete", "language": "da", "concept": [
                {"code": "lys", "display": "Lys"}, {"code": "mørk", "display": "Mørk"}]}


def test_translate_with_a_concept_map_sent_along(client: TestClient) -> None:
    concept_map = {"resourceType": "ConceptMap", "url": "http://ex/cm", "version": "2",
                   "status": "active", "group": [{
                       "source": "http://ex/nuancer", "target": "http://ex/shades",
                       "element": [{"code": "lys", "target": [
                           {"code": "light", "relationship": "equivalent"}]},
                                   {"code": "mørk", "target": [
                           {"code": "dark", "relationship": "source-is-broader-than-target"}]}]}]}
    resources = [{"name": "tx-resource", "resource": concept_map}]

    def translate(*parameters: dict[str, Any]) -> dict[str, Any]:
        body = {"resourceType": "Parameters", "parameter": [*parameters, *resources]}
        return client.post("/fhir/ConceptMap/$translate", json=body).json()

    answer = translate({"name": "sourceSystem", "valueUri": "http://ex/nuancer"},
                       {"name": "sourceCode", "valueCode": "mørk"})
    assert _parameters(answer)["result"] is True
    match = next(p["part"] for p in answer["parameter"] if p["name"] == "match")
    parts = {p["name"]: next(v for k, v in p.items() if k.startswith("value")) for p in match}
    assert parts["concept"] == {"system": "http://ex/shades", "code": "dark"}
    assert parts["equivalence"] == "narrower"  # R4's word for source-is-broader-than-target
    assert parts["originMap"] == "http://ex/cm|2"
    back = translate({"name": "targetSystem", "valueUri": "http://ex/shades"},
                     {"name": "targetCode", "valueCode": "light"})
    source = next(p for p in back["parameter"][1]["part"] if p["name"] == "source")
    assert source["valueCoding"] == {"system": "http://ex/nuancer", "code": "lys"}
    none = translate({"name": "sourceSystem", "valueUri": "http://ex/nuancer"},
                     {"name": "sourceCode", "valueCode": "grå"})
    assert _parameters(none)["result"] is False


def test_batch_validate_code_answers_each_validation(client: TestClient) -> None:
    value_set = {"resourceType": "ValueSet", "url": "http://ex/vs-lys", "status": "active",
                 "compose": {"include": [{"system": "http://ex/nuancer",
                                          "concept": [{"code": "lys"}]}]}}

    def validation(code: str) -> dict[str, Any]:
        return {"name": "validation", "resource": {"resourceType": "Parameters", "parameter": [
            {"name": "coding", "valueCoding": {"system": "http://ex/nuancer", "code": code}}]}}

    body = {"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://ex/vs-lys"}, validation("lys"), validation("mørk"),
        {"name": "validation", "resource": {"resourceType": "Parameters", "parameter": []}},
        {"name": "tx-resource", "resource": _shades()},
        {"name": "tx-resource", "resource": value_set}]}
    answers = [p["resource"] for p in
               client.post("/fhir/ValueSet/$batch-validate-code", json=body).json()["parameter"]]
    assert _parameters(answers[0])["result"] is True
    assert _parameters(answers[1])["result"] is False
    assert answers[2]["resourceType"] == "OperationOutcome"  # nothing to validate


def test_a_supplement_adds_designations_when_asked_for(client: TestClient) -> None:
    supplement = {"resourceType": "CodeSystem", "url": "http://ex/nuancer-en", "version": "1",
                  "status": "active", "content": "supplement",
                  "supplements": "http://ex/nuancer", "concept": [
                      {"code": "lys", "designation": [{"language": "en", "value": "Light"}]}]}
    resources = [{"name": "tx-resource", "resource": r} for r in (_shades(), supplement)]

    def lookup(*extra: dict[str, Any]) -> Any:
        body = {"resourceType": "Parameters", "parameter": [
            {"name": "system", "valueUri": "http://ex/nuancer"},
            {"name": "code", "valueCode": "lys"}, *extra, *resources]}
        return client.post("/fhir/CodeSystem/$lookup", json=body)

    plain = lookup().json()
    assert "used-supplement" not in _parameters(plain)
    used = lookup({"name": "useSupplement", "valueCanonical": "http://ex/nuancer-en"}).json()
    assert _parameters(used)["used-supplement"] == "http://ex/nuancer-en|1"
    values = [part["valueString"] for p in used["parameter"] if p["name"] == "designation"
              for part in p["part"] if part["name"] == "value"]
    assert "Light" in values
    missing = lookup({"name": "useSupplement", "valueCanonical": "http://ex/none"})
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"
