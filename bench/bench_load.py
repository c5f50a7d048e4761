"""Lookup latency while other clients load the server with CPU-heavy requests.

    .venv/bin/python bench/bench_load.py [--seconds 20] [--scenarios validate,sparql]
    .venv/bin/python bench/bench_load.py --url http://127.0.0.1:8000   # a running server

Targets (issue "Operations"): lookup p99 over HTTP while four clients keep posting 9 MB
documents to validation ≤ 3× the p99 without them (or ≤ 10 ms, whichever is larger); the
same while 48 clients run the worst SPARQL queries, with the server's memory (it and its
worker processes) within a documented bound.

One probe sends lookups at a steady 100 requests/s over one keep-alive connection for the
whole window; the load runs in separate processes so the probe's own timing is not held
up by them. The baseline window runs first, in the same run, against the same server.
Without --url a `termserver serve` is started on 127.0.0.1 over a data directory built
from ../shared/data (or --data-dir) and stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
TYPICAL = (SHARED / "kl-fhir-examples/kl-ffb-reporting/examples/"
           "Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json")
TERMSERVER = Path(sys.executable).with_name("termserver")
LOOKUPS = ["/api/v1/schemes/icf/concepts/d450", "/api/v1/schemes/icf/concepts/b110",
           "/api/v1/schemes/icf/concepts/d5", "/api/v1/schemes/icf/concepts/e310"]
WORST_SPARQL = [
    # a cartesian product counted: no row comes out, it runs until the time limit
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # a cartesian product's rows
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    # every triple, as one answer
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000",
]
_FORK = multiprocessing.get_context("fork")


def big_document(target_bytes: int = 9_400_000) -> bytes:
    """A ~9 MB FFB reporting Bundle: the typical example's entries repeated."""
    bundle = json.loads(TYPICAL.read_bytes())
    first, rest = bundle["entry"][0], bundle["entry"][1:]
    unit = len(json.dumps(rest))
    bundle["entry"] = [first] + rest * max(1, target_bytes // unit)
    return json.dumps(bundle).encode()


def connect(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)


def probe(base: str, seconds: float, rate: float = 100.0) -> list[float]:
    """Lookup latencies (s) at a steady rate; a failed lookup counts as an error."""
    latencies: list[float] = []
    connection = connect(base)
    interval = 1 / rate
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        path = LOOKUPS[n % len(LOOKUPS)]
        began = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"lookup answered {response.status}")
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = connect(base)
            latencies.append(float("inf"))
        else:
            latencies.append(time.perf_counter() - began)
        n += 1
        pause = start + n * interval - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    connection.close()
    return latencies


