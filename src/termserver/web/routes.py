"""The caseworker pages: server-rendered Danish HTML from the same app as the API.

Everything works without JavaScript (forms submit and render on the server); the
small script in static/app.js only adds autocomplete.
"""

from __future__ import annotations

import itertools
import re
from difflib import get_close_matches
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ..bodies import concept_body
from ..diff import concept_changes
from ..errors import BadRequest, NotFound, TermserverError
from ..interventions import MATCH_EXPLAINED, MATCH_ORDER, intervention_index
from ..model import Concept
from ..search.facets import NOT_CURRENT
from . import labels
from .ways_on import ways_on

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(
    scheme_names=labels.SCHEME_NAMES,
    status_names=labels.STATUS_NAMES,
    relation_names=labels.RELATION_NAMES,
    match_names=labels.MATCH_NAMES,
    lang_names=labels.LANG_NAMES,
    note_names=labels.NOTE_NAMES,
    relation_short=labels.RELATION_SHORT,
    explained=MATCH_EXPLAINED,
    match_order=MATCH_ORDER,
    plural=labels.plural,
)
templates.env.filters.update(version_name=labels.version_name, shown_code=labels.shown_code)
router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=str(HERE / "static"))
_ICF_LIKE = re.compile(r"^\s*[bsde][0-9]{1,5}([.+][0-9]*)*\s*$", re.I | re.ASCII)
_ICF_CODE = re.compile(r"^[bsde][0-9]{1,5}$")
_CODE_ATTEMPT = re.compile(r"^\s*[bsde][0-9]", re.I | re.ASCII)
"""Input meant as an ICF code, right or wrong (`d450`, `d45x`); anything else is words."""


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200):
    context["lang_attr"] = partial(_lang_attr, request.app.state.services.store)
    context["label_note"] = partial(_label_note, request.app.state.services.store)
    return templates.TemplateResponse(request, name, context, status_code=status)


def label_lang(concept: Concept) -> str:
    """The language of `concept.label()`: Danish first, then English, untagged, any."""
    return _chosen_lang(concept.labels)


def _chosen_lang(texts: dict[str, str]) -> str:
    for lang in ("da", "en", ""):
        if texts.get(lang):
            return lang
    return next(iter(texts), "")


def _lang_attr(store: Any, scheme: str | None, code: str | None,
               version: str | None = None) -> Markup:
    """` lang="en"` for a concept whose label is not Danish (WCAG 3.1.2), else nothing."""
    concept = store.concept(scheme, code, version) if scheme and code else None
    lang = label_lang(concept) if concept is not None else ""
    return Markup(f' lang="{lang}"') if lang and lang != "da" else Markup("")


def working_label(store: Any, concept: Concept | None) -> tuple[str, str] | None:
    """(note, the publisher's own label) when the label shown for `concept` is one of our
    working labels (the Danish ICF labels, `ts:labelStatus "working"`), else None."""
    source = concept.label_source() if concept is not None else None
    if source is None or concept is None:
        return None
    try:
        info = store.latest(source).info
    except NotFound:
        return None
    if info.extra.get("label_status") != "working":
        return None
    own = next((concept.labels[lang] for lang in ("en", "") if concept.labels.get(lang)), "")
    return info.extra.get("label_note", ""), own


def _label_note(store: Any, scheme: str | None, code: str | None,
                version: str | None = None, short: bool = False) -> Markup:
    """Beside a label that is one of our working labels: a link that says so (its note as
    the title) and WHO's own title, so a Danish ICF label is never taken for WHO's; `short`
    (inside a path) gives WHO's title alone, the note as its tooltip."""
    concept = store.concept(scheme, code, version) if scheme and code else None
    found = working_label(store, concept)
    if found is None or concept is None:
        return Markup("")
    note, own = found
    if short:
        return Markup(' <span class="label-note" title="{}">(WHO: <span lang="en">{}</span>)'
                      '</span>').format(note, own) if own else Markup("")
    who = Markup(' · WHO: <span lang="en">{}</span>').format(own) if own else Markup("")
    return Markup(' <span class="label-note"><a href="/begreb/{}" title="{}">'
                  'dansk arbejdsbetegnelse</a>{}</span>').format(
                      concept.label_source(), note, who)


