"""Response bodies, built once here and shared by the HTTP API and the CLI's `--json`.

Pure functions from loaded data to plain dicts; the pydantic models in api/schemas.py
describe the same shapes for OpenAPI.
"""

from __future__ import annotations

from typing import Any

from .diff import ReleaseDiff
from .errors import NotFound
from .model import Concept, Release
from .search import SearchResults, facets
from .search.matching import highlight
from .store import Resolved, Store


def label_source_body(store: Store | None, scheme: str | None) -> dict[str, Any] | None:
    """Whose label is shown, when an overlay supplied it (`Concept.label_source`): the
    overlay release, whether it is official, and the sentence pages show beside it (our
    Danish ICF labels are working labels, not an official translation). None for the
    publisher's own label."""
    if scheme is None:
        return None
    try:
        info = store.latest(scheme).info if store is not None else None
    except NotFound:
        info = None
    if info is None:
        return {"scheme": scheme, "version": "", "title": scheme, "official": True, "note": ""}
    return {"scheme": scheme, "version": info.version, "title": info.title,
            "official": info.extra.get("label_status") != "working",
            "note": info.extra.get("label_note", "")}


def concept_ref(release: Release, concept: Concept) -> dict[str, str]:
    return {"scheme": release.scheme, "code": concept.code, "label": concept.label()}


def scheme_body(store: Store, scheme: str) -> dict[str, Any]:
    versions = store.versions(scheme)
    latest = store.latest(scheme)
    return {
        "id": scheme,
        "title": latest.info.title,
        "uri": latest.info.uri,
        "kind": latest.info.kind,
        "latest": latest.version,
        "concepts": len(latest.concepts),
        "versions": [
            {
                "version": r.version,
                "issued": r.info.issued,
                "status": r.info.status,
                "concepts": len(r.concepts),
                "source": r.info.source,
                "checksum": r.info.checksum,
            }
            for r in versions
        ],
    }


def schemes_body(store: Store) -> list[dict[str, Any]]:
    return [scheme_body(store, scheme) for scheme in store.schemes()]


def mapping_bodies(store: Store, concept: Concept) -> list[dict[str, Any]]:
    out = []
    for view in store.mappings(concept.uri):
        target = store.resolve_uri(view.target)
        entry: dict[str, Any] = {"relation": view.relation, "uri": view.target,
                                 "scheme": None, "code": None, "label": None,
                                 "source": view.source, "note": view.note}
        if target is not None:
            scheme, code = target
            other = store.concept(scheme, code)
            entry.update(scheme=scheme, code=code,
                         label=other.label() if other is not None else None)
        out.append(entry)
    return out


def concept_body(store: Store, resolved: Resolved) -> dict[str, Any]:
    release, concept = resolved.release, resolved.concept
    parents = [release.concepts[c] for c in concept.broader if c in release.concepts]
    body: dict[str, Any] = {
        "scheme": release.scheme,
        "version": release.version,
        "code": concept.code,
        "uri": concept.uri,
        "label": concept.label(),
        "label_source": label_source_body(store, concept.label_source()),
        "labels": concept.labels,
        "alt_labels": concept.alt_labels,
        "hidden_labels": concept.hidden_labels,
        "definition": concept.definition(),
        "definitions": concept.definitions,
        "status": resolved.status,
        "broader": [concept_ref(release, p) for p in parents],
        "narrower": [concept_ref(release, c) for c in store.children(release, concept.code)],
        "mappings": mapping_bodies(store, concept),
        "replaced_by": [
            concept_ref(release, release.concepts[c]) if c in release.concepts
            else {"scheme": release.scheme, "code": c, "label": None}
            for c in concept.replaced_by
        ],
        "notes": [
            {"kind": n.kind, "text": n.text, "lang": n.lang, "refs": list(n.refs)}
            for n in concept.notes
        ],
        "properties": concept.properties,
    }
    if resolved.last_version is not None:
        body["last_version"] = resolved.last_version
    return body


def hierarchy_body(
    resolved: Resolved, relation: str, concepts: list[Concept]
) -> dict[str, Any]:
    release = resolved.release
    return {
        "scheme": release.scheme,
        "version": release.version,
        "code": resolved.concept.code,
        relation: [concept_ref(release, c) for c in concepts],
    }


def search_body(results: SearchResults, store: Store | None = None) -> dict[str, Any]:
    """The search answer; with `store`, a hit whose label an overlay supplied says whose
    (`label_source`, as in a concept)."""
    return {
        "query": results.query,
        "total": results.total,
        "offset": results.offset,
        "results": [
            {
                "scheme": h.scheme,
                "version": h.version,
                "code": h.code,
                "label": h.label,
                "label_source": label_source_body(store, h.label_source),
                "matched": h.matched,
                "matched_marks": [list(m) for m in h.marks],
                "field": h.field,
                "score": round(h.score, 4),
                "other_codes": h.other_codes,
                "status": h.status,
                "kind": h.kind,
                "path": [{"code": code, "label": label} for code, label in
                         (facets.where(store, h.scheme, h.version, h.code) if store else [])],
            }
            for h in map(highlight, results.hits)
        ],
    }


def diff_body(diff: ReleaseDiff) -> dict[str, Any]:
    def ref(c: Concept) -> dict[str, str]:
        return {"code": c.code, "label": c.label()}

    return {
        "scheme": diff.scheme,
        "from": diff.from_version,
        "to": diff.to_version,
        "added": [ref(c) for c in diff.added],
        "removed": [ref(c) for c in diff.removed],
        "changed": [
            {
                "code": change.code,
                "label": change.label,
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
            }
            for change in diff.changed
        ],
        "deprecated": [ref(c) for c in diff.deprecated],
    }