def _post_loop(base: str, path: str, bodies: list[tuple[bytes, str]], seconds: float,
               threads: int, patient: bool, results) -> None:
    """One load process: `threads` clients posting `bodies` in turn until time is up.

    A 503 is followed by a pause: `Retry-After` seconds when `patient` (as the answer
    asks), otherwise 0.2 s (a client that ignores it)."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def client(offset: int) -> None:
        connection = connect(base)
        deadline = time.monotonic() + seconds
        n = offset
        while time.monotonic() < deadline:
            body, content_type = bodies[n % len(bodies)]
            n += 1
            retry_after = 0.0
            try:
                connection.request("POST", path, body, {"Content-Type": content_type})
                response = connection.getresponse()
                response.read()
                status = str(response.status)
                retry_after = float(response.headers.get("Retry-After") or 0)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                connection.close()
                connection = connect(base)
            with lock:
                counts[status] += 1
            if status == "503":
                pause = min(retry_after, 10) if patient and retry_after else 0.2
                time.sleep(pause)
                if pause >= 1:  # the server closes connections idle that long
                    connection.close()
                    connection = connect(base)
        connection.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(dict(counts))


def _tree_pss(pid: int) -> int:
    """Memory of a process and all its descendants: the sum of their proportional set
    sizes (PSS), so pages forked children share with the server count once."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def window(base: str, seconds: float, load: list[tuple[str, list, int, int]],
           server_pid: int | None, patient: bool = True) -> dict:
    """Probe for `seconds` while `load` (path, bodies, processes, threads each) runs."""
    results = _FORK.Queue()
    processes = [
        _FORK.Process(target=_post_loop, args=(base, path, bodies, seconds + 1, threads,
                                                patient, results))
        for path, bodies, count, threads in load for _ in range(count)]
    for process in processes:
        process.start()
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            if server_pid:
                peak[0] = max(peak[0], _tree_pss(server_pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    if load:
        time.sleep(1.0)  # let the load start before measuring
    latencies = probe(base, seconds)
    stop.set()
    sampler.join()
    counts: Counter[str] = Counter()
    for _ in processes:
        counts.update(results.get(timeout=300))
    for process in processes:
        process.join()
    finite = [x for x in latencies if x != float("inf")]
    return {
        "lookups": len(latencies), "failed_lookups": len(latencies) - len(finite),
        "p50_ms": round(statistics.median(finite) * 1000, 2),
        "p99_ms": round(percentile(finite, 0.99) * 1000, 2),
        "max_ms": round(max(finite) * 1000, 2),
        "load_answers": dict(counts),
        "peak_pss_mb": round(peak[0] / 2**20) if server_pid else None,
    }


def build_data(directory: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import ICF_CLAML, ICF_OWL, KL_CURRENT, make_settings
    from termserver.importers import ImportOptions
    from termserver.publishing import import_paths

    import_paths(make_settings(directory), [*KL_CURRENT, ICF_OWL, ICF_CLAML], ImportOptions())


def start_server(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(TERMSERVER), "--data-dir", str(data), "serve", "--no-vocab", "--port", str(port)],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = connect(base)
            connection.request("GET", LOOKUPS[0])
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("termserver serve did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--data-dir", type=Path, help="data directory for the started server")
    parser.add_argument("--port", type=int, default=18190)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--scenarios", default="validate,sparql")
    parser.add_argument("--server-pid", type=int, help="with --url: measure this process's RSS")
    parser.add_argument("--impatient", action="store_true",
                        help="load clients ignore Retry-After (retry a 503 after 0.2 s)")
    args = parser.parse_args()
    process = None
    work = Path(tempfile.mkdtemp(prefix="termserver-bench-load-"))
    if args.url:
        base, pid = args.url.rstrip("/"), args.server_pid
    else:
        data = args.data_dir or work / "data"
        if args.data_dir is None:
            build_data(data)
        process = start_server(data, args.port, {})
        base, pid = f"http://127.0.0.1:{args.port}", process.pid
    try:
        # warm: caches, the SPARQL dataset, the validation workers
        probe(base, 2)
        warm = connect(base)
        warm.request("GET", "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")
        warm.getresponse().read()
        document = big_document()
        report: dict = {"document_bytes": len(document), "cpu_count": os.cpu_count(),
                        "clients_honour_retry_after": not args.impatient}
        base_window = window(base, args.seconds, [], pid)
        report["baseline"] = base_window
        if pid:
            report["baseline"]["pss_mb"] = round(_tree_pss(pid) / 2**20)
        scenarios = {
            "validate": [("/api/v1/validate", [(document, "application/fhir+json")], 4, 1)],
            "sparql": [("/sparql", [(q.encode(), "application/sparql-query")
                                    for q in WORST_SPARQL], 4, 12)],
        }
        for name in args.scenarios.split(","):
            loaded = window(base, args.seconds, scenarios[name], pid, not args.impatient)
            limit = max(3 * base_window["p99_ms"], 10.0)
            loaded["p99_ratio"] = round(loaded["p99_ms"] / base_window["p99_ms"], 2)
            loaded["target_ms"] = round(limit, 2)
            loaded["meets_target"] = loaded["p99_ms"] <= limit and not loaded["failed_lookups"]
            report[name] = loaded
        print(json.dumps(report, indent=2))
        results = REPO / "bench" / "results"
        results.mkdir(exist_ok=True)
        (results / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
            json.dumps(report, indent=2))
    finally:
        if process is not None:
            process.terminate()
            process.wait(20)


if __name__ == "__main__":
    main()
