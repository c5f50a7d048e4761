"""Result lists, withdrawn entries, målgruppe → interventions and the shortlist in headless
Chromium (Debian's), against the real `termserver serve` on a port in 19100-19199."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import serving
from termserver.settings import Settings

from .chromium import SCREENSHOTS

pytestmark = pytest.mark.browser

PORTS = range(19100, 19200)


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("lists-serve") / "stderr.log"
    with serving(real_settings.data_dir, log, ready="/", ports=PORTS,
                 env={"TERMSERVER_VOCAB_DIR": str(real_settings.vocab_dir)}) as served:
        yield served.base


@pytest.fixture
def no_script(browser):
    context = browser.new_context(java_script_enabled=False, locale="da-DK",
                                  viewport={"width": 1100, "height": 800})
    tab = context.new_page()
    yield tab
    context.close()


def _total(page) -> int:
    return int(re.match(r"(\d+) resultat", page.locator("#res-h").inner_text()).group(1))


def test_paging_through_a_long_list(no_script, server: str) -> None:
    page = no_script
    page.goto(server + "/?q=støtte")
    total = _total(page)
    first = page.locator("ol.hits > li > a").all_inner_texts()
    assert total > 20 and len(first) == 20
    assert "(viser 1–20)" in page.locator("#res-h").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "soeg-side-1.png"), full_page=True)
    page.get_by_role("link", name="Næste").click()
    page.wait_for_url("**side=2")
    assert page.get_attribute("ol.hits", "start") == "21"
    second = page.locator("ol.hits > li > a").all_inner_texts()
    hrefs = [page.locator("ol.hits > li > a").nth(i).get_attribute("href")
             for i in range(len(second))]
    page.goto(server + "/?q=støtte")
    assert not set(hrefs) & {page.locator("ol.hits > li > a").nth(i).get_attribute("href")
                             for i in range(20)}
    last = page.locator("nav.pages a").filter(has_text=re.compile(r"^\d+$")).last
    last.click()
    assert len(page.locator("ol.hits > li").all()) == total - 20 * (int(last_page(page)) - 1)


def last_page(page) -> str:
    return page.locator('nav.pages a[aria-current="page"]').inner_text()


def test_filters_narrow_the_list(no_script, server: str) -> None:
    page = no_script
    page.goto(server + "/?q=angst")
    everything = _total(page)
    page.locator(".filters-box summary").click()
    page.get_by_label("Målgrupper").check()
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**type=maalgruppe**")
    assert 0 < _total(page) < everything
    kinds = page.locator("ol.hits .scheme").all_inner_texts()
    assert kinds and all(k.endswith("målgruppe") for k in kinds), kinds
    page.screenshot(path=str(SCREENSHOTS / "soeg-filter-maalgruppe.png"), full_page=True)
    # the filter stays when the words change
    page.fill("#q", "depression")
    page.press("#q", "Enter")
    page.wait_for_url("**q=depression**type=maalgruppe**")
    assert "Depression" in page.locator("ol.hits").inner_text()
    page.goto(server + "/?q=afløsning&lov=Ældreloven")
    assert "Afløsning i hjemmet efter ældreloven" in page.locator("ol.hits").inner_text()
    assert "Lovgrundlag" in page.locator("label[for=lov]").inner_text()


def test_a_retired_entry_is_not_offered(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "madservice")
    page.locator("#forslag li").first.wait_for(timeout=5000)
    offered = page.evaluate("""() => [...document.querySelectorAll('#forslag li')]
                                     .map(li => li.textContent)""")
    assert offered
    page.press("#q", "Enter")
    page.wait_for_url("**/?q=madservice")
    links = [a.get_attribute("href") for a in page.locator("ol.hits > li > a").all()]
    assert "/begreb/catalogue/SEL-83B-MADSERVICE" in links
    assert "/begreb/catalogue/SEL-83-MADSERVICE" not in links
    page.goto(server + "/katalog")
    assert page.locator('a[href="/begreb/catalogue/SEL-83-MADSERVICE"]').count() == 0
    page.goto(server + "/begreb/catalogue/SEL-83-MADSERVICE")
    notice = page.locator(".retired")
    assert "Udfaset" in notice.inner_text() and "§ 83, stk. 1, nr. 3" in notice.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "udfaset.png"), full_page=True)
    notice.get_by_role("link", name="Madservice").click()
    page.wait_for_url("**/begreb/catalogue/SEL-83B-MADSERVICE")
    assert "Serviceloven § 83 b" in page.locator("main").inner_text()


def test_from_a_maalgruppe_to_its_interventions(no_script, server: str) -> None:
    page = no_script
    page.goto(server + "/?q=gangbesvær")
    top = page.locator("ol.hits > li > a").first
    assert top.inner_text() == "Mobilitetsnedsættelse"
    top.click()
    section = page.locator("section.ways")
    assert section.locator("h2").inner_text() == "Indsatser til målgruppen"
    assert section.locator("li").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / "maalgruppe-indsatser.png"), full_page=True)
    section.get_by_role("link", name="Hjælpemidler", exact=True).click()
    page.wait_for_url("**/begreb/catalogue/SEL-112-HJAELPEMIDDEL")


def test_shortlist_is_built_and_printed(browser, server: str, tmp_path: Path) -> None:
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(server + "/indsatser?icf=d630")
    with page.expect_navigation():  # the post returns to the same URL
        page.get_by_role("button", name="Sæt Hjælp til at lave mad på listen").click()
    assert page.url.endswith("/indsatser?icf=d630")
    assert page.get_by_role("button", name="Fjern Hjælp til at lave mad fra listen").count() == 1
    page.goto(server + "/katalog")
    page.get_by_role("button", name="Sæt Afløsning i hjemmet efter ældreloven på listen").click()
    page.get_by_role("link", name=re.compile(r"^Indsatsliste")).click()
    page.wait_for_url("**/liste")
    rows = page.locator("table.shortlist tbody tr")
    assert rows.count() == 2
    afloesning = rows.filter(has_text="AEL-16-AFLOES").inner_text()
    assert "Ældreloven § 16" in afloesning and "i kraft fra 1. juli 2025" in afloesning
    assert "e310" in afloesning
    assert "1. Hjælp til at lave mad (SEL-83-MAD)" in page.input_value("#list-text")
    page.screenshot(path=str(SCREENSHOTS / "indsatsliste.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("#list-text").is_hidden()
    assert rows.first.is_visible()
    pdf = tmp_path / "indsatsliste.pdf"
    page.pdf(path=str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
    context.close()


def test_shortlist_print_and_copy_buttons_with_javascript(page, server: str) -> None:
    page.goto(server + "/katalog")
    page.get_by_role("button", name="Sæt Tøjvask på listen").click()
    page.goto(server + "/liste")
    assert page.get_by_role("button", name="Udskriv listen").is_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Udskriv listen").click()
    assert page.evaluate("window.printed === true")


def test_keyboard_only_search_filter_and_shortlist(page, server: str) -> None:
    page.goto(server + "/?q=rengøring")
    page.focus("#q")
    for _ in range(40):  # Tab on to the first "+ Sæt på listen" button
        page.keyboard.press("Tab")
        if (page.evaluate("document.activeElement.textContent") or "").startswith("+ Sæt"):
            break
    else:
        pytest.fail("no list button reached with Tab")
    with page.expect_navigation():  # the post answers with the page the button was on
        page.keyboard.press("Enter")
    assert page.url.endswith("/?q=reng%C3%B8ring")
    assert page.locator("header nav").inner_text().count("Indsatsliste (1)") == 1
    summary = page.locator(".filters-box summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the filters
    page.get_by_label("Indsatser og ydelser").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Vis").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**type=indsats**")
    kinds = page.locator("ol.hits .scheme").all_inner_texts()
    assert kinds and all(k.endswith("indsats") for k in kinds), kinds
    page.get_by_role("link", name=re.compile(r"^Indsatsliste")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/liste")
    assert page.locator("table.shortlist tbody tr").count() == 1
