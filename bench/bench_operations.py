"""No request starves another: lookup latency over HTTP with and without heavy neighbours.

    .venv/bin/python bench/bench_operations.py                 # both parts (~3 minutes)
    .venv/bin/python bench/bench_operations.py --only validate --seconds 10 --json

Targets (issue 11, "Measured"): lookup p99 while four clients keep posting ~9 MB FHIR
documents to /api/v1/validate ≤ 3× the p99 without them, or ≤ 10 ms; the same while 48
clients run the worst SPARQL queries (cartesian products), with the server's peak memory
(server and its query children) reported. Each loaded figure is compared with a baseline
taken just before it in the same run, against the same server.

The server is the real `termserver serve` over a data directory with every current KL
release, ICF (OWL + ClaML) and vocab/, built once with the CLI (see opslib). Lookups come
from a separate process at a fixed rate, and latency is counted from the moment a request
was due, so a stalled server shows as the whole stall and not as a few slow requests
(a closed-loop client would stop asking while it waits). The load clients run in their own
process and count every answer: 200s, 503s with and without Retry-After, other statuses
and connection errors. By default they send their next request as soon as an answer
comes, 503 or not (a flood); with --honour-retry-after they wait as a 503's Retry-After
asks, as a well-behaved client would. Results are printed (or `--json`) and written to
bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import opslib

WORST_SPARQL = [
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 1000000000",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } } LIMIT 1000000000",
    "SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f FILTER(regex(str(?c), '(a+)+$')) } ORDER BY ?c",
]
PARTS = ("validate", "sparql")
LOAD_TIMEOUT = 60.0
"""Seconds a load client waits for one answer (and the load process for its clients)."""


# -- documents -------------------------------------------------------------------------------
def big_bundle(target_bytes: int) -> tuple[bytes, int]:
    """A real FFB reporting Bundle's entries repeated until the document is `target_bytes`
    long; every copy gets its own resource ids (references follow), so the document stays
    as valid as the example and not a pile of duplicates. Returns (body, resources)."""
    bundle = json.loads(opslib.TYPICAL_BUNDLE.read_bytes())
    template = json.dumps(bundle["entry"], ensure_ascii=False)
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    shell = json.dumps({**bundle, "entry": []}, ensure_ascii=False).encode()
    parts: list[str] = []
    size, copy = len(shell), 0
    while size < target_bytes:
        text = template
        for old in ids:
            text = text.replace(old, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{copy}/{old}")))
        part = text[1:-1]
        parts.append(part)
        size += len(part.encode()) + 2
        copy += 1
    body = shell.replace(b'"entry": []', ('"entry": [' + ", ".join(parts) + "]").encode())
    return body, copy * len(ids)


# -- the lookup prober (own process) -------------------------------------------------------------
async def _probe(base: str, paths: list[str], rate: float, seconds: float,
                 timeout: float) -> dict:
    import httpx

    loop = asyncio.get_running_loop()
    statuses: Counter[str] = Counter()
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient, path: str, due: float) -> None:
        try:  # the whole request, waiting for a connection included, within `timeout`
            response = await asyncio.wait_for(client.get(path), max(0.1, due + timeout
                                                                   - loop.time()))
        except (TimeoutError, httpx.HTTPError) as exc:
            statuses[type(exc).__name__] += 1
            latencies.append(timeout)  # censored: it took at least this long
            return
        status = response.status_code
        retry = status == 503 and "retry-after" in response.headers
        statuses["503 with Retry-After" if retry else str(status)] += 1
        latencies.append(loop.time() - due if status == 200 else timeout)

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:
        for path in paths[:64]:  # open the connections before the clock starts
            await client.get(path)
        tasks = []
        start = loop.time()
        for n in range(int(rate * seconds)):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            tasks.append(asyncio.create_task(one(client, paths[n % len(paths)], due)))
        await asyncio.gather(*tasks)
    return {"latencies": latencies, "statuses": dict(statuses)}


def _probe_process(base: str, paths: list[str], rate: float, seconds: float,
                   timeout: float, out: Any) -> None:
    out.put(asyncio.run(_probe(base, paths, rate, seconds, timeout)))


def probe(base: str, paths: list[str], rate: float, seconds: float,
          timeout: float = 30) -> dict:
    """Lookups at `rate` per second for `seconds` from a separate process: p50, p99 (ms;
    a lookup not answered with 200 within `timeout` counts as taking `timeout`: a 503
    is no lookup either), statuses and the load average seen meanwhile."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    before = opslib.loadavg()
    process = context.Process(target=_probe_process,
                              args=(base, paths, rate, seconds, timeout, out))
    process.start()
    try:
        result = out.get(timeout=seconds + timeout + 120)
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    latencies = result["latencies"]
    answered = sum(n for status, n in result["statuses"].items() if status == "200")
    return {"p50_ms": opslib.percentile(latencies, 0.5) * 1000,
            "p99_ms": opslib.percentile(latencies, 0.99) * 1000,
            "max_ms": max(latencies, default=float("nan")) * 1000,
            "answered": answered, "sent": int(rate * seconds),
            "statuses": result["statuses"], "loadavg": [before, opslib.loadavg()]}


