"""SKOS exports: the canonical N-Triples, or the same triples as Turtle / JSON-LD."""

from __future__ import annotations

from ..model import Release
from ..rdf import content_lines, lines_graph

_RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld"}


def skos_bytes(release: Release, fmt: str) -> bytes:
    lines = content_lines(release)
    if fmt == "nt":
        return ("\n".join(lines) + "\n").encode("utf-8")
    return lines_graph(lines).serialize(format=_RDFLIB_FORMATS[fmt], encoding="utf-8")
