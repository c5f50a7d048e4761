"""The search page: one result list a caseworker can page through, narrow and trust.

What the page adds to the search API:

- a default scope: every vocabulary except the children's-health schemes (FBOE), whose
  health-visitor terms are noise to an adult caseworker; they are one click away;
- filters (type, collection, area, law) as a plain GET form, so every narrowed list has
  its own address and works without JavaScript;
- pages of PAGE_SIZE with the total that paging really reaches;
- each hit with where it sits (its group), what kind it is, and "fundet via" as the label
  or one sentence of a definition with the words marked;
- when nothing is found, a spelling we know and broader searches that do find something,
  each with its count, instead of a dead end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from ..bodies import search_body
from ..errors import BadRequest, NotFound, TermserverError
from ..interventions import intervention_index
from ..search import MAX_RESULTS, Filters, SearchResults, analysis, search_filters
from ..search.documents import SKIPPED_KINDS
from ..search.facets import known_laws
from . import labels
from .routes import _ICF_LIKE, _danish_error, _danish_search_error, _page, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
CHILD_HEALTH = ("fboe",)
"""Schemes for children's health (the health visitors' FBOE): out of the default scope."""
KIND_CHOICES = (("tilstand", "Tilstande"), ("indsats", "Indsatser og ydelser"),
                ("icf", "ICF-koder"), ("maalgruppe", "Målgrupper"),
                ("andet", "Andet (skalaer, statusser, administrative koder)"))
DEFAULT_KINDS = ["tilstand", "indsats", "icf", "maalgruppe"]
"""What a caseworker acts on; the scales, statuses and administrative codes (`andet`) are
searched only when chosen."""
KIND_NAMES = {"tilstand": "tilstand", "indsats": "indsats", "icf": "ICF-kode",
              "maalgruppe": "målgruppe", "andet": ""}


def searchable_schemes(store: Any) -> list[str]:
    """Schemes with concepts of their own to find, in the order the page lists them."""
    order = list(labels.SCHEME_NAMES)
    found = [r.scheme for r in store.latest_releases() if r.info.kind not in SKIPPED_KINDS]
    return sorted(found, key=lambda s: (order.index(s) if s in order else len(order), s))


def default_schemes(store: Any) -> list[str]:
    return [s for s in searchable_schemes(store) if s not in CHILD_HEALTH]


def page_filters(store: Any, schemes: list[str] | None = None, kinds: list[str] | None = None,
                 area: str | None = None, law: str | None = None) -> Filters:
    """The page's filters: the chosen schemes and types, else the default scope."""
    return search_filters(store, schemes or default_schemes(store), None,
                          kinds or DEFAULT_KINDS, area, law)


def page_search(services: Any, q: str, limit: int = PAGE_SIZE, offset: int = 0,
                filters: Filters | None = None) -> SearchResults:
    """A search as the page runs it (also what bench/relevance.py --scope page judges)."""
    return services.search.search(q, limit=limit, offset=offset,
                                  filters=filters or page_filters(services.store))


def marked(text: str, marks: Iterable[Iterable[int]]) -> Markup:
    """`text` with the ranges in `marks` wrapped in <mark>, everything escaped."""
    out, at = [], 0
    for start, end in sorted(tuple(m) for m in marks):
        if start < at:
            continue
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]),
                Markup("</mark>")]
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


templates.env.filters.update(marked=marked)


LAST_PAGE = MAX_RESULTS // PAGE_SIZE


def _page_number(text: str | None) -> int | None:
    """The page asked for (`side`), None when it is no page a list can have."""
    if text is None or text == "":
        return 1
    return int(text) if text.isdigit() and 1 <= int(text) <= LAST_PAGE else None


def _danish_filter_error(exc: TermserverError, store: Any) -> str:
    details = exc.details
    if "kind" in details:
        return f"»{details['kind']}« er ikke en type. Vælg tilstande, indsatser, ICF-koder " \
               "eller målgrupper."
    if "area" in details:
        return f"Kataloget har ikke et område, der hedder »{details['area']}«."
    if "law" in details:
        return f"Ingen indsatser i kataloget har lovgrundlaget »{details['law']}«."
    if "scheme" in details or "schemes" in details:
        return "En af de valgte samlinger findes ikke på denne server."
    return "Filtrene kan ikke bruges."


def _link(params: dict[str, Any]) -> str:
    pairs = [(k, v) for k, values in params.items()
             for v in (values if isinstance(values, list) else [values]) if v not in (None, "")]
    return "/?" + urlencode(pairs)


def _pages(current: int, count: int) -> list[int | None]:
    """Page numbers to link: the first, the last, and two on each side of the current one,
    None where some are left out."""
    wanted = sorted({1, count, *range(current - 2, current + 3)} & set(range(1, count + 1)))
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


_WORD = re.compile(r"[^\W\d_]+")


def _spellings(services: Any) -> dict[str, str]:
    """Folded label word → the word as labels spell it (Danish letters kept)."""
    found = services.cache.get("page-spellings")
    if found is None:
        found = {}
        for release in services.store.latest_releases():
            for concept in release.concepts.values():
                for text in [*concept.labels.values(),
                             *(t for ts in concept.alt_labels.values() for t in ts),
                             *(t for ts in concept.hidden_labels.values() for t in ts)]:
                    for word in _WORD.findall(text.lower()):
                        if len(word) > 2:
                            found.setdefault("".join(analysis.words(word)), word)
        services.cache["page-spellings"] = found
    return found


