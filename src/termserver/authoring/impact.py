"""The impact report of a draft: what outside the scheme refers to the concepts it
retires, moves or deletes, and which documents would change verdict.

Four kinds of reference are looked up in the store's latest releases: catalogue entries
(their properties such as `addressesIcf`, and their own mappings), mapping statements of
other releases (the crosswalks), overlay labels (the everyday search words) and the value
sets the document validator binds (KL's and the guides' own, in `validators.standards`),
with the profile elements bound to them. Given documents, each is validated against the
published releases and again with the draft published on top, and those whose verdict
(or findings) change are listed.

The report informs the reviewer; it never blocks a draft.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import TermserverError
from ..model import Concept, Release
from ..store import Store

CATALOGUE = "catalogue"
_DOCUMENT_SUFFIXES = {".json", ".xml"}


@dataclasses.dataclass(slots=True)
class Affected:
    """A published concept the draft retires, moves or deletes."""

    code: str
    uri: str
    label: str
    change: str
    """`retired`, `moved` or `deleted`."""


def affected(base: Release, draft: Release) -> list[Affected]:
    """The base's concepts that the draft deletes, retires or moves, in base order."""
    found = []
    for code, before in base.concepts.items():
        after = draft.concepts.get(code)
        if after is None:
            change = "deleted"
        elif before.status == "active" and after.status != "active":
            change = "retired"
        elif sorted(before.broader) != sorted(after.broader):
            change = "moved"
        else:
            continue
        found.append(Affected(code, before.uri, before.label(), change))
    return found


def report(store: Store, base: Release, draft: Release) -> dict[str, Any]:
    """The four reference kinds for the concepts `draft` retires, moves or deletes."""
    concepts = affected(base, draft)
    by_uri = {a.uri: a for a in concepts}
    return {
        "concepts": [dataclasses.asdict(a) for a in concepts],
        "catalogue": _catalogue(store, draft.scheme, by_uri),
        "mappings": _mappings(store, draft.scheme, by_uri),
        "search_words": _search_words(store, by_uri),
        "value_sets": _value_sets(base, draft, concepts),
        "documents": None,
    }


def _ref(a: Affected) -> dict[str, str]:
    return {"concept": a.code, "change": a.change}


def _catalogue(store: Store, scheme: str, by_uri: dict[str, Affected]) -> list[dict]:
    """Catalogue entries whose properties or own mappings name an affected concept (the
    catalogue's own drafts answer for their entries through the integrity rules)."""
    if not by_uri or scheme == CATALOGUE or CATALOGUE not in store.schemes():
        return []
    catalogue = store.latest(CATALOGUE)
    found = []
    for entry in catalogue.concepts.values():
        for key, values in entry.properties.items():
            for value in values:
                if value in by_uri:
                    found.append({"code": entry.code, "label": entry.label(), "via": key,
                                  **_ref(by_uri[value])})
    codes = {c.uri: c for c in catalogue.concepts.values()}
    for mapping in catalogue.mappings:
        entry = codes.get(mapping.source)
        if entry is not None and mapping.target in by_uri:
            found.append({"code": entry.code, "label": entry.label(), "via": mapping.relation,
                          **_ref(by_uri[mapping.target])})
    return found


def _mappings(store: Store, scheme: str, by_uri: dict[str, Affected]) -> list[dict]:
    """Mapping statements of other releases (crosswalks) about an affected concept; the
    relation is read from the affected concept's side."""
    found = []
    for uri, a in by_uri.items():
        for view in store.mappings(uri):
            source_scheme = view.source.partition("@")[0]
            if source_scheme in (scheme, CATALOGUE):
                continue
            other = store.resolve_uri(view.target)
            found.append({"release": view.source, "relation": view.relation,
                          "other": view.target, "other_scheme": other[0] if other else None,
                          "other_code": other[1] if other else None, "note": view.note,
                          **_ref(a)})
    return found


def _search_words(store: Store, by_uri: dict[str, Affected]) -> list[dict]:
    """Overlay labels (everyday search words, translations) on an affected concept."""
    found = []
    for release in store.latest_releases():
        if release.info.kind != "overlay":
            continue
        for extra in release.concepts.values():
            a = by_uri.get(extra.uri)
            if a is None:
                continue
            labels = [t for texts in (*extra.hidden_labels.values(),
                                      *extra.alt_labels.values()) for t in texts]
            labels += list(extra.labels.values())
            found.append({"release": f"{release.scheme}@{release.version}",
                          "labels": labels, **_ref(a)})
    return found


