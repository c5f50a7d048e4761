"""Default search engine: tantivy (Rust, via tantivy-py).

Documents hold tokens already analysed in Python (`documents`, `analysis`), indexed with
tantivy's whitespace/raw tokenizers, so tantivy does postings and BM25 only. A fast `n`
field maps each hit to the side table of (scheme, version, code), so assembling hits
needs no stored-document reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import tantivy

from ..caching import BoundedCache
from ..settings import Settings
from ..store import Store
from . import analysis, documents, matching, plan
from .base import MAX_RESULTS, Filters, SearchResults, filters_of

WARM_LIMIT = 50_000
"""Releases up to this size get their labels analysed when the index opens."""
_WHITESPACE = "whitespace"
_RAW = "raw"
_DEFAULT_ENTRIES: int = Settings.model_fields["cache_max_entries"].default
_DEFAULT_BYTES: int = Settings.model_fields["cache_max_bytes"].default


def _results_size(results: SearchResults) -> int:
    """Estimated bytes of memoised results: ~200 bytes a hit plus the query."""
    return 300 + len(results.query) + 200 * len(results.hits)


_BY_INITIAL = {"words": "words_by_initial"}
"""A JSON field holding a text field's terms again under their first letter (`h` →
`hukommelse`): a fuzzy query on one letter's path walks only the terms that keep it."""

_TERM_BYTES = 200
"""Estimated bytes of a memoised term: its key and query object (or the None of a miss)."""


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in documents.TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=_WHITESPACE,
                               index_option="freq")
    for name in documents.KEY_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=_RAW, index_option="freq")
    for name in _BY_INITIAL.values():
        builder.add_json_field(name, stored=False, tokenizer_name=_RAW, index_option="basic")
    builder.add_unsigned_field("n", stored=False, indexed=False, fast=True)
    return builder.build()


