"""FHIR XML under /fhir: every answer by `_format=xml` or `Accept: application/fhir+xml`,
request bodies in XML, and the JSON↔XML mapping round-tripping the resources we write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from termserver.fhir.xml import FHIR_NS, from_xml, to_xml, wants_xml

ICF = "http://hl7.org/fhir/sid/icf"
XML = {"accept": "application/fhir+xml"}


def _without_instance(resource: dict[str, Any]) -> dict[str, Any]:
    """An expansion without what differs per request (its identifier and timestamp)."""
    expansion = resource.get("expansion")
    if isinstance(expansion, dict):
        resource = {**resource, "expansion": {k: v for k, v in expansion.items()
                                              if k not in ("identifier", "timestamp")}}
    return resource


@pytest.mark.parametrize(("path", "params", "kind"), [
    ("/fhir/metadata", {}, "CapabilityStatement"),
    ("/fhir/metadata", {"mode": "terminology"}, "TerminologyCapabilities"),
    ("/fhir/CodeSystem", {"url": ICF}, "Bundle"),
    ("/fhir/CodeSystem/fboe-20240530", {}, "CodeSystem"),
    ("/fhir/ConceptMap/crosswalk-ffb-icf-2026.1", {}, "ConceptMap"),
    ("/fhir/ValueSet/$expand", {"url": ICF, "count": "5", "includeDesignations": "true",
                                "property": "parent"}, "ValueSet"),
    ("/fhir/CodeSystem/$lookup", {"system": ICF, "code": "d450.2"}, "Parameters"),
    ("/fhir/CodeSystem/$validate-code", {"url": ICF, "code": "x999"}, "Parameters"),
    ("/fhir/CodeSystem/$lookup", {"system": ICF, "code": "x999"}, "OperationOutcome"),
])
def test_every_answer_in_xml_reads_back_as_the_json_answer(
        client: TestClient, path: str, params: dict[str, str], kind: str) -> None:
    as_json = client.get(path, params=params)
    as_xml = client.get(path, params=params, headers=XML)
    by_format = client.get(path, params={**params, "_format": "xml"})
    assert as_xml.status_code == as_json.status_code == by_format.status_code
    assert as_xml.headers["content-type"].startswith("application/fhir+xml")
    root = etree.fromstring(as_xml.content)
    assert root.tag == f"{{{FHIR_NS}}}{kind}"
    assert _without_instance(from_xml(as_xml.content)) == _without_instance(as_json.json())
    assert _without_instance(from_xml(by_format.content)) == _without_instance(
        as_json.json())


def test_primitives_are_value_attributes_and_arrays_repeat(client: TestClient) -> None:
    body = client.get("/fhir/CodeSystem/$lookup", headers=XML,
                      params={"system": ICF, "code": "d450"}).content
    root = etree.fromstring(body)
    ns = {"f": FHIR_NS}
    assert root.xpath("f:parameter[f:name/@value='abstract']/f:valueBoolean/@value",
                      namespaces=ns) == ["false"]
    children = root.xpath("f:parameter[f:name/@value='property']"
                          "[f:part/f:valueCode/@value='child']", namespaces=ns)
    assert len(children) > 1  # each child its own repeated <parameter>


def test_format_json_and_accept_preferences(client: TestClient) -> None:
    answer = client.get("/fhir/metadata", params={"_format": "json"}, headers=XML)
    assert answer.headers["content-type"].startswith("application/fhir+json")
    assert client.get("/fhir/metadata", headers={
        "accept": "application/fhir+json;q=0.5, application/fhir+xml"}
    ).headers["content-type"].startswith("application/fhir+xml")
    assert client.get("/fhir/metadata", headers={"accept": "*/*"}).headers[
        "content-type"].startswith("application/fhir+json")
    refused = client.get("/fhir/metadata", params={"_format": "turtle"})
    assert refused.status_code == 406
    assert "_format=xml" in refused.json()["issue"][0]["details"]["text"]
    assert wants_xml(None, "application/xml;q=0, application/json") is False


_CODE_SYSTEM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Parameters xmlns="http://hl7.org/fhir">
  <parameter><name value="url"/><valueUri value="http://example.org/cs"/></parameter>
  <parameter><name value="code"/><valueCode value="b"/></parameter>
  <parameter><name value="display"/><valueString value="Bee"/></parameter>
  <parameter>
    <name value="tx-resource"/>
    <resource>
      <CodeSystem>
        <url value="http://example.org/cs"/>
        <version value="1"/>
        <status value="active"/>
        <caseSensitive value="true"/>
        <content value="complete"/>
        <concept><code value="a"/><display value="Ay"/>
          <concept><code value="b"/><display value="Bee"/></concept>
        </concept>
      </CodeSystem>
    </resource>
  </parameter>
</Parameters>"""


def test_an_xml_request_body_with_a_resource_in_it(client: TestClient) -> None:
    response = client.post("/fhir/CodeSystem/$validate-code", content=_CODE_SYSTEM_XML,
                           headers={"content-type": "application/fhir+xml", **XML})
    assert response.status_code == 200, response.text
    answer = from_xml(response.content)
    values = {p["name"]: p.get("valueBoolean", p.get("valueString"))
              for p in answer["parameter"]}
    assert values["result"] is True and values["display"] == "Bee"
    # a body in XML answers JSON unless XML is asked for
    as_json = client.post("/fhir/CodeSystem/$validate-code", content=_CODE_SYSTEM_XML,
                          headers={"content-type": "application/fhir+xml"})
    assert as_json.json()["parameter"][0] == {"name": "result", "valueBoolean": True}


@pytest.mark.parametrize(("body", "says"), [
    ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "boom">]>'
     '<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="&x;"/></parameter>'
     "</Parameters>", "entities"),
    ('<Parameters xmlns="http://hl7.org/fhir"><parameter>', "not well-formed XML"),
    ("<Parameters><parameter/></Parameters>", "namespace http://hl7.org/fhir"),
    ('<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="count"/>'
     '<valueInteger value="many"/></parameter></Parameters>', "whole number"),
])
def test_hostile_or_broken_xml_is_refused_clearly(client: TestClient, body: str,
                                                  says: str) -> None:
    response = client.post("/fhir/ValueSet/$expand", content=body,
                           headers={"content-type": "application/fhir+xml", **XML})
    assert response.status_code == 400
    outcome = from_xml(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert says in outcome["issue"][0]["details"]["text"]


def test_narrative_extensions_and_primitive_extensions_map_both_ways() -> None:
    resource = {
        "resourceType": "ValueSet", "id": "x",
        "text": {"status": "generated",
                 "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Hej <b>du</b></p></div>'},
        "extension": [{"url": "http://example.org/e", "valueInteger": 3}],
        "url": "http://example.org/vs", "status": "active", "experimental": False,
        "_status": {"extension": [{"url": "http://example.org/why",
                                   "valueString": "because"}]},
        "compose": {"include": [{"system": "http://example.org/cs",
                                 "concept": [{"code": "a", "display": "A",
                                              "_display": {"id": "d1"}}]}]},
    }
    xml = to_xml(resource)
    root = etree.fromstring(xml)
    assert root[0].tag == f"{{{FHIR_NS}}}id"
    assert root.find(f"{{{FHIR_NS}}}extension").get("url") == "http://example.org/e"
    assert root.find(f"{{{FHIR_NS}}}text/{{http://www.w3.org/1999/xhtml}}div") is not None
    back = from_xml(xml)
    assert back["text"]["div"].startswith("<div") and "<b>du</b>" in back["text"]["div"]
    back["text"]["div"] = resource["text"]["div"]
    assert back == resource
