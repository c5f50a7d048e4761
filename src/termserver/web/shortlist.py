"""A caseworker's shortlist of interventions: pick entries, then print or copy the list.

No account and no server-side state: the list is a cookie of catalogue codes
(`indsatsliste`, this browser only, gone when the browser closes), changed by plain form
posts that answer with a redirect back to the page the button was on, so it works
without JavaScript. The same list can be shown from the address alone
(`/liste?koder=SEL-83-MAD,AEL-16-AFLOES`): a link to send to a colleague, and what the
page's "link to this list" gives. `/liste.txt` is the list as plain text to save or copy.

A post from another site is refused (Origin / Sec-Fetch-Site), so no page elsewhere can
fill someone's list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from ..interventions import intervention_index
from ..search.facets import NOT_CURRENT
from . import labels
from .routes import _page, templates

router = APIRouter(include_in_schema=False)

COOKIE = "indsatsliste"
MAX_ITEMS = 40
"""Entries a list holds: a cookie stays well under the browsers' 4 kB."""
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,40}$")
_SEPARATOR = re.compile(r"[,. ]+")
"""Codes are separated by dots in the cookie (a comma would have to be quoted there) and
by commas in a shared link."""


def codes_in(text: str | None) -> list[str]:
    """Catalogue codes from a cookie or `koder=` value, in order, each once; anything that
    cannot be a code is dropped (the value comes from the browser)."""
    found = [c.strip().upper() for c in _SEPARATOR.split(text or "")]
    return list(dict.fromkeys(c for c in found if _CODE.match(c)))[:MAX_ITEMS]


def current_list(request: Request) -> list[str]:
    return codes_in(request.cookies.get(COOKIE))


def on_list(request: Request, code: str) -> bool:
    """For templates: is this entry on the visitor's list?"""
    return code in current_list(request)


def list_size(request: Request) -> int:
    return len(current_list(request))


def date_name(iso: str | None) -> str:
    """`2025-07-01` → `1. juli 2025`."""
    return labels.version_name((iso or "").replace("-", ""))


templates.env.globals.update(on_list=on_list, list_size=list_size)
templates.env.filters.update(date_name=date_name)


def _catalogue(request: Request) -> Any:
    store = request.app.state.services.store
    return store.latest("catalogue") if "catalogue" in store.schemes() else None


def _back(request: Request, target: str | None) -> str:
    """Where to go after a change: the page the button was on (a path of this site only)."""
    if target and target.startswith("/") and not target.startswith("//") and \
            "\\" not in target and len(target) <= 2000:
        return target
    return "/liste"


def _same_site(request: Request) -> bool:
    """A form post from this site. Browsers say so in Sec-Fetch-Site; without it, an
    Origin must name the host the request was sent to (behind a proxy, the one it
    forwarded for)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    return origin != "null" and urlsplit(origin).netloc in hosts - {""}


def _refused(request: Request) -> HTMLResponse:
    return _page(request, "error.html", {
        "title": "Listen blev ikke ændret",
        "message": "Ændringen kom fra en anden hjemmeside, så listen blev ikke ændret. "
                   "Brug knapperne på denne side.",
        "intro": None, "links": [], "search": None}, 403)


def _with(codes: list[str], response: Response) -> Response:
    if codes:
        response.set_cookie(COOKIE, ".".join(codes), httponly=True, samesite="lax", path="/")
    else:
        response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/liste/tilfoej")
def add(request: Request, kode: str = Form(""), tilbage: str = Form("")) -> Response:
    if not _same_site(request):
        return _refused(request)
    catalogue = _catalogue(request)
    code = kode.strip().upper()
    entry = catalogue.concepts.get(code) if catalogue is not None else None
    if entry is None or entry.status in NOT_CURRENT or not entry.properties.get("legalBasis"):
        return _page(request, "error.html", {
            "title": "Indsatsen findes ikke",
            "message": f"»{kode}« er ikke en indsats i kataloget, der kan sættes på listen.",
            "intro": None, "links": [{"href": "/katalog", "text": "Indsatskataloget"}],
            "search": None}, 404)
    codes = current_list(request)
    if code not in codes:
        codes = [*codes, code][-MAX_ITEMS:]
    return _with(codes, RedirectResponse(_back(request, tilbage), status_code=303))


@router.post("/liste/fjern")
def remove(request: Request, kode: str = Form(""), tilbage: str = Form("")) -> Response:
    if not _same_site(request):
        return _refused(request)
    codes = [c for c in current_list(request) if c != kode.strip().upper()]
    return _with(codes, RedirectResponse(_back(request, tilbage), status_code=303))


@router.post("/liste/toem")
def clear(request: Request) -> Response:
    if not _same_site(request):
        return _refused(request)
    return _with([], RedirectResponse("/liste", status_code=303))


@router.post("/liste/gem")
def keep(request: Request, koder: str = Form("")) -> Response:
    """Make a list opened from a link (`?koder=`) this browser's own list."""
    if not _same_site(request):
        return _refused(request)
    return _with(codes_in(koder), RedirectResponse("/liste", status_code=303))


