"""Default search engine: tantivy (Rust, via tantivy-py).

Documents hold tokens already analysed in Python (`documents`, `analysis`), indexed with
tantivy's whitespace/raw tokenizers, so tantivy does postings and BM25 only. A fast `n`
field maps each hit to the side table of (scheme, version, code), so assembling hits
needs no stored-document reads.
"""

from __future__ import annotations

from pathlib import Path

import tantivy

from ..store import Store
from . import documents, matching, plan
from .base import SearchResults

WARM_LIMIT = 50_000
"""Releases up to this size get their labels analysed when the index opens."""
_WHITESPACE = "whitespace"
_RAW = "raw"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in documents.TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=_WHITESPACE,
                               index_option="freq")
    for name in documents.KEY_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=_RAW, index_option="freq")
    builder.add_unsigned_field("n", stored=False, indexed=False, fast=True)
    return builder.build()


class TantivyBackend:
    name = "tantivy"

    def build(self, store: Store, directory: Path) -> None:
        schema = _schema()
        index = tantivy.Index(schema, path=str(directory))
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        table: list[tuple[str, str, str]] = []
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
            writer.add_document(tdoc)
            table.append((doc.scheme, doc.version, doc.code))
        writer.commit()
        writer.wait_merging_threads()
        documents.write_doc_table(directory, table)

    def open(self, store: Store, directory: Path) -> TantivyIndex:
        table = documents.read_doc_table(directory, store)
        latest = [c for r in store.latest_releases() if len(r.concepts) <= WARM_LIMIT
                  for c in r.concepts.values()]
        matching.warm(latest)
        return TantivyIndex(tantivy.Index.open(str(directory)), table)


class TantivyIndex:
    def __init__(self, index: tantivy.Index, table: list) -> None:
        self._index = index
        self._schema = index.schema
        self._searcher = index.searcher()
        self._table = table
        self._occur_must = tantivy.Occur.Must
        self._occur_should = tantivy.Occur.Should
        self._terms: dict[tuple[str, str], tantivy.Query] = {}
        self._compiled: dict[tuple[str, str | None, str | None], tuple] = {}
        self._results: dict[tuple[str, str | None, str | None, int], SearchResults] = {}

    # -- translation of the engine-neutral plan ------------------------------------------
    def _q(self, node: object) -> tantivy.Query:
        Q = tantivy.Query
        if isinstance(node, plan.Term):
            # Term queries are immutable: reuse them (bounded) instead of rebuilding per call.
            cached = self._terms.get((node.field, node.text))
            if cached is None:
                if len(self._terms) > 100_000:
                    self._terms.clear()
                cached = Q.term_query(self._schema, node.field, node.text, index_option="freq")
                self._terms[(node.field, node.text)] = cached
            return cached
        if isinstance(node, plan.Const):
            return Q.const_score_query(self._q(node.clause), node.score)
        if isinstance(node, plan.Boost):
            return Q.boost_query(self._q(node.clause), node.boost)
        if isinstance(node, plan.All):
            return Q.boolean_query([(self._occur_must, self._q(c)) for c in node.clauses])
        if isinstance(node, plan.Any):
            return Q.boolean_query([(self._occur_should, self._q(c)) for c in node.clauses])
        if isinstance(node, plan.Fuzzy):
            return Q.fuzzy_term_query(self._schema, node.field, node.text, node.distance, True,
                                      False)
        raise TypeError(f"unknown plan node {node!r}")

    def _query(self, p: plan.Plan) -> tantivy.Query:
        Q = tantivy.Query
        parts = [(self._occur_must, self._q(p.match))]
        parts += [(self._occur_should, self._q(b)) for b in p.bonus]
        parts += [(self._occur_must, Q.const_score_query(self._q(f), 0.0)) for f in p.filters]
        return Q.boolean_query(parts)

    def _compile(self, query: str, scheme: str | None, version: str | None) -> tuple:
        """Analysed query and its tantivy query, memoised: both are immutable, and
        building ~30 query objects through the binding costs more than searching."""
        key = (query, scheme, version)
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) > 20_000:
                self._compiled.clear()
            q = matching.parse_query(query)
            compiled = (q, self._query(plan.main_plan(q, scheme, version)))
            self._compiled[key] = compiled
        return compiled

    def _run(self, p: plan.Plan | tantivy.Query, limit: int) -> tuple[int, list[tuple[float, int]]]:
        query = p if isinstance(p, tantivy.Query) else self._query(p)
        result = self._searcher.search(query, limit, count=True)
        hits = result.hits
        if not hits:
            return result.count or 0, []
        numbers = self._searcher.fast_field_values("n", [addr for _, addr in hits])
        return result.count or 0, [(score, n) for (score, _), n in zip(hits, numbers, strict=True)]

    def search(self, query: str, *, scheme: str | None = None, version: str | None = None,
               limit: int = 10) -> SearchResults:
        """Results are memoised per (query, filters, limit): the index never changes while
        it is open, and caseworkers (and autocomplete) repeat the same queries a lot."""
        key = (query, scheme, version, limit)
        cached = self._results.get(key)
        if cached is not None:
            return cached
        if len(self._results) > 20_000:
            self._results.clear()
        results = self._search(query, scheme, version, limit)
        self._results[key] = results
        return results

    def _search(self, query: str, scheme: str | None, version: str | None,
                limit: int) -> SearchResults:
        q, compiled = self._compile(query, scheme, version)
        limit = max(1, min(int(limit), 1000))
        found = self._run(compiled, limit)
        total, ranked = plan.with_fuzzy_fallback(q, scheme, version, limit, found, self._run)
        table = self._table
        hits = [matching.make_hit(q, table[n], score) for score, n in ranked]
        return SearchResults(query, total, hits)
