"""Linked Data: concept and scheme IRIs resolve here, by content negotiation.

`https://data.termserver.dk/id/{scheme}/{code}` is served at `/id/{scheme}/{code}` on
whatever host runs termserver: HTML for a browser, Turtle or JSON-LD by `Accept`
(or `?format=ttl|jsonld|nt`). `/resource?uri=` resolves any IRI we hold.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from ..errors import NotFound, UnsupportedMediaType
from ..namespaces import parse_concept_iri
from ..rdf import concept_lines, lines_graph, scheme_lines

router = APIRouter(tags=["linked data"])

RDF_FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
}
_ACCEPT = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/n-triples": "nt",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


def negotiate(accept: str, explicit: str | None) -> str:
    """Pick html | ttl | jsonld | nt; the first acceptable type in q order wins."""
    if explicit:
        if explicit not in RDF_FORMATS and explicit != "html":
            raise UnsupportedMediaType(
                f"Unknown format {explicit!r}; use html, ttl, jsonld or nt.",
                details={"format": explicit},
            )
        return explicit
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.strip() in _ACCEPT and quality > 0:
            ranked.append((-quality, index, _ACCEPT[media.strip()]))
    return min(ranked)[2] if ranked else "ttl"


def _rdf_response(lines: list[str], fmt: str) -> Response:
    media_type, rdflib_format = RDF_FORMATS[fmt]
    if fmt == "nt":
        body = ("\n".join(lines) + "\n").encode()
    else:
        body = lines_graph(lines).serialize(format=rdflib_format, encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


@router.get("/id/{scheme}/{code}", summary="Resolve a concept IRI (HTML, Turtle, JSON-LD)")
def resolve_concept(
    request: Request,
    scheme: str,
    code: str,
    version: str | None = None,
    format: str | None = Query(None, description="html | ttl | jsonld | nt"),
) -> Response:
    services = request.app.state.services
    resolved = services.store.resolve(scheme, code, version)
    fmt = negotiate(request.headers.get("accept", ""), format)
    if fmt == "html":
        target = f"/begreb/{scheme}/{code}" + (f"?version={version}" if version else "")
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
    return _rdf_response(concept_lines(resolved.release, resolved.concept), fmt)


@router.get("/id/{scheme}", summary="Resolve a scheme IRI")
def resolve_scheme(
    request: Request, scheme: str, format: str | None = None
) -> Response:
    services = request.app.state.services
    release = services.store.latest(scheme)
    fmt = negotiate(request.headers.get("accept", ""), format)
    if fmt == "html":
        return RedirectResponse(f"/api/v1/schemes/{scheme}", status_code=303)
    return _rdf_response(sorted(scheme_lines(release.info)), fmt)


@router.get("/resource", summary="Resolve any concept IRI termserver holds")
def resolve_resource(request: Request, uri: str, format: str | None = None) -> Response:
    found = request.app.state.services.store.resolve_uri(uri) or parse_concept_iri(uri)
    if found is None:
        raise NotFound(f"No concept with IRI {uri!r} is loaded.", details={"uri": uri})
    scheme, code = found
    suffix = f"?format={format}" if format else ""
    return RedirectResponse(f"/id/{scheme}/{code}{suffix}", status_code=303)