def shortlist_rows(request: Request, codes: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows to show, codes that are no longer current entries) for a list of codes."""
    catalogue = _catalogue(request)
    index = intervention_index(request.app.state.services)
    rows, gone = [], []
    for code in codes:
        entry = catalogue.concepts.get(code) if catalogue is not None else None
        if entry is None or entry.status in NOT_CURRENT:
            gone.append(code)
            continue
        body = index.for_entry(code)
        rows.append({
            "code": code, "label": body["label"], "legal_basis": body["legal_basis"],
            "in_force_from": body["in_force_from"],
            "icf": [r for r in body["icf"] if r["code"]],
            "official": [r for r in body["official"] if r["code"] and r["relation"] ==
                         "exactMatch"],
        })
    return rows, gone


def as_text(rows: list[dict[str, Any]]) -> str:
    """The list as plain text: one block per intervention, for mail or a case file."""
    lines = ["Indsatsliste", ""]
    for n, row in enumerate(rows, 1):
        lines.append(f"{n}. {row['label']} ({row['code']})")
        basis = ", ".join(row["legal_basis"]) or "ikke angivet"
        since = f" (i kraft fra {date_name(row['in_force_from'])})" \
            if row["in_force_from"] else ""
        lines.append(f"   Lovgrundlag: {basis}{since}")
        if row["icf"]:
            lines.append("   ICF: " + "; ".join(f"{r['code']} {r['label']}" for r in row["icf"]))
        for ref in row["official"]:
            name = labels.SCHEME_NAMES.get(ref["scheme"], ref["scheme"])
            lines.append(f"   Officiel kode: {name} {ref['code']} {ref['label']}")
        lines.append("")
    if not rows:
        lines.append("(listen er tom)")
    return "\n".join(lines).rstrip() + "\n"


@router.get("/liste", response_class=HTMLResponse)
def show(request: Request, koder: str | None = None) -> HTMLResponse:
    shared = koder is not None
    codes = codes_in(koder) if shared else current_list(request)
    rows, gone = shortlist_rows(request, codes)
    link = "/liste?koder=" + quote(",".join(r["code"] for r in rows), safe=",")
    return _page(request, "shortlist.html", {
        "nav": "list", "rows": rows, "gone": gone, "shared": shared, "text": as_text(rows),
        "link": link, "codes": ",".join(r["code"] for r in rows)})


@router.get("/liste.txt", response_class=PlainTextResponse)
def show_text(request: Request, koder: str | None = None) -> PlainTextResponse:
    codes = codes_in(koder) if koder is not None else current_list(request)
    rows, _ = shortlist_rows(request, codes)
    return PlainTextResponse(as_text(rows), headers={
        "Content-Disposition": 'attachment; filename="indsatsliste.txt"'})
