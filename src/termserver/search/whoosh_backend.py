"""Alternative search engine: whoosh (pure Python), kept passing the same tests as tantivy.

Useful where the tantivy wheel is unavailable. It indexes the same pre-analysed tokens
(`documents`) and builds its queries through the same ranking (`plan`), so ranking tiers match; only
BM25 tie-breaks inside a tier can differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from whoosh import fields as wf
from whoosh import index as windex
from whoosh import query as wq

from ..store import Store
from . import analysis, documents, matching, plan
from .base import MAX_RESULTS, Filters, SearchResults, filters_of

_KEY_SEPARATOR = ","
"""Key fields (whole labels, codes) are comma-separated: analysis leaves no commas."""


def _schema() -> wf.Schema:
    spec: dict[str, object] = {"n": wf.STORED}
    for name in documents.TEXT_FIELDS:
        spec[name] = wf.KEYWORD(scorable=True)
    for name in documents.KEY_FIELDS:
        spec[name] = wf.KEYWORD(commas=True, scorable=True)
    return wf.Schema(**spec)


class WhooshBackend:
    name = "whoosh"

    def build(self, store: Store, directory: Path) -> None:
        ix = windex.create_in(str(directory), _schema())
        writer = ix.writer(limitmb=256, procs=1)
        table: list[tuple[str, str, str]] = []
        kinds: list[str] = []
        for doc in documents.iter_documents(store):
            values: dict[str, object] = {"n": doc.n}
            for name, tokens in doc.fields.items():
                if not tokens:
                    continue
                if name in documents.KEY_FIELDS:
                    values[name] = _KEY_SEPARATOR.join(t.replace(",", " ") for t in tokens)
                else:
                    values[name] = " ".join(tokens)
            writer.add_document(**values)
            table.append((doc.scheme, doc.version, doc.code))
            kinds.append(doc.fields["kind"][0])
        writer.commit()
        documents.write_doc_table(directory, table, kinds)

    def open(self, store: Store, directory: Path) -> WhooshIndex:
        return WhooshIndex(windex.open_dir(str(directory)),
                           documents.read_doc_table(directory, store),
                           documents.read_doc_kinds(directory))


class _Builder:
    """`plan.QueryBuilder` in whoosh query objects."""

    def __init__(self, searcher) -> None:
        self._searcher = searcher

    def term(self, field: str, text: str) -> wq.Query:
        return wq.Term(field, text)

    def known(self, field: str, text: str) -> bool:
        return self._searcher.doc_frequency(field, text) > 0

    def typos(self, field: str, text: str) -> wq.Query:
        one = self._fuzzy(field, text, 1, 0)
        if analysis.fuzzy_distance(text) < 2:
            return one
        return wq.Or([one, self._fuzzy(field, text, 2, 1)])

    @staticmethod
    def _fuzzy(field: str, text: str, distance: int, prefix: int) -> wq.Query:
        # whoosh's automaton counts a swap of two letters as two edits; tantivy's as one.
        swaps = {text[:i] + text[i + 1] + text[i] + text[i + 2:]
                 for i in range(prefix, len(text) - 1)} - {text}
        fuzzy = wq.FuzzyTerm(field, text, maxdist=distance, prefixlength=prefix)
        return wq.Or([fuzzy, *(wq.Term(field, w) for w in sorted(swaps))])

    def all(self, clauses: list[wq.Query]) -> wq.Query:
        return wq.And(clauses)

    def any(self, clauses: list[wq.Query]) -> wq.Query:
        return wq.Or(clauses)

    def const(self, clause: wq.Query, score: float) -> wq.Query:
        return wq.ConstantScoreQuery(clause, score)

    def boost(self, clause: wq.Query, boost: float) -> wq.Query:
        clause.boost = boost  # every clause here is a fresh object, never shared
        return clause

    def query(self, match: wq.Query, bonus: list[wq.Query],
              filters: list[wq.Query]) -> tuple[wq.Query, wq.Query | None]:
        query = wq.AndMaybe(match, wq.Or(bonus)) if bonus else match
        return query, (wq.And(filters) if filters else None)


class WhooshIndex:
    def __init__(self, ix: windex.Index, table: list, kinds: list[str]) -> None:
        self._ix = ix
        self._searcher = ix.searcher()
        self._table = table
        self._leaders = documents.alias_leaders(table)
        self._groups = matching.alias_groups(self._leaders)
        self._kinds = kinds
        self._builder = _Builder(self._searcher)

    def bound_caches(self, max_entries: int, max_bytes: int) -> None:
        """Nothing to bound: this engine memoises nothing per query."""

    def _run(self, built: tuple[wq.Query, wq.Query | None],
             limit: int) -> tuple[int, list[tuple[float, int]]]:
        """Every match scored and ranked here: whoosh's top-N collection over several
        segments can miss a better document than one it keeps, and pages fetched with
        different limits would then disagree (equal scores go in document order, as
        tantivy gives them)."""
        query, flt = built
        results = self._searcher.search(query, limit=None, filter=flt)
        ranked = sorted(((float(hit.score), hit["n"]) for hit in results),
                        key=lambda r: (-r[0], r[1]))
        return len(ranked), ranked[:limit]

    def search(self, query: str, *, scheme: str | Sequence[str] | None = None,
               version: str | None = None, limit: int = 10, offset: int = 0,
               filters: Filters | None = None) -> SearchResults:
        flt = filters_of(scheme, version, filters)
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
