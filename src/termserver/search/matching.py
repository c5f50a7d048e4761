"""Turning engine hits into `Hit`s, including which label matched.

Engines return document numbers and scores; `matched` is recomputed here from the
concept's own labels with the same analysis, only for the handful of hits returned, with a
per-text cache so repeated labels cost a dict lookup.
"""

from __future__ import annotations

import re
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
        # stems and roots (`analysis.root`): a text matched by a word's root is explained
        entry = (" ".join(words), words, frozenset(analysis.stem(w) for w in words)
                 | frozenset(analysis.root(w) for w in words))
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
        if q.stems[i] in stems or q.roots[i] in stems:
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


def make_hit(q: QueryTerms, row: tuple[str, str, str, Concept | None], score: float,
             kind: str = "") -> Hit:
    scheme, version, code, concept = row
    if concept is None:
        return Hit(scheme, version, code, code, code, score, "code")
    tiers = _tier(score)
    explained = _explain_by_tier(q, concept, tiers) if tiers else None
    fld, text = explained or explain_match(q, concept)
    # positional: a search makes ten of these, and keywords cost twice as much
    return Hit(scheme, version, code, concept.label(), text, score, fld, [],
               concept.label_source(), concept.status, kind, (), q)


# -- showing why a hit matched ---------------------------------------------------------------
# Worked out when a hit is shown (`highlight`), not while searching: a search ranks and
# explains ten hits in well under 100 µs, and finding the sentence of a definition and the
# words to mark would double that for hits a caller may never show.

_TOKEN = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"»(])|\n+")
SNIPPET_CHARS = 180
"""Longest "found via" text: a definition's sentence beyond this is cut around the match."""

_folded: dict[str, str] = {}


def _fold_token(token: str) -> str:
    word = _folded.get(token)
    if word is None:
        if len(_folded) > 200_000:
            _folded.clear()
        word = _folded[token] = "".join(analysis.words(token))
    return word


def _query_words(q: QueryTerms) -> tuple[frozenset[str], tuple[str, ...]]:
    scored = [i for i in q.scored if q.words[i] not in analysis.STOPWORDS] or list(q.scored)
    return (frozenset(q.stems[i] for i in scored),
            tuple(q.words[i] for i in scored if len(q.words[i]) >= 4))


def _is_match(word: str, stems: frozenset[str], long_words: tuple[str, ...],
              prefix: str) -> bool:
    if prefix and word.startswith(prefix):
        return True
    # a Danish stem is what is left of the word after its endings are cut, so only a word
    # that begins with a query stem is worth stemming (most words of a text are not)
    if any(word.startswith(s) for s in stems) and analysis.stem(word) in stems:
        return True
    # a compound whose first or last part is a query word (hukommelses|problemer, krops|pleje)
    return any(word.startswith(w) or word.endswith(w) for w in long_words)


def marks(q: QueryTerms, text: str, fld: str = "") -> list[tuple[int, int]]:
    """[start, end) of each word of `text` that a word of the query found: its Danish stem,
    the word still being typed, a compound with a query word at either end, a cited
    paragraph (`§ 85`), or (when none of those) a typo of one. A code is marked whole."""
    if fld == "code":
        return [(0, len(text))]
    stems, long_words = _query_words(q)
    prefix = q.last_prefix
    tokens = [(m.start(), m.end(), _fold_token(m.group())) for m in _TOKEN.finditer(text)]
    found = [(start, end) for start, end, word in tokens
             if word and _is_match(word, stems, long_words, prefix)]
    if "§" in text:
        cited = [(start, end) for start, end, words in analysis.paragraph_spans(text)
                 if stems.intersection(words)]
        found = sorted(cited + [f for f in found
                                if not any(s <= f[0] < e for s, e in cited)])
    if found or not q.words:
        return found
    return [(start, end) for start, end, word in tokens
            if word and any(analysis.is_typo_of(w, word) for w in q.words)]


def sentence(q: QueryTerms, definition: str) -> str:
    """The sentence of a definition that holds the most query words (by stem, the first of
    equals), cut to about SNIPPET_CHARS around its first match: "found via" shows why,
    never a whole text."""
    parts = [p.strip() for p in _SENTENCE_END.split(definition) if p and p.strip()]
    if not parts:
        return definition[:SNIPPET_CHARS]
    if len(parts) > 1:
        stems = _query_words(q)[0] | {f"paragraf{w}" for w in q.words if w.isdigit()}
        stems = stems | {q.last_prefix} if q.last_prefix else stems
        folded = [analysis.fold(p) for p in parts]  # once a sentence, not once a stem
        counts = [sum(s in text for s in stems) for text in folded]
        parts = [parts[counts.index(max(counts))]]
    best = parts[0]
    if len(best) <= SNIPPET_CHARS:
        return best
    found = marks(q, best)
    start = found[0][0] if found else 0
    begin = max(0, min(start - SNIPPET_CHARS // 3, len(best) - SNIPPET_CHARS))
    if begin:
        begin = best.rfind(" ", 0, begin) + 1
    end = best.find(" ", begin + SNIPPET_CHARS)
    end = len(best) if end == -1 else end
    return ("…" if begin else "") + best[begin:end].strip() + ("…" if end < len(best) else "")


def highlight(hit: Hit) -> Hit:
    """Make `hit.matched` what a person is shown (the label, or the one sentence of a
    definition that matched) and mark the query's words in it; done once per hit (a
    memoised result keeps it)."""
    q = hit.terms
    if q is None:
        return hit
    if hit.field == "definition":
        hit.matched = sentence(q, hit.matched)
    hit.marks = marks(q, hit.matched, hit.field)
    hit.terms = None
    return hit


def fetch_size(offset: int, limit: int) -> int:
    """How many ranked documents to ask the engine for to fill the page at `offset`:
    aliases are indexed by code only (`documents.CODE_FIELDS`), so only a code query can
    return two documents of one concept; a small margin covers those."""
    return offset + limit + 4


def alias_groups(leaders: list[int]) -> dict[int, list[int]]:
    """Leader document → every document of its concept (itself first), for the concepts
    published under more than one code."""
    groups: dict[int, list[int]] = {}
    for n, leader in enumerate(leaders):
        if leader != n:
            groups.setdefault(leader, [leader]).append(n)
    return groups


def make_hits(q: QueryTerms, table: list, leaders: list[int], groups: dict[int, list[int]],
              ranked: list[tuple[float, int]], offset: int, limit: int,
              kinds: list[str]) -> list[Hit]:
    """Hits for the concepts ranked `offset` to `offset + limit`, each alias (same concept,
    other code; see `documents.alias_leaders`) folded into the hit of its best-ranked
    document, with the other codes named."""
    hits: list[Hit] = []
    seen: set[int] = set()
    skipped = 0
    for score, n in ranked:
        leader = leaders[n]
        if leader in seen:
            continue
        seen.add(leader)
        if skipped < offset:
            skipped += 1
            continue
        hit = make_hit(q, table[n], score, kinds[n] if n < len(kinds) else "")
        members = groups.get(leader)
        if members:
            hit.other_codes = [table[m][2] for m in members if m != n]
        hits.append(hit)
        if len(hits) >= limit:
            break
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