def _danish_search_error(exc: BadRequest) -> str:
    length = exc.details.get("length")
    if length is not None:
        return (f"Søgningen er for lang ({length} tegn). Skriv et par ord eller en kode, "
                "højst 500 tegn.")
    return "Søgningen kan ikke bruges. Skriv et ord eller en ICF-kode, fx hukommelse eller d450."


@router.get("/autocomplete")
def autocomplete(request: Request, q: str = Query("", max_length=200)) -> JSONResponse:
    """Suggestions for the search box: concepts, and interventions for an ICF code."""
    services = request.app.state.services
    suggestions: list[dict[str, str]] = []
    if q.strip():
        if _ICF_LIKE.match(q):
            try:
                found = intervention_index(services).for_icf(q)
                suggestions += [
                    {"label": hit["label"], "kind": f"Indsats · {labels.MATCH_NAMES[hit['match']]}",
                     "url": f"/begreb/catalogue/{quote(hit['code'])}", "lang": "da"}
                    for hit in found["results"][:6]
                ]
            except TermserverError:
                pass
        from .search_page import page_search  # the page's scope: no FBOE, no scales

        for hit in page_search(services, q, limit=8).hits:
            concept = services.store.concept(hit.scheme, hit.code)
            kind = labels.SCHEME_NAMES.get(hit.scheme, hit.scheme)
            if hit.scheme == "icf":
                kind = f"{kind} {hit.code}"
            if working_label(services.store, concept) is not None:
                kind += " · dansk arbejdsbetegnelse"
            suggestions.append({
                "label": hit.label,
                "kind": kind,
                "url": f"/begreb/{hit.scheme}/{quote(hit.code)}",
                "lang": label_lang(concept) if concept is not None else "",
            })
    return JSONResponse({"query": q, "suggestions": suggestions[:12]})


@router.get("/indsatser", response_class=HTMLResponse)
def interventions_page(request: Request, icf: str = "") -> HTMLResponse:
    context: dict[str, Any] = {"nav": "icf", "code": icf, "icf": None, "error": None,
                               "suggestions": [], "matches": None}
    status = 200
    if icf.strip() and not _CODE_ATTEMPT.match(icf):  # words: offer the ICF codes they match
        status = _codes_for_words(request, icf, context)
    elif icf.strip():
        try:
            found = context["icf"] = intervention_index(request.app.state.services).for_icf(icf)
            context["qualifier_text"] = labels.qualifier_text(found["icf"], found["qualifier"])
        except TermserverError as exc:
            status = exc.status_code
            context["error"] = _danish_error(exc, icf)
            context["suggestions"] = exc.details.get("suggestions", [])
    return _page(request, "interventions.html", context, status)


WORD_MATCHES = 8
"""ICF codes offered for words typed into "Find indsatser"."""


def _codes_for_words(request: Request, text: str, context: dict[str, Any]) -> int:
    """Words typed where a code was expected (`hukommelse`, `gå`): the ICF codes search
    finds for them, each with how many interventions it has; when the best one is named
    exactly by the words, its interventions are shown at once. Returns the status."""
    services = request.app.state.services
    index = intervention_index(services)
    if len(text) > 200:
        context["error"] = "Skriv et par ord eller en ICF-kode, højst 200 tegn."
        return 400
    try:
        hits = services.search.search(text, scheme="icf", limit=WORD_MATCHES).hits
    except NotFound:
        context["error"] = "ICF er ikke indlæst på denne server."
        return 404
    except BadRequest:
        hits = []
    matches = []
    for hit in hits:
        try:
            total = index.for_icf(hit.code)["total"]
        except TermserverError:
            continue
        matches.append({"code": hit.code, "label": hit.label, "total": total})
    context["matches"] = matches
    if not matches:
        context["error"] = (f"Ingen ICF-koder passer til »{text.strip()}«. Prøv et andet ord, "
                            "fx hukommelse eller gå, eller skriv en ICF-kode, fx d450.")
        return 404
    top = hits[0]
    if top.matched.casefold() == text.strip().casefold() and top.code == matches[0]["code"]:
        context["icf"] = index.for_icf(top.code)
    return 200