def _value_sets(base: Release, draft: Release, concepts: list[Affected]) -> list[dict]:
    """Value sets the document validator uses that hold (or name) an affected concept of
    this scheme, before and after the draft, with the profile elements bound to them."""
    if not concepts:
        return []
    from validators.standard import LEGACY_CANONICALS, PROFILES, VALUE_SETS

    systems = {base.info.uri, *base.info.identifiers} - {""}
    systems |= {old for old, new in LEGACY_CANONICALS.items() if new in systems}
    if not systems:
        return []
    bindings: dict[str, list[dict[str, str]]] = {}
    for profile in PROFILES.values():
        for binding in profile.bindings:
            bindings.setdefault(binding.value_set, []).append(
                {"profile": profile.name, "path": binding.path, "strength": binding.strength})
    found = []
    for a in concepts:
        before = _lineage(base, a.code)
        after = _lineage(draft, a.code)
        for name in VALUE_SETS:
            was, named = _member(VALUE_SETS, name, systems, a.code, before)
            now, _ = _member(VALUE_SETS, name, systems, a.code, after)
            if was or now or named:
                found.append({"value_set": name, "title": VALUE_SETS[name].title,
                              "member_before": was, "member_after": now, "named": named,
                              "bindings": bindings.get(name, []), **_ref(a)})
    return found


def _lineage(release: Release, code: str) -> set[str] | None:
    """The code and all its ancestors in `release`; None when the release lacks it."""
    if code not in release.concepts:
        return None
    seen = {code}
    todo = [code]
    while todo:
        concept: Concept | None = release.concepts.get(todo.pop())
        for parent in concept.broader if concept else ():
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _member(value_sets: dict, name: str, systems: set[str], code: str,
            lineage: set[str] | None, depth: int = 0) -> tuple[bool, bool]:
    """(whether `code` is in the value set's expansion, whether the definition names it)
    in the standard's semantics: `is_a` holds the root and its descendants,
    `descendent_of` the descendants only, `codes` the codes listed, `exclude` removes."""
    value_set = value_sets[name]
    member = named = False
    for include in value_set.include:
        for inner in include.value_sets if depth < 10 else ():
            m, n = _member(value_sets, inner, systems, code, lineage, depth + 1)
            member, named = member or m, named or n
        if include.system not in systems:
            continue
        named = named or code in (*include.codes, *include.is_a, *include.descendent_of)
        under = lineage is not None and bool(
            lineage & set(include.is_a) or (lineage - {code}) & set(include.descendent_of))
        member = member or code in include.codes or under
    if code in value_set.exclude:
        return False, True
    return member, named


# -- documents ---------------------------------------------------------------------------------
def document_files(folder: Path) -> list[Path]:
    """The FHIR documents in `folder` and below (*.json, *.xml), in name order."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in _DOCUMENT_SUFFIXES)


def documents(store: Store, draft: Release, folder: Path) -> dict[str, Any]:
    """Each document in `folder` validated against the published releases and against
    them with the draft published on top: those whose verdict changes, and those whose
    findings change without changing the verdict."""
    from validators import Validator

    files = document_files(folder)
    result: dict[str, Any] = {"folder": str(folder), "documents": len(files),
                              "verdict_changed": [], "findings_changed": [], "problem": None}
    if not files:
        result["problem"] = (f"{folder} holder ingen dokumenter (*.json, *.xml); angiv en "
                             "mappe med FHIR-dokumenter.")
        return result
    try:
        now = Validator(store)
        then = Validator(with_draft(store, draft))
    except TermserverError as exc:
        result["problem"] = exc.message
        return result
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            result["findings_changed"].append({"file": _relative(path, folder),
                                               "error": str(exc.strerror or exc)})
            continue
        kind = "application/fhir+xml" if path.suffix.lower() == ".xml" else ""
        before = now.validate_bytes(data, kind).as_dict()
        after = then.validate_bytes(data, kind).as_dict()
        old = _issues(before["issues"])
        new = _issues(after["issues"])
        if old == new:
            continue
        entry = {"file": _relative(path, folder), "valid_before": before["valid"],
                 "valid_after": after["valid"],
                 "added": [i for i in after["issues"] if _key(i) not in old],
                 "removed": [i for i in before["issues"] if _key(i) not in new]}
        bucket = "verdict_changed" if before["valid"] != after["valid"] else "findings_changed"
        result[bucket].append(entry)
    return result


def with_draft(store: Store, draft: Release) -> Store:
    """A store of every published release plus the draft as the newest release of its
    scheme, as if it were published. The releases are copied shallowly: building a store
    merges overlays into its releases' concept tables, which must not reach the running
    store's own."""
    releases = []
    for release in store.releases():
        published = store.published(release)
        releases.append(dataclasses.replace(release, concepts=dict(published.concepts)))
    version = draft.info.version  # draft-<id>; after the scheme's newest when it has one
    if draft.scheme in store.schemes():
        version = f"{store.versions(draft.scheme)[-1].version}.{version}"
    info = dataclasses.replace(draft.info, version=version, status="active")
    releases.append(dataclasses.replace(draft, info=info, concepts=dict(draft.concepts)))
    return Store(releases)


def _key(issue: dict[str, str]) -> tuple[str, str, str]:
    return issue["severity"], issue["rule"], issue["path"]


def _issues(issues: Iterable[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {_key(i) for i in issues}


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)
