"""Our crosswalks (releases of kind `mappings`, vocab/crosswalk-*.ttl) as R4 ConceptMaps.

A crosswalk states SKOS mapping relations between concept IRIs of our own minting
(`…/id/ffb/<code>` → `…/id/icf/d450`). As a ConceptMap each side is named the way FHIR
clients name code systems: the canonical URL the scheme's publisher gives (KL's OID URN
for FFB, WHO's `http://hl7.org/fhir/sid/icf`), with one group per pair of systems. The
maps are built once per loaded store, since `$translate` reads them on every request.
"""

from __future__ import annotations

import weakref
from typing import Any

from ..model import Release
from ..namespaces import parse_concept_iri
from ..store import Store
from .operations import resource_id

SKOS_EQUIVALENCE = {
    "exactMatch": "equivalent",
    "closeMatch": "inexact",
    "broadMatch": "wider",
    "narrowMatch": "narrower",
    "relatedMatch": "relatedto",
}
"""SKOS mapping relation → R4 ConceptMapEquivalence. `broadMatch` says the target is
broader than the source, R4's `wider`; `closeMatch` is weaker than `exactMatch` (our
crosswalks use it where the two definitions differ in scope), which R4 calls `inexact`."""

_MAPS: weakref.WeakKeyDictionary[Store, list[dict[str, Any]]] = weakref.WeakKeyDictionary()


def is_crosswalk(release: Release) -> bool:
    return release.info.kind == "mappings"


def crosswalk_releases(store: Store) -> list[Release]:
    return [r for r in store.releases() if is_crosswalk(r)]


def stored_concept_maps(store: Store) -> list[dict[str, Any]]:
    """Every crosswalk release of the store as a full ConceptMap (built once per store)."""
    found = _MAPS.get(store)
    if found is None:
        found = _MAPS[store] = [conceptmap_resource(store, r) for r in
                                crosswalk_releases(store)]
    return found


def _system(store: Store, scheme: str) -> tuple[str, Release | None]:
    """The canonical URL clients know a scheme by, and its current release."""
    if scheme in store.schemes():
        latest = store.latest(scheme)
        if latest.info.uri:
            return latest.info.uri, latest
    return f"https://data.termserver.dk/id/{scheme}", None


def conceptmap_resource(store: Store, release: Release, *, summary: bool = False
                        ) -> dict[str, Any]:
    """One crosswalk release as a ConceptMap; without its groups when `summary`."""
    info = release.info
    resource: dict[str, Any] = {
        "resourceType": "ConceptMap", "id": resource_id(release), "url": info.uri,
        "version": info.version, "name": _name(release), "title": info.title,
        "status": "retired" if info.status == "retired" else
        ("draft" if info.status == "draft" else "active")}
    if info.issued:
        resource["date"] = info.issued
    if info.description:
        resource["description"] = info.description
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    elements: dict[tuple[str, str, str], dict[str, Any]] = {}
    for mapping in release.mappings:
        source, target = parse_concept_iri(mapping.source), parse_concept_iri(mapping.target)
        if source is None or target is None:
            continue
        source_url, source_release = _system(store, source[0])
        target_url, target_release = _system(store, target[0])
        group = groups.get((source_url, target_url))
        if group is None:
            group = groups[(source_url, target_url)] = {"source": source_url,
                                                        "target": target_url, "element": []}
            if source_release is not None and source_release.version:
                group["sourceVersion"] = source_release.version
            if target_release is not None and target_release.version:
                group["targetVersion"] = target_release.version
        element = elements.get((source_url, target_url, source[1]))
        if element is None:
            element = elements[(source_url, target_url, source[1])] = {"code": source[1]}
            shown = _display(source_release, source[1])
            if shown:
                element["display"] = shown
            element["target"] = []
            group["element"].append(element)
        item: dict[str, Any] = {"code": target[1]}
        shown = _display(target_release, target[1])
        if shown:
            item["display"] = shown
        item["equivalence"] = SKOS_EQUIVALENCE.get(mapping.relation, "relatedto")
        if mapping.note:
            item["comment"] = mapping.note
        element["target"].append(item)
    if groups:
        first = next(iter(groups))
        # the value sets the map goes between: each system's implicit value set
        resource["sourceUri"], resource["targetUri"] = (f"{first[0]}?fhir_vs",
                                                        f"{first[1]}?fhir_vs")
    if not summary:
        resource["group"] = list(groups.values())
    return resource


def _display(release: Release | None, code: str) -> str:
    concept = release.concepts.get(code) if release is not None else None
    return concept.label() if concept is not None else ""


def _name(release: Release) -> str:
    """A computer-friendly name (FHIR's `name`): the scheme without punctuation."""
    return "".join(part.capitalize() for part in release.scheme.replace("_", "-").split("-"))
