"""Linked Data: concept and scheme IRIs resolve here, by content negotiation.

`https://data.termserver.dk/id/{scheme}/{code}` is served at `/id/{scheme}/{code}` on
whatever host runs termserver: HTML for a browser, Turtle or JSON-LD by `Accept`
(or `?format=ttl|jsonld|nt`). `/resource?uri=` resolves any IRI we hold.

Every representation comes from the one mapping in `rdf.py` (a resource's triples as
N-Triples lines). N-Triples and Turtle are written from those lines directly (`turtle`
below groups and abbreviates them; an rdflib Graph per request cost ~1–20 ms); JSON-LD
goes through rdflib, off the event loop. Releases never change, so each answer is kept,
by (release, resource, format), in the services' memo of rendered bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..errors import NotAcceptable, NotFound, UnsupportedMediaType
from ..model import Release
from ..namespaces import RDF, XSD, parse_concept_iri
from ..rdf import PREFIXES, concept_lines, lines_graph, scheme_lines, split_line
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


# -- Turtle from N-Triples lines --------------------------------------------------------------
_TURTLE_PREFIXES = {**PREFIXES, "xsd": str(XSD)}
_BY_NAMESPACE = {namespace: prefix for prefix, namespace in _TURTLE_PREFIXES.items()}
_ABBREVIABLE = re.compile(
    "<(" + "|".join(re.escape(namespace) for namespace in _BY_NAMESPACE) + ")"
    r"([A-Za-z_][A-Za-z0-9_-]*)>")
"""An `<IRI>` that a prefix covers and whose local name is a subset of Turtle's PN_LOCAL
that needs no escaping (no `.`, `%` or `\\`); any other IRI is written in full, which is
always valid."""
_INTEGER = re.compile(r'"([0-9]+)"\^\^<' + re.escape(str(XSD.integer)) + ">")
_TYPE = f"<{RDF.type}>"
_NEXT_OBJECT = ",\n        "
_NEXT_PREDICATE = " ;\n    "


def _abbreviate(iri: str, used: set[str]) -> str:
    """`<…#name>` as `prefix:name` when a prefix covers it, else unchanged."""
    match = _ABBREVIABLE.fullmatch(iri)
    if match is None:
        return iri
    prefix = _BY_NAMESPACE[match.group(1)]
    used.add(prefix)
    return f"{prefix}:{match.group(2)}"


def _object(term: str, used: set[str]) -> str:
    """An N-Triples object term in Turtle: IRIs abbreviated, xsd:integer literals bare.

    N-Triples literals are valid Turtle as they stand: both escape `\\`, `"`, LF and CR
    the same way and allow every other character in a `"…"` string.
    """
    if term.startswith("<"):
        return _abbreviate(term, used)
    integer = _INTEGER.fullmatch(term)
    if integer:
        return integer.group(1)
    if term.endswith(">") and '"^^<' in term:
        lexical, _, datatype = term.rpartition("^^")
        return f"{lexical}^^{_abbreviate(datatype, used)}"
    return term


def turtle(lines: list[str], first: str = "") -> bytes:
    """Turtle for the triples `lines` (as `rdf.py` writes them), grouped by subject.

    The subject `first` (the resource asked for, `<IRI>`) comes first, then the others
    (notes, mapping statements) in line order; `rdf:type` comes first as `a`.
    """
    subjects: dict[str, dict[str, list[str]]] = {first: {}} if first else {}
    used: set[str] = set()
    for line in lines:
        subject, predicate, obj = split_line(line)
        objects = subjects.setdefault(subject, {}).setdefault(predicate, [])
        objects.append(_object(obj, used))
    blocks = []
    for subject, predicates in subjects.items():
        if not predicates:
            continue
        types = predicates.pop(_TYPE, None)
        parts = [f"a {', '.join(types)}"] if types else []
        parts += [f"{_abbreviate(p, used)} {_NEXT_OBJECT.join(o)}"
                  for p, o in predicates.items()]
        blocks.append(f"{subject} {_NEXT_PREDICATE.join(parts)} .\n")
    header = "".join(f"@prefix {prefix}: <{_TURTLE_PREFIXES[prefix]}> .\n"
                     for prefix in sorted(used))
    return (header + "\n" + "\n".join(blocks)).encode()


# -- answers -------------------------------------------------------------------------------
def serialise(lines: list[str], fmt: str, first: str = "") -> bytes:
    """The triples `lines` as `fmt` (ttl | jsonld | nt)."""
    if fmt == "nt":
        return ("\n".join(lines) + "\n").encode()
    if fmt == "ttl":
        return turtle(lines, first)
    return lines_graph(lines).serialize(format=RDF_FORMATS[fmt][1], encoding="utf-8")


async def _rdf_response(request: Request, release: Release, name: str, fmt: str,
                        triples: Callable[[], tuple[list[str], str]]) -> Response:
    """The resource `name` of `release` (a concept's code, "" for the scheme) as `fmt`,
    built once and then kept in the services' memo of rendered bodies.

    JSON-LD is built by rdflib (milliseconds) in the worker pool; N-Triples and Turtle
    (tens of µs) on the event loop. The key names the release by its checksum too: a
    release never changes, so neither does the answer.
    """
    cache = request.app.state.services.cache
    key = ("rdf", release.scheme, release.version, release.info.checksum, name, fmt)
    body = cache.get(key)
    if body is None:
        lines, first = triples()
        if fmt == "jsonld":
            body = await run_in_threadpool(serialise, lines, fmt, first)
        else:
            body = serialise(lines, fmt, first)
        cache[key] = body
    return Response(body, media_type=RDF_FORMATS[fmt][0], headers={"Vary": "Accept"})


@router.get("/id/{scheme}/{code:path}",
            summary="Resolve a concept IRI (HTML, Turtle, JSON-LD)",
            response_class=Response, responses=LD_ERRORS)
async def resolve_concept(
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
    release, concept = resolved.release, resolved.concept
    return await _rdf_response(
        request, release, concept.code, fmt,
        lambda: (concept_lines(release, concept), f"<{concept.uri}>"))


async def concept_hot_path(request: Request) -> Response:
    """`/id/{scheme}/{code}` without FastAPI's parameter machinery, for throughput.

    Mounted ahead of the documented route in create_app (for codes without "/"); its
    parameters are optional strings, read as FastAPI reads them (the last one wins), so
    the answers are the documented route's.
    """
    query = request.query_params
    return await resolve_concept(request, request.path_params["scheme"],
                                 request.path_params["code"], query.get("version"),
                                 query.get("format"))


@router.get("/id/{scheme}", summary="Resolve a scheme IRI", response_class=Response,
            responses=LD_ERRORS)
async def resolve_scheme(
    request: Request, scheme: str, format: str | None = None
) -> Response:
    fmt = negotiate(request.headers.get("accept", ""), format)
    if fmt == "html":
        return RedirectResponse(f"/begreb/{_path(scheme)}", status_code=303,
                                headers={"Vary": "Accept"})
    release = request.app.state.services.store.latest(scheme)
    return await _rdf_response(request, release, "", fmt,
                               lambda: (sorted(scheme_lines(release.info)), ""))


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
