"""Terminology answers for validation, precomputed once per store and release choice.

Value sets become Python sets when the validator is built, so checking a coding in a
document is a couple of set and dict look-ups: that is what makes thousands of documents
a second possible. Expansion follows the standard's semantics: `descendent-of` excludes
the root, `is-a` includes it, `exclude` removes codes.

A `Terminology` answers from one release per code system: the latest ones, or those in
force on a day (`at(day)`: the newest release issued on or before it, see
`termserver.versions.in_force`). A code missing from the chosen release is told apart by
the store's history: retired before it (named with the release that removed it) or
introduced after it (named with the release that brought it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from termserver.model import Release
from termserver.store import Store
from termserver.versions import in_force

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
    introduced_in: str | None = None
    """When the code is not yet in the chosen release but in a later one: the first."""
    release: str | None = None
    """The release the answer was given from."""


_DAYS_KEPT = 10_000
"""Days remembered by `at` (documents of a year need 365); bounded like the other memos."""


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
        self._order: dict[str, list[str]] = {}
        """Per scheme, its versions oldest first (the store's order)."""
        self._present: dict[str, dict[str, tuple[int, ...]]] = {}
        """Per scheme and code, the indexes (into _order) of the releases that have it."""
        self._versions: dict[str, dict[str, frozenset[str]]] = {}
        for scheme in set(self.systems.values()):
            displays: dict[str, set[str]] = {}
            present: dict[str, list[int]] = {}
            releases = store.versions(scheme)
            for index, release in enumerate(releases):
                for code, concept in release.concepts.items():
                    displays.setdefault(code, set()).update(
                        display_key(t) for t in concept.labels.values())
                    present.setdefault(code, []).append(index)
                self._versions.setdefault(scheme, {})[release.version] = frozenset(
                    release.concepts)
            self._order[scheme] = [r.version for r in releases]
            self._displays[scheme] = {c: frozenset(d) for c, d in displays.items()}
            self._present[scheme] = {c: tuple(i) for c, i in present.items()}
        self._owner: dict[str, str] = {}
        for scheme, present_codes in self._present.items():
            for code in present_codes:
                self._owner.setdefault(code, scheme)
        self._kl_schemes = sorted({self.systems[s] for s in KL_SYSTEMS if s in self.systems})
        self._at: dict[date, Terminology] = {}
        self._by_choice: dict[tuple[str, ...], Terminology] = {}
        self._choose({scheme: store.latest(scheme) for scheme in set(self.systems.values())})
        self._by_choice[self._choice_key()] = self

    def _choose(self, releases: dict[str, Release]) -> None:
        """Answer from these releases (scheme → release): codes, versions and value sets."""
        self.release = releases
        self._index = {scheme: self._order[scheme].index(r.version)
                       for scheme, r in releases.items()}
        self._kl_versions = {scheme: releases[scheme].version for scheme in self._kl_schemes}
        latest = getattr(self, "value_sets", None)  # set on the latest view, shared by copies
        self.value_sets: dict[str, dict[str, frozenset[str]]] = {}
        for name in VALUE_SETS:
            expansion = self.expand(VALUE_SETS[name])
            if latest is not None:  # the standard's value sets are written for the latest
                # releases: a code they hold stays in, and one they cannot know (retired
                # since) counts where the release in force places it
                expansion = {system: codes | latest[name].get(system, frozenset())
                             for system, codes in expansion.items()}
            self.value_sets[name] = expansion

    def _choice_key(self) -> tuple[str, ...]:
        return tuple(f"{s}@{self.release[s].version}" for s in sorted(self.release))

    def at(self, day: date) -> Terminology:
        """The terminology in force on `day`: per code system the newest release issued on
        or before it. A code system of which no release held is dated on or before the day
        (its history begins later, or its releases carry no date) is answered by its latest
        release, as without a date: nothing held tells what was in force then. Built once
        per distinct choice of releases."""
        found = self._at.get(day)
        if found is not None:
            return found
        releases: dict[str, Release] = {}
        for scheme in self.release:
            versions = [r for r in self.store.versions(scheme) if r.info.status == "active"]
            chosen = in_force(((r.version, r.info.issued) for r in versions), day)
            if chosen is not None:
                releases[scheme] = next(r for r in versions if r.version == chosen)
            else:  # none held from that time: the latest, as without a date
                releases[scheme] = self.store.latest(scheme)
        key = tuple(f"{s}@{releases[s].version}" for s in sorted(releases))
        found = self._by_choice.get(key)
        if found is None:
            found = copy.copy(self)  # the history-wide indexes are shared, not copied
            found._choose(releases)
            self._by_choice[key] = found
        if len(self._at) < _DAYS_KEPT:
            self._at[day] = found
        return found

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
        chosen = self.release[scheme]
        if version is not None:
            codes = self._versions[scheme].get(version)
            if codes is None:
                return CodeAnswer(True, scheme, exists=code in chosen.concepts,
                                  displays=displays, release=chosen.version)
            if code in codes:
                return CodeAnswer(True, scheme, True, displays=displays, release=version)
        elif code in chosen.concepts:
            return CodeAnswer(True, scheme, True, displays=displays, release=chosen.version)
        present = self._present[scheme].get(code)
        if present is not None:
            order, at = self._order[scheme], self._index[scheme]
            if version is not None:
                at = order.index(version)
            before = [i for i in present if i < at]
            if before:
                return CodeAnswer(True, scheme, False, retired_since=order[before[-1] + 1],
                                  last_version=order[before[-1]], displays=displays,
                                  release=order[at])
            return CodeAnswer(True, scheme, False, displays=displays,
                              introduced_in=order[present[0]], release=order[at])
        owner = self._owner.get(code)
        return CodeAnswer(True, scheme, other_system=self.canonical_of.get(owner)
                          if owner and owner != scheme else None, release=chosen.version)

    def has_version(self, system: str, version: str) -> bool:
        scheme = self.systems.get(system)
        return scheme is None or version in self._versions[scheme]

    def in_value_set(self, name: str, system: str, code: str) -> bool:
        codes = self.value_sets[name].get(self.canonical(system)[0])
        return codes is not None and code in codes

    def containing(self, system: str, code: str) -> list[str]:
        """Names of the declared value sets that hold this code (for "wrong value set")."""
        system = self.canonical(system)[0]
        return [name for name, by_system in self.value_sets.items()
                if code in by_system.get(system, ())]

    def expand(self, value_set: ValueSet) -> dict[str, frozenset[str]]:
        """{system: codes} from the chosen releases; systems this store does not hold expand
        to their listed codes."""
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
            release = self.release[scheme]
            for root in include.descendent_of + include.is_a:
                if root in release.concepts:
                    codes.update(c.code for c in self.store.descendants(release, root))
            codes.update(c for c in include.is_a if c in release.concepts)
        return {system: frozenset(codes - set(value_set.exclude))
                for system, codes in out.items()}
