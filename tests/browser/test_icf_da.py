"""Danish ICF working labels in headless Chromium, against the real `termserver serve`:
shown first and found by Danish words, always marked as ours with WHO's title beside them,
and "Find indsatser" answering words with the ICF codes they match."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import serving
from termserver.settings import Settings

from .chromium import SCREENSHOTS

pytestmark = pytest.mark.browser

PORTS = range(19000, 19100)


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("browser-icf-da") / "stderr.log"
    with serving(real_settings.data_dir, log, ready="/", ports=PORTS,
                 env={"TERMSERVER_VOCAB_DIR": str(real_settings.vocab_dir)}) as served:
        yield served.base


@pytest.mark.parametrize(("query", "code", "who", "shot"), [
    ("hukommelse", "b144", "Memory functions", "hukommelse"),
    ("gå", "d450", "Walking", "gaa"),
    ("bad", "d510", "Washing oneself", "bad"),
])
def test_danish_words_find_the_icf_code_shown_with_its_danish_label(
        browser, server: str, query: str, code: str, who: str, shot: str) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="da-DK",
                                  java_script_enabled=False)
    tab = context.new_page()
    tab.goto(server + "/")
    tab.fill("#q", query)
    tab.press("#q", "Enter")
    tab.wait_for_url("**/?q=*")
    hits = tab.locator("ol.hits > li")
    top5 = [hits.nth(i).inner_text() for i in range(min(5, hits.count()))]
    place = next(i for i in range(hits.count())
                 if hits.nth(i).locator(f'a[href="/begreb/icf/{code}"]').count())
    assert place < 5, top5
    hit = hits.nth(place)
    assert "dansk arbejdsbetegnelse" in hit.inner_text()
    assert hit.locator('.label-note span[lang="en"]').inner_text() == who
    tab.screenshot(path=str(SCREENSHOTS / f"icf-da-search-{shot}.png"), full_page=True)
    context.close()


def test_autocomplete_offers_the_danish_icf_label_marked_as_ours(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "hukommelse")
    page.locator("#forslag li").first.wait_for(timeout=5000)
    texts = page.locator("#forslag li").all_inner_texts()
    assert any("Hukommelse" in t and "ICF b144 · dansk arbejdsbetegnelse" in t for t in texts), \
        texts


def test_the_icf_page_says_the_danish_label_is_our_working_label(page, server: str) -> None:
    page.goto(server + "/begreb/icf/d450")
    assert page.locator("h1").inner_text() == "Gå"
    note = page.locator("p.label-source")
    assert note.is_visible()
    text = note.inner_text()
    assert "ikke WHO's eller Sundhedsstyrelsens officielle oversættelse" in text
    assert note.locator('span[lang="en"]').inner_text() == "Walking"
    page.screenshot(path=str(SCREENSHOTS / "icf-da-concept-d450.png"), full_page=True)
    note.get_by_role("link", name="Om de danske betegnelser").click()
    page.wait_for_url("**/begreb/icf-da")
    assert "ikke WHO's eller Sundhedsstyrelsens officielle danske oversættelse" in \
        page.locator("main").inner_text()


def test_find_indsatser_takes_a_word_and_offers_icf_codes(page, server: str) -> None:
    page.goto(server + "/indsatser")
    page.fill("#icf", "hukommelse")
    page.press("#icf", "Enter")
    page.wait_for_url("**/indsatser?icf=hukommelse")
    codes = page.locator("ul.icf-matches li")
    assert codes.first.is_visible()
    assert any(t.startswith("b144 Hukommelse") for t in codes.all_inner_texts())
    assert page.locator("ol.interventions li").count() >= 1  # b144's own, shown at once
    page.screenshot(path=str(SCREENSHOTS / "icf-da-indsatser-hukommelse.png"), full_page=True)
    codes.locator('a[href="/indsatser?icf=b144"]').click()  # keyboard users: a plain link
    page.wait_for_url("**/indsatser?icf=b144")
    assert page.locator("h2", has_text="Hukommelse").first.is_visible()