def _by_initial(tokens: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for token in tokens:
        grouped.setdefault(token[0], []).append(token)
    return grouped


class TantivyBackend:
    name = "tantivy"

    def build(self, store: Store, directory: Path) -> None:
        schema = _schema()
        index = tantivy.Index(schema, path=str(directory))
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        table: list[tuple[str, str, str]] = []
        kinds: list[str] = []
        for doc in documents.iter_documents(store):
            tdoc = tantivy.Document()
            tdoc.add_unsigned("n", doc.n)
            for name, tokens in doc.fields.items():
                if not tokens:
                    continue
                if name in documents.KEY_FIELDS:
                    for token in tokens:
                        tdoc.add_text(name, token)
                else:
                    tdoc.add_text(name, " ".join(tokens))
                if name in _BY_INITIAL:
                    tdoc.add_json(_BY_INITIAL[name], _by_initial(tokens))
            writer.add_document(tdoc)
            table.append((doc.scheme, doc.version, doc.code))
            kinds.append(doc.fields["kind"][0])
        writer.commit()
        writer.wait_merging_threads()
        documents.write_doc_table(directory, table, kinds)

    def open(self, store: Store, directory: Path) -> TantivyIndex:
        table = documents.read_doc_table(directory, store)
        latest = [c for r in store.latest_releases() if len(r.concepts) <= WARM_LIMIT
                  for c in r.concepts.values()]
        matching.warm(latest)
        return TantivyIndex(tantivy.Index.open(str(directory)), table,
                            documents.read_doc_kinds(directory))


_NOTHING = None
"""A clause that can match no document: its term is not in the index."""
_UNSEEN = object()
"""Not yet looked up (a miss in the term cache is most of a first-time query's terms)."""


class _Builder:
    """`plan.QueryBuilder` in tantivy query objects, leaving out what cannot match.

    A term absent from the index (checked with `doc_freq`, ~0.4 µs) becomes `_NOTHING`,
    which drops out of `any`, empties an `all`, and so never costs a query object or a
    scorer: a one-word query usually misses half of its ~10 terms (codes, alt labels,
    exact keys). Term queries are immutable and recur across queries (filters, the Danish
    bonus, common words), so they are kept in a memo bounded like the others (the words
    come from callers' queries, so it would otherwise grow with every new word). Most
    lookups of a first-time query miss, so this memo is a plain dict emptied when full,
    cheaper per term than a least-recently-used one: the few hot terms return at once.
    """

    __slots__ = ("_filters", "_max_terms", "_must", "_schema", "_searcher", "_should",
                 "_terms", "_vocabularies")

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self._schema = schema
        self._searcher = searcher
        self._must = tantivy.Occur.Must
        self._should = tantivy.Occur.Should
        self._terms: dict[tuple[str, str], tantivy.Query | None] = {}
        self._max_terms = _DEFAULT_ENTRIES
        self._filters: dict[int, tuple[tantivy.Query, tantivy.Query]] = {}
        self._vocabularies: dict[str, tuple[frozenset[str], dict[str, list[str]]]] = {}

    def term(self, field: str, text: str) -> tantivy.Query | None:
        key = (field, text)
        query = self._terms.get(key, _UNSEEN)
        if query is not _UNSEEN:
            return query
        query = _NOTHING
        if self._searcher.doc_freq(field, text):
            query = tantivy.Query.term_query(self._schema, field, text, index_option="freq")
        if len(self._terms) >= self._max_terms:
            self._terms.clear()
        self._terms[key] = query
        return query

    def bound_terms(self, max_entries: int, max_bytes: int) -> None:
        self._terms.clear()
        self._max_terms = max(1, min(max_entries, max_bytes // _TERM_BYTES))

    def known(self, field: str, text: str) -> bool:
        """Straight from the index, not through the memo: compound splitting asks about
        many texts that are no word and would only crowd out real terms."""
        return self._searcher.doc_freq(field, text) > 0

    def typos(self, field: str, text: str) -> tantivy.Query | None:
        """An automaton over the terms that keep `text`'s first letter (their own path
        in the JSON field `_BY_INITIAL`, a twentieth of the terms to walk), and the few
        words one edit away that begin with another letter, looked up by hand."""
        path = f"{_BY_INITIAL[field]}.{text[0]}"
        clauses = [tantivy.Query.fuzzy_term_query(self._schema, path, text,
                                                  analysis.fuzzy_distance(text), True, False)]
        words, by_tail = self._vocabulary(field)
        clauses += [self.term(field, w) for w in analysis.first_letter_edits(text, words, by_tail)]
        return self.any(clauses)

    def _vocabulary(self, field: str) -> tuple[frozenset[str], dict[str, list[str]]]:
        """Every term of `field` and the terms by their tail (all but the first letter),
        read from the index once: the label words, a few thousand on the real releases."""
        vocabulary = self._vocabularies.get(field)
        if vocabulary is None:
            terms = [term for term, _count in self._searcher.terms_with_prefix(field, "")]
            by_tail: dict[str, list[str]] = {}
            for term in terms:
                by_tail.setdefault(term[1:], []).append(term)
            vocabulary = self._vocabularies[field] = (frozenset(terms), by_tail)
        return vocabulary

    def all(self, clauses: list[tantivy.Query | None]) -> tantivy.Query | None:
        if _NOTHING in clauses:  # one clause alone never comes here (`plan._all`)
            return _NOTHING
        must = self._must
        return tantivy.Query.boolean_query([(must, c) for c in clauses])

    def any(self, clauses: list[tantivy.Query | None]) -> tantivy.Query | None:
        should = self._should
        parts = [(should, c) for c in clauses if c is not _NOTHING]
        if len(parts) <= 1:
            return parts[0][1] if parts else _NOTHING
        return tantivy.Query.boolean_query(parts)

    def const(self, clause: tantivy.Query | None, score: float) -> tantivy.Query | None:
        if clause is _NOTHING:
            return _NOTHING
        return tantivy.Query.const_score_query(clause, score)

    def boost(self, clause: tantivy.Query | None, boost: float) -> tantivy.Query | None:
        if clause is _NOTHING:
            return _NOTHING
        return tantivy.Query.boost_query(clause, boost)

    def query(self, match: tantivy.Query | None, bonus: list[tantivy.Query | None],
              filters: list[tantivy.Query | None]) -> tantivy.Query | None:
        if match is _NOTHING or _NOTHING in filters:
            return _NOTHING
        must, should = self._must, self._should
        parts = [(must, match)]
        parts += [(should, b) for b in bonus if b is not _NOTHING]
        parts += [(must, self._unscored(f)) for f in filters]
        return tantivy.Query.boolean_query(parts)

    def _unscored(self, clause: tantivy.Query) -> tantivy.Query:
        """Filters are a handful of cached terms (latest, scheme, version): wrap each once."""
        entry = self._filters.get(id(clause))
        if entry is None or entry[0] is not clause:
            if len(self._filters) > 1_000:
                self._filters.clear()
            entry = (clause, tantivy.Query.const_score_query(clause, 0.0))
            self._filters[id(clause)] = entry
        return entry[1]


class TantivyIndex:
    def __init__(self, index: tantivy.Index, table: list, kinds: list[str]) -> None:
        self._index = index
        self._searcher = index.searcher()
        self._table = table
        self._leaders = documents.alias_leaders(table)
        self._groups = matching.alias_groups(self._leaders)
        self._kinds = kinds
        self._builder = _Builder(index.schema, self._searcher)
        self._results = BoundedCache(_DEFAULT_ENTRIES, _DEFAULT_BYTES, _results_size)

    def bound_caches(self, max_entries: int, max_bytes: int) -> None:
        """Apply the settings `cache_max_entries`/`cache_max_bytes` to the query memos
        (results, index terms); what they hold now is forgotten."""
        self._results = BoundedCache(max_entries, max_bytes, _results_size)
        self._builder.bound_terms(max_entries, max_bytes)

    def _run(self, query: tantivy.Query | None,
             limit: int) -> tuple[int, list[tuple[float, int]]]:
        if query is _NOTHING:
            return 0, []
        result = self._searcher.search(query, limit, count=True)
        hits = result.hits
        if not hits:
            return result.count or 0, []
        numbers = self._searcher.fast_field_values("n", [addr for _, addr in hits])
        return result.count or 0, [(score, n) for (score, _), n in zip(hits, numbers, strict=True)]

    def search(self, query: str, *, scheme: str | Sequence[str] | None = None,
               version: str | None = None, limit: int = 10, offset: int = 0,
               filters: Filters | None = None) -> SearchResults:
        """Results are memoised per (query, filters, limit, offset): the index never changes
        while it is open, and caseworkers (and autocomplete) repeat the same queries a lot."""
        flt = filters_of(scheme, version, filters)
        key = (query, flt, limit, offset)
        cached = self._results.get(key)
        if cached is not None:
            return cached
        results = self._search(query, flt, limit, offset)
        self._results[key] = results
        return results

    def _search(self, query: str, flt: Filters, limit: int, offset: int) -> SearchResults:
        q = matching.parse_query(query)
        limit = max(1, min(int(limit), MAX_RESULTS))
        offset = max(0, min(int(offset), MAX_RESULTS - 1))
        compiled = plan.main_query(self._builder, q, flt)
        found = self._run(compiled, matching.fetch_size(offset, limit))
        total, ranked, explained_by = plan.with_fallbacks(self._builder, q, flt, compiled,
                                                          found, self._run)
        hits = matching.make_hits(explained_by, self._table, self._leaders, self._groups,
                                  ranked, offset, limit, self._kinds)
        return SearchResults(query, min(total, MAX_RESULTS), hits, offset)
