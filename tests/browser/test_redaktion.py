"""The methodologists' pages in headless Chromium (Debian's), against a real `termserver
serve` on 127.0.0.1 over a copy of the real releases: the whole workflow from login to a
published intervention on the public page, without a restart; a stale edit in two
browser contexts; a form without its CSRF token; an editor's publish refused; logout;
keyboard use, JavaScript off and 320 px.

Screenshots of each page go to TERMSERVER_SCREENSHOTS (docs/screenshots when refreshing
the docs' copies), as for the caseworker pages.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conftest import run_cli
from servers import get, serving
from termserver.settings import Settings

from .chromium import SCREENSHOTS

pytestmark = pytest.mark.browser

PORTS = range(18900, 19000)
PASSWORD = {"mette": "mette-redigerer-kataloget", "rasmus": "rasmus-reviewer-kataloget",
            "pia": "pia-udgiver-kataloget", "lone": "lone-redigerer-ogsaa",
            "anne": "anne-administrerer-alt"}
ENTRY = "Træning i at gå på trapper"


@dataclass
class Site:
    base: str
    settings: Settings
    process: object


@pytest.fixture(scope="module")
def site(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server of its own over a copy of the real releases (publishing changes the data
    directory), with a team made through the command line."""
    root = tmp_path_factory.mktemp("redaktion")
    data = root / "data"
    shutil.copytree(real_settings.data_dir, data,
                    ignore=shutil.ignore_patterns("authoring.sqlite3*"))
    settings = Settings(data_dir=data, vocab_dir=root / "no-vocab")
    code, admin, err = run_cli(settings, "users", "add", "admin")
    assert code == 0, err
    for name, roles in (("mette", ["editor"]), ("lone", ["editor"]),
                        ("rasmus", ["reviewer"]), ("pia", ["publisher"])):
        args = [arg for role in roles for arg in ("--role", role)]
        code, _, err = run_cli(settings, "users", "add", name, *args, "--scheme", "catalogue",
                               "--password", PASSWORD[name], "--token", admin.strip())
        assert code == 0, err
    code, _, err = run_cli(settings, "users", "add", "anne", "--role", "admin", "--scheme", "*",
                           "--password", PASSWORD["anne"], "--token", admin.strip())
    assert code == 0, err
    with serving(data, root / "serve.log", "--no-vocab", ports=PORTS, ready="/") as served:
        yield Site(served.base, settings, served.process)


def shoot(tab, name: str) -> None:
    """A screenshot for the docs, kept to a reasonable size."""
    path = SCREENSHOTS / name
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size < 1_500_000, f"{name} is {path.stat().st_size} bytes"


def log_in(browser, site: Site, name: str, **options):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="da-DK",
                                  **options)
    tab = context.new_page()
    tab.goto(site.base + "/redaktion")
    tab.wait_for_url("**/redaktion/login?next=*")
    tab.fill("#username", name)
    tab.fill("#password", PASSWORD[name])
    tab.click("button:has-text('Log ind')")
    tab.wait_for_url(re.compile(r".*/redaktion$"))
    return context, tab


def new_draft(tab, site: Site, title: str) -> str:
    tab.goto(site.base + "/redaktion")
    tab.select_option("#samling", "catalogue")
    tab.fill("#titel", title)
    tab.click("button:has-text('Opret udkast')")
    tab.wait_for_url("**/redaktion/udkast/*?besked=oprettet")
    return tab.url.split("?")[0]


def pick(tab, field: str, text: str, wanted: str) -> None:
    """Search-as-you-type in a picker and choose the suggestion containing `wanted` with
    the keyboard."""
    tab.fill(f"#{field}-soeg", text)
    options = tab.locator(f"#{field}-forslag li")
    options.first.wait_for(timeout=10000)
    labels = options.all_inner_texts()
    index = next(i for i, label in enumerate(labels) if wanted in label)
    for _ in range(index + 1):
        tab.press(f"#{field}-soeg", "ArrowDown")
    tab.press(f"#{field}-soeg", "Enter")
    tab.locator(f"#{field}-resultater input:checked").first.wait_for(timeout=5000)


def narrow_width(tab) -> int:
    """The page's width at 320 CSS pixels (WCAG 1.4.10: no sideways scrolling); the
    viewport is set back afterwards."""
    before = tab.viewport_size
    tab.set_viewport_size({"width": 320, "height": 640})
    width = tab.evaluate("document.documentElement.scrollWidth")
    tab.set_viewport_size(before)
    return width


