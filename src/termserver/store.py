"""All published releases, loaded into memory and indexed for the hot paths.

Every release stays loaded and addressable; "latest" is the default. The store is
read-only once built: imports write new release directories and a new store is
opened over them, so a running reader never sees a half-built state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import NotFound
from .model import INVERSE_RELATION, Concept, Mapping, Release
from .namespaces import parse_concept_iri
from .releases import ReleaseRepository
from .versions import version_key

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Resolved:
    """A concept as answered for one (scheme, version) request.

    `status` is the concept's own status, or `retired` when the code is absent from the
    requested release but appeared in an earlier one (`last_version` says which).
    """

    release: Release
    concept: Concept
    status: str
    last_version: str | None = None


@dataclass(slots=True)
class MappingView:
    """A mapping seen from one concept: relation, the other end, and who said it."""

    relation: str
    target: str
    note: str
    source: str  # "scheme@version" of the release that states it


class Store:
    def __init__(self, releases: Iterable[Release]) -> None:
        self._by_scheme: dict[str, list[Release]] = {}
        overlays: list[Release] = []
        for release in releases:
            self._by_scheme.setdefault(release.scheme, []).append(release)
            if release.info.kind == "overlay":
                overlays.append(release)
        for versions in self._by_scheme.values():
            versions.sort(key=lambda r: version_key(r.version))
        self._releases: dict[tuple[str, str], Release] = {
            (r.scheme, r.version): r for rs in self._by_scheme.values() for r in rs
        }
        self._originals: dict[tuple[str, str], dict[str, Concept]] = {}
        """Concepts as published, for those an overlay changed in the loaded view."""
        self._latest: dict[str, Release] = {}
        for scheme, versions in self._by_scheme.items():
            active = [r for r in versions if r.info.status == "active"] or versions
            self._latest[scheme] = active[-1]
        self._apply_overlays([r for r in overlays if r is self._latest[r.scheme]])
        self._latest_concepts = {s: r.concepts for s, r in self._latest.items()}
        self._last_seen: dict[str, dict[str, str]] = {}
        for scheme, versions in self._by_scheme.items():
            seen: dict[str, str] = {}
            for release in versions:
                for code in release.concepts:
                    seen[code] = release.version
            self._last_seen[scheme] = seen
        self._by_uri: dict[str, tuple[str, str]] = {}
        # a concept's own scheme first (overlays carry other schemes' IRIs), latest
        # releases before older ones (a retired concept's IRI still resolves)
        ordered = sorted(self._by_scheme.values(),
                         key=lambda rs: rs[-1].info.kind == "overlay")
        for releases in ordered:
            latest = self._latest[releases[0].scheme]
            for release in (latest, *(r for r in reversed(releases) if r is not latest)):
                for code, concept in release.concepts.items():
                    self._by_uri.setdefault(concept.uri, (release.scheme, code))
        self._mappings: dict[str, list[MappingView]] = {}
        for release in self._latest.values():
            self._index_mappings(release)

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        releases = ReleaseRepository(data_dir).load_all()
        log.info("loaded %d releases from %s", len(releases), data_dir)
        return cls(releases)

    def _apply_overlays(self, overlays: list[Release]) -> None:
        """Merge overlay releases (translations, everyday search words) onto their targets.

        An overlay names target concepts by IRI, which is the same in every version, so
        its labels show on every release of the target scheme. The official releases'
        own files are never changed; only the loaded view carries the extra labels.
        """
        by_uri: dict[str, list[tuple[Release, Concept]]] = {}
        for versions in self._by_scheme.values():
            for release in versions:
                if release.info.kind == "overlay":
                    continue
                for concept in release.concepts.values():
                    by_uri.setdefault(concept.uri, []).append((release, concept))
        for overlay in overlays:
            for extra in overlay.concepts.values():
                for release, concept in by_uri.get(extra.uri, ()):
                    originals = self._originals.setdefault((release.scheme, release.version), {})
                    originals.setdefault(concept.code, concept)
                    # the view so far: several overlays (German, our Danish, search words)
                    # may add to the same concept
                    current = release.concepts[concept.code]
                    release.concepts[concept.code] = merge_overlay(current, extra,
                                                                   overlay.scheme)

    def _index_mappings(self, release: Release) -> None:
        source = f"{release.scheme}@{release.version}"
        for mapping in release.mappings:
            self._add_mapping(mapping, source)

    def _add_mapping(self, mapping: Mapping, source: str) -> None:
        self._mappings.setdefault(mapping.source, []).append(
            MappingView(mapping.relation, mapping.target, mapping.note, source)
        )
        self._mappings.setdefault(mapping.target, []).append(
            MappingView(INVERSE_RELATION[mapping.relation], mapping.source, mapping.note, source)
        )

    # -- releases ---------------------------------------------------------------------------
    def schemes(self) -> list[str]:
        return sorted(self._by_scheme)

    def versions(self, scheme: str) -> list[Release]:
        """All releases of a scheme, oldest first."""
        try:
            return self._by_scheme[scheme]
        except KeyError:
            raise self._unknown_scheme(scheme) from None

    def releases(self) -> Iterator[Release]:
        for scheme in self.schemes():
            yield from self._by_scheme[scheme]

    def latest(self, scheme: str) -> Release:
        try:
            return self._latest[scheme]
        except KeyError:
            raise self._unknown_scheme(scheme) from None

    def latest_releases(self) -> list[Release]:
        return [self._latest[s] for s in self.schemes()]

    def release(self, scheme: str, version: str | None = None) -> Release:
        """The named release, or the latest when version is None. Raises NotFound."""
        if version is None or version == "latest":
            return self.latest(scheme)
        release = self._releases.get((scheme, version))
        if release is None:
            if scheme not in self._by_scheme:
                raise self._unknown_scheme(scheme)
            known = [r.version for r in self._by_scheme[scheme]]
            raise NotFound(
                f"Scheme {scheme!r} has no version {version!r}. Known versions: "
                f"{', '.join(known)}.",
                details={"scheme": scheme, "version": version, "versions": known},
            )
        return release

    def published(self, release: Release) -> Release:
        """The release exactly as published: without labels overlays add to the loaded view.

        Exports use it, so an exported release has the published checksum and re-imports
        as the same release.
        """
        originals = self._originals.get((release.scheme, release.version))
        if not originals:
            return release
        return Release(info=release.info, concepts={**release.concepts, **originals},
                       mappings=release.mappings, top_concepts=release.top_concepts,
                       narrower=release.narrower)

    def _unknown_scheme(self, scheme: str) -> NotFound:
        known = self.schemes()
        return NotFound(
            f"Unknown scheme {scheme!r}. Known schemes: {', '.join(known) or 'none imported'}.",
            details={"scheme": scheme, "schemes": known},
        )

    # -- concepts: the hot path -------------------------------------------------------------
    def concept(self, scheme: str, code: str, version: str | None = None) -> Concept | None:
        """The concept or None; no retired handling. This is the in-process hot path."""
        if version is None:
            concepts = self._latest_concepts.get(scheme)
        else:
            release = self._releases.get((scheme, version))
            concepts = release.concepts if release is not None else None
        return None if concepts is None else concepts.get(code)

    def resolve(self, scheme: str, code: str, version: str | None = None) -> Resolved:
        """Concept for a code in a release; retired codes answer with their last version."""
        release = self.release(scheme, version)
        concept = release.concepts.get(code)
        if concept is not None:
            return Resolved(release, concept, concept.status)
        last = self._last_seen.get(scheme, {}).get(code)
        if last is not None:
            # the newest release before the requested one that had the code: a code can
            # leave and come back (KL's first FSIII 20240530 dropped the letter codes)
            wanted = version_key(release.version)
            for older in reversed(self._by_scheme[scheme]):
                if version_key(older.version) < wanted and code in older.concepts:
                    return Resolved(older, older.concepts[code], "retired",
                                    last_version=older.version)
        raise NotFound(
            f"Code {code!r} is not in {scheme} version {release.version}"
            + (" (nor in any earlier version)." if last is None
               else f" (it is in later versions, e.g. {last}).")
            + " Search with GET /api/v1/search?q=… to find the right code.",
            details={"scheme": scheme, "version": release.version, "code": code},
        )

    def resolve_uri(self, uri: str) -> tuple[str, str] | None:
        """(scheme, code) for a concept IRI, ours or a publisher's."""
        found = self._by_uri.get(uri)
        if found is not None:
            return found
        parsed = parse_concept_iri(uri)
        if parsed is not None and parsed[0] in self._by_scheme:
            return parsed
        return None

    def mappings(self, uri: str) -> list[MappingView]:
        return self._mappings.get(uri, [])

    # -- hierarchy --------------------------------------------------------------------------
    def children(self, release: Release, code: str) -> list[Concept]:
        return [release.concepts[c] for c in release.narrower.get(code, ())]

    def ancestors(self, release: Release, code: str) -> list[Concept]:
        """All ancestors, nearest first, each once (poly-hierarchies walk breadth first)."""
        seen: dict[str, None] = {}
        frontier = list(release.concepts[code].broader)
        while frontier:
            nxt: list[str] = []
            for parent in frontier:
                if parent not in seen and parent in release.concepts:
                    seen[parent] = None
                    nxt.extend(release.concepts[parent].broader)
            frontier = nxt
        return [release.concepts[c] for c in seen]

    def descendants(self, release: Release, code: str) -> list[Concept]:
        """All descendants in depth-first source order, each once; the concept excluded."""
        out: dict[str, None] = {}
        stack = list(reversed(release.narrower.get(code, ())))
        while stack:
            current = stack.pop()
            if current in out:
                continue
            out[current] = None
            stack.extend(reversed(release.narrower.get(current, ())))
        return [release.concepts[c] for c in out]

    def is_descendant(self, release: Release, code: str, ancestor: str) -> bool:
        """True when `ancestor` is a proper ancestor of `code` (value-set `descendent-of`)."""
        frontier = list(release.concepts[code].broader) if code in release.concepts else []
        seen: set[str] = set()
        while frontier:
            parent = frontier.pop()
            if parent == ancestor:
                return True
            if parent not in seen and parent in release.concepts:
                seen.add(parent)
                frontier.extend(release.concepts[parent].broader)
        return False

    def release_appearances(self, scheme: str, code: str) -> list[str]:
        """Versions of a scheme that contain the code, oldest first."""
        return [r.version for r in self.versions(scheme) if code in r.concepts]


def merge_overlay(concept: Concept, extra: Concept, source: str = "") -> Concept:
    """A copy of `concept` with the overlay's labels, definitions and notes added.

    The publisher's own preferred label and definition win for a language they cover; a
    preferred label the overlay adds is recorded as coming from `source` (its scheme).
    """
    merged = replace(
        concept,
        labels=dict(concept.labels),
        label_sources=dict(concept.label_sources),
        alt_labels={k: list(v) for k, v in concept.alt_labels.items()},
        hidden_labels={k: list(v) for k, v in concept.hidden_labels.items()},
        definitions=dict(concept.definitions),
        notes=list(concept.notes),
    )
    for lang, text in extra.labels.items():
        if lang not in merged.labels:
            merged.labels[lang] = text
            if source:
                merged.label_sources[lang] = source
    for lang, text in extra.definitions.items():
        merged.definitions.setdefault(lang, text)
    for target, source in ((merged.alt_labels, extra.alt_labels),
                           (merged.hidden_labels, extra.hidden_labels)):
        for lang, texts in source.items():
            bucket = target.setdefault(lang, [])
            bucket.extend(t for t in texts if t not in bucket)
    merged.notes.extend(extra.notes)
    return merged