def _danish_error(exc: TermserverError, icf: str) -> str:
    if isinstance(exc, BadRequest):
        qualifier = exc.details.get("qualifier")
        if qualifier and qualifier.startswith("+") and len(qualifier) > 1 and \
                qualifier[1] in "0123489":
            return (f"»{icf}«: kun omgivelsesfaktorer (e-koder) kan have en fremmende faktor "
                    "(+). Brug punktum for de andre, fx d450.2.")
        if qualifier:
            return (f"»{icf}«: {qualifier[1:2]} er ikke en værdi for en ICF-kvalifikator. "
                    "Første kvalifikator er 0 (intet problem) til 4 (totalt problem), "
                    "8 (ikke specificeret) eller 9 (ikke relevant), fx d450.2.")
        return (f"»{icf}« er ikke en ICF-kode. En ICF-kode er et bogstav (b, s, d eller e) "
                "efterfulgt af tal, fx d450 eller d450.2.")
    if exc.details.get("scheme") == "icf" and "icf" not in exc.details:
        return "ICF er ikke indlæst på denne server."
    return f"ICF-koden »{icf}« findes ikke."


@router.get("/begreb/{scheme}", response_class=HTMLResponse)
def scheme_page(request: Request, scheme: str) -> HTMLResponse:
    try:
        release = request.app.state.services.store.latest(scheme)
    except TermserverError as exc:
        return _error_page(request, exc, scheme)
    # our working labels are shown on the concepts they name: the page says what they are
    tops = [] if release.info.extra.get("label_status") == "working" else \
        [release.concepts[c] for c in release.top_concepts]
    return _page(request, "scheme.html", {
        "scheme": scheme, "release": release, "tops": tops,
        "title": labels.SCHEME_NAMES.get(scheme, release.info.title)})


@router.get("/begreb/{scheme}/{code:path}", response_class=HTMLResponse)
def concept_page(request: Request, scheme: str, code: str,
                 version: str | None = None) -> HTMLResponse:
    return render_concept_page(request, scheme, code, version)


def render_concept_page(request: Request, scheme: str, code: str,
                        version: str | None) -> HTMLResponse:
    """The concept page: labels, definition, breadcrumbs, children, mappings, versions.

    An unknown scheme, version or code is a Danish 404 page with what the caseworker
    probably meant, not the API's JSON error."""
    services = request.app.state.services
    store = services.store
    try:
        resolved = store.resolve(scheme, code, version)
    except TermserverError as exc:
        return _error_page(request, exc, scheme, code)
    body = concept_body(store, resolved)
    concept = resolved.concept
    ancestors = list(reversed(store.ancestors(resolved.release, concept.code)))
    versions = store.release_appearances(scheme, code)
    latest = store.latest(scheme).version
    index = intervention_index(services)
    entry = _entry(index, scheme, code)
    context = {
        "c": body,
        "title_lang": label_lang(concept),
        "working": working_label(store, concept),
        "definition_lang": _definition_lang(concept),
        "ancestors": [{"code": a.code, "label": a.label()} for a in ancestors],
        "versions": versions,
        "latest": latest,
        # links inside an older release stay in that release
        "vq": "" if body["version"] == latest else f"?version={quote(body['version'])}",
        "changes": _changes(store, scheme, code, versions),
        "entry": entry,
        "for_condition": index.for_condition(scheme, code) if scheme in ("ffb", "fsiii")
        else [],
        "icf_link": scheme == "icf",
        "back": f"/begreb/{scheme}/{quote(code)}",
    }
    context.update(ways_on(services, resolved))
    return _page(request, "concept.html", context)


