"""The caseworker pages, in-process: Danish, server-rendered, working without JavaScript."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.settings import Settings


@pytest.fixture(scope="module")
def client(real_settings: Settings) -> TestClient:
    return TestClient(create_app(real_settings))


def test_search_page_renders_results_without_javascript(client: TestClient) -> None:
    page = client.get("/", params={"q": "hukommelse"})
    assert page.status_code == 200
    assert '<html lang="da">' in page.text
    assert "Hukommelse" in page.text and "resultater for" in page.text
    assert 'href="/begreb/ffb/' in page.text


def test_search_page_with_an_icf_code_lists_interventions(client: TestClient) -> None:
    page = client.get("/", params={"q": "d450"})
    assert page.status_code == 200
    assert "Indsatser til d450 Walking" in page.text


def test_concept_page_has_labels_breadcrumbs_children_versions(client: TestClient) -> None:
    page = client.get("/begreb/icf/d450")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Walking</h1>" in text
    assert "Gehen" in text  # German overlay label
    assert 'aria-label="Brødkrummer"' in text and ">d450-d469<" not in text
    assert "/begreb/icf/d4500" in text  # children
    assert "Findes i:" in text and "2001" in text
    assert "/indsatser?icf=d450" in text


def test_concept_iri_html_redirects_to_the_concept_page(client: TestClient) -> None:
    page = client.get("/id/icf/d450", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<h1>Walking</h1>" in page.text


def test_interventions_page_explains_match_kinds(client: TestClient) -> None:
    page = client.get("/indsatser", params={"icf": "d450.2"})
    assert page.status_code == 200
    assert "kvalifikator .2" in page.text
    for explanation in ("direkte til koden", "mere specifik kode", "FFB- eller FSIII-tilstand",
                        "bredere kode"):
        assert explanation in page.text


def test_interventions_page_errors_are_danish(client: TestClient) -> None:
    bad = client.get("/indsatser", params={"icf": "walking"})
    assert bad.status_code == 400 and "er ikke en ICF-kode" in bad.text
    unknown = client.get("/indsatser", params={"icf": "d459"})
    assert unknown.status_code == 404 and "findes ikke" in unknown.text
    assert "Mente du" in unknown.text


def test_catalogue_page_filters_by_area(client: TestClient) -> None:
    page = client.get("/katalog")
    assert page.status_code == 200 and "Indsatskatalog" in page.text
    filtered = client.get("/katalog", params={"omraade": "employment"})
    assert filtered.status_code == 200


def test_autocomplete_suggests_concepts(client: TestClient) -> None:
    body = client.get("/autocomplete", params={"q": "hukom"}).json()
    assert any(s["label"] == "Hukommelse" for s in body["suggestions"])
    assert all(s["url"].startswith("/begreb/") for s in body["suggestions"])
