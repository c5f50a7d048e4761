"""The caseworker pages, in-process: Danish, server-rendered, working without JavaScript."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.settings import Settings


def test_search_page_renders_results_without_javascript(client: TestClient) -> None:
    page = client.get("/", params={"q": "hukommelse"})
    assert page.status_code == 200
    assert '<html lang="da">' in page.text
    assert "Hukommelse" in page.text and "resultater for" in page.text
    assert 'href="/begreb/ffb/' in page.text


def test_search_page_with_an_icf_code_lists_interventions(client: TestClient) -> None:
    page = client.get("/", params={"q": "d450"})
    assert page.status_code == 200
    assert 'Indsatser til d450 <span>Gå</span>' in page.text  # our Danish working label…
    assert 'dansk arbejdsbetegnelse</a> · WHO: <span lang="en">Walking</span>' in page.text


def test_concept_page_has_labels_breadcrumbs_children_versions(client: TestClient) -> None:
    page = client.get("/begreb/icf/d450")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Gå</h1>" in text  # termserver's Danish working label first…
    # …said to be ours, not an official translation, with WHO's own title beside it
    assert "Termservers danske arbejdsbetegnelse, ikke WHO's eller Sundhedsstyrelsens " \
        "officielle oversættelse." in html.unescape(text)
    assert 'WHO\'s titel: <span lang="en">Walking</span>' in text
    assert '<dd lang="en">Walking</dd>' in text
    assert "Gehen" in text  # German overlay label
    assert 'aria-label="Brødkrummer"' in text and ">d450-d469<" not in text
    assert "/begreb/icf/d4500" in text  # children
    assert "Findes kun i version 2001." in text
    assert "/indsatser?icf=d450" in text


def test_concept_iri_html_redirects_to_the_concept_page(client: TestClient) -> None:
    page = client.get("/id/icf/d450", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<h1>Gå</h1>" in page.text


def test_interventions_page_explains_match_kinds(client: TestClient) -> None:
    page = client.get("/indsatser", params={"icf": "d450.2"})
    assert page.status_code == 200
    assert "Kvalifikator .2: udførelse: moderat problem (25–49 %)" in page.text
    for explanation in ("direkte til koden", "mere specifik kode", "FFB- eller FSIII-tilstand",
                        "bredere kode"):
        assert explanation in page.text


def test_interventions_page_errors_are_danish(client: TestClient) -> None:
    bad = client.get("/indsatser", params={"icf": "d45x"})
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


def test_unknown_code_is_a_danish_404_page_with_close_codes(client: TestClient) -> None:
    page = client.get("/begreb/icf/d459")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Koden »d459« findes ikke i ICF." in page.text
    assert 'href="/begreb/icf/d455"' in page.text and 'href="/begreb/icf/d450"' in page.text
    typo = client.get("/begreb/catalogue/SEL-85-PRAKTIS")
    assert typo.status_code == 404 and 'href="/begreb/catalogue/SEL-85-PRAKTISK"' in typo.text


def test_unknown_scheme_and_version_are_danish_404_pages(client: TestClient) -> None:
    scheme = client.get("/begreb/nosuch/x")
    assert scheme.status_code == 404 and "text/html" in scheme.headers["content-type"]
    assert "ingen begrebssamling, der hedder »nosuch«" in scheme.text
    assert 'href="/begreb/ffb"' in scheme.text
    assert client.get("/begreb/nosuch").status_code == 404
    version = client.get("/begreb/icf/d450", params={"version": "1999"})
    assert version.status_code == 404 and "ICF findes ikke i version »1999«" in version.text
    assert 'href="/begreb/icf/d450?version=2001"' in version.text


def test_error_pages_escape_what_was_asked_for(client: TestClient) -> None:
    page = client.get("/begreb/icf/<script>alert(1)")
    assert page.status_code == 404
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_too_long_search_is_a_danish_400(client: TestClient) -> None:
    page = client.get("/", params={"q": "a" * 600})
    assert page.status_code == 400
    assert "Søgningen er for lang (600 tegn)" in page.text and "characters" not in page.text


def test_catalogue_law_filter_covers_every_instrument_of_a_law(client: TestClient) -> None:
    page = client.get("/katalog")
    options = re.findall(r'<option value="([^"]+)"', page.text)
    assert "Lov om en aktiv beskæftigelsesindsats" in options
    assert not any("(" in option for option in options), options
    lab = client.get("/katalog", params={"lov": "Lov om en aktiv beskæftigelsesindsats"})
    for code in ("LAB-MENTOR", "LAB-PRAKTIK", "LAB-RESSOURCE", "LAB-IPS"):
        assert f"/begreb/catalogue/{code}" in lab.text
    assert "Lov om en aktiv beskæftigelsesindsats (mentor)" in lab.text  # the instrument shows


def test_catalogue_unknown_filter_says_so(client: TestClient) -> None:
    page = client.get("/katalog", params={"omraade": "<b>"})
    assert page.status_code == 400 and "ikke et område, der hedder »&lt;b&gt;«" in page.text


def test_catalogue_entry_page_shows_target_groups_and_what_it_addresses(
        client: TestClient) -> None:
    page = client.get("/begreb/catalogue/SEL-85-PRAKTISK").text
    assert "<h2>Målgrupper</h2>" in page and "Udviklingshæmning" in page
    assert "<h3>ICF-koder</h3>" in page and "<h3>Tilstande i FFB og FSIII</h3>" in page


def test_tilstand_page_lists_the_interventions_for_it(client: TestClient) -> None:
    page = client.get("/begreb/ffb/b947f321-7cdb-4b33-9653-f3ff800572b0").text  # Lave mad
    assert "<h2>Indsatser til tilstanden</h2>" in page
    assert 'href="/begreb/catalogue/SEL-83-MAD"' in page


def test_qualifiers_are_explained_in_danish(client: TestClient) -> None:
    page = client.get("/indsatser", params={"icf": "e310+2"})
    assert "Kvalifikator +2: moderat fremmende faktor" in page.text
    bad = client.get("/indsatser", params={"icf": "d450.7"})
    assert bad.status_code == 400 and "7 er ikke en værdi for en ICF-kvalifikator" in bad.text


def test_intervention_paths_name_codes_and_tilstande(client: TestClient) -> None:
    page = client.get("/indsatser", params={"icf": "d450"}).text
    assert ("FFB-tilstanden Gå og bevæge sig (bredere end koden)") in page
    assert '<code>d4</code> Mobilitet</span> <span class="label-note" title="' in page


def test_counts_are_danish_singular_and_plural(client: TestClient) -> None:
    icf = client.app.state.services.store.latest("icf")
    one = next(code for code in icf.concepts
               if client.get("/api/v1/interventions", params={"icf": code}).json()["total"] == 1)
    page = client.get("/indsatser", params={"icf": one}).text
    assert "<p>1 indsats</p>" in page


def test_search_page_explains_match_kinds(client: TestClient) -> None:
    page = client.get("/", params={"q": "d450"}).text
    assert "<details" in page and "Indsatsen er knyttet til en bredere kode" in page


def test_english_labels_are_marked_in_lists(client: TestClient) -> None:
    page = client.get("/begreb/icf/b1").text  # b1's children: Danish label, WHO's English
    assert '<a href="/begreb/icf/b110-b139">Overordnede mentale funktioner</a>' in page
    assert 'WHO: <span lang="en">Global mental functions</span>' in page
    german = client.get("/begreb/icf-de").text  # a label in another language keeps its lang
    assert 'lang="de">Aktivitäten und Partizipation</a>' in german
    body = client.get("/autocomplete", params={"q": "hukom"}).json()
    danish = next(s for s in body["suggestions"] if s["label"] == "Hukommelse")
    assert danish["lang"] == "da"


@pytest.fixture(scope="module")
def history_client(history_settings: Settings) -> TestClient:
    return TestClient(create_app(history_settings))


YDELSE = "/begreb/ffb/af7624f8-affd-4a7e-8754-b1b1dd9d8def"


def test_concept_page_says_what_changed_between_versions(history_client: TestClient) -> None:
    page = history_client.get(YDELSE).text
    assert '<strong aria-current="page">30. maj 2024</strong>' in page  # KL's 20240530
    assert "Fra 8. september 2020 til 17. maj 2023:" in page
    # 'Ydelse\xa0\xa0' → 'Ydelse', said in plain words
    assert "Betegnelsen er skrevet lidt anderledes (kun mellemrum); indholdet er det samme." \
        in page
    assert "<dt>Før</dt><dd>Tjeneste, genstand eller beløb" in page


def test_an_older_version_keeps_its_links_in_that_version(history_client: TestClient) -> None:
    page = history_client.get(YDELSE, params={"version": "20200908"}).text
    assert "Du ser version 8. september 2020" in page
    assert "?version=20200908" in page  # links keep the version itself
    children = re.findall(r'href="(/begreb/ffb/[^"]+)"', page.split("<h2>Underbegreber</h2>")[1]
                          .split("</section>")[0])
    assert children and all(href.endswith("?version=20200908") for href in children)


def test_scheme_pages_mark_german_labels_and_explain_mapping_only_schemes(
        client: TestClient) -> None:
    german = client.get("/begreb/icf-de").text
    assert '<a href="/begreb/icf-de/d" lang="de">Aktivitäten und Partizipation</a>' in german
    crosswalk = client.get("/begreb/crosswalk-ffb-icf").text
    assert "<ul></ul>" not in crosswalk and "koblinger mellem andre begreber" in crosswalk


def test_search_for_an_unknown_icf_code_offers_its_neighbours(client: TestClient) -> None:
    page = client.get("/", params={"q": "d459"}).text
    assert "ICF-koden »d459« findes ikke." in page
    assert 'href="/?q=d455"' in page and 'href="/?q=d450"' in page
    qualifier = client.get("/", params={"q": "d450.7"}).text
    assert "7 er ikke en værdi for en ICF-kvalifikator" in qualifier


def test_a_code_with_a_slash_has_its_page(slash_code_client: TestClient) -> None:
    """FHIR codes may hold "/" (UCUM's mg/dL); /id/ sends browsers to /begreb/… for it."""
    units = slash_code_client
    page = units.get("/id/units/mg%2FdL", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "milligram pr. deciliter" in page.text
    assert "Masse" in page.text  # its breadcrumb


def _visible(page: str) -> str:
    """The text a person reads: tags (and the links and attributes in them) removed."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


_UUID = re.compile(r"[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}")


def test_caseworker_pages_use_plain_words_not_internal_strings(
        history_client: TestClient) -> None:
    """No internal version strings (`20240530~4c6bc7f`), no diff jargon, no raw UUIDs on the
    pages caseworkers read; the links behind them keep the exact versions and codes."""
    store = history_client.app.state.services.store
    fsiii = [r.version for r in store.versions("fsiii")]
    republished = next(v for v in fsiii if "~" in v)
    code = next(c for c in store.release("fsiii", republished).concepts if "-" in c
                and len(store.release_appearances("fsiii", c)) > 2)
    pages = [history_client.get(f"/begreb/fsiii/{code}").text,
             history_client.get(f"/begreb/fsiii/{code}", params={"version": republished}).text,
             history_client.get(YDELSE).text, history_client.get("/begreb/ffb").text,
             history_client.get("/", params={"q": "hukommelse"}).text]
    for page in pages:
        text = _visible(page)
        assert "~" not in text, text
        assert not _UUID.search(text), _UUID.search(text)
        assert "kun mellemrum ændret" not in text
    assert f"?version={republished}" in pages[0]  # the link still names it exactly
    assert "(tidligere udgave)" in _visible(pages[0])