def check_text(tab) -> str:
    return tab.locator(".check-result").inner_text()


def test_the_whole_workflow_in_the_browser(browser, site: Site) -> None:
    editor, tab = log_in(browser, site, "mette")
    shoot(tab, "redaktion-forside.png")
    draft = new_draft(tab, site, "Gangtræning")
    tab.click("text=Tilføj et nyt begreb")
    tab.fill("#kode", "SEL-85-TRAPPER")
    tab.fill("#label-da", ENTRY)
    pick(tab, "overbegreb", "Socialområdet", "Socialområdet")
    tab.fill("#lovgrundlag", "Serviceloven § 85")
    tab.select_option("#omraade", "social")
    pick(tab, "icf", "d450", "d450 ")
    # the FFB tilstand through the search button (as without JavaScript)
    tab.fill("#tilstand-soeg", "Gå og bevæge sig")
    tab.click("button[value='soeg:tilstand']")
    tab.locator("#tilstand-resultater li").first.wait_for()
    tab.locator("#tilstand-resultater li", has_text="(FFB)").first.locator("input").check()
    assert tab.input_value("#label-da") == ENTRY  # kept through the search
    tab.click("button:has-text('Gem begrebet')")
    tab.wait_for_url("**/begreb/SEL-85-TRAPPER?besked=gemt")
    assert "Indsatsen mangler en definition" in check_text(tab)  # flagged at once
    shoot(tab, "redaktion-begreb-kontrol.png")

    tab.fill("#definition-da", "Træning i at gå på trapper, med og uden gelænder.")
    tab.click("button:has-text('Gem begrebet')")
    tab.wait_for_url("**?besked=gemt")
    assert "ingen problemer ved begrebet" in check_text(tab)
    shoot(tab, "redaktion-begreb.png")
    tab.goto(draft)
    tab.click("button:has-text('Send til review')")
    tab.wait_for_url("**?besked=indsendt")

    reviewer, review = log_in(browser, site, "rasmus")
    assert "Gangtræning" in review.locator("#review-h + ul").inner_text()
    review.goto(draft)
    review.fill("#kommentar", "Skriv i definitionen, at det også gælder udendørs trapper.")
    review.select_option("#begreb", "SEL-85-TRAPPER")
    review.click("button:has-text('Bed om ændringer')")
    review.wait_for_url("**?besked=aendringer")
    shoot(review, "redaktion-review.png")

    tab.goto(draft)
    assert "også gælder udendørs trapper" in tab.locator("ol.reviews").inner_text()
    tab.click("#begreb-SEL-85-TRAPPER h3 a")
    tab.fill("#definition-da", "Træning i at gå på trapper, inde og ude, med og uden "
             "gelænder.")
    tab.fill("#kommentar", "Udendørs trapper efter review")
    tab.click("button:has-text('Gem begrebet')")
    tab.wait_for_url("**?besked=gemt")
    tab.goto(draft)
    tab.click("button:has-text('Send til review')")
    tab.wait_for_url("**?besked=indsendt")

    review.goto(draft)
    review.fill("#kommentar", "Godkendt.")
    review.click("button:has-text('Godkend')")
    review.wait_for_url("**?besked=godkendt")

    # the editor may not publish: no button, and a direct post is refused
    tab.goto(draft)
    assert tab.locator("form[action$='/udgiv']").count() == 0
    token = tab.locator("input[name=csrf]").first.input_value()
    refused = tab.request.post(draft + "/udgiv", form={"csrf": token})
    assert refused.status == 403 and "udgiver" in refused.text()

    publisher, pub = log_in(browser, site, "pia")
    pub.goto(draft)
    shoot(pub, "redaktion-udkast.png")
    pub.click("button:has-text('Udgiv')")
    pub.wait_for_url("**?besked=udgivet")
    version = pub.locator(".meta a").inner_text()

    # the public page shows the new intervention within the reload interval, no restart
    deadline = time.monotonic() + 15
    while ENTRY not in get(site.base + "/indsatser?icf=d450", "text/html")[2].decode():
        assert time.monotonic() < deadline, "not served 15 s after publishing"
        time.sleep(0.25)
    assert site.process.poll() is None
    public = pub.context.new_page()
    public.goto(site.base + "/indsatser?icf=d450")
    assert ENTRY in public.locator("ol.interventions").inner_text()
    assert version in get(site.base + "/api/v1/schemes/catalogue")[2].decode()

    # the concept's history has every step, with names
    pub.goto(site.base + "/redaktion/historik/catalogue/SEL-85-TRAPPER")
    history = pub.locator("main").inner_text()
    assert "Udendørs trapper efter review" in history and "mette" in history
    assert f"Version {version}" in history
    shoot(pub, "redaktion-historik.png")

    # logging out ends the session
    tab.click("button:has-text('Log ud')")
    tab.wait_for_url("**/redaktion/login?ude=1")
    tab.goto(draft)
    tab.wait_for_url("**/redaktion/login?next=*")
    for context in (editor, reviewer, publisher):
        context.close()


