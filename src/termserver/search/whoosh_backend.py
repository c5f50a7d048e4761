"""Alternative search engine: whoosh (pure Python), kept passing the same tests as tantivy.

Useful where the tantivy wheel is unavailable. It indexes the same pre-analysed tokens
(`documents`) and translates the same query plan (`plan`), so ranking tiers match; only
BM25 tie-breaks inside a tier can differ.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import fields as wf
from whoosh import index as windex
from whoosh import query as wq

from ..store import Store
from . import documents, matching, plan
from .base import SearchResults

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
        writer.commit()
        documents.write_doc_table(directory, table)

    def open(self, store: Store, directory: Path) -> WhooshIndex:
        return WhooshIndex(windex.open_dir(str(directory)),
                           documents.read_doc_table(directory, store))


def _q(node: object) -> wq.Query:
    if isinstance(node, plan.Term):
        return wq.Term(node.field, node.text)
    if isinstance(node, plan.Const):
        return wq.ConstantScoreQuery(_q(node.clause), node.score)
    if isinstance(node, plan.Boost):
        child = _q(node.clause)
        child.boost = node.boost
        return child
    if isinstance(node, plan.All):
        return wq.And([_q(c) for c in node.clauses])
    if isinstance(node, plan.Any):
        return wq.Or([_q(c) for c in node.clauses])
    if isinstance(node, plan.Fuzzy):
        # whoosh's automaton counts a swap of two letters as two edits; tantivy's as one.
        swaps = {node.text[:i] + node.text[i + 1] + node.text[i] + node.text[i + 2:]
                 for i in range(len(node.text) - 1)} - {node.text}
        fuzzy = wq.FuzzyTerm(node.field, node.text, maxdist=node.distance, prefixlength=0)
        return wq.Or([fuzzy, *(wq.Term(node.field, w) for w in sorted(swaps))])
    raise TypeError(f"unknown plan node {node!r}")


class WhooshIndex:
    def __init__(self, ix: windex.Index, table: list) -> None:
        self._ix = ix
        self._searcher = ix.searcher()
        self._table = table

    def _run(self, p: plan.Plan, limit: int) -> tuple[int, list[tuple[float, int]]]:
        query: wq.Query = _q(p.match)
        if p.bonus:
            query = wq.AndMaybe(query, wq.Or([_q(b) for b in p.bonus]))
        flt = wq.And([_q(f) for f in p.filters]) if p.filters else None
        results = self._searcher.search(query, limit=limit, filter=flt)
        ranked = [(float(hit.score), hit["n"]) for hit in results]
        return len(results), ranked

    def search(self, query: str, *, scheme: str | None = None, version: str | None = None,
               limit: int = 10) -> SearchResults:
        q = matching.parse_query(query)
        limit = max(1, min(int(limit), 1000))
        found = self._run(plan.main_plan(q, scheme, version), limit)
        total, ranked = plan.with_fuzzy_fallback(q, scheme, version, limit, found, self._run)
        table = self._table
        hits = [matching.make_hit(q, table[n], score) for score, n in ranked]
        return SearchResults(query, total, hits)
