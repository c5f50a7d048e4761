"""The ranking, written once against a small query-builder interface each backend implements.

User text never reaches an engine's query parser: quotes, colons, `AND`, `*` or unbalanced
brackets are just characters that analysis drops, so hostile input cannot raise.

Ranking is by tiers of constant scores (a hit's best tier decides its place; BM25 over the
matched words only breaks ties inside a tier):

    code exact > preferred label exact > alt/hidden label exact > code prefix
    > all words in a preferred label (last word may be a prefix) > all words in an alt or
    hidden label > all words in a definition > any word (OR fallback)

In the alt/hidden and definition tiers (and the coordination shares) a word also matches
by its root (`analysis.root`: koncentrere meets koncentration), so a situation described
with verbs reaches the concept whose labels are nouns; a root never makes a preferred
label's or an exact match.

Two fallbacks run only when no tier above "any word" matched: compound words split into
label words (`split_compounds`), then typo tolerance (`fuzzy_query`).

The ranking calls the builder directly rather than producing a neutral tree for backends
to translate: a first-time query is ~30 engine objects, and walking an intermediate tree
in Python cost more than the search itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, TypeVar

from .analysis import (
    QueryTerms,
    foreign,
    fuzzy_distance,
    is_code_prefix_shaped,
    split_compound,
)
from .base import MAX_RESULTS, Filters
from .facets import law_key

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
LABEL_ROOTS = "roots"
"""The field of label words' roots (`documents`); definitions' are in `defn_roots`."""
WORD_SCALE = 0.05
"""BM25 tie-break weight; keeps the OR fallback well below the all-words tiers."""

_PREF_WORD, _ALT_WORD, _DEF_WORD = 3 * WORD_SCALE, 2 * WORD_SCALE, 1 * WORD_SCALE
_PREF_PREFIX, _ALT_PREFIX = 2 * WORD_SCALE, 1 * WORD_SCALE

WORDS_IN_LABELS = 400.0
WORDS_IN_DEFINITIONS = 120.0
"""Shared out over the words of a query that no tier above matched whole; with the Danish
bonus and the tie-break they stay below DEF_ALL."""

ALL_WORDS_FLOOR = DEF_ALL
"""A top score below this means nothing matched all words: try the fuzzy fallback."""

Q = TypeVar("Q")
Ranked = list[tuple[float, int]]
"""(score, document number) of the best documents, best first."""


class QueryBuilder(Protocol[Q]):
    """The handful of query shapes the ranking needs, in one engine's objects."""

    def term(self, field: str, text: str) -> Q: ...

    def typos(self, field: str, text: str) -> Q:
        """`text` and the terms of `field` that `analysis.is_typo_of` takes for it."""
        ...

    def all(self, clauses: list[Q]) -> Q: ...

    def any(self, clauses: list[Q]) -> Q: ...

    def const(self, clause: Q, score: float) -> Q: ...

    def boost(self, clause: Q, boost: float) -> Q: ...

    def known(self, field: str, text: str) -> bool:
        """Is `text` a term of `field` in the index?"""
        ...

    def query(self, match: Q, bonus: list[Q], filters: list[Q]) -> Q:
        """A document must match `match` (its score ranks the hit) and every filter
        (unscored); `bonus` adds to the score of documents that already match."""
        ...


def _word_clause(b: QueryBuilder[Q], q: QueryTerms, i: int, stem_field: str,
                 prefix_field: str | None, root_field: str | None = None) -> Q:
    """One query word in a field: its Danish stem, or the word as typed in a text of
    another language (indexed unstemmed, `documents`), or, for the word still being
    typed, any label word it begins (which covers the foreign words too). With
    `root_field`, also the word's root (`analysis.root`) among the text's stems and roots,
    so the verb a caseworker writes meets the noun of a label (`koncentrere sig` →
    "koncentration")."""
    if prefix_field and q.last_prefix and i == q.required[-1]:
        other = b.term(prefix_field, q.last_prefix)
    else:
        other = b.term(stem_field, foreign(q.words[i]))
    clauses = [b.term(stem_field, q.stems[i]), other]
    if root_field:
        root = q.roots[i]
        if root != q.stems[i]:
            clauses.append(b.term(stem_field, root))
            if root_field == LABEL_ROOTS:  # a preferred label met by a root counts as alt
                clauses.append(b.term("pref", root))
        clauses.append(b.term(root_field, root))
    return b.any(clauses)


