"""Soak: a moderate mixed load for a long time; no errors and memory flat after warm-up.

    .venv/bin/python bench/soak.py                          # 1 hour at 30 requests/s
    .venv/bin/python bench/soak.py --duration 120 --rate 20 # a short smoke run

Target (issue 11, "Measured"): a 1-hour soak at a moderate mixed rate on 127.0.0.1 ends
with zero errors and the server's RSS flat after warm-up (the curve is reported).

The real `termserver serve` runs over the full data directory (opslib). Requests are sent
at a fixed rate, whatever the answers take, in a fixed mix: concept lookups, searches
whose every query is new (so a cache that grows with distinct queries shows), validation
of a real FFB reporting Bundle, and the caseworker pages (search page with and without a
query, concept page, interventions for an ICF code, autocomplete). A few lookups ask for
codes that do not exist: those must be 404, and are the only non-2xx answers allowed.
Every other non-2xx answer, a connection error or a timeout is an error.

Every `--sample` seconds the server's memory (its own RSS, and RSS and PSS of it and its
children) is written to a CSV. The summary compares RSS at the end of warm-up with RSS at
the end and fits a slope over the samples after warm-up. The run stops by itself after
`--duration` seconds or `--max-requests` requests, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import opslib

MIX = {"lookup": 35, "search": 20, "validate": 10, "page-search": 10, "page-home": 5,
       "page-concept": 10, "page-interventions": 4, "autocomplete": 4, "lookup-404": 2}
ICF_CODES = ["d450", "d510", "d230", "b144", "b152", "d640", "d920", "d760", "b280", "d175"]
MAX_IN_FLIGHT = 256
FLAT_GROWTH = 0.05
"""Memory counts as flat when the end is at most 5 % above the end of warm-up."""


# -- what to ask ---------------------------------------------------------------------------------
def unique_queries(words: list[str], seed: int = 5) -> Iterator[str]:
    """Never the same query twice: every label word once, then word pairs."""
    rng = random.Random(seed)
    pool = list(words)
    rng.shuffle(pool)
    yield from pool
    seen: set[str] = set()
    while True:
        query = f"{rng.choice(pool)} {rng.choice(pool)}"
        if query not in seen:
            seen.add(query)
            yield query


class Requests:
    """The mix: (kind, method, path, body) at random, seeded."""

    def __init__(self, data: Path, seed: int = 3) -> None:
        from termserver.store import Store

        store = Store.open(data)
        self.rng = random.Random(seed)
        self.lookups = opslib.lookup_paths(data, 5000)
        self.pages = [f"/begreb/{r.scheme}/{quote(c, safe='')}"
                      for r in store.latest_releases() if r.info.kind == "vocabulary"
                      for c in list(r.concepts)[:400]]
        words = {w for r in store.latest_releases() for c in r.concepts.values()
                 for w in re.findall(r"\w{4,}", c.label().lower())}
        self.queries = unique_queries(sorted(words))
        self.document = opslib.TYPICAL_BUNDLE.read_bytes()
        self.kinds = list(MIX)
        self.weights = [MIX[k] for k in self.kinds]
        self.count = 0

    def next(self) -> tuple[str, str, str, bytes | None]:
        self.count += 1
        kind = self.rng.choices(self.kinds, self.weights)[0]
        pick = self.rng.choice
        if kind == "lookup":
            return kind, "GET", pick(self.lookups), None
        if kind == "lookup-404":
            return kind, "GET", f"/api/v1/schemes/ffb/concepts/no-such-code-{self.count}", None
        if kind == "search":
            return kind, "GET", f"/api/v1/search?q={quote(next(self.queries))}", None
        if kind == "validate":
            return kind, "POST", "/api/v1/validate", self.document
        if kind == "page-search":
            return kind, "GET", f"/?q={quote(next(self.queries))}", None
        if kind == "page-home":
            return kind, "GET", "/", None
        if kind == "page-concept":
            return kind, "GET", pick(self.pages), None
        if kind == "page-interventions":
            return kind, "GET", f"/indsatser?icf={pick(ICF_CODES)}", None
        return kind, "GET", f"/autocomplete?q={quote(next(self.queries)[:30])}", None


# -- the run -------------------------------------------------------------------------------------
class Tally:
    def __init__(self) -> None:
        self.done = 0
        self.errors: Counter[str] = Counter()
        self.examples: list[str] = []
        self.answers: Counter[str] = Counter()
        self.latency: dict[str, list[float]] = {k: [] for k in MIX}
        self.skipped = 0

    def error(self, key: str, example: str) -> None:
        self.errors[key] += 1
        if len(self.examples) < 20:
            self.examples.append(example)


async def _send(client, tally: Tally, kind: str, method: str, path: str,
                body: bytes | None) -> None:
    import httpx

    start = time.perf_counter()
    headers = {"Content-Type": "application/fhir+json"} if body else {}
    try:
        response = await client.request(method, path, content=body, headers=headers)
    except httpx.HTTPError as exc:
        tally.error(f"{kind}: {type(exc).__name__}", f"{method} {path[:80]}: {exc!r}"[:300])
        return
    finally:
        tally.done += 1
    tally.latency[kind].append(time.perf_counter() - start)
    status = response.status_code
    tally.answers[f"{kind} {status}"] += 1
    expected = status == 404 if kind == "lookup-404" else 200 <= status < 300
    if not expected:
        tally.error(f"{kind}: HTTP {status}",
                    f"{method} {path[:80]}: {status} {response.text[:200]!r}")


class Curve:
    """The memory samples, each written to the CSV as it is taken: a run that is stopped
    early (or watched while it runs) still has its curve on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict] = []

    def append(self, row: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a" if self.rows else "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if not self.rows:
                writer.writeheader()
            writer.writerow(row)
        self.rows.append(row)


async def _sampler(server: opslib.Server, tally: Tally, every: float, start: float,
                   curve: Curve, stop: asyncio.Event) -> None:
    while True:
        sample = opslib.memory(server.pid)
        curve.append({"elapsed_s": round(time.perf_counter() - start, 1),
                     "server_rss_mb": round(sample.server_rss_kb / 1024, 1),
                     "tree_rss_mb": round(sample.tree_rss_kb / 1024, 1),
                     "tree_pss_mb": round(sample.tree_pss_kb / 1024, 1),
                     "children": sample.children, "requests": tally.done,
                     "errors": sum(tally.errors.values()), "loadavg_1m": opslib.loadavg()[0]})
        try:
            await asyncio.wait_for(stop.wait(), every)
            return
        except TimeoutError:
            pass


async def soak(server: opslib.Server, requests: Requests, args: argparse.Namespace,
               curve: Curve) -> Tally:
    import httpx

    tally = Tally()
    stop = asyncio.Event()
    in_flight: set[asyncio.Task] = set()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=server.base, timeout=args.timeout,
                                 limits=limits) as client:
        start = time.perf_counter()
        sampler = asyncio.create_task(_sampler(server, tally, args.sample, start, curve, stop))
        begin = loop.time()
        for n in range(args.max_requests):
            due = begin + n / args.rate
            if due - begin > args.duration or server.process.poll() is not None:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            if len(in_flight) >= MAX_IN_FLIGHT:  # the server fell far behind: say so
                tally.skipped += 1
                continue
            task = asyncio.create_task(_send(client, tally, *requests.next()))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=args.timeout + 5)
        stop.set()
        await sampler
    if server.process.poll() is not None:
        tally.error("server exited", f"termserver serve exited with {server.process.returncode}")
    return tally


