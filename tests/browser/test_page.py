"""The caseworker page in headless Chromium (Debian's), against the real `termserver serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servers import serving
from termserver.settings import Settings

from .chromium import SCREENSHOTS

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("browser-serve") / "stderr.log"
    with serving(real_settings.data_dir, log, ready="/",
                 env={"TERMSERVER_VOCAB_DIR": str(real_settings.vocab_dir)}) as served:
        yield served.base


def test_typing_d450_shows_walking_interventions(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "d450")
    suggestions = page.locator("#forslag li")
    suggestions.first.wait_for(timeout=5000)
    labels = suggestions.all_inner_texts()
    # catalogue entries that address d450 come first, marked with their match kind
    assert any(text.endswith("Direkte") and "træning" in text.lower() for text in labels), labels
    page.screenshot(path=str(SCREENSHOTS / "autocomplete-d450.png"))
    page.press("#q", "Enter")  # no suggestion chosen: the form submits
    page.wait_for_url("**/?q=d450")
    heading = page.locator("#icf-h").inner_text()
    assert heading.startswith("Indsatser til d450")
    interventions = page.locator("ol.interventions li").all_inner_texts()
    assert any("Genoptræning" in text for text in interventions), interventions
    page.screenshot(path=str(SCREENSHOTS / "search-d450.png"), full_page=True)


def test_typing_madlavning_shows_lave_mad(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "madlavning")
    page.locator("#forslag li").first.wait_for(timeout=5000)
    assert any("Lave mad" in text for text in page.locator("#forslag li").all_inner_texts())
    page.screenshot(path=str(SCREENSHOTS / "autocomplete-madlavning.png"))


def test_basics_are_keyboard_accessible_and_labelled(page, server: str) -> None:
    page.goto(server + "/indsatser?icf=d450")
    assert page.get_attribute("html", "lang") == "da"
    assert page.locator("label[for=icf]").count() == 1
    crosswalk = page.locator("ol.interventions li", has_text="Via tilstand").first
    assert "Gå og bevæge sig" in crosswalk.inner_text()  # path names the FFB tilstand


def test_keyboard_only_search_opens_a_concept(page, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # brand
    for _ in range(4):
        page.keyboard.press("Tab")  # the four menu links (search, ICF, catalogue, list)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("hukommelse")
    page.locator("#forslag li").first.wait_for(timeout=5000)
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "forslag-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/begreb/**")
    assert page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "concept.png"), full_page=True)


def test_basics_work_without_javascript(browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(server + "/")
    tab.fill("#q", "hukommelse")
    tab.press("#q", "Enter")
    tab.wait_for_url("**/?q=hukommelse")
    assert tab.locator("ol.hits li a", has_text="Hukommelse").count() >= 1
    tab.goto(server + "/indsatser?icf=d450")
    assert tab.locator("h2").first.inner_text().startswith("d450")
    tab.screenshot(path=str(SCREENSHOTS / "indsatser-d450.png"), full_page=True)
    tab.goto(server + "/katalog")
    tab.screenshot(path=str(SCREENSHOTS / "katalog.png"), full_page=True)
    context.close()


def test_escape_closes_suggestions_and_keeps_the_text(page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "hukommelse")
    page.locator("#forslag li").first.wait_for(timeout=5000)
    # screen-reader users hear how many suggestions there are
    page.wait_for_function("document.getElementById('forslag-status').textContent.includes('forslag')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.locator("#forslag").is_hidden()
    assert page.get_attribute("#q", "aria-expanded") == "false"
    assert page.get_attribute("#q", "aria-activedescendant") is None
    assert page.input_value("#q") == "hukommelse"  # a search field clears on Escape natively
    page.keyboard.press("Enter")  # the list is closed: Enter submits the text
    page.wait_for_url("**/?q=hukommelse")


def _luminance(rgb: str) -> float:
    channels = [int(x) / 255 for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_focus_is_visible_with_enough_contrast(page, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the brand link, on the white header
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }""")
    assert style[0] == "solid" and float(style[1].rstrip("px")) >= 2
    lighter, darker = 1.0, _luminance(style[2])  # against white
    assert (lighter + 0.05) / (darker + 0.05) >= 3, style  # WCAG 1.4.11 non-text contrast


def test_pages_load_without_errors(page, server: str) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.goto(server + "/?q=d450")  # the browser's own favicon request included
    page.goto(server + "/begreb/icf/d450")
    page.wait_for_load_state("networkidle")
    assert failed == []


def test_unknown_code_page_without_javascript(browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    tab = context.new_page()
    response = tab.goto(server + "/begreb/icf/d459")
    assert response is not None and response.status == 404
    assert tab.locator("h1").inner_text() == "Koden findes ikke"
    tab.screenshot(path=str(SCREENSHOTS / "ukendt-kode.png"), full_page=True)
    tab.locator("ul.suggestions a", has_text="d450").click()
    tab.wait_for_url("**/begreb/icf/d450")
    tab.goto(server + "/indsatser")
    tab.fill("#icf", "d450.2")
    tab.press("#icf", "Enter")
    tab.wait_for_url("**/indsatser?icf=d450.2")
    assert "moderat problem" in tab.locator("p.qualifier").inner_text()
    context.close()


@pytest.mark.parametrize("path", ["/", "/?q=d450", "/indsatser?icf=d450", "/katalog",
                                  "/begreb/icf/d450", "/begreb/catalogue/SEL-85-PRAKTISK"])
def test_pages_reflow_at_320_css_pixels(browser, server: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = context.new_page()
    tab.goto(server + path)
    width = tab.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 320, f"{path} scrolls sideways: {width}px (WCAG 1.4.10)"