def _all(b: QueryBuilder[Q], clauses: list[Q]) -> Q:
    return clauses[0] if len(clauses) == 1 else b.all(clauses)


def _filters(b: QueryBuilder[Q], f: Filters) -> list[Q]:
    """Unscored conditions: by default the latest releases' current concepts (`offer`,
    one term); several schemes or kinds are any of their terms."""
    term = b.term
    out: list[Q] = []
    if f.schemes:
        out.append(term("scheme", f.schemes[0]) if len(f.schemes) == 1
                   else b.any([term("scheme", s) for s in f.schemes]))
    if f.version and f.version != "latest":
        out.append(term("version", f.version))
        if not f.include_retired:
            out.append(term("current", "1"))
    else:
        out.append(term("latest", "1") if f.include_retired else term("offer", "1"))
    if f.kinds:
        out.append(term("kind", f.kinds[0]) if len(f.kinds) == 1
                   else b.any([term("kind", k) for k in f.kinds]))
    if f.area:
        out.append(term("area", f.area))
    if f.law:
        out.append(term("law", law_key(f.law)))
    return out


def _danish_bonus(b: QueryBuilder[Q]) -> list[Q]:
    return [b.const(b.term("lang", "da"), DANISH_BONUS)]


def _coordination(b: QueryBuilder[Q], q: QueryTerms) -> list[Q]:
    """For queries of several words, where no concept may have them all: each word found
    in a label adds a share of WORDS_IN_LABELS, each found only in a definition a share of
    WORDS_IN_DEFINITIONS, so `ondt i ryggen` ranks the concept with the everyday label
    `ondt` above definitions that mention backs, and two words beat one."""
    firsts = list({q.stems[i]: i for i in reversed(q.required)}.values())
    if len(firsts) < 2:
        return []
    in_label, in_definition = WORDS_IN_LABELS / len(firsts), WORDS_IN_DEFINITIONS / len(firsts)
    out: list[Q] = []
    for i in firsts:
        labels = b.any([_word_clause(b, q, i, "pref", "pref_pfx"),
                        _word_clause(b, q, i, "alt", "alt_pfx", LABEL_ROOTS)])
        out.append(b.const(labels, in_label))
        out.append(b.const(_word_clause(b, q, i, "defn", None, "defn_roots"), in_definition))
    return out


def _tie_break(b: QueryBuilder[Q], q: QueryTerms, positions: list[int]) -> list[Q]:
    """BM25 of the query words at `positions`, weighted by field, to order the hits inside
    a tier."""
    term, boost = b.term, b.boost
    words: list[Q] = []
    for s in dict.fromkeys(q.stems[i] for i in positions):
        words.append(boost(term("pref", s), _PREF_WORD))
        words.append(boost(term("alt", s), _ALT_WORD))
        words.append(boost(term("defn", s), _DEF_WORD))
    for w in dict.fromkeys(q.words[i] for i in positions):  # English or German labels
        words.append(boost(term("pref", foreign(w)), _PREF_WORD))
    if q.last_prefix and q.required and q.required[-1] in positions:
        words.append(boost(term("pref_pfx", q.last_prefix), _PREF_PREFIX))
        words.append(boost(term("alt_pfx", q.last_prefix), _ALT_PREFIX))
    return words


