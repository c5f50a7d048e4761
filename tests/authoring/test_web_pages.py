"""The methodologists' pages in-process: the editor, the overview's buttons and refusals,
a stale edit, a rebase with conflicts; on SQLite and PostgreSQL. (The whole workflow in a
real browser against a real server is tests/browser/test_redaktion.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from termserver.api import create_app
from termserver.authoring import audit, checks, drafts, publish, users, workflow
from termserver.authoring.db import AuthoringDB
from termserver.authoring.permissions import ANONYMOUS
from termserver.authoring.tokens import authenticate
from termserver.publishing import publish_releases
from termserver.settings import Settings

from .drafting import releases
from .web import csrf, signed_in

PASSWORD = "ein-langes-kodeord"


@pytest.fixture
def published(settings: Settings, db: AuthoringDB) -> Settings:
    """The small drafting store on disk, and a team with passwords."""
    publish_releases(settings, releases())
    admin = users.add_user(db, ANONYMOUS, "admin", [], None, PASSWORD)
    boss = authenticate(db, admin.token)
    for name, roles in (("anna", ["editor"]), ("bo", ["editor"]), ("rita", ["reviewer"]),
                        ("pia", ["publisher"])):
        users.add_user(db, boss, name, roles, "catalogue", PASSWORD)
    users.add_user(db, boss, "fie", ["editor"], "fsiii", PASSWORD)  # by name: official
    return settings


@pytest.fixture
def app(published: Settings) -> Iterator[object]:
    made = create_app(published)
    yield made
    if getattr(made.state, "authoring_db", None) is not None:
        made.state.authoring_db.dispose()


def person(app: object, name: str) -> TestClient:
    return signed_in(TestClient(app), name, PASSWORD)


def actor(db: AuthoringDB, name: str):  # the same user, as the API would see a token
    from termserver.authoring.permissions import Actor, Grant

    with db.read() as session:
        from sqlalchemy import select

        from termserver.authoring.models import User

        user = session.execute(select(User).where(User.name == name)).scalar_one()
        return Actor(name=name, grants=frozenset(Grant(g.role, g.scheme) for g in user.grants))


def new_draft(client: TestClient, title: str = "Ændringer") -> str:
    home = client.get("/redaktion")
    answer = client.post("/redaktion/udkast", data={"csrf": csrf(home.text),
                                                    "samling": "catalogue", "titel": title},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].split("?")[0]


def editor_form(html: str) -> dict[str, str]:
    """The editor's fields as the browser would send them (text fields and checked boxes)."""
    form: dict[str, list[str]] = {}
    for tag in re.finditer(r"<(input|textarea|select)\b([^>]*)>(.*?)(?=<)", html, re.S):
        kind, attrs, text = tag.groups()
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', attrs)
        if kind == "input" and re.search(r'type="(checkbox|radio)"', attrs) and \
                " checked" not in attrs:
            continue
        if kind == "input" and 'type="submit"' in attrs:
            continue
        if kind == "textarea":
            got = text
        elif kind == "select":
            options = html[tag.end():html.index("</select>", tag.end())]
            chosen = re.search(r'<option value="([^"]*)"[^>]* selected', options)
            got = chosen.group(1) if chosen else ""
        else:
            got = value.group(1) if value else ""
        form.setdefault(name.group(1), []).append(
            got.replace("&#34;", '"').replace("&amp;", "&").replace("&lt;", "<"))
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}


def test_an_entry_without_definition_is_flagged_at_once_and_fixed(app: object) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    page = anna.get(f"{draft}/nyt")
    form = editor_form(page.text) | {"kode": "GANG", "label-da": "Gangtræning",
                                     "lovgrundlag": "Serviceloven § 85", "handling": "gem"}
    form["icf-soeg"] = ""
    form["icf"] = "https://data.termserver.dk/id/icf/d450"
    saved = anna.post(f"{draft}/nyt", data=form)
    assert saved.status_code == 200 and "Begrebet er gemt" in saved.text
    assert "Indsatsen mangler en definition" in saved.text  # the check ran on save
    form = editor_form(saved.text) | {"definition-da": "Træning i at gå.", "handling": "gem"}
    fixed = anna.post(f"{draft}/begreb/GANG", data=form)
    assert "Begrebet er gemt" in fixed.text and "mangler en definition" not in fixed.text


def test_a_new_concept_needs_a_code_and_a_label(app: object) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    form = editor_form(anna.get(f"{draft}/nyt").text) | {"kode": "med mellemrum",
                                                          "handling": "gem"}
    refused = anna.post(f"{draft}/nyt", data=form)
    assert refused.status_code == 400
    summary = refused.text[refused.text.index('class="error-summary"'):]
    assert 'href="#kode"' in summary and 'href="#label-da"' in summary
    assert 'id="kode" name="kode" value="med mellemrum"' in refused.text  # kept


