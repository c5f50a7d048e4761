"""GET /search: Danish-aware search over labels, codes and definitions.

Two routes serve the one URL. The documented FastAPI route states the contract (OpenAPI,
parameter validation, the error answers). Ahead of it, `WellFormedSearchRoute` takes the
requests whose parameters need no validation beyond what it checks itself — the bulk of
traffic, one word typed into a search box — and answers them without FastAPI's parameter
machinery. Every other request (no `q`, a `q` over the limit, a `limit` that is not a
plain number in range) does not match it and reaches the documented route, so every
error answer is FastAPI's own, exactly as documented.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from ..bodies import search_body
from ..search import MAX_RESULTS, search_filters
from ..search.matching import MAX_QUERY_CHARS
from .responses import json_response
from .schemas import ERROR_RESPONSES, SearchOut

router = APIRouter(tags=["search"])

DEFAULT_LIMIT = 10
MAX_LIMIT = 200
_PLAIN_LIMIT = re.compile(r"[1-9][0-9]{0,2}")
"""A `limit` the fast route takes as is; anything else (`+5`, ` 5`, `05`, `many`) is left
to the documented route, whose parsing and error message are the contract."""
FAST_MAX_WORDS = 2
"""Queries of up to this many words run on the event loop (typically 0.1–0.5 ms, a few ms
at worst); longer ones take the documented route, which runs in the worker pool so a
40-word query (tens of ms) cannot hold up the requests queued behind it."""
_PARAMS = "termserver.search_params"
"""Scope key in which WellFormedSearchRoute hands the parameters it parsed to its endpoint
(the top-level router merges a route's child scope into the request's scope)."""


def run_search(request: Request, q: str, scheme: str | list[str] | None, version: str | None,
               limit: int, offset: int = 0, kind: list[str] | None = None,
               area: str | None = None, law: str | None = None,
               include_retired: bool = False) -> Response:
    """The search itself, shared by both routes: filters checked, hits as JSON."""
    services = request.app.state.services
    schemes = [scheme] if isinstance(scheme, str) else scheme
    filters = search_filters(services.store, schemes, version, kind, area, law,
                             include_retired)
    results = services.search.search(q, limit=limit, offset=offset, filters=filters)
    return json_response(search_body(results, services.store))


_SCHEMES = Query(None, description="Only these schemes: repeat the parameter or separate "
                 "names by commas (`scheme=ffb,fsiii`).")
_KINDS = Query(None, description="Only these kinds: `tilstand`, `indsats` (also `ydelse`), "
               "`icf`, `maalgruppe`, `andet`; repeat or separate by commas.")


@router.get("/search", response_model=SearchOut, responses=ERROR_RESPONSES,
            summary="Search concepts")
def search(
    request: Request,
    q: str = Query(..., max_length=MAX_QUERY_CHARS,
                   description="Words, a code or a code prefix, e.g. `hukommelse`, "
                   "`d450`, `§ 85`."),
    scheme: list[str] | None = _SCHEMES,
    version: str | None = Query(None, description="Only this version (needs one scheme)."),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description="Most results to return."),
    offset: int = Query(0, ge=0, le=MAX_RESULTS - 1,
                        description="Results to skip, for the next page: `total` says how "
                        "many there are."),
    kind: list[str] | None = _KINDS,
    area: str | None = Query(None, description="Only the catalogue's area (`social`, "
                             "`employment`, `family`, `health`): its entries and the "
                             "official ydelser and indsatser they match."),
    law: str | None = Query(None, description="Only interventions with this law as legal "
                            "basis, e.g. `Serviceloven`, `Ældreloven` (entries and the "
                            "official concepts they match)."),
    include_retired: bool = Query(False, description="Also deprecated and retired concepts, "
                                  "which are otherwise never offered (each hit's `status` "
                                  "says which)."),
) -> Response:
    return run_search(request, q, scheme, version, limit, offset, kind, area, law,
                      include_retired)


_FILTER_PARAMS = frozenset({"offset", "kind", "area", "law", "include_retired"})
"""Parameters the fast route leaves to the documented one (paging and filtering are
checked there; the plain one-word search stays fast)."""


def well_formed(query_string: bytes) -> tuple[str, str | None, str | None, int] | None:
    """(q, scheme, version, limit) when the documented route would take them unchanged and
    the query is short, else None.

    Parsed as Starlette parses a query string, and a repeated parameter resolves as in
    FastAPI (the last one wins), so both routes read the same values.
    """
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    if not _FILTER_PARAMS.isdisjoint(params) or "," in params.get("scheme", "") or \
            sum(name == "scheme" for name, _ in pairs) > 1:
        return None
    q = params.get("q")
    if q is None or len(q) > MAX_QUERY_CHARS or len(q.split(None, FAST_MAX_WORDS)) > \
            FAST_MAX_WORDS:
        return None
    raw_limit = params.get("limit")
    if raw_limit is None:
        limit = DEFAULT_LIMIT
    elif _PLAIN_LIMIT.fullmatch(raw_limit) and int(raw_limit) <= MAX_LIMIT:
        limit = int(raw_limit)
    else:
        return None
    return q, params.get("scheme"), params.get("version"), limit


async def search_hot_path(request: Request) -> Response:
    """GET /api/v1/search for short, well-formed queries, without FastAPI's machinery."""
    params = request.scope.get(_PARAMS) or well_formed(request.scope["query_string"])
    if params is None:
        raise RuntimeError("search_hot_path is only reached through WellFormedSearchRoute")
    return run_search(request, *params)


class WellFormedSearchRoute(Route):
    """`search_hot_path` at `path`, matching only requests `well_formed` accepts.

    Mount it on the app's own router, ahead of the documented route: FastAPI matches the
    routes of an included router itself, without calling this `matches`.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, search_hot_path, methods=["GET"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.FULL:
            return match, child_scope
        params = well_formed(scope.get("query_string", b""))
        if params is None:
            return Match.NONE, {}
        return match, {**child_scope, _PARAMS: params}
