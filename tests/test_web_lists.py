"""The caseworker pages' result lists, withdrawn entries, ways on from a concept, and the
shortlist: in-process over every real release and vocab/ (catalogue 2026.2, which retires
SEL-83-MADSERVICE in favour of SEL-83B-MADSERVICE)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.settings import Settings
from termserver.web.search_page import PAGE_SIZE, spelling

SOCIAL_ISOLATION = "16075f99-3694-4878-a48d-b2f4b515cb76"  # FFB målgruppe
MOBILITY_IMPAIRMENT = "Mobilitetsnedsættelse"


@pytest.fixture
def browser_like(real_settings: Settings) -> TestClient:
    """A fresh client per test: the shortlist lives in its cookie."""
    return TestClient(create_app(real_settings), base_url="http://testserver")


def _hits(page: str) -> list[str]:
    return re.findall(r'<li><a href="(/begreb/[^"]+)"', page.split('<ol class="hits"')[1]
                      .split("</ol>")[0]) if '<ol class="hits"' in page else []


def _code(client: TestClient, scheme: str, label: str) -> str:
    release = client.app.state.services.store.latest(scheme)
    return next(c.code for c in release.concepts.values() if c.label() == label)


def test_the_count_is_what_the_pages_show(client: TestClient) -> None:
    first = client.get("/", params={"q": "støtte"}).text
    total = int(re.search(r'<h2 id="res-h">(\d+) resultater', first).group(1))
    assert total > PAGE_SIZE and len(_hits(first)) == PAGE_SIZE
    assert "(viser 1–20)" in first and 'rel="next"' in first
    seen = _hits(first)
    for side in range(2, -(-total // PAGE_SIZE) + 1):
        page = client.get("/", params={"q": "støtte", "side": side}).text
        seen += _hits(page)
    assert len(seen) == len(set(seen)) == total
    assert 'aria-current="page">2<' in client.get("/", params={"q": "støtte", "side": 2}).text
    for side in ("x", "0", "51"):  # 51 pages of 20 would pass the 1,000 results one can reach
        bad = client.get("/", params={"q": "støtte", "side": side})
        assert bad.status_code == 400 and "Sidetallet" in bad.text


def test_filters_narrow_the_list_and_keep_their_address(client: TestClient) -> None:
    groups = client.get("/", params={"q": "angst", "type": "maalgruppe"}).text
    assert _hits(groups) and "· målgruppe" in groups and "· tilstand" not in groups
    assert 'value="maalgruppe" checked' in groups
    assert '<input type="hidden" name="type" value="maalgruppe">' in groups  # kept on new q
    law = client.get("/", params={"q": "afløsning", "lov": "Ældreloven"}).text
    assert "/begreb/catalogue/AEL-16-AFLOES" in law and "/begreb/catalogue/SEL-84-AFLOES" \
        not in law
    options = re.findall(r'<option value="([^"]+)"', law.split('id="lov"')[1].split("</select>")[0])
    assert "Ældreloven" in options and "Serviceloven" in options
    unknown = client.get("/", params={"q": "x", "lov": "Hundeloven"})
    assert unknown.status_code == 400
    assert "Ingen indsatser i kataloget har lovgrundlaget »Hundeloven«" in unknown.text


def test_childrens_health_is_out_of_the_default_scope(client: TestClient) -> None:
    default = client.get("/", params={"q": "ernæring"}).text
    assert "/begreb/fboe/" not in default and "Søger ikke i børnesundhed (FBOE)" in default
    chosen = client.get("/", params=[("q", "ernæring"), ("samling", "fboe")]).text
    assert "/begreb/fboe/" in chosen
    typed = client.get("/autocomplete", params={"q": "ernæring"}).json()["suggestions"]
    assert typed and not [s for s in typed if s["url"].startswith("/begreb/fboe/")]
    # scales, statuses and administrative codes too, unless chosen
    scale = _code(client, "ffb", "Moderat støttebehov")
    assert scale not in client.get("/", params={"q": "moderat støttebehov"}).text
    assert scale in client.get("/", params={"q": "moderat støttebehov", "type": "andet"}).text


def test_hits_say_where_they_sit_and_mark_what_matched(client: TestClient) -> None:
    page = client.get("/", params={"q": "hukommelse"}).text
    assert "i Kommunale pleje- og omsorgstilstande › Mentale funktioner" in page
    assert "i Kommunal genoptræning efter sygehusophold-tilstande › Mentale funktioner" in page
    via = re.findall(r'fundet via »(.*?)«</span>', page)
    assert via and all("<mark>" in v for v in via)
    assert all(len(re.sub(r"<[^>]+>", "", v)) <= 200 for v in via)


def test_an_empty_result_offers_a_way_on(client: TestClient) -> None:
    page = client.get("/", params={"q": "angst", "lov": "Ældreloven"}).text
    assert "Ingen resultater for »angst«" in page
    assert '<a href="/?q=angst">Søg uden filtre: »angst«</a>' in page
    children = client.get("/", params={"q": "ammes"}).text
    assert "Søg i alle samlinger og typer, også børnesundhed (FBOE): »ammes«" in children
    assert spelling(client.app.state.services, "hukomelse") == "hukommelse"
    assert spelling(client.app.state.services, "hukommelse") is None


def test_retired_entries_are_not_offered(client: TestClient) -> None:
    assert "SEL-83-MADSERVICE" not in client.get("/katalog").text
    assert "/begreb/catalogue/SEL-83B-MADSERVICE" in client.get("/katalog").text
    assert "SEL-83-MADSERVICE" not in client.get("/indsatser", params={"icf": "d630"}).text
    assert "SEL-83-MADSERVICE" not in client.get("/", params={"q": "madservice"}).text
    suggestions = client.get("/autocomplete", params={"q": "madservice"}).json()["suggestions"]
    assert suggestions and not [s for s in suggestions if "SEL-83-MADSERVICE" in s["url"]]
    answer = client.get("/api/v1/interventions", params={"icf": "d630"}).json()
    assert "SEL-83-MADSERVICE" not in {r["code"] for r in answer["results"]}


def test_a_retired_entry_looked_up_says_why_and_what_replaces_it(client: TestClient) -> None:
    page = client.get("/begreb/catalogue/SEL-83-MADSERVICE").text
    assert '<div class="retired" role="note"><p><strong>Udfaset:</strong>' in page
    assert "§ 83, stk. 1, nr. 3 er ophævet" in page
    assert 'Brug i stedet: <a href="/begreb/catalogue/SEL-83B-MADSERVICE">' in page
    assert "Sæt Madservice på listen" not in page
    body = client.get("/api/v1/interventions/SEL-83-MADSERVICE").json()
    assert body["status"] == "deprecated" and "ophævet" in body["status_reason"]
    assert [r["code"] for r in body["replaced_by"]] == ["SEL-83B-MADSERVICE"]
    concept = client.get("/api/v1/schemes/catalogue/concepts/SEL-83-MADSERVICE").json()
    assert concept["status"] == "deprecated"
    assert concept["replaced_by"][0]["code"] == "SEL-83B-MADSERVICE"


def test_a_maalgruppe_page_lists_its_interventions(client: TestClient) -> None:
    code = _code(client, "ffb", MOBILITY_IMPAIRMENT)
    page = client.get(f"/begreb/ffb/{code}").text
    assert "<h2>Indsatser til målgruppen</h2>" in page
    assert 'href="/begreb/catalogue/SEL-112-HJAELPEMIDDEL"' in page
    api = client.get(f"/api/v1/interventions/for/ffb/{code}").json()
    assert api["kind"] == "maalgruppe" and api["total"] >= 3
    assert "SEL-112-HJAELPEMIDDEL" in {e["code"] for e in api["interventions"]}
    isolation = client.get(f"/api/v1/interventions/for/ffb/{SOCIAL_ISOLATION}")
    assert "SEL-85-RELATION" in {e["code"] for e in isolation.json()["interventions"]}


def test_a_tilstand_page_links_its_icf_codes_and_interventions(client: TestClient) -> None:
    code = _code(client, "ffb", "Lave mad")
    page = client.get(f"/begreb/ffb/{code}").text
    assert "<h2>Indsatser til tilstanden</h2>" in page
    assert 'href="/begreb/icf/d630"' in page and 'href="/indsatser?icf=d630"' in page
    assert 'href="/begreb/catalogue/SEL-83-MAD"' in page
    # a tilstand no entry names still leads on: by its ICF codes, or to a search
    store = client.app.state.services.store
    fsiii = store.latest("fsiii")
    tilstande = [c for c in fsiii.concepts.values()
                 if "Mentale funktioner" in {fsiii.concepts[b].label() for b in c.broader
                                             if b in fsiii.concepts}]
    pages = [client.get(f"/begreb/fsiii/{c.code}").text for c in tilstande[:8]]
    assert all("Indsatser til tilstanden" in p for p in pages)
    assert all('class="interventions"' in p or "Søg efter indsatser om" in p for p in pages)


def test_an_icf_page_shows_its_interventions(client: TestClient) -> None:
    page = client.get("/begreb/icf/d450").text
    assert "<h2>Indsatser til koden</h2>" in page and 'class="interventions"' in page
    assert 'href="/begreb/catalogue/SEL-86-GENOPTR"' in page


def test_the_shortlist_without_javascript(browser_like: TestClient) -> None:
    client = browser_like
    added = client.post("/liste/tilfoej", data={"kode": "AEL-16-AFLOES", "tilbage": "/katalog"},
                        follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/katalog"
    assert "HttpOnly" in added.headers["set-cookie"]
    assert "samesite=lax" in added.headers["set-cookie"].lower()
    client.post("/liste/tilfoej", data={"kode": "SEL-83-MAD", "tilbage": "//evil.example"})
    page = client.get("/liste").text
    row = page.split("<code>AEL-16-AFLOES</code>")[1].split("</tr>")[0]
    assert "Ældreloven § 16" in row and "i kraft fra 1. juli 2025" in row
    assert "e310" in row and "FSIII: Afløsning i hjemmet" in row
    assert "Indsatsliste <span class=\"count\">(2)</span>" in page
    text = client.get("/liste.txt")
    assert text.headers["content-type"].startswith("text/plain")
    assert "1. Afløsning i hjemmet efter ældreloven (AEL-16-AFLOES)" in text.text
    assert "Lovgrundlag: Serviceloven § 83, stk. 1, nr. 2" in text.text
    shared = client.get("/liste", params={"koder": "SEL-83-MAD,SEL-83-MADSERVICE,<b>"}).text
    assert "Hjælp til at lave mad" in shared and "findes ikke længere" in shared
    assert "<b>" not in shared.split("<main")[1]
    client.post("/liste/fjern", data={"kode": "SEL-83-MAD"})
    assert "SEL-83-MAD<" not in client.get("/liste").text.replace("SEL-83-MADSERVICE", "")
    client.post("/liste/toem")
    assert "Listen er tom" in client.get("/liste").text


def test_the_shortlist_refuses_other_sites_and_unknown_entries(
        browser_like: TestClient) -> None:
    cross = browser_like.post("/liste/tilfoej", data={"kode": "SEL-83-MAD"},
                              headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "anden hjemmeside" in cross.text
    fetch = browser_like.post("/liste/tilfoej", data={"kode": "SEL-83-MAD"},
                              headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch.status_code == 403 and "set-cookie" not in fetch.headers
    proxied = browser_like.post("/liste/tilfoej", data={"kode": "SEL-83-MAD"}, headers={
        "Origin": "https://termserver.kommune.example",
        "X-Forwarded-Host": "termserver.kommune.example"}, follow_redirects=False)
    assert proxied.status_code == 303 and "SEL-83-MAD" in proxied.headers["set-cookie"]
    retired = browser_like.post("/liste/tilfoej", data={"kode": "SEL-83-MADSERVICE"})
    assert retired.status_code == 404 and "kan sættes på listen" in retired.text


def test_list_buttons_sit_beside_interventions(browser_like: TestClient) -> None:
    page = browser_like.get("/indsatser", params={"icf": "d630"}).text
    assert 'action="/liste/tilfoej"' in page and 'value="/indsatser?icf=d630"' in page
    browser_like.post("/liste/tilfoej", data={"kode": "SEL-83-MAD"})
    again = browser_like.get("/indsatser", params={"icf": "d630"}).text
    assert "På listen ✓ · fjern" in again
