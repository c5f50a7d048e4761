"""Turning engine hits into `Hit`s, including which label matched.

Engines return document numbers and scores; `matched` is recomputed here from the
concept's own labels with the same analysis, only for the handful of hits returned, with a
per-text cache so repeated labels cost a dict lookup.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import BadRequest
from ..model import Concept
from . import analysis, plan
from .analysis import QueryTerms
from .base import Hit

MAX_QUERY_CHARS = 500

_cache: dict[str, tuple[str, list[str], frozenset[str]]] = {}


def _analysed(text: str) -> tuple[str, list[str], frozenset[str]]:
    entry = _cache.get(text)
    if entry is None:
        if len(_cache) > 200_000:
            _cache.clear()
        words = analysis.words(text)
        entry = (" ".join(words), words, frozenset(analysis.stem(w) for w in words))
        _cache[text] = entry
    return entry


def parse_query(text: str) -> QueryTerms:
    """Analyse a user's query; empty or oversized input is a clear 400, not an empty list."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest(
            "Search query is empty. Give some text to search for, e.g. q=hukommelse.",
            details={"q": text},
        )
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"Search query is {len(text)} characters; at most {MAX_QUERY_CHARS} are allowed.",
            details={"length": len(text)},
        )
    return QueryTerms(text)


def _all_words(q: QueryTerms, key: str, stems: frozenset[str]) -> bool:
    """Does a text (its analysed `key` and `stems`) have every required word of `q`, the
    last one still being typed also as the beginning of a word?"""
    last = q.required[-1] if q.required else -1
    for i in q.required:
        if q.stems[i] in stems:
            continue
        if i == last and q.last_prefix and _begins_a_word(key, q.last_prefix):
            continue
        return False
    return True


def _begins_a_word(key: str, prefix: str) -> bool:
    """Does a word of `key` (words joined by single spaces) begin with `prefix`?"""
    return key.startswith(prefix) or f" {prefix}" in key


def _fuzzy_count(q: QueryTerms, words: list[str]) -> int:
    count = 0
    for word in q.words:
        if word in words or any(analysis.is_typo_of(word, w) for w in words):
            count += 1
    return count


_candidate_cache: dict[int, tuple[Concept, list[tuple[str, str]]]] = {}


def _candidates(concept: Concept) -> list[tuple[str, str]]:
    """(field, text) of every label, preferred first; cached per loaded concept object."""
    entry = _candidate_cache.get(id(concept))
    if entry is not None and entry[0] is concept:
        return entry[1]
    if len(_candidate_cache) > 500_000:
        _candidate_cache.clear()
    out: list[tuple[str, str]] = []
    preferred = concept.label()
    out.append(("label", preferred))
    out.extend(("label", t) for t in concept.labels.values() if t and t != preferred)
    out.extend(("alt_label", t) for ts in concept.alt_labels.values() for t in ts)
    out.extend(("hidden_label", t) for ts in concept.hidden_labels.values() for t in ts)
    _candidate_cache[id(concept)] = (concept, out)
    return out


def explain_match(q: QueryTerms, concept: Concept) -> tuple[str, str]:
    """(field, text) that best explains why `concept` matched `q`."""
    code = concept.code.lower()
    if q.code and (code == q.code or (code.startswith(q.code) and analysis.code_prefixes(code))):
        return "code", concept.code
    found = _explain_by_tier(q, concept, _WORD_TIERS)
    if found:
        return found
    candidates = _candidates(concept)
    best = ("label", candidates[0][1])
    best_count = 0
    for fld, text in candidates:
        count = _fuzzy_count(q, _analysed(text)[1])
        if count > best_count:
            best, best_count = (fld, text), count
            if count == len(q.words):  # no label can explain more
                break
    if best_count:
        return best
    for fld, text in candidates:
        if _analysed(text)[2] & set(q.stems):
            return fld, text
    definition = concept.definition()
    if definition:
        return "definition", definition
    return best


def _tier(score: float) -> int:
    return int(score // plan.DEF_ALL)


_CODE = _tier(plan.CODE_EXACT) | _tier(plan.CODE_PREFIX)
_EXACT = _tier(plan.PREF_EXACT) | _tier(plan.ALT_EXACT)
_ALL_WORDS = _tier(plan.PREF_ALL) | _tier(plan.ALT_ALL)
_DEFINITION = _tier(plan.DEF_ALL)
_WORD_TIERS = _EXACT | _ALL_WORDS | _DEFINITION


def _explain_by_tier(q: QueryTerms, concept: Concept, tiers: int) -> tuple[str, str] | None:
    """The tier constants are powers of two above every tie-break, so a hit's score says
    which tiers it matched; look only there. None when the score says nothing usable."""
    if tiers & _CODE:
        return "code", concept.code
    candidates = _candidates(concept)
    if tiers & _EXACT:
        for fld, text in candidates:
            if _analysed(text)[0] == q.key:
                return fld, text
    if tiers & _ALL_WORDS:
        for fld, text in candidates:
            key, _, stems = _analysed(text)
            if _all_words(q, key, stems):
                return fld, text
    if tiers & _DEFINITION:
        for text in concept.definitions.values():
            key, _, stems = _analysed(text)
            if _all_words(q, key, stems):
                return "definition", text
    return None


def make_hit(q: QueryTerms, row: tuple[str, str, str, Concept | None], score: float) -> Hit:
    scheme, version, code, concept = row
    if concept is None:
        return Hit(scheme, version, code, code, code, score, "code")
    tiers = _tier(score)
    explained = _explain_by_tier(q, concept, tiers) if tiers else None
    fld, text = explained or explain_match(q, concept)
    return Hit(scheme, version, code, concept.label(), text, score, fld,
               label_source=concept.label_source())


def fetch_size(limit: int) -> int:
    """How many ranked documents to ask the engine for so that `limit` hits remain after
    aliases are folded together (`make_hits`)."""
    return limit * 2 + 4


def make_hits(q: QueryTerms, table: list, leaders: list[int], ranked: list[tuple[float, int]],
              limit: int) -> list[Hit]:
    """Hits for the best `limit` concepts, each alias (same concept, other code; see
    `documents.alias_leaders`) folded into the hit of its best-ranked twin (on equal
    scores the engines rank the earlier document, the alias leader, first)."""
    hits: list[Hit] = []
    by_leader: dict[int, Hit] = {}
    for score, n in ranked:
        leader = leaders[n]
        hit = by_leader.get(leader)
        if hit is not None:
            hit.other_codes.append(table[n][2])
        elif len(hits) < limit:
            hit = by_leader[leader] = make_hit(q, table[n], score)
            hits.append(hit)
    return hits


def warm(concepts: Iterable[Concept]) -> None:
    """Analyse labels and definitions ahead of the first queries (~0.2 s for the real
    releases), so a query nobody has asked before does not pay for stemming the texts of
    every hit it explains."""
    for concept in concepts:
        for _, text in _candidates(concept):
            _analysed(text)
        for text in concept.definitions.values():
            _analysed(text)
