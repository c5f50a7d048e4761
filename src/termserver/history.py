"""A concept's history across the published releases of its scheme.

For every version in order it says whether the concept was added, changed (which fields),
retired, removed, or stayed the same; versions where it stayed the same are folded into
the entry before them (`unchanged_through`), so a concept that changed twice in twenty
releases has a history of three entries. Releases are immutable, so the answer is too
and is memoised per store. Draft edits (work in progress, not public) are added by
`termserver.authoring.history`; this module stays on the read side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .changes import iso, published_at
from .diff import concept_changes
from .errors import NotFound
from .model import Concept, Mapping, Release
from .store import Store

EXTRA_FIELDS = ("alt_labels", "hidden_labels", "notes", "properties", "replaced_by",
                "mappings")
"""Compared beyond the release diff's fields (label, definition, parent, status)."""
RETIRED = ("retired", "deprecated")


@dataclass(slots=True)
class _Seen:
    """The concept in one release (None: the release does not have it)."""

    release: Release
    concept: Concept | None
    mappings: list[dict[str, str]]


def extra_values(concept: Concept, mappings: list[dict[str, str]]) -> dict[str, Any]:
    """The compared fields the release diff leaves out, in a canonical (sorted) form."""
    return {
        "alt_labels": {k: sorted(v) for k, v in sorted(concept.alt_labels.items()) if v},
        "hidden_labels": {k: sorted(v) for k, v in sorted(concept.hidden_labels.items()) if v},
        "notes": [{"kind": n.kind, "text": n.text, "lang": n.lang, "refs": list(n.refs)}
                  for n in concept.notes],
        "properties": {k: list(v) for k, v in sorted(concept.properties.items()) if v},
        "replaced_by": sorted(concept.replaced_by),
        "mappings": mappings,
    }


def field_changes(before: Concept, before_mappings: list[dict[str, str]], after: Concept,
                  after_mappings: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every compared field that differs: the release diff's four, then the rest."""
    changes = [{"field": f.field, "old": f.old, "new": f.new}
               for f in concept_changes(before, after)]
    old, new = extra_values(before, before_mappings), extra_values(after, after_mappings)
    changes += [{"field": name, "old": old[name], "new": new[name]}
                for name in EXTRA_FIELDS if old[name] != new[name]]
    return changes


def stated_mappings(mappings: list[Mapping], uri: str) -> list[dict[str, str]]:
    """The mappings a release states about the concept itself (it is their source)."""
    return sorted(({"relation": m.relation, "target": m.target, "note": m.note}
                   for m in mappings if m.source == uri),
                  key=lambda m: (m["relation"], m["target"], m["note"]))


def _seen(store: Store, release: Release, code: str) -> _Seen:
    concept = store.published(release).concepts.get(code)
    if concept is None:
        return _Seen(release, None, [])
    return _Seen(release, concept, stated_mappings(release.mappings, concept.uri))


def _entry(seen: _Seen, before: _Seen | None, change: str,
           fields: list[dict[str, Any]]) -> dict[str, Any]:
    info = seen.release.info
    return {
        "version": info.version,
        "previous": before.release.version if before is not None else None,
        "change": change,
        "fields": fields,
        "status": seen.concept.status if seen.concept is not None else None,
        "issued": info.issued,
        "published_at": iso(published_at(seen.release)),
        "draft": _draft_id(info.extra),
        "unchanged_through": None,
    }


def _draft_id(extra: dict[str, str]) -> int | None:
    value = extra.get("draft")
    return int(value) if value and value.isdigit() else None


def release_history(store: Store, scheme: str, code: str) -> list[dict[str, Any]]:
    """The versions of `scheme` that added, changed, retired or removed `code`, oldest
    first; [] when no release of the scheme ever had it. Raises NotFound for an unknown
    scheme."""
    entries: list[dict[str, Any]] = []
    before: _Seen | None = None
    for release in store.versions(scheme):
        seen = _seen(store, release, code)
        change, fields = _compare(before, seen)
        if change is None:
            if entries:
                entries[-1]["unchanged_through"] = release.version
        else:
            entries.append(_entry(seen, before, change, fields))
        before = seen
    return entries


def _compare(before: _Seen | None, seen: _Seen) -> tuple[str | None, list[dict[str, Any]]]:
    """What happened to the concept from one version to the next (None: nothing, or it
    is still absent)."""
    was = before.concept if before is not None else None
    now = seen.concept
    if now is None:
        return ("removed" if was is not None else None), []
    if was is None:
        return "added", []
    assert before is not None
    fields = field_changes(was, before.mappings, now, seen.mappings)
    if not fields:
        return None, []
    if now.status in RETIRED and was.status not in RETIRED:
        return "retired", fields
    return "changed", fields


def history_body(store: Store, scheme: str, code: str) -> dict[str, Any]:
    """The release part of GET /api/v1/schemes/{scheme}/concepts/{code}/history.

    A scheme with no published release (a new scheme, still in its first draft) answers
    with no releases rather than NotFound: its drafts may still hold the concept, and the
    caller decides (`require_known`)."""
    releases = release_history(store, scheme, code) if scheme in store.schemes() else []
    last = _newest_concept(store, scheme, code) if releases else None
    return {
        "scheme": scheme,
        "code": code,
        "uri": last.uri if last is not None else None,
        "label": last.label() if last is not None else None,
        "versions": len(store.versions(scheme)) if scheme in store.schemes() else 0,
        "releases": releases,
    }


def _newest_concept(store: Store, scheme: str, code: str) -> Concept | None:
    for release in reversed(store.versions(scheme)):
        concept = release.concepts.get(code)
        if concept is not None:
            return concept
    return None


def not_found(store: Store, scheme: str, code: str, why_no_drafts: str | None) -> NotFound:
    """NotFound for a code no release had (nor any draft the caller could read)."""
    try:
        known = [r.version for r in store.versions(scheme)]
    except NotFound as unknown:
        error = unknown
    else:
        error = NotFound(
            f"Code {code!r} has never been in {scheme} (versions {', '.join(known)}), so it "
            "has no history. Search with GET /api/v1/search?q=… to find the right code.",
            details={"scheme": scheme, "code": code})
    if why_no_drafts:
        error.message += f" Drafts were not searched: {why_no_drafts}"
        error.details["drafts"] = why_no_drafts
    return error


def with_drafts(store: Store, body: dict[str, Any], drafts: dict[str, Any]) -> dict[str, Any]:
    """The whole history: the release part and the `drafts` part ({included, reason,
    edits}). NotFound when neither has the code, saying why drafts were left out."""
    if not body["releases"] and not drafts["edits"]:
        raise not_found(store, body["scheme"], body["code"],
                        None if drafts["included"] else drafts["reason"])
    return {**body, "drafts": drafts}