def test_search_without_javascript_keeps_what_was_typed(app: object) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    form = editor_form(anna.get(f"{draft}/nyt").text) | {
        "kode": "X1", "label-da": "Noget nyt", "overbegreb-soeg": "praktisk",
        "handling": "soeg:overbegreb"}
    found = anna.post(f"{draft}/nyt", data=form)
    assert found.status_code == 200
    assert re.search(r'name="overbegreb" value="1">\s*<label[^>]*>Praktisk hjælp \(1\)',
                     found.text)
    assert 'value="Noget nyt"' in found.text
    # Enter in a search field (the form's first, hidden button) searches, never saves
    form["handling"] = "standard"
    assert 'name="overbegreb" value="1"' in anna.post(f"{draft}/nyt", data=form).text
    listed = anna.get(f"{draft}/soeg", params={"felt": "tilstand", "q": "Rengøring"}).json()
    assert {"value": "https://data.termserver.dk/id/fsiii/T1",
            "label": "Rengøring (FSIII)"} in listed["results"]


def test_an_unchanged_concept_is_found_to_edit(app: object) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    found = anna.get(draft, params={"find": "tøjvask"}).text
    assert f'href="{draft}/begreb/1.2">Tøjvask (1.2)</a>' in found
    assert "Ingen begreber i udkastet passer" in anna.get(draft, params={"find": "zzz"}).text


def test_a_stale_edit_shows_both_versions_and_overwrites_nothing(app: object,
                                                                 db: AuthoringDB) -> None:
    anna, bo = person(app, "anna"), person(app, "bo")
    draft = new_draft(anna)
    first, second = anna.get(f"{draft}/begreb/1.2"), bo.get(f"{draft}/begreb/1.2")
    saved = anna.post(f"{draft}/begreb/1.2", data=editor_form(first.text) | {
        "label-da": "Vask af tøj", "handling": "gem"})
    assert "Begrebet er gemt" in saved.text
    stale = bo.post(f"{draft}/begreb/1.2", data=editor_form(second.text) | {
        "definition-da": "Vask, tørring og sammenlægning.", "handling": "gem"})
    assert stale.status_code == 409
    assert "Begrebet er ændret, mens du redigerede" in stale.text and "anna gemte" in stale.text
    # anna's label stays chosen (bo did not touch it), bo's definition is bo's choice
    assert re.search(r'id="valg-labels-theirs"[^>]*checked', stale.text)
    assert re.search(r'id="valg-definitions-mine"[^>]*checked', stale.text)
    current = drafts.read_concept(db, app.state.services.store, actor(db, "anna"),
                                  int(draft.rsplit("/", 1)[1]), "1.2").body
    assert current["labels"]["da"] == "Vask af tøj" and not current["definitions"]
    resolved = bo.post(f"{draft}/begreb/1.2/konflikt", data=editor_form(stale.text))
    assert resolved.status_code == 200 and "Begrebet er gemt" in resolved.text
    merged = drafts.read_concept(db, app.state.services.store, actor(db, "anna"),
                                 int(draft.rsplit("/", 1)[1]), "1.2").body
    assert merged["labels"]["da"] == "Vask af tøj"
    assert merged["definitions"]["da"] == "Vask, tørring og sammenlægning."
    history = bo.get("/redaktion/historik/catalogue/1.2")
    assert history.status_code == 200
    drafts_part = history.text[history.text.index('id="drafts-h"'):]
    assert drafts_part.index("<strong>bo</strong>") < drafts_part.index("<strong>anna</strong>")
    assert "Vask af tøj" in drafts_part and "Version <strong>2026.1</strong>" in history.text


def test_only_the_buttons_the_roles_allow(app: object, db: AuthoringDB) -> None:
    anna, rita, pia = person(app, "anna"), person(app, "rita"), person(app, "pia")
    draft = new_draft(anna)
    number = int(draft.rsplit("/", 1)[1])
    anna.post(f"{draft}/begreb/1", data=editor_form(anna.get(f"{draft}/begreb/1").text) | {
        "definition-da": "Hjælp i hjemmet.", "handling": "gem"})
    overview = anna.get(draft).text
    assert "Send til review" in overview and 'action="' + draft + '/udgiv"' not in overview
    anna.post(f"{draft}/indsend", data={"csrf": csrf(overview)})
    assert "Godkend" not in anna.get(draft).text  # an author cannot review it
    reviewing = rita.get(draft).text
    assert "Godkend" in reviewing and "Bed om ændringer" in reviewing
    assert "Tilføj et nyt begreb" not in reviewing  # a reviewer does not edit
    reading = rita.get(f"{draft}/begreb/1").text
    assert "ændringer kræver rollen redaktør" in reading and "Gem begrebet" not in reading
    empty = rita.post(f"{draft}/review", data={"csrf": csrf(reviewing),
                                               "beslutning": "changes"})
    assert empty.status_code == 400 and "Skriv, hvad der skal ændres" in empty.text
    rita.post(f"{draft}/review", data={"csrf": csrf(reviewing), "beslutning": "approve",
                                       "kommentar": "Fint"})
    approved = anna.get(draft).text
    assert "godkendt" in approved and "/udgiv" not in approved
    refused = anna.post(f"{draft}/udgiv", data={"csrf": csrf(approved)})
    assert refused.status_code == 403 and "udgiver" in refused.text
    with db.read() as session:
        denied = [e for e in audit.page(session, limit=100)["entries"]
                  if e["action"] == "draft.publish"]
    assert denied[0]["outcome"] == "denied" and denied[0]["actor"] == "anna"
    publishing = pia.get(draft).text
    assert f'action="{draft}/udgiv"' in publishing
    bad = pia.post(f"{draft}/udgiv", data={"csrf": csrf(publishing), "version": "2026 1"})
    assert bad.status_code == 400 and "Versionen kan ikke bruges" in bad.text
    done = pia.post(f"{draft}/udgiv", data={"csrf": csrf(publishing)})
    assert "Udkastet er udgivet" in done.text
    assert publish.published_version(app.state.services.settings, "catalogue", number)


