"""termserver benchmarks, each measured against a reference taken in the same run.

    .venv/bin/python bench/run.py            # everything (≈ 5 minutes)
    .venv/bin/python bench/run.py --quick    # smaller synthetic set, shorter wrk runs
    .venv/bin/python bench/run.py --only lookup,search --json

Targets (issue: versioned vocabulary store): lookup ≤ 5× dict.get; one-word search
p50 ≤ 100 µs on the real KL+ICF data; HTTP lookup ≥ 80 % of a fixed-JSON FastAPI
endpoint with p99 ≤ 10 ms; start ≤ 2 s; 350,000 synthetic concepts import in ≤ 120 s
with ≤ 2 GB peak RSS, then search p50 ≤ 1 ms and lookup ≤ 5× dict.
Issue "Operations": over HTTP, search with unique one-word queries ≥ 50 % of JSON lookup
requests/s, and a concept as Turtle (`/id/…`) ≥ 25 % of JSON lookup, in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
SHARED = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
ONE_WORD = ["hukommelse", "angst", "bolig", "medicin", "rengøring", "bad", "gang", "mad",
            "økonomi", "misbrug", "søvn", "smerte", "tobak", "motion", "hørelse", "syn",
            "kost", "indkøb", "tøjvask", "samtale", "relationer", "ensomhed", "uddannelse",
            "beskæftigelse", "hjemløshed", "kriminalitet", "overgreb", "motivation",
            "walking", "memory", "d450", "b144", "toilet", "spise", "drikke", "sår",
            "hygiejne", "mobilitet", "kommunikation", "netværk", "familie", "omsorg",
            "støttebehov", "funktionsevne", "aktivitet", "ophold", "afklaring", "praktik",
            "rehabilitering", "genoptræning"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(name: str, value: float, unit: str, reference: float | None, ref_name: str,
        ratio: float | None, target: str, ok: bool) -> dict:
    return {"name": name, "value": round(value, 3), "unit": unit,
            "reference": None if reference is None else round(reference, 3),
            "reference_name": ref_name, "ratio": None if ratio is None else round(ratio, 3),
            "target": target, "pass": ok}


# -- data ------------------------------------------------------------------------------------
def real_data_dir(work: Path) -> Path:
    from termserver.importers import ImportOptions
    from termserver.publishing import import_paths
    from termserver.settings import Settings

    data = work / "real"
    settings = Settings(data_dir=data, vocab_dir=REPO / "vocab")
    kl = sorted((SHARED / "kl-term").glob("CodeSystem-*.json"))
    icf = [SHARED / "icf" / "ICF_1.0.2_2012-08-05.owl",
           SHARED / "icf" / "icf2005syst_claml_20120619.xml"]
    import_paths(settings, [*kl, *icf], ImportOptions())
    vocab = sorted((REPO / "vocab").glob("*.ttl"))
    if vocab:
        import_paths(settings, vocab, ImportOptions(format="skos"))
    return data


def open_services(data: Path):
    from termserver.services import open_services as _open
    from termserver.settings import Settings

    return _open(Settings(data_dir=data, vocab_dir=data / "none"))


# -- in-process ----------------------------------------------------------------------------
def bench_lookup(store, label: str, sample_size: int = 2000) -> dict:
    pairs = [(r.scheme, c) for r in store.latest_releases() if r.info.kind == "vocabulary"
             for c in r.concepts]
    rng = random.Random(1)
    sample = [rng.choice(pairs) for _ in range(sample_size)]
    flat = {(s, c): store.concept(s, c) for s, c in sample}
    per_scheme = {s: store.latest(s).concepts for s in {s for s, _ in sample}}
    codes = [(per_scheme[s], c) for s, c in sample]

    def plain() -> None:
        for table, code in codes:
            table.get(code)

    def ours() -> None:
        lookup = store.concept
        for scheme, code in sample:
            lookup(scheme, code)

    assert all(flat[p] is not None for p in sample)
    base = min(timeit.repeat(plain, number=50, repeat=7)) / (50 * sample_size)
    mine = min(timeit.repeat(ours, number=50, repeat=7)) / (50 * sample_size)
    ratio = mine / base
    return row(f"lookup ({label})", mine * 1e9, "ns/op", base * 1e9, "dict.get", ratio,
               "≤ 5× dict.get", ratio <= 5)


def label_words(store, count: int) -> list[str]:
    """Distinct words from the loaded labels: queries nobody has asked yet (cold)."""
    words: dict[str, None] = {}
    for release in store.latest_releases():
        for concept in release.concepts.values():
            for word in re.findall(r"\w{4,}", concept.label().lower()):
                words[word] = None
    pool = list(words)
    random.Random(4).shuffle(pool)
    return pool[:count]


def bench_search(services, label: str, queries: list[str], limit_us: float) -> list[dict]:
    search = services.search.search
    cold_queries = [q for q in label_words(services.store, 600) if q not in set(queries)]
    cold: list[float] = []
    for q in cold_queries:  # each asked once: no result cache can help
        start = time.perf_counter()
        search(q)
        cold.append(time.perf_counter() - start)
    for q in queries:  # warm up
        search(q)
    warm: list[float] = []
    for _ in range(20):
        for q in queries:
            start = time.perf_counter()
            search(q)
            warm.append(time.perf_counter() - start)
    rows = []
    for name, times in (("repeated queries", warm), (f"first-time, {len(cold)} words", cold)):
        p50, p99 = percentile(times, 0.5) * 1e6, percentile(times, 0.99) * 1e6
        rows.append(row(f"one-word search p50 ({label}; {name})", p50, "µs", None, "", None,
                        f"≤ {limit_us:g} µs", p50 <= limit_us))
        rows.append(row(f"one-word search p99 ({label}; {name})", p99, "µs", None, "", None,
                        "(reported)", True))
    return rows


# -- HTTP ------------------------------------------------------------------------------------
PORTS: range | None = None
"""Where the benchmark's servers may listen (`--ports`); None lets the OS choose."""
_HANDED_OUT: set[int] = set()
WRK_THREADS = 2


