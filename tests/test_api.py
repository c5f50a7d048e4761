"""The JSON API, Linked Data and SPARQL, in-process over the real releases."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from termserver.api import create_app
from termserver.api.schemas import (
    AncestorsOut,
    ConceptOut,
    DescendantsOut,
    DiffOut,
    ErrorOut,
    SchemeOut,
    SearchOut,
)
from termserver.importers import ImportOptions, load_files
from termserver.namespaces import concept_iri, release_iri
from termserver.services import Services
from termserver.settings import Settings
from termserver.store import Store

from .conftest import FIXTURES


def test_schemes_lists_every_imported_release(client: TestClient) -> None:
    body = client.get("/api/v1/schemes").json()
    ids = {s["id"] for s in body}
    assert {"ffb", "fsiii", "fboe", "caresocialcodes", "ltt", "icf", "icf-qualifiers"} <= ids
    for scheme in body:
        SchemeOut.model_validate(scheme)
    ffb = client.get("/api/v1/schemes/ffb").json()
    assert ffb["latest"] == "20240530" and ffb["uri"] == "urn:oid:1.2.208.176.2.22"


def test_concept_lookup_by_code(client: TestClient) -> None:
    body = client.get("/api/v1/schemes/icf/concepts/d450").json()
    ConceptOut.model_validate(body)
    assert body["label"] == "Gå" and body["labels"]["en"] == "Walking"
    source = body["label_source"]  # termserver's Danish working label, said so
    assert source["scheme"] == "icf-da" and source["official"] is False
    assert "ikke WHO's eller Sundhedsstyrelsens officielle" in source["note"]
    assert body["labels"].get("de")  # German ICF overlay merged onto the same code
    assert body["uri"] == concept_iri("icf", "d450")
    assert [b["code"] for b in body["broader"]] == ["d450-d469"]
    assert {"d4500", "d4501"} <= {n["code"] for n in body["narrower"]}
    assert body["status"] == "active" and body["version"] == "2001"


def test_ancestors_and_descendants(client: TestClient) -> None:
    up = client.get("/api/v1/schemes/icf/concepts/d4500/ancestors").json()
    AncestorsOut.model_validate(up)
    assert [a["code"] for a in up["ancestors"]] == ["d450", "d450-d469", "d4", "d"]
    down = client.get("/api/v1/schemes/icf/concepts/d4/descendants").json()
    DescendantsOut.model_validate(down)
    codes = [d["code"] for d in down["descendants"]]
    assert "d450" in codes and "d4500" in codes and "d4" not in codes
    assert all(c.startswith("d4") for c in codes)


def test_version_parameter_reads_that_version(client: TestClient) -> None:
    body = client.get("/api/v1/schemes/icf/concepts/d450", params={"version": "2001"}).json()
    assert body["version"] == "2001"
    error = client.get("/api/v1/schemes/icf/concepts/d450", params={"version": "1999"})
    assert error.status_code == 404 and "Known versions" in error.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/schemes/nope", 404, "not_found"),
        ("/api/v1/schemes/icf/concepts/x999", 404, "not_found"),
        ("/api/v1/schemes/icf/concepts/d450?version=0", 404, "not_found"),
        ("/api/v1/search", 400, "bad_request"),
        ("/api/v1/search?q=gang&limit=0", 400, "bad_request"),
        ("/api/v1/schemes/ffb/diff", 400, "bad_request"),
        ("/api/v1/no/such/path", 404, "not_found"),
        ("/id/icf/d450?format=pdf", 415, "unsupported_media_type"),
        ("DELETE /api/v1/schemes", 405, "method_not_allowed"),
        ("POST /api/v1/schemes/icf/concepts/d450", 405, "method_not_allowed"),
    ],
)
def test_every_error_has_the_one_envelope(client: TestClient, path: str, status: int,
                                          code: str) -> None:
    method, _, path = path.rpartition(" ")
    response = client.request(method or "GET", path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert len(body["error"]["message"]) > 20
    if status == 405:  # says which methods work, in the message and in the Allow header
        assert "GET" in response.headers["allow"].split(", ")
        assert response.headers["allow"] in body["error"]["message"]


def test_search_endpoint_shape(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "d450", "scheme": "icf"}).json()
    SearchOut.model_validate(body)
    assert body["results"][0]["code"] == "d450"
    assert client.get("/api/v1/search", params={"q": "x", "scheme": "nope"}).status_code == 404


def test_diff_endpoint(client: TestClient) -> None:
    body = client.get("/api/v1/schemes/icf/diff", params={"from": "2001", "to": "2001"}).json()
    DiffOut.model_validate(body)
    assert body["added"] == body["removed"] == body["changed"] == []


def test_concept_iri_resolves_by_content_negotiation(client: TestClient) -> None:
    iri = URIRef(concept_iri("icf", "d450"))
    turtle = client.get("/id/icf/d450", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (iri, SKOS.notation, None) in graph
    assert (iri, SKOS.broader, URIRef(concept_iri("icf", "d450-d469"))) in graph
    jsonld = client.get("/id/icf/d450", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert (iri, SKOS.notation, None) in Graph().parse(data=jsonld.text, format="json-ld")
    html = client.get("/id/icf/d450", headers={"Accept": "text/html,*/*;q=0.8"},
                      follow_redirects=False)
    assert html.status_code == 303 and html.headers["location"] == "/begreb/icf/d450"
    prefers_turtle = client.get("/id/icf/d450",
                                headers={"Accept": "text/html;q=0.5, text/turtle"})
    assert prefers_turtle.headers["content-type"].startswith("text/turtle")


def test_sparql_select_and_read_only(client: TestClient) -> None:
    query = ('SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> "d450" }')
    body = client.get("/sparql", params={"query": query}).json()
    assert [b["c"]["value"] for b in body["results"]["bindings"]] == [concept_iri("icf", "d450")]
    update = client.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:b> <a:c> }"})
    assert update.status_code == 400
    as_query = client.get("/sparql", params={"query": "INSERT DATA { <a:b> <a:b> <a:c> }"})
    assert as_query.status_code == 400 and "not accepted" in as_query.json()["error"]["message"]


def test_sparql_time_limit(real_settings: Settings) -> None:
    slow = TestClient(create_app(real_settings.model_copy(update={"sparql_timeout": 0.5})))
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    slow.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})  # load the dataset first
    response = slow.get("/sparql", params={"query": query})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "query_timeout"


def test_concept_lookup_by_iri(client: TestClient) -> None:
    by_iri = client.get("/api/v1/concepts", params={"uri": concept_iri("icf", "d450")})
    assert by_iri.json() == client.get("/api/v1/schemes/icf/concepts/d450").json()
    unknown = client.get("/api/v1/concepts", params={"uri": "http://example.org/x"})
    assert unknown.status_code == 404


def test_export_endpoint_round_trips_through_rdflib(client: TestClient) -> None:
    response = client.get("/api/v1/schemes/icf/export", params={"format": "ttl"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    notations = {str(o) for o in graph.objects(None, SKOS.notation)}
    assert len(notations) == 1495 and "d450" in notations
    fhir = client.get("/api/v1/schemes/ffb/export", params={"format": "fhir"}).json()
    assert fhir["resourceType"] == "CodeSystem" and fhir["url"] == "urn:oid:1.2.208.176.2.22"
    assert client.get("/api/v1/schemes/ffb/export", params={"format": "pdf"}).status_code == 400


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        self.wfile.write(b"<http://example.org/s> <http://example.org/p> <http://example.org/o>"
                         b" .")

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE SILENT <{url}/x> {{ ?a ?b ?c }} }} }}",
    "SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
])
def test_sparql_never_fetches_what_a_query_names(client: TestClient, listener: str,
                                                 template: str) -> None:
    """SERVICE and FROM once made the server call any URL (and read local files)."""
    response = client.get("/sparql", params={"query": template.format(url=listener)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "not allowed" in response.json()["error"]["message"] or \
        "does not hold" in response.json()["error"]["message"]
    assert _Recorder.hits == []


def test_sparql_does_not_read_local_files(client: TestClient) -> None:
    local = (FIXTURES / "small.ttl").resolve().as_uri()
    response = client.get("/sparql", params={
        "query": f"SELECT ?o WHERE {{ GRAPH <{local}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 200 and response.json()["results"]["bindings"] == []
    response = client.get("/sparql", params={"query": f"SELECT ?o FROM <{local}> WHERE "
                                                      "{ ?s ?p ?o }"})
    assert response.status_code == 400 and "does not hold" in response.text
    assert "Small" not in response.text and "small/A" not in response.text


def test_sparql_from_a_release_graph_still_works(client: TestClient) -> None:
    graph = release_iri("icf", "2001")
    query = (f"SELECT ?c FROM <{graph}> WHERE "
             '{ ?c <http://www.w3.org/2004/02/skos/core#notation> "d450" }')
    body = client.get("/sparql", params={"query": query}).json()
    assert [b["c"]["value"] for b in body["results"]["bindings"]] == [concept_iri("icf", "d450")]


def test_sparql_post_body_is_limited(client: TestClient) -> None:
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    response = client.post("/sparql", content=huge.encode(),
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    odd = client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"})
    assert odd.status_code == 415 and odd.json()["error"]["code"] == "unsupported_media_type"


def test_openapi_documents_the_envelope_the_server_sends_for_bad_parameters(
        client: TestClient) -> None:
    """FastAPI documented `422 {detail: [...]}` on every endpoint; the server sends 400
    with the one error envelope, and that is what the contract must say."""
    schema = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation.get("parameters"):
                bad = operation["responses"].get("400", {})
                assert bad.get("content", {}).get("application/json", {}).get("schema") == {
                    "$ref": "#/components/schemas/ErrorOut"}, (method, path)
    response = client.get("/api/v1/search", params={"q": "gang", "limit": "many"})
    assert response.status_code == 400
    ErrorOut.model_validate(response.json())


@pytest.mark.parametrize(("accept", "media"), [
    ("text/turtle;q=0, */*", "application/ld+json"),
    ("application/*", "application/ld+json"),
    ("text/*", "text/turtle"),
    ("*/*", "text/turtle"),
    ("", "text/turtle"),
])
def test_concept_iri_negotiation_honours_wildcards_and_q0(client: TestClient, accept: str,
                                                          media: str) -> None:
    response = client.get("/id/icf/d450", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


@pytest.mark.parametrize("accept", ["image/png", "text/turtle;q=0", "application/pdf, text/csv"])
def test_concept_iri_refuses_an_accept_it_cannot_meet(client: TestClient, accept: str) -> None:
    """Turtle used to come back for `Accept: image/png` and even `text/turtle;q=0`."""
    response = client.get("/id/icf/d450", headers={"Accept": accept})
    assert response.status_code == 406
    error = response.json()["error"]
    assert error["code"] == "not_acceptable" and "text/turtle" in error["message"]
    assert client.get("/id/icf", headers={"Accept": accept}).status_code == 406


def test_redirects_keep_odd_codes_in_one_path_segment(tmp_path: Path) -> None:
    """A code with `?`, `#` or a space was put into Location unencoded: `/begreb/t/x y?#`."""
    source = tmp_path / "odd.json"
    source.write_text(json.dumps({"resourceType": "CodeSystem", "id": "odd", "version": "1",
                                  "concept": [{"code": "x y?#1", "display": "X"}]}))
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "none")
    store = Store(load_files([source], ImportOptions()))
    odd = TestClient(create_app(settings, Services(settings=settings, store=store)))
    html = odd.get("/id/odd/x%20y%3F%231", headers={"Accept": "text/html"},
                   follow_redirects=False)
    assert html.status_code == 303
    assert html.headers["location"] == "/begreb/odd/x%20y%3F%231"
    resource = odd.get("/resource", params={"uri": concept_iri("odd", "x y?#1"),
                                            "format": "ttl"}, follow_redirects=False)
    assert resource.headers["location"] == "/id/odd/x%20y%3F%231?format=ttl"
    turtle = odd.get(resource.headers["location"])
    assert turtle.status_code == 200 and '"x y?#1"' in turtle.text


@pytest.mark.parametrize(("path", "method", "media"), [
    ("/api/v1/schemes/{scheme}/export", "get", "text/turtle"),
    ("/id/{scheme}/{code}", "get", "application/ld+json"),
    ("/sparql", "get", "application/sparql-results+json"),
    ("/sparql", "post", "application/sparql-results+json"),
])
def test_openapi_names_the_media_types_rdf_endpoints_return(
        client: TestClient, path: str, method: str, media: str) -> None:
    """These answered Turtle, JSON-LD or SPARQL results while OpenAPI promised JSON."""
    content = client.get("/api/v1/openapi.json").json()["paths"][path][method][
        "responses"]["200"]["content"]
    assert media in content and "application/json" not in content


@pytest.mark.parametrize("relation", ["ancestors", "descendants"])
def test_hierarchy_by_iri(client: TestClient, relation: str) -> None:
    """The issue asks for hierarchy by code *and by concept IRI*; only lookup had an IRI
    form."""
    by_code = client.get(f"/api/v1/schemes/icf/concepts/d450/{relation}").json()
    by_iri = client.get(f"/api/v1/concepts/{relation}",
                        params={"uri": concept_iri("icf", "d450"), "version": "2001"})
    assert by_iri.status_code == 200 and by_iri.json() == by_code
    unknown = client.get(f"/api/v1/concepts/{relation}", params={"uri": "http://x.org/y"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


def test_a_code_with_a_slash_is_reachable_by_code_and_by_iri(
        slash_code_client: TestClient) -> None:
    """FHIR codes may hold "/" (UCUM's mg/dL). Its concept IRI …/id/units/mg%2FdL and
    /api/v1/schemes/units/concepts/mg%2FdL both answered 404 "No such path"."""
    units = slash_code_client
    iri = concept_iri("units", "mg/dL")
    assert iri.endswith("/id/units/mg%2FdL")
    body = units.get("/api/v1/schemes/units/concepts/mg%2FdL").json()
    assert body["code"] == "mg/dL" and body["uri"] == iri
    up = units.get("/api/v1/schemes/units/concepts/mg%2FdL/ancestors").json()
    assert [a["code"] for a in up["ancestors"]] == ["mass"]
    down = units.get("/api/v1/schemes/units/concepts/mass/descendants").json()
    assert [d["code"] for d in down["descendants"]] == ["mg/dL"]
    assert units.get("/api/v1/schemes/units/concepts/mg%2FdL/descendants").json()[
        "descendants"] == []
    turtle = units.get(iri.replace("https://data.termserver.dk", ""),
                       headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and '"mg/dL"' in turtle.text
    assert units.get("/api/v1/schemes/units/concepts/mg%2FdX").status_code == 404


def test_a_browser_following_an_unknown_iri_gets_the_danish_page(client: TestClient) -> None:
    """Content negotiation comes first: an HTML client is sent to the page, which explains
    an unknown code in Danish with suggestions, instead of receiving API JSON."""
    html = {"Accept": "text/html"}
    unknown = client.get("/id/icf/d459", headers=html, follow_redirects=False)
    assert unknown.status_code == 303 and unknown.headers["location"] == "/begreb/icf/d459"
    page = client.get("/id/icf/d459", headers=html)
    assert page.status_code == 404 and "Koden findes ikke" in page.text
    assert client.get("/id/icf/d459", headers={"Accept": "text/turtle"}).status_code == 404
    scheme = client.get("/id/icf", headers=html, follow_redirects=False)
    assert scheme.status_code == 303 and scheme.headers["location"] == "/begreb/icf"


def test_an_unknown_path_is_a_danish_page_for_browsers_and_json_for_clients(
        client: TestClient) -> None:
    page = client.get("/nosuchpage", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke" in page.text and "/nosuchpage" in page.text
    for path, headers in (("/nosuchpage", {}), ("/api/v1/nosuch", {"Accept": "text/html"})):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_search_version_without_scheme_is_a_bad_request(client: TestClient) -> None:
    """Version strings belong to one scheme; alone, `2001` would filter every scheme."""
    answer = client.get("/api/v1/search", params={"q": "walking", "version": "2001"})
    assert answer.status_code == 400 and "scheme" in answer.json()["error"]["message"]
    both = client.get("/api/v1/search", params={"q": "walking", "version": "2001",
                                                 "scheme": "icf"})
    assert both.status_code == 200 and both.json()["results"][0]["code"] == "d450"


def test_openapi_names_the_validation_errors_and_body(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/validate", "/fhir/$validate"):
        operation = paths[path]["post"]
        assert {"400", "413", "415", "503"} <= set(operation["responses"])
        assert "application/fhir+xml" in operation["requestBody"]["content"]