def test_a_stale_edit_in_two_browser_contexts_shows_the_conflict(browser,
                                                                 site: Site) -> None:
    first, one = log_in(browser, site, "mette")
    second, two = log_in(browser, site, "lone")
    draft = new_draft(one, site, "Samtidige rettelser")
    concept = draft + "/begreb/SEL-85-PRAKTISK"
    one.fill("#find", "praktiske opgaver")  # an unchanged concept, found to edit
    one.press("#find", "Enter")
    one.click("ul.found a:has-text('Socialpædagogisk støtte til praktiske opgaver')")
    one.wait_for_url(concept)
    two.goto(concept)
    one.fill("#label-da", "Socialpædagogisk støtte til praktiske opgaver i hjemmet")
    one.click("button:has-text('Gem begrebet')")
    one.wait_for_url("**?besked=gemt")
    two.fill("#synonymer-da", "bostøtte\npraktisk støtte")
    two.click("button:has-text('Gem begrebet')")
    assert two.locator("h1").inner_text() == "Begrebet er ændret, mens du redigerede"
    assert "mette gemte begrebet" in two.locator(".error-summary").inner_text()
    assert two.is_checked("#valg-labels-theirs") and two.is_checked("#valg-alt_labels-mine")
    assert two.evaluate("document.activeElement.classList.contains('error-summary')")
    shoot(two, "redaktion-konflikt.png")
    two.click("button:has-text('Gem det valgte')")
    two.wait_for_url("**?besked=gemt")
    assert two.input_value("#label-da").endswith("i hjemmet")
    assert "praktisk støtte" in two.input_value("#synonymer-da")
    first.close()
    second.close()


def test_a_sheet_is_previewed_then_applied_and_the_history_and_audit_pages(
        browser, site: Site, tmp_path) -> None:
    context, tab = log_in(browser, site, "mette")
    draft = new_draft(tab, site, "Fra regneark")
    tab.click("text=Indlæs regneark")
    bad = tmp_path / "fejl.csv"
    bad.write_text("code;label_da;broader\nSEL-85-PRAKTISK;;FINDES-IKKE\n;Uden kode;\n",
                   encoding="utf-8")
    tab.set_input_files("#fil", str(bad))
    tab.click("button:has-text('Vis, hvad filen ændrer')")
    problems = tab.locator("#problemer").inner_text()
    assert "række 2 (SEL-85-PRAKTISK), kolonne broader" in problems
    assert "række 3, kolonne code: koden mangler" in problems
    assert tab.evaluate("document.activeElement.id") == "problemer"
    shoot(tab, "redaktion-ark-fejl.png")
    good = tmp_path / "indsatser.csv"
    good.write_text("code;label_da;definition_da\n"
                    "SEL-85-PRAKTISK;;Støtte til praktiske opgaver i eget hjem.\n"
                    "SEL-85-ARK;Indsats fra regneark;Oprettet fra et regneark.\n",
                    encoding="utf-8")
    tab.set_input_files("#fil", str(good))
    tab.click("button:has-text('Vis, hvad filen ændrer')")
    preview = tab.locator("#forhaandsvisning").inner_text()
    assert "2 begreber ændres: 1 nyt begreb, 1 ændres" in preview
    other = context.new_page()  # nothing is applied by the preview
    other.goto(draft)
    assert "SEL-85-ARK" not in other.locator("main").inner_text()
    other.close()
    shoot(tab, "redaktion-ark.png")
    assert narrow_width(tab) <= 320, "the preview scrolls sideways at 320 px"
    tab.fill("#kommentar", "Fra arbejdsgruppens regneark")
    tab.click("button:has-text('Anvend ændringerne')")
    tab.wait_for_url("**?besked=ark")
    changes = tab.locator("section[aria-labelledby=changes-h]").inner_text()
    assert "Indsats fra regneark (SEL-85-ARK)" in changes and "i eget hjem" in changes
    context.close()

    # the public concept page leads to the concept's release history
    public = browser.new_context(locale="da-DK").new_page()
    public.goto(site.base + "/begreb/catalogue/SEL-85-PRAKTISK")
    public.click("text=Begrebets historik")
    public.wait_for_url("**/historik/catalogue/SEL-85-PRAKTISK")
    assert "i version" in public.locator("main").inner_text()
    assert "i eget hjem" not in public.locator("main").inner_text()  # drafts stay private
    shoot(public, "historik.png")
    public.context.close()

    # the audit log: an administrator's page, with the chain verified
    context, tab = log_in(browser, site, "anne")
    tab.click("text=Revisionslog")
    assert "Loggen er intakt" in tab.locator("#kaede").inner_text()
    tab.select_option("#handling", "draft.edit")
    tab.click("button:has-text('Filtrér')")
    assert "Fra arbejdsgruppens regneark" in tab.locator("table.audit").inner_text()
    shoot(tab, "redaktion-audit.png")
    assert narrow_width(tab) <= 320, "the audit page scrolls sideways at 320 px"
    context.close()