def _definition_lang(concept: Concept) -> str:
    return _chosen_lang(concept.definitions)


def _changes(store: Any, scheme: str, code: str, versions: list[str]) -> list[dict[str, Any]]:
    out = []
    for old, new in itertools.pairwise(versions):
        fields = concept_changes(store.release(scheme, old).concepts[code],
                                 store.release(scheme, new).concepts[code])
        if fields:
            out.append({"from": old, "to": new, "fields": [_describe(f) for f in fields]})
    return out


def _describe(change: Any) -> dict[str, Any]:
    """One changed field in plain Danish sentences (no diff jargon), with the old and new
    text where a person can read it."""
    name = _FIELD_NAMES.get(change.field, change.field)
    the = _DEFINITE.get(name, name).capitalize()
    if change.field in ("label", "definition"):
        old, new = _text(change.old), _text(change.new)
        if old and new and old.split() == new.split():
            return {"name": name, "summary": f"{the} er skrevet lidt anderledes (kun "
                    "mellemrum); indholdet er det samme."}
        summary = {(False, True): f"{the} er tilføjet.", (True, False): f"{the} er fjernet."
                   }.get((bool(old), bool(new)), f"{the} er ændret.")
        return {"name": name, "summary": summary, "old": old, "new": new}
    if change.field == "status":
        return {"name": name, "summary": "Begrebet gik fra at være "
                f"{labels.STATUS_NAMES.get(str(change.old), 'aktivt')} til at være "
                f"{labels.STATUS_NAMES.get(str(change.new), 'aktivt')}."}
    if change.field == "parent":
        return {"name": name, "summary": "Begrebet er flyttet til et andet overbegreb."}
    return {"name": name, "summary": f"{the} er ændret."}


def _text(values: Any) -> str:
    if not isinstance(values, dict) or not values:
        return ""
    return values.get("da") or values.get("en") or next(iter(values.values()))


_FIELD_NAMES = {"label": "betegnelse", "definition": "definition", "parent": "overbegreb",
                "status": "status"}
_DEFINITE = {"betegnelse": "betegnelsen", "definition": "definitionen",
             "overbegreb": "overbegrebet", "status": "status"}


def _entry(index: Any, scheme: str, code: str) -> dict[str, Any] | None:
    """A catalogue entry's ICF codes, tilstande and target groups."""
    if scheme != "catalogue":
        return None
    try:
        return index.for_entry(code)
    except NotFound:
        return None


def _error_page(request: Request, exc: TermserverError, scheme: str,
                code: str | None = None) -> HTMLResponse:
    """A Danish error page: what was not found, and links to what exists nearby."""
    services = request.app.state.services
    details = exc.details
    name = labels.SCHEME_NAMES.get(scheme, scheme)
    context: dict[str, Any] = {"links": [], "intro": None, "search": None,
                               "title": "Siden findes ikke"}
    if not isinstance(exc, NotFound):
        context.update(title="Adressen kan ikke bruges",
                       message="Adressen indeholder noget, siden ikke kan bruge.")
    elif "schemes" in details:
        context.update(
            title="Begrebssamlingen findes ikke",
            message=f"Der er ingen begrebssamling, der hedder »{scheme}«.",
            intro="Samlinger på denne server:",
            links=[{"href": f"/begreb/{quote(s)}", "text": labels.SCHEME_NAMES.get(s, s)}
                   for s in details["schemes"]])
    elif "versions" in details:
        context.update(
            title="Versionen findes ikke",
            message=f"{name} findes ikke i version »{details.get('version')}«.",
            intro="Versioner:",
            links=[{"href": f"/begreb/{scheme}/{quote(code)}?version={quote(v)}" if code
                    else f"/begreb/{scheme}", "text": labels.version_name(v)}
                   for v in details["versions"]])
    else:
        context.update(
            title="Koden findes ikke",
            message=f"Koden »{code}« findes ikke i {name}.",
            intro="Mente du:",
            links=_code_suggestions(services, scheme, code or ""),
            search=code)
    return _page(request, "error.html", context, exc.status_code)


