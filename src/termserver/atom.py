"""The change feed as Atom 1.0 (RFC 4287), built with lxml, newest release first.

Feed readers show people the titles and summaries, so those are Danish; programs read
the same facts from `ts:` extension elements (scheme, version, kind, checksum, the
SHA-256 of the exports), which Atom allows in any entry. Each entry's id is the release's
own IRI (`namespaces.release_iri`), which never changes; its `updated` is when the
release was published here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from .namespaces import TS, release_iri

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "tag:data.termserver.dk,2024:releases"
"""The feed's permanent id (a tag URI: it does not change when the server moves)."""
MEDIA_TYPE = "application/atom+xml"
_NS = {None: ATOM, "ts": str(TS)}
_KINDS_DA = {"vocabulary": "terminologi", "mappings": "krydsreference (mappings)",
             "overlay": "tillæg (overlay)"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (lxml refuses them); dropped from text."""
_MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december")


def _atom(parent: etree._Element, name: str, text: str | None = None,
          **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrib=attributes)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _ts(parent: etree._Element, name: str, text: str, **attributes: str) -> None:
    etree.SubElement(parent, f"{{{TS}}}{name}", attrib=attributes).text = _NOT_XML.sub("", text)


def danish_date(stamp: str | None) -> str:
    """`2026-03-01…` as "1. marts 2026" (the date a person reads); "" for none."""
    if not stamp or len(stamp) < 10 or not stamp[:4].isdigit():
        return stamp or ""
    year, month, day = stamp[:4], int(stamp[5:7]), int(stamp[8:10])
    return f"{day}. {_MONTHS_DA[month - 1]} {year}" if 1 <= month <= 12 else stamp


def entry_title(entry: dict[str, Any]) -> str:
    return f"{entry['title'] or entry['scheme']} – version {entry['version']}"


def entry_summary(entry: dict[str, Any]) -> str:
    kind = _KINDS_DA.get(entry["kind"], entry["kind"])
    parts = [f"Ny version {entry['version']} af {entry['scheme']} ({kind}), "
             f"{entry['concepts']} begreber."]
    if entry["issued"]:
        parts.append(f"Udstedt {danish_date(entry['issued'])}.")
    if entry["published_at"]:
        parts.append(f"Offentliggjort her {danish_date(entry['published_at'])}.")
    if entry["previous"]:
        parts.append(f"Forrige version: {entry['previous']}.")
    if entry["draft"] is not None:
        parts.append(f"Udgivet fra kladde {entry['draft']}.")
    return " ".join(parts)


def feed(entries: list[dict[str, Any]], *, base_url: str, self_path: str,
         updated: str) -> bytes:
    """The Atom document for `entries` (release bodies of `changes.release_entry`, newest
    first). Relative links are made absolute against `base_url`; `updated` is the
    feed's time (the newest publication, or when the releases were loaded)."""
    root = etree.Element(f"{{{ATOM}}}feed", nsmap=_NS)
    _atom(root, "id", FEED_ID)
    _atom(root, "title", "termserver: nye versioner af terminologier")
    _atom(root, "subtitle", "Udgivne versioner af terminologier, klassifikationer og "
          "krydsreferencer, nyeste først, med kontrolsum og SHA-256 af SKOS- og "
          "FHIR-udtræk.")
    _atom(root, "updated", updated)
    author = _atom(root, "author")
    _atom(author, "name", "termserver")
    _atom(root, "link", rel="self", type=MEDIA_TYPE, href=urljoin(base_url, self_path))
    _atom(root, "link", rel="alternate", type="application/json",
          href=urljoin(base_url, "/api/v1/changes"))
    _atom(root, "generator", "termserver")
    for entry in entries:
        _entry(root, entry, base_url, updated)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _entry(root: etree._Element, entry: dict[str, Any], base_url: str, fallback: str) -> None:
    item = _atom(root, "entry")
    _atom(item, "id", release_iri(entry["scheme"], entry["version"]))
    _atom(item, "title", entry_title(entry))
    stamp = entry["published_at"] or fallback
    _atom(item, "updated", stamp)
    _atom(item, "published", stamp)
    _atom(item, "category", term=entry["scheme"], label=entry["scheme"],
          scheme=urljoin(base_url, "/api/v1/schemes"))
    _atom(item, "category", term=entry["kind"],
          label=_KINDS_DA.get(entry["kind"], entry["kind"]))
    links = entry["links"]
    _atom(item, "link", rel="alternate", type="application/json",
          href=urljoin(base_url, links["scheme"]), title=f"{entry['scheme']} i API'et")
    _atom(item, "link", rel="enclosure", type="text/turtle",
          href=urljoin(base_url, links["skos"]), title="SKOS (Turtle)")
    if links["fhir"]:
        _atom(item, "link", rel="enclosure", type="application/fhir+json",
              href=urljoin(base_url, links["fhir"]), title="FHIR CodeSystem")
    if links["diff"]:
        _atom(item, "link", rel="related", type="application/json",
              href=urljoin(base_url, links["diff"]),
              title=f"Ændringer siden version {entry['previous']}")
    _atom(item, "summary", entry_summary(entry), type="text")
    if entry["release_notes"]:
        _atom(item, "content", entry["release_notes"], type="text")
    _ts(item, "scheme", entry["scheme"])
    _ts(item, "version", entry["version"])
    _ts(item, "kind", entry["kind"])
    if entry["issued"]:
        _ts(item, "issued", entry["issued"])
    _ts(item, "checksum", entry["checksum"], algorithm="sha256")
    for export, digest in entry["sha256"].items():
        if digest:
            _ts(item, "sha256", digest, export=export)
    if entry["draft"] is not None:
        _ts(item, "draft", str(entry["draft"]))