# -- the summary ---------------------------------------------------------------------------------
def slope_mb_per_hour(rows: list[dict], key: str) -> float:
    xs = [r["elapsed_s"] for r in rows]
    ys = [r[key] for r in rows]
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys,
                                                                        strict=True)) / var * 3600


def memory_curve(rows: list[dict], after: list[dict], key: str) -> dict:
    """Start, end of warm-up, end, maximum, growth after warm-up and its slope."""
    warm, end = after[0][key], rows[-1][key]
    growth = (end - warm) / warm if warm else 0.0
    return {"start_mb": rows[0][key], "after_warmup_mb": warm, "end_mb": end,
            "max_mb": max(r[key] for r in rows), "growth_after_warmup": round(growth, 4),
            "slope_after_warmup_mb_per_h": round(slope_mb_per_hour(after, key), 1),
            "flat": growth <= FLAT_GROWTH}


def summarise(rows: list[dict], tally: Tally, args: argparse.Namespace,
              elapsed: float) -> dict:
    """Errors, memory (the server's RSS, and the PSS of it and its worker processes, which
    splits pages they share) and latency by kind."""
    after = [r for r in rows if r["elapsed_s"] >= args.warmup] or rows[-1:]
    server = memory_curve(rows, after, "server_rss_mb")
    tree = memory_curve(rows, after, "tree_pss_mb")
    latency = {kind: {"count": len(values),
                      "p50_ms": round(opslib.percentile(values, 0.5) * 1000, 1),
                      "p99_ms": round(opslib.percentile(values, 0.99) * 1000, 1)}
               for kind, values in tally.latency.items() if values}
    errors = sum(tally.errors.values())
    return {"elapsed_s": round(elapsed, 1), "requests": tally.done,
            "rate_achieved": round(tally.done / elapsed, 1), "skipped_backlog": tally.skipped,
            "errors": errors, "errors_by_kind": dict(tally.errors),
            "error_examples": tally.examples, "answers": dict(tally.answers),
            "server_rss": server, "tree_pss": tree, "warmup_s": args.warmup,
            "latency": latency, "pass_errors": errors == 0 and tally.skipped == 0,
            "pass_flat": server["flat"] and tree["flat"]}


