"""Search relevance: nDCG@10 over graded caseworker queries (bench/relevance/queries.json).

    .venv/bin/python bench/relevance.py              # all queries, the API's default search
    .venv/bin/python bench/relevance.py --scope page # as the caseworker page searches
    .venv/bin/python bench/relevance.py --json --show-misses

The judgments were written before the search was tuned against them and name concepts by
scheme and preferred label (or code), so they survive re-imports; a judgment that names no
concept in the loaded data stops the run, because a silently empty judgment would score as
a perfect "nothing relevant exists". Gain is 2^grade - 1 at rank r discounted by
log2(r + 1); the ideal ranking orders every judged concept by grade. FSIII publishes most
concepts twice (UUID and an older code): a hit counts as the concept under any of its
codes, and the ideal counts such a pair once. Results go to bench/results/relevance-*.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
QUERIES = REPO / "bench" / "relevance" / "queries.json"
RESULTS = REPO / "bench" / "results"
K = 10


def load_queries(path: Path = QUERIES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


def _identity(release, concept) -> tuple:
    """What makes two codes of one release the same concept (as search folds them)."""
    parents = tuple(sorted(release.concepts[b].label() if b in release.concepts else b
                           for b in concept.broader))
    return (release.scheme, concept.label(), concept.definition(), parents)


def resolve(store, queries: list[dict]) -> dict[str, dict[tuple[str, str], int]]:
    """query → {(scheme, code): grade} for every code the judgments name."""
    by_label: dict[tuple[str, str], list[str]] = {}
    for scheme in {j[0] for q in queries for j in q["judged"]}:
        for concept in store.latest(scheme).concepts.values():
            by_label.setdefault((scheme, concept.label()), []).append(concept.code)
    out: dict[str, dict[tuple[str, str], int]] = {}
    for query in queries:
        grades: dict[tuple[str, str], int] = {}
        for scheme, name, grade in query["judged"]:
            codes = by_label.get((scheme, name)) or (
                [name] if name in store.latest(scheme).concepts else [])
            if not codes:
                raise SystemExit(f"{query['q']!r}: no concept {name!r} in {scheme}; "
                                 "fix the judgment (bench/relevance/queries.json)")
            for code in codes:
                grades[(scheme, code)] = max(grade, grades.get((scheme, code), 0))
        out[query["q"]] = grades
    return out


def ideal_gains(store, grades: dict[tuple[str, str], int]) -> list[int]:
    best: dict[tuple, int] = {}
    for (scheme, code), grade in grades.items():
        release = store.latest(scheme)
        key = _identity(release, release.concepts[code])
        best[key] = max(grade, best.get(key, 0))
    return sorted(best.values(), reverse=True)


def dcg(grades: list[int]) -> float:
    return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:K]))


def hit_grade(hit, grades: dict[tuple[str, str], int]) -> int:
    codes = [hit.code, *getattr(hit, "other_codes", [])]
    return max((grades.get((hit.scheme, c), 0) for c in codes), default=0)


def search_function(services, scope: str):
    """The search to judge: the API's default, or the caseworker page's default scope."""
    search = services.search.search
    if scope == "api":
        return lambda q: search(q, limit=K)
    from termserver.web import search_page  # the page's own defaults, when it has them

    return lambda q: search_page.page_search(services, q, limit=K)


def evaluate(services, queries: list[dict], scope: str = "api") -> dict:
    judged = resolve(services.store, queries)
    run = search_function(services, scope)
    rows = []
    for query in queries:
        grades = judged[query["q"]]
        hits = run(query["q"]).hits[:K]
        got = [hit_grade(h, grades) for h in hits]
        ideal = dcg(ideal_gains(services.store, grades))
        rows.append({"q": query["q"], "type": query["type"],
                     "ndcg": round(dcg(got) / ideal, 4) if ideal else 0.0,
                     "top": [f"{h.scheme}:{h.label}" for h in hits[:5]],
                     "found_best": any(g == 3 for g in got[:5])})
    summary = {}
    for name, subset in (("all", rows), ("term", [r for r in rows if r["type"] == "term"]),
                         ("situation", [r for r in rows if r["type"] == "situation"])):
        summary[name] = {"queries": len(subset),
                         "ndcg@10": round(sum(r["ndcg"] for r in subset) / len(subset), 4),
                         "best_in_top5": sum(r["found_best"] for r in subset)}
    return {"summary": summary, "queries": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scope", choices=("api", "page"), default="api")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-misses", action="store_true",
                        help="list the queries whose nDCG@10 is below 0.5")
    parser.add_argument("--data", type=Path, help="an existing data directory to read")
    args = parser.parse_args()
    from run import open_services, real_data_dir

    work = Path(tempfile.mkdtemp(prefix="termserver-relevance-"))
    try:
        data = args.data or real_data_dir(work)
        report = evaluate(open_services(data), load_queries(), args.scope)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.update(date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  machine=f"{os.cpu_count()} cores, {sys.platform}", scope=args.scope)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"relevance-{args.scope}-{report['date'].replace(':', '')}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for kind, figures in report["summary"].items():
        print(f"{kind:<10} {figures['queries']:>3} queries  nDCG@10 {figures['ndcg@10']:.3f}  "
              f"best answer in top 5: {figures['best_in_top5']}")
    if args.show_misses:
        for row in report["queries"]:
            if row["ndcg"] < 0.5:
                print(f"  {row['ndcg']:.2f}  {row['q']!r}: {row['top']}")


if __name__ == "__main__":
    main()