def spelling(services: Any, q: str) -> str | None:
    """The query with each word no label has replaced by the closest label word a typo away
    (the first of the closest, by edit distance then length); None when nothing changes."""
    known = _spellings(services)
    words = _WORD.findall(q.lower())
    changed = False
    out = []
    for word in words:
        folded = "".join(analysis.words(word))
        if folded in known or len(folded) < 4 or folded in analysis.STOPWORDS:
            out.append(word)
            continue
        near = [(analysis.edit_distance(folded, k), len(k), k) for k in known
                if k[:1] == folded[:1] and analysis.is_typo_of(folded, k)]
        if near:
            out.append(known[min(near)[2]])
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None


def _count(services: Any, q: str, filters: Filters) -> int:
    try:
        return services.search.search(q, limit=1, filters=filters).total
    except TermserverError:
        return 0


def broader_searches(services: Any, q: str, filters: Filters, chosen: dict[str, Any],
                     ) -> list[dict[str, Any]]:
    """Searches that do find something when this one found nothing: without the filters,
    also in the children's-health schemes, with fewer words; each with its count."""
    store = services.store
    out: list[dict[str, Any]] = []
    narrowed = any(chosen[k] for k in ("type", "omraade", "lov")) or bool(chosen["samling"])
    if narrowed:
        count = _count(services, q, page_filters(store))
        if count:
            out.append({"text": f"Søg uden filtre: »{q}«", "count": count,
                        "href": _link({"q": q})})
    everywhere = search_filters(store, searchable_schemes(store))
    if not chosen["samling"] or not chosen["type"]:
        count = _count(services, q, everywhere) - _count(services, q, page_filters(store))
        if count > 0:
            out.append({"text": f"Søg i alle samlinger og typer, også børnesundhed (FBOE): »{q}«",
                        "count": count, "extra": True,
                        "href": _link({"q": q, "samling": searchable_schemes(store),
                                       "type": [k for k, _ in KIND_CHOICES]})})
    words = [w for w in _WORD.findall(q) if "".join(analysis.words(w)) not in
             analysis.STOPWORDS]
    if len(words) > 1:
        for word in dict.fromkeys(words):
            count = _count(services, word, page_filters(store))
            if count:
                out.append({"text": f"Søg kun efter »{word}«", "count": count,
                            "href": _link({"q": word})})
    return out


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    services = request.app.state.services
    store = services.store
    params = request.query_params
    q = params.get("q", "")
    chosen: dict[str, Any] = {
        "type": [k for k in params.getlist("type") if k],
        "samling": [s for s in params.getlist("samling") if s],
        "omraade": params.get("omraade") or None, "lov": params.get("lov") or None}
    page = _page_number(params.get("side"))
    laws = sorted(known_laws(store).values(), key=labels.danish_sort_key)
    context: dict[str, Any] = {
        "nav": "search", "q": q, "results": None, "icf": None, "error": None,
        "chosen": chosen, "kinds": KIND_CHOICES, "kind_names": KIND_NAMES,
        "schemes": searchable_schemes(store), "default_schemes": default_schemes(store),
        "child_health": CHILD_HEALTH, "areas": list(labels.AREA_NAMES.items()), "laws": laws,
        "filtered": any(chosen.values()), "pages": [], "page": page or 1,
        "spelling": None, "broader": []}
    if not q.strip():
        return _page(request, "search.html", context)
    if _ICF_LIKE.match(q):
        try:
            context["icf"] = intervention_index(services).for_icf(q)
        except TermserverError as exc:  # say why, and offer the neighbouring codes
            context["icf_error"] = _danish_error(exc, q.strip())
            context["suggestions"] = exc.details.get("suggestions", [])
    if page is None:
        context["error"] = (f"Sidetallet kan ikke bruges; det skal være et tal fra 1 til "
                            f"{LAST_PAGE}.")
        return _page(request, "search.html", context, 400)
    try:
        filters = page_filters(store, chosen["samling"], chosen["type"], chosen["omraade"],
                               chosen["lov"])
    except (BadRequest, NotFound) as exc:
        context["error"] = _danish_filter_error(exc, store)
        return _page(request, "search.html", context, 400)
    try:
        results = page_search(services, q, PAGE_SIZE, (page - 1) * PAGE_SIZE, filters)
    except BadRequest as exc:
        context["error"] = _danish_search_error(exc)
        return _page(request, "search.html", context, exc.status_code)
    context["results"] = search_body(results, store)
    count = math.ceil(results.total / PAGE_SIZE)
    here = {"q": q, **chosen}
    context["pages"] = [None if n is None else {"n": n, "href": _link({**here, "side": n})}
                        for n in _pages(page, count)] if count > 1 else []
    context["previous"] = _link({**here, "side": page - 1}) if page > 1 else None
    context["next"] = _link({**here, "side": page + 1}) if page < count else None
    context["first"] = (page - 1) * PAGE_SIZE + 1
    context["back"] = str(request.url.path) + ("?" + request.url.query if request.url.query
                                               else "")
    context["unfiltered"] = _link({"q": q})
    if not results.hits:
        fixed = spelling(services, q)
        if fixed and _count(services, fixed, filters):
            context["spelling"] = {"text": fixed, "href": _link({**here, "q": fixed})}
        context["broader"] = broader_searches(services, q, filters, chosen)
    return _page(request, "search.html", context)
