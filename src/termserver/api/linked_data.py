"""Linked Data: concept and scheme IRIs resolve here, by content negotiation.

`https://data.termserver.dk/id/{scheme}/{code}` is served at `/id/{scheme}/{code}` on
whatever host runs termserver: HTML for a browser, Turtle or JSON-LD by `Accept`
(or `?format=ttl|jsonld|nt`). `/resource?uri=` resolves any IRI we hold.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from ..errors import NotAcceptable, NotFound, UnsupportedMediaType
from ..namespaces import parse_concept_iri
from ..rdf import concept_lines, lines_graph, scheme_lines
from .schemas import ERROR_RESPONSES, ErrorOut

router = APIRouter(tags=["linked data"])

LD_ERRORS = {
    **ERROR_RESPONSES,
    200: {"description": "The resource as Turtle, JSON-LD or N-Triples",
          "content": {"text/turtle": {}, "application/ld+json": {},
                      "application/n-triples": {}}},
    303: {"description": "For text/html: the page about the resource"},
    406: {"model": ErrorOut, "description": "No representation matches the Accept header"},
    415: {"model": ErrorOut, "description": "Unknown ?format="},
}

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


_WILDCARDS = {"*/*": ("ttl", "jsonld", "nt"), "text/*": ("ttl",),
              "application/*": ("jsonld", "nt")}
OFFERED = ("text/html", "text/turtle", "application/ld+json", "application/n-triples")


def negotiate(accept: str, explicit: str | None) -> str:
    """Pick html | ttl | jsonld | nt; the most preferred acceptable type (q, then order) wins.

    No Accept header means Turtle. A header that rules out everything we offer
    (`image/png`, `text/turtle;q=0`) is 406 rather than a representation nobody asked for.
    """
    if explicit:
        if explicit not in RDF_FORMATS and explicit != "html":
            raise UnsupportedMediaType(
                f"Unknown format {explicit!r}; use html, ttl, jsonld or nt.",
                details={"format": explicit},
            )
        return explicit
    if not accept.strip():
        return "ttl"
    ranked: list[tuple[float, int, int, str]] = []
    refused: set[str] = set()
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media in _ACCEPT:
            if quality <= 0:
                refused.add(_ACCEPT[media])
            else:
                ranked.append((-quality, index, 0, _ACCEPT[media]))
        elif media in _WILDCARDS and quality > 0:
            ranked.extend((-quality, index, rank, fmt)
                          for rank, fmt in enumerate(_WILDCARDS[media]))
    for *_, fmt in sorted(ranked):
        if fmt not in refused:
            return fmt
    raise NotAcceptable(
        f"Nothing here matches Accept: {accept[:200]!r}. This resource is available as "
        f"{', '.join(OFFERED)} (or name one with ?format=html|ttl|jsonld|nt).",
        details={"accept": accept[:200], "available": list(OFFERED)},
    )


def _rdf_response(lines: list[str], fmt: str) -> Response:
    media_type, rdflib_format = RDF_FORMATS[fmt]
    if fmt == "nt":
        body = ("\n".join(lines) + "\n").encode()
    else:
        body = lines_graph(lines).serialize(format=rdflib_format, encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


@router.get("/id/{scheme}/{code:path}",
            summary="Resolve a concept IRI (HTML, Turtle, JSON-LD)",
            response_class=Response, responses=LD_ERRORS)
def resolve_concept(
    request: Request,
    scheme: str,
    code: str,
    version: str | None = None,
    format: str | None = Query(None, description="html | ttl | jsonld | nt"),
) -> Response:
    fmt = negotiate(request.headers.get("accept", ""), format)
    if fmt == "html":  # the page explains an unknown code in Danish, with suggestions
        target = f"/begreb/{_path(scheme)}/{_path(code)}" + _query(version=version)
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
    resolved = request.app.state.services.store.resolve(scheme, code, version)
    return _rdf_response(concept_lines(resolved.release, resolved.concept), fmt)


@router.get("/id/{scheme}", summary="Resolve a scheme IRI", response_class=Response,
            responses=LD_ERRORS)
def resolve_scheme(
    request: Request, scheme: str, format: str | None = None
) -> Response:
    fmt = negotiate(request.headers.get("accept", ""), format)
    if fmt == "html":
        return RedirectResponse(f"/begreb/{_path(scheme)}", status_code=303,
                                headers={"Vary": "Accept"})
    release = request.app.state.services.store.latest(scheme)
    return _rdf_response(sorted(scheme_lines(release.info)), fmt)


@router.get("/resource", summary="Resolve any concept IRI termserver holds",
            response_class=Response,
            responses={**ERROR_RESPONSES, 303: {"description": "Redirect to /id/{scheme}/{code}"}})
def resolve_resource(request: Request, uri: str, format: str | None = None) -> Response:
    found = request.app.state.services.store.resolve_uri(uri) or parse_concept_iri(uri)
    if found is None:
        raise NotFound(f"No concept with IRI {uri!r} is loaded.", details={"uri": uri})
    scheme, code = found
    return RedirectResponse(f"/id/{_path(scheme)}/{_path(code)}" + _query(format=format),
                            status_code=303)


def _path(segment: str) -> str:
    """One URL path segment: a code like `x y?#` must not become a query or a fragment."""
    return quote(segment, safe="")


def _query(**params: str | None) -> str:
    given = {name: value for name, value in params.items() if value}
    return f"?{urlencode(given)}" if given else ""