def _split_scored(q: QueryTerms) -> tuple[list[int], list[int]]:
    """The scored words that may find a concept on their own (the required ones), and the
    rest (`hjælp`, `støtte` beside a more specific word), which only add to the score of
    what the others found: a concept that has only `hjælp` is no answer to `hjælp til
    bad`, and counting it would promise pages of noise."""
    if q.required == q.scored:  # most queries: one word, or only specific words
        return q.scored, []
    required = set(q.required)
    finding = [i for i in q.scored if i in required] or list(q.scored)
    return finding, [i for i in q.scored if i not in required]


def main_query(b: QueryBuilder[Q], q: QueryTerms, f: Filters) -> Q:
    term, const = b.term, b.const
    tiers: list[Q] = []
    if q.code:
        tiers.append(const(term("code", q.code), CODE_EXACT))
        if is_code_prefix_shaped(q.code):  # only typeable codes have indexed prefixes
            tiers.append(const(term("code_pfx", q.code), CODE_PREFIX))
        if q.code_base:  # d450.2: the ICF code with a qualifier
            tiers.append(const(term("code", q.code_base), CODE_PREFIX))
    if q.key:
        tiers.append(const(term("pref_exact", q.key), PREF_EXACT))
        tiers.append(const(term("alt_exact", q.key), ALT_EXACT))
    if q.words:
        req = q.required
        tiers.append(const(_all(b, [_word_clause(b, q, i, "pref", "pref_pfx") for i in req]),
                           PREF_ALL))
        tiers.append(const(_all(b, [_word_clause(b, q, i, "alt", "alt_pfx", LABEL_ROOTS)
                                    for i in req]), ALT_ALL))
        tiers.append(const(_all(b, [_word_clause(b, q, i, "defn", None, "defn_roots")
                                    for i in req]), DEF_ALL))
        finding, framing = _split_scored(q)
        tiers.append(b.any(_tie_break(b, q, finding)))
        tiers.extend(_coordination(b, q))
        if framing:
            return b.query(b.any(tiers), _danish_bonus(b) + _tie_break(b, q, framing),
                           _filters(b, f))
    return b.query(b.any(tiers), _danish_bonus(b), _filters(b, f))


def fuzzy_query(b: QueryBuilder[Q], q: QueryTerms, f: Filters) -> Q | None:
    """Every content word a typo away from a label word (`analysis.is_typo_of`); None when
    no word is long enough to allow a typo."""
    clauses: list[Q] = []
    fuzzy_any = False
    for i in q.required:
        word = q.words[i]
        if fuzzy_distance(word):
            fuzzy_any = True
            clauses.append(b.typos("words", word))
        else:
            clauses.append(b.term("words", word))
    if not fuzzy_any:
        return None
    return b.query(b.const(_all(b, clauses), FUZZY_ALL), _danish_bonus(b), _filters(b, f))


COMPOUND_MIN = 7
"""Shortest query word tried as a compound (`rygsmerter`)."""


class _LabelWords:
    """Is a text a label word (`words` field)? Asked of the index at most once per text
    while one query falls back: splitting a compound and finding its last part try the
    same endings, and a term looked up this way never enters the builder's memo of query
    objects (a compound of 15 letters tries some 20 texts that are no word at all)."""

    __slots__ = ("_known", "_seen")

    def __init__(self, b: QueryBuilder[Q]) -> None:
        self._known = partial(b.known, "words")
        self._seen: dict[str, bool] = {}

    def __call__(self, text: str) -> bool:
        known = self._seen.get(text)
        if known is None:
            known = self._seen[text] = self._known(text)
        return known


def _known_tail(is_word: Callable[[str], bool], word: str) -> str | None:
    """The longest label word that ends `word` (4+ letters, after a head of 3+)."""
    for i in range(3, len(word) - 3):
        if is_word(word[i:]):
            return word[i:]
    return None


def _rewrite(q: QueryTerms, replace: dict[str, list[str]]) -> QueryTerms | None:
    if not replace:
        return None
    parts = [p for word in q.words for p in replace.get(word, [word])]
    return QueryTerms(" ".join(parts) + (" " if q.text.endswith(" ") else ""))


