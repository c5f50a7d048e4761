"""The ranking, written once as an engine-neutral query tree that each backend translates.

User text never reaches an engine's query parser: quotes, colons, `AND`, `*` or unbalanced
brackets are just characters that analysis drops, so hostile input cannot raise.

Ranking is by tiers of constant scores (a hit's best tier decides its place; BM25 over the
matched words only breaks ties inside a tier):

    code exact > preferred label exact > alt/hidden label exact > code prefix
    > all words in a preferred label (last word may be a prefix) > all words in an alt or
    hidden label > all words in a definition > any word (OR fallback)

Typo tolerance is a separate fallback query, run only when no tier above "any word"
matched (see `fuzzy_plan`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .analysis import QueryTerms, fuzzy_distance

CODE_EXACT = 64_000.0
PREF_EXACT = 32_000.0
ALT_EXACT = 16_000.0
CODE_PREFIX = 8_000.0
PREF_ALL = 4_000.0
ALT_ALL = 2_000.0
DEF_ALL = 1_000.0
FUZZY_ALL = 500.0
DANISH_BONUS = 200.0
"""Small nudge for concepts with a Danish label: our users search in Danish."""
WORD_SCALE = 0.05
"""BM25 tie-break weight; keeps the OR fallback well below the all-words tiers."""

ALL_WORDS_FLOOR = DEF_ALL
"""A top score below this means nothing matched all words: try the fuzzy fallback."""


@dataclass(slots=True)
class Term:
    field: str
    text: str


@dataclass(slots=True)
class Fuzzy:
    field: str
    text: str
    distance: int


@dataclass(slots=True)
class All:
    clauses: tuple[object, ...]


@dataclass(slots=True)
class Any:
    clauses: tuple[object, ...]


@dataclass(slots=True)
class Const:
    clause: object
    score: float


@dataclass(slots=True)
class Boost:
    clause: object
    boost: float


@dataclass(slots=True)
class Plan:
    match: object
    """A document must match this to be a hit; its score ranks the hit."""
    bonus: list[object] = field(default_factory=list)
    """Scored only for documents that already match."""
    filters: list[Term] = field(default_factory=list)


def _word_clause(q: QueryTerms, i: int, stem_field: str, prefix_field: str | None) -> object:
    term = Term(stem_field, q.stems[i])
    if prefix_field and q.last_prefix and i == q.required[-1]:
        return Any((term, Term(prefix_field, q.last_prefix)))
    return term


def _all(clauses: list[object]) -> object:
    return clauses[0] if len(clauses) == 1 else All(tuple(clauses))


def filters(scheme: str | None, version: str | None) -> list[Term]:
    out: list[Term] = []
    if scheme:
        out.append(Term("scheme", scheme))
    if version and version != "latest":
        out.append(Term("version", version))
    else:
        out.append(Term("latest", "1"))
    return out


def main_plan(q: QueryTerms, scheme: str | None, version: str | None) -> Plan:
    tiers: list[object] = []
    if q.code:
        tiers.append(Const(Term("code", q.code), CODE_EXACT))
        tiers.append(Const(Term("code_pfx", q.code), CODE_PREFIX))
    if q.key:
        tiers.append(Const(Term("pref_exact", q.key), PREF_EXACT))
        tiers.append(Const(Term("alt_exact", q.key), ALT_EXACT))
    if q.words:
        req = q.required
        tiers.append(Const(_all([_word_clause(q, i, "pref", "pref_pfx") for i in req]),
                           PREF_ALL))
        tiers.append(Const(_all([_word_clause(q, i, "alt", "alt_pfx") for i in req]),
                           ALT_ALL))
        tiers.append(Const(_all([Term("defn", q.stems[i]) for i in req]), DEF_ALL))
        words: list[object] = []
        for s in dict.fromkeys(q.stems):
            words.append(Boost(Term("pref", s), 3.0 * WORD_SCALE))
            words.append(Boost(Term("alt", s), 2.0 * WORD_SCALE))
            words.append(Boost(Term("defn", s), 1.0 * WORD_SCALE))
        if q.last_prefix:
            words.append(Boost(Term("pref_pfx", q.last_prefix), 2.0 * WORD_SCALE))
            words.append(Boost(Term("alt_pfx", q.last_prefix), 1.0 * WORD_SCALE))
        tiers.append(Any(tuple(words)))
    return Plan(Any(tuple(tiers)), [Const(Term("lang", "da"), DANISH_BONUS)],
                filters(scheme, version))


def fuzzy_plan(q: QueryTerms, scheme: str | None, version: str | None) -> Plan | None:
    """Every content word within edit distance 1 (2 for words of 8+ letters) of a label word."""
    clauses: list[object] = []
    fuzzy_any = False
    for i in q.required:
        word = q.words[i]
        distance = fuzzy_distance(word)
        if distance:
            fuzzy_any = True
            clauses.append(Any((Term("words", word), Fuzzy("words", word, distance))))
        else:
            clauses.append(Term("words", word))
    if not fuzzy_any:
        return None
    return Plan(Const(_all(clauses), FUZZY_ALL),
                [Const(Term("lang", "da"), DANISH_BONUS)], filters(scheme, version))


Ranked = list[tuple[float, int]]


def with_fuzzy_fallback(
    q: QueryTerms,
    scheme: str | None,
    version: str | None,
    limit: int,
    found: tuple[int, Ranked],
    run: Callable[[Plan, int], tuple[int, Ranked]],
) -> tuple[int, Ranked]:
    """Typo tolerance as a fallback: only when the normal query found nothing convincing.

    Fuzzy hits go first (they are what the user meant), the weak exact hits after them.
    """
    total, ranked = found
    if ranked and ranked[0][0] >= ALL_WORDS_FLOOR:
        return total, ranked
    fuzzy = fuzzy_plan(q, scheme, version)
    if fuzzy is None:
        return total, ranked
    f_total, f_ranked = run(fuzzy, limit)
    if not f_ranked:
        return total, ranked
    seen = {n for _, n in f_ranked}
    return max(total, f_total), (f_ranked + [r for r in ranked if r[1] not in seen])[:limit]
