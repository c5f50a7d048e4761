"""RDF namespaces and the identifier scheme for concepts and releases.

Concept IRIs are `{ID_BASE}{scheme}/{code}`: the same in every version, so a mapping
written today still points at the right concept after KL publishes a new release.
Versions are named graphs `{ID_BASE}{scheme}/version/{version}`. The base is a
constant, not a setting: our own content (crosswalks, catalogue) refers to it.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

ID_BASE = "https://data.termserver.dk/id/"
TS = Namespace("https://data.termserver.dk/def#")
"""Our own small vocabulary for what SKOS has no term for (status, kind, properties)."""

ICF_SOURCE = Namespace("http://who.int/icf#")

__all__ = [
    "DCTERMS",
    "ICF_SOURCE",
    "ID_BASE",
    "OWL",
    "RDF",
    "RDFS",
    "SKOS",
    "TS",
    "XSD",
    "concept_iri",
    "parse_concept_iri",
    "release_iri",
    "scheme_iri",
]


def scheme_iri(scheme: str) -> str:
    return f"{ID_BASE}{quote(scheme, safe='')}"


def concept_iri(scheme: str, code: str) -> str:
    return f"{ID_BASE}{quote(scheme, safe='')}/{quote(code, safe='')}"


def release_iri(scheme: str, version: str) -> str:
    return f"{ID_BASE}{quote(scheme, safe='')}/version/{quote(version, safe='')}"


def parse_concept_iri(iri: str) -> tuple[str, str] | None:
    """(scheme, code) for one of our minted IRIs, None for anything else."""
    if not iri.startswith(ID_BASE):
        return None
    rest = iri[len(ID_BASE) :]
    scheme, sep, code = rest.partition("/")
    if not sep or not code or "/" in code:
        return None
    return unquote(scheme), unquote(code)


def as_uri(iri: str) -> URIRef:
    return URIRef(iri)