def _unknown_long_words(is_word: Callable[[str], bool], q: QueryTerms) -> list[str]:
    return [w for w in dict.fromkeys(q.words)
            if len(w) >= COMPOUND_MIN and not w.isdigit() and not is_word(w)]


def split_compounds(q: QueryTerms, compounds: list[str],
                    is_word: Callable[[str], bool]) -> QueryTerms | None:
    """The query with its unknown compound words split into two known label words (the
    longer head first found).

    Danish writes `hukommelsesproblemer` as one word where the labels say "Problemer med
    hukommelse"; the parts find it.
    """
    replace = {}
    for word in compounds:
        split = split_compound(word, is_word, longest_head=True)
        if split:
            replace[word] = list(split)
    return _rewrite(q, replace)


def compound_heads(q: QueryTerms, compounds: list[str],
                   is_word: Callable[[str], bool]) -> QueryTerms | None:
    """The query with each unknown compound reduced to the label word that ends it.

    Danish compounds name a kind of their last part (`rygsmerter` are `smerter`), so when
    nothing else found the concept, the broader one is the best answer.
    """
    replace = {}
    for word in compounds:
        tail = _known_tail(is_word, word)
        if tail:
            replace[word] = [tail]
    return _rewrite(q, replace)


def with_fallbacks(
    b: QueryBuilder[Q],
    q: QueryTerms,
    f: Filters,
    main: Q,
    found: tuple[int, Ranked],
    run: Callable[[Q, int], tuple[int, Ranked]],
) -> tuple[int, Ranked, QueryTerms]:
    """When the query found nothing convincing (no concept has all its words), in turn:
    its compound words split into known parts, typo tolerance, the split parts found apart,
    and the compounds reduced to their last part. Returns the total, the ranked documents
    and the query that explains them.

    Fallback hits go first (they are what the user meant), the weak hits after them. A
    fallback is run for all its results (`MAX_RESULTS`) and merged with all of the main
    query's, so the total is the number of documents in the merged list, the list a caller
    pages through; without a fallback, `found` stands (the engine's count).
    """
    total, ranked = found
    top = ranked[0][0] if ranked else 0.0
    if top >= ALT_ALL:
        return total, ranked, q

    def merged(better: Ranked) -> tuple[int, Ranked]:
        rest = ranked if len(ranked) >= total else run(main, MAX_RESULTS)[1]
        out = _first(better, rest, MAX_RESULTS)
        return len(out), out

    is_word = _LabelWords(b)
    compounds = _unknown_long_words(is_word, q)
    split = split_compounds(q, compounds, is_word) if compounds else None
    s_ranked: Ranked = []
    if split is not None:  # also when only a definition had the compound
        s_ranked = run(main_query(b, split, f), MAX_RESULTS)[1]
        if s_ranked and s_ranked[0][0] >= ALT_ALL:
            return (*merged(s_ranked), split)
    if top >= ALL_WORDS_FLOOR:
        return total, ranked, q
    fuzzy = fuzzy_query(b, q, f)
    if fuzzy is not None:
        f_ranked = run(fuzzy, MAX_RESULTS)[1]
        if f_ranked:
            return (*merged(f_ranked), q)
    if split is not None and s_ranked:
        # no concept has both parts whole, but the coordination tier ranks those that
        # have one in a label and the other nearby (`sår|pleje` → "…pleje af hudproblem")
        return (*merged(s_ranked), split)
    heads = compound_heads(q, compounds, is_word) if compounds else None
    if heads is not None:
        h_ranked = run(main_query(b, heads, f), MAX_RESULTS)[1]
        if h_ranked and h_ranked[0][0] >= ALL_WORDS_FLOOR:
            return (*merged(h_ranked), heads)
    return total, ranked, q


def _first(better: Ranked, rest: Ranked, limit: int) -> Ranked:
    seen = {n for _, n in better}
    return (better + [r for r in rest if r[1] not in seen])[:limit]