def page_not_found(request: Request) -> HTMLResponse:
    """A browser that asks for a path nothing answers gets a Danish page, not API JSON."""
    return _page(request, "error.html", {
        "title": "Siden findes ikke",
        "message": f"Der er ingen side på adressen {request.url.path}.",
        "intro": "Prøv i stedet:",
        "links": [{"href": "/", "text": "Søg i begreber og indsatser"},
                  {"href": "/indsatser", "text": "Find indsatser til en ICF-kode"},
                  {"href": "/katalog", "text": "Indsatskataloget"}],
        "search": None}, 404)


def _code_suggestions(services: Any, scheme: str, code: str) -> list[dict[str, Any]]:
    """Codes like the unknown one: ICF's neighbours, near-identical codes, then search."""
    found: dict[str, str] = {}
    release = services.store.latest(scheme)
    if scheme == "icf" and _ICF_CODE.match(code.lower()):
        for s in intervention_index(services).suggest(code.lower()):
            found[s["code"]] = s["label"]
    for other in get_close_matches(code, list(release.concepts), n=5, cutoff=0.75):
        found.setdefault(other, release.concepts[other].label())
    if len(found) < 5 and len(code) <= 200:
        try:
            for hit in services.search.search(code, scheme=scheme, limit=5).hits:
                found.setdefault(hit.code, hit.label)
        except TermserverError:
            pass
    return [{"href": f"/begreb/{scheme}/{quote(c)}", "text": label, "scheme": scheme,
             "code": c} for c, label in list(found.items())[:5]]


@router.get("/katalog", response_class=HTMLResponse)
def catalogue_page(request: Request, omraade: str = "", lov: str = "") -> HTMLResponse:
    store = request.app.state.services.store
    has_catalogue = "catalogue" in store.schemes()
    entries: list[Any] = []
    laws: set[str] = set()
    error = None
    if has_catalogue:
        release = store.latest("catalogue")
        items = [c for c in release.concepts.values()  # withdrawn entries are not offered
                 if c.properties.get("legalBasis") and c.status not in NOT_CURRENT]
        for item in items:
            laws.update(_law_name(b) for b in item.properties["legalBasis"])
        if omraade and omraade not in labels.AREA_NAMES:
            error = f"Kataloget har ikke et område, der hedder »{omraade}«."
        elif lov and lov not in laws:
            error = f"Ingen indsatser i kataloget har lovgrundlaget »{lov}«."
        groups: dict[str, list[Any]] = {}
        for item in sorted(items, key=lambda c: labels.danish_sort_key(c.label())):
            area = (item.properties.get("area") or [""])[0]
            if error or (omraade and area != omraade):
                continue
            if lov and not any(_law_name(b) == lov for b in item.properties["legalBasis"]):
                continue
            groups.setdefault(labels.AREA_NAMES.get(area, area or "Øvrige"), []).append(item)
        entries = sorted(groups.items(), key=lambda g: labels.danish_sort_key(g[0]))
    return _page(request, "catalogue.html", {
        "nav": "catalogue", "entries": entries, "areas": list(labels.AREA_NAMES.items()),
        "area": omraade, "laws": sorted(laws, key=labels.danish_sort_key),
        "selected_law": lov, "has_catalogue": has_catalogue, "error": error,
        "total": sum(len(items) for _, items in entries)}, 400 if error else 200)


def _law_name(basis: str) -> str:
    """`Serviceloven § 85` → `Serviceloven`, `Lov om … (mentor)` → `Lov om …`: filter by
    law, show the paragraph or instrument."""
    name = basis.split("§")[0].strip().rstrip(",")
    return re.sub(r"\s*\([^)]*\)$", "", name) or basis