def test_a_refused_action_is_explained_in_danish(app: object) -> None:
    anna = person(app, "anna")
    draft = new_draft(anna)
    overview = anna.get(draft).text
    empty = anna.post(f"{draft}/indsend", data={"csrf": csrf(overview)})
    assert empty.status_code == 409
    assert "ingen ændringer endnu" in empty.text
    missing = anna.get("/redaktion/udkast/999")
    assert missing.status_code == 404 and "Der er intet udkast nummer 999" in missing.text


def test_rebase_conflicts_are_resolved_in_a_form(app: object, db: AuthoringDB,
                                                 published: Settings) -> None:
    store = app.state.services.store
    anna = person(app, "anna")
    draft = new_draft(anna, "Min")
    number = int(draft.rsplit("/", 1)[1])
    page = anna.get(f"{draft}/begreb/1.2")
    anna.post(f"{draft}/begreb/1.2", data=editor_form(page.text) | {
        "label-da": "Tøjvask i hjemmet", "handling": "gem"})
    # meanwhile bo's draft changes the same label and is published
    bo, rita, pia = actor(db, "bo"), actor(db, "rita"), actor(db, "pia")
    other = drafts.create(db, store, bo, "catalogue", "Andet")["id"]
    got = drafts.read_concept(db, store, bo, other, "1.2")
    drafts.put_concept(db, store, bo, other, "1.2", got.body | {
        "labels": {"da": "Vask af tøj"}}, if_match=got.etag, if_none_match=None)
    checks.run(db, store, bo, other)
    workflow.submit(db, bo, other)
    workflow.review(db, store, rita, other, "approve")
    publish.publish(db, published, store, pia, other)
    # a server started now loads the new release beside the draft's base
    later = create_app(published)
    again = TestClient(later, cookies=dict(anna.cookies))
    overview = again.get(draft).text
    assert "Opdatér til nyeste udgivelse" in overview
    conflicts = again.post(f"{draft}/opdater", data={"csrf": csrf(overview)})
    assert conflicts.status_code == 409 and "har ændret det samme" in conflicts.text
    assert "Tøjvask i hjemmet" in conflicts.text and "Vask af tøj" in conflicts.text
    done = again.post(f"{draft}/opdater", data={"csrf": csrf(conflicts.text),
                                                "valg:1.2:labels": "ours"})
    assert "bygger nu på den nyeste udgivelse" in done.text
    body = drafts.read_concept(db, later.state.services.store, actor(db, "anna"), number,
                               "1.2").body
    assert body["labels"]["da"] == "Tøjvask i hjemmet"
    later.state.authoring_db.dispose()


def test_retiring_needs_a_reason_and_shows_the_impact(app: object) -> None:
    fie = person(app, "fie")
    home = fie.get("/redaktion").text
    assert '<option value="fsiii"' in home and '<option value="catalogue"' not in home
    answer = fie.post("/redaktion/udkast", data={"csrf": csrf(home), "samling": "fsiii",
                                                 "titel": "Rengøring udgår"},
                      follow_redirects=False)
    draft = answer.headers["location"].split("?")[0]
    form = editor_form(fie.get(f"{draft}/begreb/T1").text) | {"status": "retired",
                                                               "handling": "gem"}
    refused = fie.post(f"{draft}/begreb/T1", data=form)
    assert refused.status_code == 400 and 'href="#aarsag"' in refused.text
    retired = fie.post(f"{draft}/begreb/T1", data=form | {
        "aarsag": "Slået sammen med Tøjvask", "erstattet-af": "T2"})
    assert "Begrebet er gemt" in retired.text
    overview = fie.get(draft).text
    impact = overview[overview.index('id="konsekvenser"'):]
    assert "Rengøring (T1): udgår" in impact
    assert 'href="/begreb/catalogue/1.1">Rengøring</a> (addressesCondition)' in impact
    assert "støvsuge" in impact and "crosswalk-fsiii-icf@2026.1" in impact
    changes = overview[overview.index('id="changes-h"'):overview.index('id="kontrol"')]
    assert "Udgået" in changes and "Tøjvask (T2)" in changes