# -- load clients (own process, one thread per client) --------------------------------------------
def _retry_after(value: str | None) -> float:
    try:
        return min(30.0, max(0.0, float(value or 1)))
    except ValueError:  # an HTTP date: not worth parsing here
        return 1.0


def _client_loop(port: int, request: tuple[str, str, dict, bytes], honour: bool, stop: Any,
                 tally: Counter, times: list[float], lock: threading.Lock) -> None:
    """Send the same request again and again; with `honour`, wait as long as a 503's
    Retry-After asks before the next one (a polite client), else at once (a flood)."""
    method, path, headers, body = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=LOAD_TIMEOUT)
    while not stop.is_set():
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            while response.read(1 << 16):
                pass
            key = str(response.status)
            if response.status == 503 and response.getheader("Retry-After"):
                key = "503 with Retry-After"
            if response.getheader("connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            key = type(exc).__name__
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=LOAD_TIMEOUT)
        with lock:
            tally[key] += 1
            times.append(time.perf_counter() - start)
        if honour and key == "503 with Retry-After":
            stop.wait(_retry_after(response.getheader("Retry-After")))
            connection.close()  # the server may have closed it meanwhile (keep-alive timeout)
    connection.close()


def _load_process(port: int, requests: list[tuple[str, str, dict, bytes]], honour: bool,
                  stop: Any, out: Any) -> None:
    tally: Counter[str] = Counter()
    times: list[float] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_client_loop, daemon=True,
                                args=(port, request, honour, stop, tally, times, lock))
               for request in requests]
    for thread in threads:
        thread.start()
    stop.wait()
    deadline = time.monotonic() + LOAD_TIMEOUT
    for thread in threads:  # each finishes the request it is in; the slowest are given up
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        out.put({"answers": dict(tally), "requests": len(times),
                 "p50_s": opslib.percentile(times, 0.5), "max_s": max(times, default=0.0),
                 "still_running": sum(t.is_alive() for t in threads)})