def test_a_form_without_its_csrf_token_is_refused(browser, site: Site) -> None:
    context, tab = log_in(browser, site, "mette")
    tab.evaluate("document.querySelector(\"form[action='/redaktion/udkast'] "
                 "input[name=csrf]\").remove()")
    tab.fill("#titel", "Uden sikkerhedsfelt")
    with tab.expect_response(lambda r: r.url.endswith("/redaktion/udkast")) as answer:
        tab.click("button:has-text('Opret udkast')")
    assert answer.value.status == 403
    assert tab.locator("h1").inner_text() == "Formularen blev afvist"
    tab.goto(site.base + "/redaktion")
    assert "Uden sikkerhedsfelt" not in tab.content()
    context.close()


def test_the_login_page_and_editor_work_with_the_keyboard_and_without_javascript(
        browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    tab = context.new_page()
    tab.goto(site.base + "/redaktion/login")
    shoot(tab, "redaktion-login.png")
    tab.keyboard.press("Tab")  # the skip link, then the page's links and the form
    tab.focus("#username")
    tab.keyboard.type("mette")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "password"
    tab.keyboard.type(PASSWORD["mette"])
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r".*/redaktion$"))
    draft = new_draft(tab, site, "Uden JavaScript")
    tab.goto(draft + "/nyt")
    unlabelled = tab.evaluate("""() => [...document.querySelectorAll(
        'form.editor input:not([type=hidden]), form.editor select, form.editor textarea')]
        .filter(e => !e.labels.length && !e.getAttribute('aria-label')
                     && !e.classList.contains('visually-hidden')).map(e => e.name)""")
    assert unlabelled == []
    tab.fill("#kode", "med mellemrum")
    tab.click("button:has-text('Gem begrebet')")
    summary = tab.locator(".error-summary")
    assert "Der er 2 fejl" in summary.inner_text()
    assert summary.locator("a[href='#kode']").count() == 1
    tab.fill("#kode", "UDEN-JS")
    tab.fill("#label-da", "Uden JavaScript")
    tab.fill("#overbegreb-soeg", "Socialområdet")
    tab.press("#overbegreb-soeg", "Enter")  # Enter in a search field searches
    tab.locator("#overbegreb-resultater input").first.check()
    tab.click("button:has-text('Gem begrebet')")
    tab.wait_for_url("**/begreb/UDEN-JS?besked=gemt")
    assert tab.locator("#overbegreb-felt input:checked").count() == 1
    context.close()


@pytest.mark.parametrize("path", ["/redaktion/login", "/redaktion", "draft", "concept"])
def test_the_pages_reflow_at_320_css_pixels(browser, site: Site, path: str) -> None:
    context, tab = log_in(browser, site, "mette")
    if path in ("draft", "concept"):
        draft = new_draft(tab, site, "Smal skærm")
        path = draft[len(site.base):] + ("/begreb/SEL-85-PRAKTISK" if path == "concept" else "")
    tab.set_viewport_size({"width": 320, "height": 640})
    tab.goto(site.base + path)
    width = tab.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 320, f"{path} scrolls sideways: {width}px (WCAG 1.4.10)"