def free_port() -> int:
    """A port nothing listens on yet, and not one handed out earlier (its server may still
    be starting)."""
    for port in PORTS or [0]:
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = sock.getsockname()[1]
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"No free port in {PORTS}; choose another range with --ports.")


def wait_for(url: str, timeout: float = 60) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_termserver(data: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "TERMSERVER_VOCAB_DIR": str(data / "no-vocab")}
    return subprocess.Popen([str(BIN / "termserver"), "--data-dir", str(data), "serve",
                             "--port", str(port), "--no-vocab"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_wrk(url: str, seconds: int, script: Path | None = None) -> tuple[float, float]:
    rps, p99_ms, _requests = run_wrk_counted(url, seconds, script)
    return rps, p99_ms


def run_wrk_counted(url: str, seconds: int,
                    script: Path | None = None) -> tuple[float, float, int]:
    """requests/s, p99 in ms and the number of requests; any non-2xx answer is an error,
    so a benchmark never reports the speed of error pages."""
    command = ["wrk", f"-t{WRK_THREADS}", "-c32", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if failed:
        raise RuntimeError(f"{failed.group(1)} requests to {url} failed:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(p99_match.group(1)), p99_match.group(2)
    p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return rps, p99_ms, requests


def rotating_script(path: Path, paths: list[str], headers: dict[str, str] | None = None) -> Path:
    """A wrk script asking for `paths` in turn (each wrk thread from its own offset)."""
    listing = ",".join(json.dumps(p) for p in paths)
    header_table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}"
                             for k, v in (headers or {}).items())
    path.write_text(
        "local paths = {" + listing + "}\n"
        f"local headers = {{{header_table}}}\n"
        "local threads = 0\n"
        "function setup(thread)\n  thread:set('offset', threads)\n"
        "  threads = threads + 1\nend\n"
        "local i = nil\n"
        "request = function()\n"
        f"  i = (i or offset) + {WRK_THREADS}\n"
        "  return wrk.format('GET', paths[(i - 1) % #paths + 1], headers)\nend\n")
    return path


def search_words(store, count: int) -> list[str]:
    """Distinct one-word queries people type: words of labels and definitions, and their
    prefixes (autocomplete), shuffled. Each is asked once, so no result cache helps."""
    words: dict[str, None] = {}
    for release in store.latest_releases():
        for concept in release.concepts.values():
            texts = [*concept.labels.values(), *concept.definitions.values(),
                     *(t for table in (concept.alt_labels, concept.hidden_labels)
                       for texts in table.values() for t in texts)]
            for text in texts:
                for word in re.findall(r"[^\W\d_]{3,}", text.lower()):
                    words[word] = None
    for word in list(words):
        for n in range(3, len(word)):
            words.setdefault(word[:n], None)
    pool = sorted(words)
    random.Random(5).shuffle(pool)
    return pool[:count]


def bench_http(data: Path, work: Path, seconds: int) -> list[dict]:
    if shutil.which("wrk") is None:
        return [row("HTTP lookup", 0, "req/s", None, "", None, "wrk missing", False)]
    from termserver.store import Store

    store = Store.open(data)
    codes = [(r.scheme, c) for r in store.latest_releases() if r.info.kind == "vocabulary"
             for c in r.concepts]
    random.Random(2).shuffle(codes)
    codes = codes[:3000]
    lookup = rotating_script(work / "lookup.lua", [
        f"/api/v1/schemes/{quote(s, safe='')}/concepts/{quote(c, safe='')}" for s, c in codes])
    turtle = rotating_script(work / "turtle.lua", [
        f"/id/{quote(s, safe='')}/{quote(c, safe='')}" for s, c in codes],
        {"Accept": "text/turtle"})
    words = search_words(store, 60_000)
    warm_words, words = words[:2000], words[2000:]
    search_paths = [f"/api/v1/search?q={quote(w, safe='')}" for w in words]
    search = rotating_script(work / "search.lua", search_paths)
    search_warm = rotating_script(work / "search-warm.lua",
                                  [f"/api/v1/search?q={quote(w, safe='')}" for w in warm_words])
    base_port, our_port = free_port(), free_port()
    baseline = subprocess.Popen(
        [str(BIN / "uvicorn"), "baseline_app:app", "--port", str(base_port), "--workers", "1",
         "--log-level", "warning", "--no-access-log"],
        cwd=REPO / "bench", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = start_termserver(data, our_port)
    server = f"http://127.0.0.1:{our_port}"
    try:
        wait_for(f"http://127.0.0.1:{base_port}/fixed")
        wait_for(f"{server}/api/v1/schemes")
        run_wrk(server, 3, lookup)  # warm the response caches
        run_wrk(server, 3, turtle)
        run_wrk(server, 2, search_warm)  # loads the index, with words not asked below
        base_rps, base_p99 = run_wrk(f"http://127.0.0.1:{base_port}/fixed", seconds)
        our_rps, our_p99 = run_wrk(server, seconds, lookup)
        ttl_rps, ttl_p99 = run_wrk(server, seconds, turtle)
        # search is slower than a lookup: this many seconds cannot use up the words
        search_seconds = max(1, min(seconds, int(0.9 * len(search_paths) / our_rps)))
        search_rps, search_p99, asked = run_wrk_counted(server, search_seconds, search)
    finally:
        for process in (baseline, ours):
            process.terminate()
            process.wait(10)
    ratio = our_rps / base_rps
    ttl_ratio, search_ratio = ttl_rps / our_rps, search_rps / our_rps
    unique = asked <= 0.9 * len(search_paths)  # threads take turns; leave them slack
    return [row("HTTP lookup throughput", our_rps, "req/s", base_rps, "FastAPI fixed JSON",
                ratio, "≥ 0.8× baseline", ratio >= 0.8),
            row("HTTP lookup p99", our_p99, "ms", base_p99, "FastAPI fixed JSON p99", None,
                "≤ 10 ms", our_p99 <= 10),
            row("HTTP concept as Turtle (/id/…, Accept: text/turtle)", ttl_rps, "req/s",
                our_rps, "JSON lookup", ttl_ratio, "≥ 0.25× JSON lookup", ttl_ratio >= 0.25),
            row("HTTP concept as Turtle p99", ttl_p99, "ms", None, "", None, "(reported)", True),
            row(f"HTTP search, unique one-word queries ({asked:,} of {len(search_paths):,} "
                f"words, {search_seconds} s)", search_rps, "req/s", our_rps, "JSON lookup",
                search_ratio, "≥ 0.5× JSON lookup" + ("" if unique else "; words ran out"),
                search_ratio >= 0.5 and unique),
            row("HTTP search p99 (unique one-word queries)", search_p99, "ms", None, "", None,
                "(reported)", True)]


def bench_start(data: Path) -> list[dict]:
    from termserver.services import open_services as _open
    from termserver.settings import Settings

    times = []
    for _ in range(3):
        port = free_port()
        process = start_termserver(data, port)
        try:
            times.append(wait_for(f"http://127.0.0.1:{port}/api/v1/schemes"))
        finally:
            process.terminate()
            process.wait(10)
    start = time.perf_counter()
    _open(Settings(data_dir=data, vocab_dir=data / "none"))
    in_process = time.perf_counter() - start
    best = min(times)
    return [row("service start (spawn → first 200)", best, "s", None, "", None, "≤ 2 s",
                best <= 2),
            row("store + index open in-process", in_process, "s", None, "", None,
                "(reported)", True)]


# -- scale -----------------------------------------------------------------------------------
def bench_scale(work: Path, size: int) -> list[dict]:
    from synthetic import write_vocabulary

    source = work / "synthetic.nt"
    _codes, words = write_vocabulary(source, size)
    data = work / "synthetic-data"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([str(BIN / "termserver"), "--data-dir", str(data), "import", "--json",
                    str(source)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    services = open_services(data)
    rows = [row(f"import {size:,} synthetic concepts", seconds, "s", None, "", None,
                "≤ 120 s", seconds <= 120 * size / 350_000),
            row("import peak RSS", peak_mb, "MB", None, "", None, "≤ 2048 MB",
                peak_mb <= 2048)]
    rows += bench_search(services, f"{size:,} synthetic", random.Random(3).sample(words, 50),
                         1000)
    rows.append(bench_lookup(services.store, f"{size:,} synthetic"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small scale test, short runs")
    parser.add_argument("--only", help="comma list: lookup,search,http,start,scale")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--ports", metavar="LOW-HIGH",
                        help="listen only on ports in this range (default: any free port)")
    args = parser.parse_args()
    if args.ports:
        global PORTS
        low, _, high = args.ports.partition("-")
        PORTS = range(int(low), int(high or low) + 1)
    wanted = set((args.only or "lookup,search,http,start,scale").split(","))
    work = Path(tempfile.mkdtemp(prefix="termserver-bench-"))
    rows: list[dict] = []
    try:
        data = real_data_dir(work)
        services = open_services(data)
        if "lookup" in wanted:
            rows.append(bench_lookup(services.store, "real KL + ICF"))
        if "search" in wanted:
            rows += bench_search(services, "real KL + ICF", ONE_WORD, 100)
        if "start" in wanted:
            rows += bench_start(data)
        if "http" in wanted:
            rows += bench_http(data, work, 5 if args.quick else 15)
        if "scale" in wanted:
            rows += bench_scale(work, 20_000 if args.quick else 350_000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report_rows(rows, quick=args.quick, as_json=args.json)


def report_rows(rows: list[dict], *, quick: bool, as_json: bool, name: str = "") -> None:
    """Write a run's rows to bench/results (dated, machine and load named) and print them
    as a table, or as JSON; every benchmark script built on `row` reports through here."""
    report = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "machine": f"{os.cpu_count()} cores, {sys.platform}, Python "
                         f"{sys.version.split()[0]}",
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "quick": quick, "results": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-" if name else ""
    (RESULTS / f"{stem}{report['date'].replace(':', '')}.json").write_text(
        json.dumps(report, indent=2))
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"{report['date']}  load average {report['load_average']}")
    width = max([60, *(len(r["name"]) for r in rows)])
    print(f"{'benchmark':<{width}} {'value':>12} {'reference':>24} {'ratio':>6}  target")
    for r in rows:
        ref = "" if r["reference"] is None else f"{r['reference']:g} ({r['reference_name']})"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        status = "PASS" if r["pass"] else "FAIL"
        print(f"{r['name']:<{width}} {r['value']:>9g} {r['unit']:<3} {ref:>24} {ratio:>6}  "
              f"{r['target']} {status}")

if __name__ == "__main__":
    main()