class Load:
    """Clients hammering the server from another process until the block ends."""

    def __init__(self, port: int, requests: list[tuple[str, str, dict, bytes]],
                 honour_retry_after: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.stop, self.out = context.Event(), context.Queue()
        self.process = context.Process(
            target=_load_process,
            args=(port, requests, honour_retry_after, self.stop, self.out))
        self.result: dict = {}

    def __enter__(self) -> Load:
        self.process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        try:
            self.result = self.out.get(timeout=LOAD_TIMEOUT + 60)
        finally:
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()


# -- the parts -------------------------------------------------------------------------------------
def row(name: str, loaded: dict, baseline: dict, extra: dict | None = None) -> dict:
    """A loaded p99 against its baseline: ≤ 3× or ≤ 10 ms, whichever is larger."""
    ratio = loaded["p99_ms"] / baseline["p99_ms"]
    limit = max(3 * baseline["p99_ms"], 10.0)
    return {"name": name, "p50_ms": round(loaded["p50_ms"], 2),
            "p99_ms": round(loaded["p99_ms"], 2), "max_ms": round(loaded["max_ms"], 1),
            "baseline_p50_ms": round(baseline["p50_ms"], 2),
            "baseline_p99_ms": round(baseline["p99_ms"], 2),
            "ratio_p50": round(loaded["p50_ms"] / baseline["p50_ms"], 2),
            "ratio_p99": round(ratio, 2), "limit_ms": round(limit, 2),
            "pass": loaded["p99_ms"] <= limit and loaded["answered"] == loaded["sent"],
            "lookups": {"baseline": baseline, "loaded": loaded}, **(extra or {})}


def part_validate(server: opslib.Server, paths: list[str], args: argparse.Namespace) -> dict:
    body, resources = big_bundle(int(args.doc_mb * 1_000_000))
    request = ("POST", "/api/v1/validate", {"Content-Type": "application/fhir+json"}, body)
    baseline = probe(server.base, paths, args.rate, args.seconds, args.timeout)
    with Load(server.port, [request] * args.validate_clients,
              args.honour_retry_after) as load:
        time.sleep(args.warmup)
        loaded = probe(server.base, paths, args.rate, args.seconds, args.timeout)
    return row(f"lookup while {args.validate_clients} clients POST {len(body) / 1e6:.1f} MB "
               f"documents ({resources:,} resources) to /api/v1/validate{_manners(args)}",
               loaded, baseline,
               {"load": load.result, "document_bytes": len(body)})


def part_sparql(server: opslib.Server, paths: list[str], args: argparse.Namespace,
                sampler: opslib.MemoryPeak) -> dict:
    warm = opslib.http_status(server.base + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", 120)
    idle = opslib.memory(server.pid)
    baseline = probe(server.base, paths, args.rate, args.seconds, args.timeout)
    requests = [("POST", "/sparql", {"Content-Type": "application/sparql-query",
                                     "Accept": "application/sparql-results+json"},
                 WORST_SPARQL[n % len(WORST_SPARQL)].encode())
                for n in range(args.sparql_clients)]
    sampler.reset()
    with Load(server.port, requests, args.honour_retry_after) as load:
        time.sleep(args.warmup)
        loaded = probe(server.base, paths, args.rate, args.seconds, args.timeout)
    peak = sampler.peak()
    time.sleep(2)  # let the query children go before the next figure
    return row(f"lookup while {args.sparql_clients} clients run cartesian SPARQL queries"
               + _manners(args),
               loaded, baseline,
               {"load": load.result, "sparql_warm_status": warm,
                "memory_idle_mb": _mb(idle), "memory_peak_mb": _mb(peak)})


def _manners(args: argparse.Namespace) -> str:
    return " (honouring Retry-After)" if args.honour_retry_after else ""


def _mb(sample: opslib.Memory) -> dict:
    return {"server_rss": round(sample.server_rss_kb / 1024), "tree_rss":
            round(sample.tree_rss_kb / 1024), "tree_pss": round(sample.tree_pss_kb / 1024),
            "children": sample.children}


# -- report ----------------------------------------------------------------------------------------
def print_table(report: dict) -> None:
    print(f"{report['date']}  {report['machine']}  code {report['code']}")
    print(f"load average at start {report['loadavg_start']}, at end {report['loadavg_end']}")
    print(f"server start {report['server_start_s']:.1f} s, idle RSS "
          f"{report['server_idle_mb']} MB\n")
    head = f"{'':<70} {'p50':>8} {'p99':>8} {'base p99':>9} {'ratio':>6} {'limit':>7}"
    print(head)
    for r in report["results"]:
        print(f"{r['name']:<70} {r['p50_ms']:>6.1f}ms {r['p99_ms']:>6.1f}ms "
              f"{r['baseline_p99_ms']:>7.1f}ms {r['ratio_p99']:>5.1f}× {r['limit_ms']:>5.1f}ms "
              f"{'PASS' if r['pass'] else 'FAIL'}")
        base, loaded = r["lookups"]["baseline"], r["lookups"]["loaded"]
        print(f"    lookups answered with 200 {loaded['answered']}/{loaded['sent']} (baseline "
              f"{base['answered']}/{base['sent']}), statuses {loaded['statuses']}, max "
              f"{r['max_ms']:.0f} ms; load average {loaded['loadavg'][1]}")
        load = r["load"]
        answers = load["answers"]
        print(f"    load clients: {load['requests']} requests, answers {answers}, "
              f"median {load['p50_s']:.2f} s, slowest {load['max_s']:.1f} s; 503: "
              f"{answers.get('503', 0) + answers.get('503 with Retry-After', 0)}, of them "
              f"with Retry-After: {answers.get('503 with Retry-After', 0)}")
        if "memory_peak_mb" in r:
            print(f"    memory idle {r['memory_idle_mb']}, peak {r['memory_peak_mb']} (MB)")
    for part, problem in report.get("failed_parts", {}).items():
        print(f"{part}: could not be measured: {problem}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma list of {','.join(PARTS)} (default: all)")
    parser.add_argument("--seconds", type=float, default=20, help="each lookup measurement")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of load before lookups are measured")
    parser.add_argument("--rate", type=float, default=100, help="lookups per second")
    parser.add_argument("--timeout", type=float, default=30,
                        help="seconds a lookup may take before it counts as unanswered")
    parser.add_argument("--doc-mb", type=float, default=9, help="validation document size")
    parser.add_argument("--validate-clients", type=int, default=4)
    parser.add_argument("--sparql-clients", type=int, default=48)
    parser.add_argument("--honour-retry-after", action="store_true",
                        help="load clients wait as a 503's Retry-After asks (default: they "
                        "send again at once, a flood)")
    parser.add_argument("--rebuild-data", action="store_true",
                        help="re-import the cached data directory")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    wanted = (args.only or ",".join(PARTS)).split(",")
    unknown = set(wanted) - set(PARTS)
    if unknown:
        parser.error(f"--only takes {', '.join(PARTS)}; not {', '.join(sorted(unknown))}")
    report = opslib.header()
    data = opslib.data_dir("full", rebuild=args.rebuild_data)
    paths = opslib.lookup_paths(data, 3000)
    server = opslib.Server(data, opslib.RESULTS / "bench_operations-server.log")
    report["server_start_s"] = round(server.start(), 2)
    results: list[dict] = []
    try:
        report["server_idle_mb"] = _mb(opslib.memory(server.pid))
        probe(server.base, paths, args.rate, 3)  # warm the lookup path and its caches
        with opslib.MemoryPeak(server.pid) as sampler:
            for part in wanted:
                try:
                    results.append(part_validate(server, paths, args) if part == "validate"
                                   else part_sparql(server, paths, args, sampler))
                except Exception as exc:  # keep the other part's figures
                    report.setdefault("failed_parts", {})[part] = repr(exc)
        report["server_alive_after"] = server.process.poll() is None
    finally:
        server.stop()
    report.update(loadavg_end=opslib.loadavg(), settings=vars(args), results=results)
    saved = opslib.write_result("operations", report)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_table(report)
        print(f"written to {saved.relative_to(opslib.REPO)}")


if __name__ == "__main__":
    main()
