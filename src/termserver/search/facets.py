"""What a hit is and where it belongs: kind, area, law and status, for filters and display.

Caseworkers narrow a search by what they are looking for (a tilstand, an indsats or
ydelse, an ICF code, a målgruppe), by the catalogue's areas and by law. None of that is a
field of the publishers' files, so it is derived here, once per concept, from what is:

- **kind** from the concept's place in its hierarchy: the nearest ancestor (or the concept
  itself, at the top) whose label names a group of tilstande, indsatser or målgrupper
  (KL's "FFB tilstande", "Kommunale pleje- og omsorgsindsatser", "Målgruppe"…); ICF is
  `icf`; a catalogue entry (it has a legal basis) is `indsats`; anything else (scales,
  statuses, administrative codes) is `andet`.
- **area** and **law** from our catalogue: an entry's `ts:area` and the law of each
  `ts:legalBasis`, given also to the official FFB ydelse or FSIII indsats it matches
  exactly, so filtering by law finds the official concept beside our entry.
- **current**: not deprecated or retired; only current concepts are offered by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import NotFound
from ..model import Concept, Release
from ..store import Store
from . import analysis

TILSTAND, INDSATS, ICF, MAALGRUPPE, ANDET = "tilstand", "indsats", "icf", "maalgruppe", "andet"
KINDS = (TILSTAND, INDSATS, ICF, MAALGRUPPE, ANDET)
KIND_ALIASES = {"ydelse": INDSATS, "målgruppe": MAALGRUPPE, "malgruppe": MAALGRUPPE,
                "icf-kode": ICF}
"""Words a caller may use for a kind (`ydelse` is what FFB calls an indsats)."""

NOT_CURRENT = frozenset({"deprecated", "retired"})
"""Statuses never offered as current: shown when looked up, left out of lists."""

CATALOGUE = "catalogue"
_ICF_SCHEMES = frozenset({"icf"})

_GROUP_KINDS = (
    (re.compile(r"tilstande$", re.I), TILSTAND),
    (re.compile(r"^målgruppe$", re.I), MAALGRUPPE),
    (re.compile(r"indsatser$|^ydelse$|^tilbud$", re.I), INDSATS),
)
"""Labels of the groups that say what their members are, matched nearest first."""


def kind_name(text: str) -> str | None:
    """A caller's word for a kind (`tilstand`, `ydelse`, `målgruppe`…) → its key, or None."""
    word = text.strip().lower()
    return word if word in KINDS else KIND_ALIASES.get(word)


def law_name(basis: str) -> str:
    """`Serviceloven § 85` → `Serviceloven`, `Lov om … (mentor)` → `Lov om …`: the law of a
    legal basis, to filter by (the paragraph or instrument is shown, not filtered on)."""
    name = basis.split("§")[0].strip().rstrip(",")
    return re.sub(r"\s*\([^)]*\)$", "", name) or basis


def law_key(name: str) -> str:
    """A law's name as one comparable key (case, Danish letters and spacing folded)."""
    return analysis.key(name)


AREAS = ("social", "employment", "family", "health")
"""The catalogue's areas (`ts:area`)."""

_laws_seen: tuple[int, dict[str, str]] | None = None


def known_laws(store: Store) -> dict[str, str]:
    """law_key → the law's name, for every law a catalogue entry's legal basis names (kept
    for the last store asked about: one per running process)."""
    global _laws_seen
    if _laws_seen is not None and _laws_seen[0] == id(store):
        return _laws_seen[1]
    laws: dict[str, str] = {}
    if CATALOGUE in store.schemes():
        for entry in store.latest(CATALOGUE).concepts.values():
            for basis in entry.properties.get("legalBasis", []):
                name = law_name(basis)
                laws.setdefault(law_key(name), name)
    _laws_seen = (id(store), laws)
    return laws


def is_current(concept: Concept) -> bool:
    return concept.status not in NOT_CURRENT


def _group_kind(label: str) -> str | None:
    for pattern, kind in _GROUP_KINDS:
        if pattern.search(label.strip()):
            return kind
    return None


def kind_of(store: Store, release: Release, concept: Concept) -> str:
    if release.scheme in _ICF_SCHEMES:
        return ICF
    if release.scheme == CATALOGUE:
        return INDSATS if concept.properties.get("legalBasis") else ANDET
    chain = [concept.code]
    code = concept.code
    seen = {code}
    while True:  # the first-parent chain, nearest first
        parents = release.concepts[code].broader
        parent = next((p for p in parents if p in release.concepts and p not in seen), None)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent)
        code = parent
    for position, code in enumerate(chain):
        if position == 0 and len(chain) > 1:
            continue  # a member is known by its group, not by its own label
        kind = _group_kind(release.concepts[code].label())
        if kind is not None:
            return kind
    return ANDET


def path_of(release: Release, concept: Concept, limit: int = 6) -> list[tuple[str, str]]:
    """(code, label) from the top of the first-parent chain down to the parent: where a
    concept sits, so two concepts with one label can be told apart."""
    out: list[tuple[str, str]] = []
    seen = {concept.code}
    code = concept.code
    while len(out) < limit:
        parent = next((p for p in release.concepts[code].broader
                       if p in release.concepts and p not in seen), None)
        if parent is None:
            break
        seen.add(parent)
        out.append((parent, release.concepts[parent].label()))
        code = parent
    out.reverse()
    return out


_where: dict[tuple[int, str, str, str], list[tuple[str, str]]] = {}


def where(store: Store, scheme: str, version: str, code: str) -> list[tuple[str, str]]:
    """`path_of` for a concept named by scheme, version and code (remembered: the same
    hits come back), or nothing when the release or code is gone."""
    key = (id(store), scheme, version, code)
    found = _where.get(key)
    if found is None:
        if len(_where) > 100_000:
            _where.clear()
        try:
            release = store.release(scheme, version)
        except NotFound:
            release = None
        concept = release.concepts.get(code) if release is not None else None
        found = _where[key] = path_of(release, concept) if concept is not None else []
    return found


@dataclass(slots=True)
class Facets:
    """Per (scheme, code): the areas and laws the catalogue gives it."""

    areas: dict[tuple[str, str], list[str]]
    laws: dict[tuple[str, str], list[str]]

    def area_of(self, scheme: str, code: str) -> list[str]:
        return self.areas.get((scheme, code), [])

    def laws_of(self, scheme: str, code: str) -> list[str]:
        return self.laws.get((scheme, code), [])


def catalogue_facets(store: Store) -> Facets:
    """Areas and laws from the latest catalogue, for its entries and their official twins."""
    areas: dict[tuple[str, str], list[str]] = {}
    laws: dict[tuple[str, str], list[str]] = {}
    if CATALOGUE not in store.schemes():
        return Facets(areas, laws)
    for entry in store.latest(CATALOGUE).concepts.values():
        bases = entry.properties.get("legalBasis", [])
        if not bases:
            continue
        entry_areas = entry.properties.get("area", [])
        entry_laws = list(dict.fromkeys(law_name(b) for b in bases))
        targets = [(CATALOGUE, entry.code)]
        for view in store.mappings(entry.uri):
            target = store.resolve_uri(view.target) if view.relation == "exactMatch" else None
            if target is not None:
                targets.append(target)
        for key in targets:
            areas[key] = list(dict.fromkeys([*areas.get(key, []), *entry_areas]))
            laws[key] = list(dict.fromkeys([*laws.get(key, []), *entry_laws]))
    return Facets(areas, laws)
