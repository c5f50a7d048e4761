"""Terminology answers for validation, precomputed once per store.

Value sets become Python sets when the validator is built, so checking a coding in a
document is a couple of set and dict look-ups: that is what makes thousands of documents
a second possible. Expansion follows the standard's semantics: `descendent-of` excludes
the root, `is-a` includes it, `exclude` removes codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from termserver.store import Store

from .model import ValueSet
from .standard import KL_SYSTEMS, LEGACY_CANONICALS, VALUE_SETS


def display_key(text: str) -> str:
    """A display as compared: case and whitespace (runs, NBSP, ends) do not count."""
    return " ".join(text.casefold().split())


@dataclass(slots=True)
class CodeAnswer:
    known_system: bool
    scheme: str | None = None
    exists: bool = False
    retired_since: str | None = None
    last_version: str | None = None
    displays: frozenset[str] = frozenset()
    other_system: str | None = None
    """When the code is unknown here but exists in another KL system: that system's URL."""


class Terminology:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.systems: dict[str, str] = {}
        self.canonical_of: dict[str, str] = {}
        for scheme in store.schemes():
            release = store.latest(scheme)
            if release.info.kind != "vocabulary" or not release.info.uri:
                continue
            self.systems[release.info.uri] = scheme
            self.canonical_of[scheme] = release.info.uri
            for identifier in release.info.identifiers:
                self.systems.setdefault(identifier, scheme)
        self._displays: dict[str, dict[str, frozenset[str]]] = {}
        self._last_seen: dict[str, dict[str, str]] = {}
        self._versions: dict[str, dict[str, frozenset[str]]] = {}
        for scheme in set(self.systems.values()):
            displays: dict[str, set[str]] = {}
            last: dict[str, str] = {}
            for release in store.versions(scheme):
                for code, concept in release.concepts.items():
                    displays.setdefault(code, set()).update(
                        display_key(t) for t in concept.labels.values())
                    last[code] = release.version
                self._versions.setdefault(scheme, {})[release.version] = frozenset(
                    release.concepts)
            self._displays[scheme] = {c: frozenset(d) for c, d in displays.items()}
            self._last_seen[scheme] = last
        self._owner: dict[str, str] = {}
        for scheme, last in self._last_seen.items():
            for code in last:
                self._owner.setdefault(code, scheme)
        self._kl_versions = {scheme: store.latest(scheme).version for scheme in sorted(
            {self.systems[s] for s in KL_SYSTEMS if s in self.systems})}
        self.value_sets: dict[str, dict[str, frozenset[str]]] = {}
        for name in VALUE_SETS:
            self.value_sets[name] = self.expand(VALUE_SETS[name])

    def versions(self) -> dict[str, str]:
        """The KL code system releases validation answers from (scheme → version)."""
        return dict(self._kl_versions)

    def canonical(self, system: str) -> tuple[str, bool]:
        """(current canonical, whether the given one was a legacy alias)."""
        if system in LEGACY_CANONICALS:
            return LEGACY_CANONICALS[system], True
        return system, False

    def lookup(self, system: str, code: str, version: str | None = None) -> CodeAnswer:
        scheme = self.systems.get(system)
        if scheme is None:
            return CodeAnswer(known_system=False)
        displays = self._displays[scheme].get(code, frozenset())
        if version is not None:
            codes = self._versions[scheme].get(version)
            if codes is None:
                return CodeAnswer(True, scheme, exists=code in self.store.latest(scheme).concepts,
                                  displays=displays)
            if code in codes:
                return CodeAnswer(True, scheme, True, displays=displays)
        elif code in self.store.latest(scheme).concepts:
            return CodeAnswer(True, scheme, True, displays=displays)
        last = self._last_seen[scheme].get(code)
        if last is not None:
            return CodeAnswer(True, scheme, False, retired_since=self._next_version(scheme, last),
                              last_version=last, displays=displays)
        owner = self._owner.get(code)
        return CodeAnswer(True, scheme, other_system=self.canonical_of.get(owner)
                          if owner and owner != scheme else None)

    def has_version(self, system: str, version: str) -> bool:
        scheme = self.systems.get(system)
        return scheme is None or version in self._versions[scheme]

    def _next_version(self, scheme: str, version: str) -> str | None:
        versions = [r.version for r in self.store.versions(scheme)]
        index = versions.index(version)
        return versions[index + 1] if index + 1 < len(versions) else None

    def in_value_set(self, name: str, system: str, code: str) -> bool:
        codes = self.value_sets[name].get(self.canonical(system)[0])
        return codes is not None and code in codes

    def containing(self, system: str, code: str) -> list[str]:
        """Names of the declared value sets that hold this code (for "wrong value set")."""
        system = self.canonical(system)[0]
        return [name for name, by_system in self.value_sets.items()
                if code in by_system.get(system, ())]

    def expand(self, value_set: ValueSet) -> dict[str, frozenset[str]]:
        """{system: codes}; systems this store does not hold expand to their listed codes."""
        out: dict[str, set[str]] = {}
        for include in value_set.include:
            for name in include.value_sets:
                for system, codes in self.expand(VALUE_SETS[name]).items():
                    out.setdefault(system, set()).update(codes)
            if not include.system:
                continue
            codes = out.setdefault(include.system, set())
            codes.update(include.codes)
            scheme = self.systems.get(include.system)
            if scheme is None:
                codes.update(include.is_a)
                continue
            release = self.store.latest(scheme)
            for root in include.descendent_of + include.is_a:
                if root in release.concepts:
                    codes.update(c.code for c in self.store.descendants(release, root))
            codes.update(c for c in include.is_a if c in release.concepts)
        return {system: frozenset(codes - set(value_set.exclude))
                for system, codes in out.items()}
