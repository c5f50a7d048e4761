"""`$expand`'s `filter` through the Danish search analysis of `/api/v1/search`.

Caseworkers type what they mean (`hukommelse`, `hukommelsesbesvær`, `hukomelse`), not a
label's exact letters, so for the code systems we hold the filter asks the search index
(stemming, compound words, typos, search words) which codes of that release match, and
lists them best first. What the index cannot answer for — code systems sent with the
request, a release not in the index — keeps FHIR's plain reading: the filter's text in a
label (any case) or the beginning of the code. A code either way matches.
"""

from __future__ import annotations

import weakref

from ..model import Concept, Release
from ..search import SearchIndex
from ..search.base import Filters
from ..store import Store

_INDEXES: weakref.WeakKeyDictionary[Store, SearchIndex] = weakref.WeakKeyDictionary()
MAX_HITS = 1000
"""The search index answers at most this many hits per release (`_search`'s own cap)."""


def use_index(store: Store, index: SearchIndex) -> None:
    """Say which search index covers the store's releases (the app's, set per request)."""
    if _INDEXES.get(store) is not index:
        _INDEXES[store] = index


def _stored(store: Store, release: Release) -> bool:
    return any(r is release for r in store.versions(release.scheme)) \
        if release.scheme in store.schemes() else False


def plain_match(concept: Concept, text: str) -> bool:
    """FHIR's plain filter: the text (lower case) in a label, or the beginning of the code."""
    return any(text in label.lower() for label in concept.labels.values()) or (
        concept.code.lower().startswith(text))


_LOWERED: dict[int, tuple[Release, list[tuple[str, str, str]]]] = {}
"""id(release) → (the release, [(code, code lower-cased, labels lower-cased and joined)]):
the plain reading over a whole code system on every filtered expansion, without
lower-casing every label each time. The release is kept beside its id, so the id cannot
be reused."""


def _lowered(release: Release) -> list[tuple[str, str, str]]:
    entry = _LOWERED.get(id(release))
    if entry is None or entry[0] is not release:
        if len(_LOWERED) > 64:
            _LOWERED.clear()
        entry = (release, [(c.code, c.code.lower(), "\n".join(c.labels.values()).lower())
                           for c in release.concepts.values()])
        _LOWERED[id(release)] = entry
    return entry[1]


def filter_members(store: Store, members: list[tuple[Release, Concept]], text: str
                   ) -> list[tuple[Release, Concept]]:
    """The members the filter matches: those the search index finds first, in its order,
    then those only the plain reading finds, in expansion order."""
    index = _INDEXES.get(store)
    needle = text.lower()
    ranks: dict[int, dict[str, int]] = {}
    plain: dict[int, set[str]] = {}
    if index is not None and text.strip():
        for key, release in {id(r): r for r, _ in members}.items():
            if _stored(store, release):
                ranks[key] = _ranked_codes(index, release, text)
                plain[key] = {code for code, lowered_code, labels in _lowered(release)
                              if needle in labels or lowered_code.startswith(needle)}
    ranked: list[tuple[int, int, tuple[Release, Concept]]] = []
    rest: list[tuple[Release, Concept]] = []
    for position, member in enumerate(members):
        release, concept = member
        found = ranks.get(id(release))
        if found is None:
            if plain_match(concept, needle):
                rest.append(member)
            continue
        rank = found.get(concept.code)
        if rank is not None:
            ranked.append((rank, position, member))
        elif concept.code in plain[id(release)]:
            rest.append(member)
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [member for _, _, member in ranked] + rest


def _ranked_codes(index: SearchIndex, release: Release, text: str) -> dict[str, int]:
    # retired and deprecated codes are members of an expansion (unless activeOnly) too
    results = index.search(text, limit=min(MAX_HITS, max(1, len(release.concepts))),
                           filters=Filters(schemes=(release.scheme,), version=release.version,
                                           include_retired=True))
    ranks: dict[str, int] = {}
    for rank, hit in enumerate(results.hits):
        for code in (hit.code, *hit.other_codes):
            ranks.setdefault(code, rank)
    return ranks