def print_summary(report: dict) -> None:
    s = report["summary"]
    print(f"{report['date']}  {report['machine']}  code {report['code']}")
    print(f"load average at start {report['loadavg_start']}, at end {report['loadavg_end']}")
    print(f"{s['requests']:,} requests in {s['elapsed_s']:.0f} s ({s['rate_achieved']}/s); "
          f"errors {s['errors']} {'PASS' if s['pass_errors'] else 'FAIL'}"
          + (f", {s['skipped_backlog']} not sent (server behind)" if s["skipped_backlog"]
             else ""))
    for key, count in s["errors_by_kind"].items():
        print(f"    {count:>6}  {key}")
    for example in s["error_examples"][:5]:
        print(f"    e.g. {example}")
    for name, m in (("server RSS", s["server_rss"]), ("server + workers PSS", s["tree_pss"])):
        print(f"{name}: start {m['start_mb']} MB, after {s['warmup_s']:.0f} s warm-up "
              f"{m['after_warmup_mb']} MB, end {m['end_mb']} MB (max {m['max_mb']}); growth "
              f"after warm-up {m['growth_after_warmup'] * 100:+.1f} % (flat: ≤ "
              f"{FLAT_GROWTH * 100:.0f} %) {'PASS' if m['flat'] else 'FAIL'}; slope "
              f"{m['slope_after_warmup_mb_per_h']:+.1f} MB/h")
    print("latency by kind: " + ", ".join(
        f"{k} {v['p50_ms']}/{v['p99_ms']} ms" for k, v in s["latency"].items())
        + " (p50/p99, from send)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3600, help="seconds (default 3600)")
    parser.add_argument("--rate", type=float, default=30, help="requests per second")
    parser.add_argument("--max-requests", type=int, default=None,
                        help="stop after this many (default: rate × duration)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before RSS should be flat (default: 10 %% of the "
                        "duration, at least 30 s, at most 300 s)")
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--timeout", type=float, default=30, help="per-request timeout (s)")
    parser.add_argument("--csv", type=Path, help="RSS curve (default bench/results/soak-*.csv)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    if args.max_requests is None:
        args.max_requests = int(args.rate * args.duration) + 1
    if args.warmup is None:
        args.warmup = min(300.0, max(30.0, args.duration / 10))
    report = opslib.header()
    data = opslib.data_dir("full")
    requests = Requests(data)
    server = opslib.Server(data, opslib.RESULTS / "soak-server.log")
    report["server_start_s"] = round(server.start(), 2)
    curve = Curve(args.csv or opslib.RESULTS / f"soak-{report['date'].replace(':', '')}.csv")
    report["curve_csv"] = str(curve.path)
    started = time.perf_counter()
    try:
        tally = asyncio.run(soak(server, requests, args, curve))
    finally:
        server.stop()
    elapsed = time.perf_counter() - started
    report.update(loadavg_end=opslib.loadavg(),
                  settings={k: str(v) for k, v in vars(args).items()},
                  summary=summarise(curve.rows, tally, args, elapsed))
    saved = opslib.write_result("soak", report)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_summary(report)
        print(f"curve {curve.path}, report {saved}")
    sys.exit(0 if report["summary"]["pass_errors"] and report["summary"]["pass_flat"] else 1)


if __name__ == "__main__":
    main()
