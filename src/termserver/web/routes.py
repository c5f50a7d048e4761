"""The caseworker pages: server-rendered Danish HTML from the same app as the API.

Everything works without JavaScript (forms submit and render on the server); the
small script in static/app.js only adds autocomplete.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ..bodies import concept_body, search_body
from ..diff import concept_changes
from ..errors import BadRequest, NotFound, TermserverError
from ..interventions import MATCH_EXPLAINED, MATCH_ORDER, intervention_index
from . import labels

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(
    scheme_names=labels.SCHEME_NAMES,
    status_names=labels.STATUS_NAMES,
    relation_names=labels.RELATION_NAMES,
    match_names=labels.MATCH_NAMES,
    lang_names=labels.LANG_NAMES,
    note_names=labels.NOTE_NAMES,
    explained=MATCH_EXPLAINED,
    match_order=MATCH_ORDER,
)
router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=str(HERE / "static"))
_ICF_LIKE = re.compile(r"^\s*[bsde]\d{1,5}([.+]\d*)*\s*$", re.I)


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200):
    return templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, q: str = "") -> HTMLResponse:
    services = request.app.state.services
    context: dict[str, Any] = {"nav": "search", "q": q, "results": None, "icf": None,
                               "error": None}
    if q.strip():
        if _ICF_LIKE.match(q):
            try:
                context["icf"] = intervention_index(services).for_icf(q)
            except TermserverError:
                context["icf"] = None
        try:
            context["results"] = search_body(services.search.search(q, limit=20))
        except BadRequest as exc:
            context["error"] = exc.message
    return _page(request, "search.html", context)


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
                    {"label": hit["label"], "kind": labels.MATCH_NAMES[hit["match"]],
                     "url": f"/begreb/catalogue/{hit['code']}"}
                    for hit in found["results"][:6]
                ]
            except TermserverError:
                pass
        for hit in services.search.search(q, limit=8).hits:
            suggestions.append({
                "label": hit.label,
                "kind": labels.SCHEME_NAMES.get(hit.scheme, hit.scheme),
                "url": f"/begreb/{hit.scheme}/{hit.code}",
            })
    return JSONResponse({"query": q, "suggestions": suggestions[:12]})


@router.get("/indsatser", response_class=HTMLResponse)
def interventions_page(request: Request, icf: str = "") -> HTMLResponse:
    context: dict[str, Any] = {"nav": "icf", "code": icf, "icf": None, "error": None,
                               "suggestions": []}
    status = 200
    if icf.strip():
        try:
            context["icf"] = intervention_index(request.app.state.services).for_icf(icf)
        except TermserverError as exc:
            status = exc.status_code
            context["error"] = _danish_error(exc, icf)
            context["suggestions"] = exc.details.get("suggestions", [])
    return _page(request, "interventions.html", context, status)


def _danish_error(exc: TermserverError, icf: str) -> str:
    if isinstance(exc, BadRequest):
        return (f"»{icf}« er ikke en ICF-kode. En ICF-kode er et bogstav (b, s, d eller e) "
                "efterfulgt af tal, fx d450 eller d450.2.")
    if exc.details.get("scheme") == "icf" and "icf" not in exc.details:
        return "ICF er ikke indlæst på denne server."
    return f"ICF-koden »{icf}« findes ikke."


@router.get("/begreb/{scheme}", response_class=HTMLResponse)
def scheme_page(request: Request, scheme: str) -> HTMLResponse:
    release = request.app.state.services.store.latest(scheme)
    tops = [release.concepts[c] for c in release.top_concepts]
    return _page(request, "scheme.html", {
        "scheme": scheme, "release": release, "tops": tops,
        "title": labels.SCHEME_NAMES.get(scheme, release.info.title)})


@router.get("/begreb/{scheme}/{code}", response_class=HTMLResponse)
def concept_page(request: Request, scheme: str, code: str,
                 version: str | None = None) -> HTMLResponse:
    return render_concept_page(request, scheme, code, version)


def render_concept_page(request: Request, scheme: str, code: str,
                        version: str | None) -> HTMLResponse:
    """The concept page: labels, definition, breadcrumbs, children, mappings, versions."""
    services = request.app.state.services
    store = services.store
    resolved = store.resolve(scheme, code, version)
    body = concept_body(store, resolved)
    ancestors = list(reversed(store.ancestors(resolved.release, resolved.concept.code)))
    versions = store.release_appearances(scheme, code)
    context = {
        "c": body,
        "ancestors": [{"code": a.code, "label": a.label()} for a in ancestors],
        "versions": versions,
        "changes": _changes(store, scheme, code, versions),
        "addressed": _addressed(services, scheme, code),
        "icf_link": scheme == "icf",
    }
    return _page(request, "concept.html", context)


def _changes(store: Any, scheme: str, code: str, versions: list[str]) -> list[dict[str, Any]]:
    out = []
    for old, new in itertools.pairwise(versions):
        fields = concept_changes(store.release(scheme, old).concepts[code],
                                 store.release(scheme, new).concepts[code])
        if fields:
            out.append({"from": old, "to": new,
                        "fields": [_FIELD_NAMES.get(f.field, f.field) for f in fields]})
    return out


_FIELD_NAMES = {"label": "betegnelse", "definition": "definition", "parent": "overbegreb",
                "status": "status"}


def _addressed(services: Any, scheme: str, code: str) -> list[dict[str, Any]]:
    if scheme != "catalogue":
        return []
    try:
        entry = intervention_index(services).for_entry(code)
    except NotFound:
        return []
    return [*entry["icf"], *entry["conditions"]]


@router.get("/katalog", response_class=HTMLResponse)
def catalogue_page(request: Request, omraade: str = "", lov: str = "") -> HTMLResponse:
    store = request.app.state.services.store
    has_catalogue = "catalogue" in store.schemes()
    entries: list[Any] = []
    laws: set[str] = set()
    if has_catalogue:
        release = store.latest("catalogue")
        items = [c for c in release.concepts.values() if c.properties.get("legalBasis")]
        for item in items:
            laws.update(_law_name(b) for b in item.properties["legalBasis"])
        groups: dict[str, list[Any]] = {}
        for item in sorted(items, key=lambda c: c.label()):
            area = (item.properties.get("area") or [""])[0]
            if omraade and area != omraade:
                continue
            if lov and not any(_law_name(b) == lov for b in item.properties["legalBasis"]):
                continue
            groups.setdefault(labels.AREA_NAMES.get(area, area or "Øvrige"), []).append(item)
        entries = sorted(groups.items())
    return _page(request, "catalogue.html", {
        "nav": "catalogue", "entries": entries, "areas": list(labels.AREA_NAMES.items()),
        "area": omraade, "laws": sorted(laws), "selected_law": lov,
        "has_catalogue": has_catalogue})


def _law_name(basis: str) -> str:
    """`Serviceloven § 85` → `Serviceloven`: filter by law, show the paragraph."""
    return basis.split("§")[0].strip().rstrip(",") or basis
