"""Terminology answers for validation, precomputed once per store.

Value sets become Python sets when the validator is built, so checking a coding in a
document is a couple of set and dict look-ups: that is what makes thousands of documents
a second possible.
"""

from __future__ import annotations

from dataclasses import dataclass

from termserver.model import Release
from termserver.store import Store

from .standard import LEGACY_CANONICALS, VALUE_SETS, ValueSet


@dataclass(slots=True)
class CodeAnswer:
    known_system: bool
    scheme: str | None = None
    exists: bool = False
    retired_since: str | None = None
    last_version: str | None = None
    displays: frozenset[str] = frozenset()


class Terminology:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.systems: dict[str, str] = {}
        for scheme in store.schemes():
            release = store.latest(scheme)
            if release.info.kind != "vocabulary" or not release.info.uri:
                continue
            self.systems[release.info.uri] = scheme
            for identifier in release.info.identifiers:
                self.systems.setdefault(identifier, scheme)
        self._displays: dict[str, dict[str, frozenset[str]]] = {}
        self._last_seen: dict[str, dict[str, str]] = {}
        for scheme in set(self.systems.values()):
            displays: dict[str, set[str]] = {}
            last: dict[str, str] = {}
            for release in store.versions(scheme):
                for code, concept in release.concepts.items():
                    displays.setdefault(code, set()).update(
                        t.casefold().strip() for t in concept.labels.values())
                    last[code] = release.version
            self._displays[scheme] = {c: frozenset(d) for c, d in displays.items()}
            self._last_seen[scheme] = last
        self.value_sets = {name: self._expand(vs) for name, vs in VALUE_SETS.items()}

    def versions(self) -> dict[str, str]:
        return {scheme: self.store.latest(scheme).version for scheme in sorted(
            set(self.systems.values()))}

    def canonical(self, system: str) -> tuple[str, bool]:
        """(current canonical, whether the given one was a legacy alias)."""
        if system in LEGACY_CANONICALS:
            return LEGACY_CANONICALS[system], True
        return system, False

    def lookup(self, system: str, code: str) -> CodeAnswer:
        scheme = self.systems.get(system)
        if scheme is None:
            return CodeAnswer(known_system=False)
        latest = self.store.latest(scheme)
        displays = self._displays[scheme].get(code, frozenset())
        if code in latest.concepts:
            return CodeAnswer(True, scheme, True, displays=displays)
        last = self._last_seen[scheme].get(code)
        if last is not None:
            return CodeAnswer(True, scheme, False, retired_since=self._next_version(scheme, last),
                              last_version=last, displays=displays)
        return CodeAnswer(True, scheme)

    def _next_version(self, scheme: str, version: str) -> str | None:
        versions = [r.version for r in self.store.versions(scheme)]
        index = versions.index(version)
        return versions[index + 1] if index + 1 < len(versions) else None

    def in_value_set(self, name: str, system: str, code: str) -> bool:
        value_set = VALUE_SETS[name]
        return self.canonical(system)[0] == value_set.system and code in self.value_sets[name]

    def _expand(self, value_set: ValueSet) -> frozenset[str]:
        scheme = self.systems.get(value_set.system)
        if scheme is None:
            return frozenset(value_set.codes)
        release: Release = self.store.latest(scheme)
        codes = set(value_set.codes)
        for root in value_set.descendent_of:
            if root in release.concepts:
                codes.update(c.code for c in self.store.descendants(release, root))
        return frozenset(codes - set(value_set.exclude))
