"""FHIR terminology API speed, each figure against a reference taken in the same run.

    .venv/bin/python bench/bench_fhir.py            # ≈ 2 minutes
    .venv/bin/python bench/bench_fhir.py --quick    # shorter wrk runs
    .venv/bin/python bench/bench_fhir.py --ports 18500-18599 --json

Targets (issue 9): `CodeSystem/$validate-code` and `CodeSystem/$lookup` over HTTP ≥ 80 %
of the requests/s of a FastAPI endpoint answering fixed JSON (bench/baseline_app.py, the
reference of the /api/v1 lookup bench); `ValueSet/$expand` with a one-word `filter` on
FSIII p95 ≤ 10 ms over HTTP; expanding a KL ValueSet of about 200 codes ≤ 5 ms.

Throughput is measured as the /api/v1 lookup bench does it: 32 connections rotating over
3,000 codes of every KL and ICF release, after a pass that fills the response memo; the
same requests with distinct URLs (an ignored `_n` parameter), which the memo cannot
answer, are reported beside them. Latencies are one client at a time (wrk, 1 connection),
so they are the time of a request and not of a queue of 32; the filtered expansions ask
each word once (words of the labels and their prefixes, as people type them), so neither
the response memo nor the search memo answers them. The KL value set is
`KLInterventionsFSIII` (209 codes, four value sets of FSIII subtrees), imported from
../shared/data/kl-fhir-examples as version 2.3.0; it is timed in process (the operation
alone: evaluated each time, and with its evaluation reused as requests reuse it), over
HTTP with distinct URLs (the evaluation reused, the answer built), and over HTTP by its one
URL (the response memo).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import run
from run import BIN, REPO, SHARED, free_port, percentile, report_rows, row, wait_for

KL_VALUE_SETS = SHARED / "kl-fhir-examples" / "kl-term" / "conformance"
KL_VALUE_SET = "http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII"
FSIII = "urn:oid:1.2.208.176.2.21"
RESULTS = REPO / "bench" / "results"


def data_dir(work: Path) -> Path:
    """The real KL + ICF releases and vocab/, and KL's value sets."""
    from termserver.importers import ImportOptions
    from termserver.publishing import import_paths
    from termserver.settings import Settings

    if not KL_VALUE_SETS.is_dir():
        raise SystemExit(f"{KL_VALUE_SETS} is missing: the benchmark needs ../shared/data.")
    data = run.real_data_dir(work)
    import_paths(Settings(data_dir=data, vocab_dir=REPO / "vocab"),
                 sorted(KL_VALUE_SETS.glob("ValueSet-*.json")), ImportOptions(version="2.3.0"))
    return data


def start_server(data: Path, port: int) -> subprocess.Popen:
    """`termserver serve` over `data`, fetching no packages (the bench runs offline)."""
    env = {**os.environ, "TERMSERVER_VOCAB_DIR": str(data / "no-vocab"),
           "TERMSERVER_SERVE_PACKAGES": "[]"}
    return subprocess.Popen([str(BIN / "termserver"), "--data-dir", str(data), "serve",
                             "--port", str(port), "--no-vocab"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def script(path: Path, paths: list[str]) -> Path:
    """A wrk script asking for `paths` in turn and printing its p95 when done."""
    run.rotating_script(path, paths)
    with path.open("a") as out:
        out.write("function done(summary, latency, requests)\n"
                  "  io.write(string.format('P95_US %d\\n', latency:percentile(95)))\nend\n")
    return path


def wrk(url: str, seconds: int, lua: Path | None, connections: int = 32
        ) -> tuple[float, float, float, int]:
    """requests/s, p95 and p99 in ms, requests; any non-2xx answer fails the bench."""
    threads = min(run.WRK_THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if lua is not None:
        command += ["-s", str(lua)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if failed:
        raise RuntimeError(f"{failed.group(1)} requests to {url} failed:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p95 = re.search(r"P95_US (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    value, unit = float(p99.group(1)), p99.group(2)
    p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return rps, (int(p95.group(1)) / 1000 if p95 else float("nan")), p99_ms, requests


def code_sample(store, count: int) -> list[tuple[str, str]]:
    pairs = [(r.info.uri, c) for r in store.latest_releases()
             if r.info.kind == "vocabulary" and r.info.uri for c in r.concepts]
    random.Random(2).shuffle(pairs)
    return pairs[:count]


def in_process_expansion(data: Path, rounds: int, *, cold: bool
                         ) -> tuple[float, float, int]:
    """Median and p95 (ms) of expanding the KL value set with the operation alone; `cold`
    empties the operation's evaluation memo before each round."""
    from termserver.fhir import operations
    from termserver.fhir.context import Context
    from termserver.fhir.params import Params

    services = run.open_services(data)
    times: list[float] = []
    total = 0
    for _ in range(rounds):
        context = Context.for_request(services.store, [])
        context.stored = services.resources
        if cold:
            operations._EVALUATED.clear()
        start = time.perf_counter()
        answer = operations.expand(context, Params.from_query([("url", KL_VALUE_SET)]))
        times.append((time.perf_counter() - start) * 1000)
        total = answer["expansion"]["total"]
    return statistics.median(times), percentile(times, 0.95), total


def bench(data: Path, work: Path, seconds: int) -> list[dict]:
    if shutil.which("wrk") is None:
        return [row("FHIR over HTTP", 0, "req/s", None, "", None, "wrk missing", False)]
    from termserver.store import Store

    store = Store.open(data)
    codes = code_sample(store, 3000)
    validate = [f"/fhir/CodeSystem/$validate-code?url={quote(s, safe='')}"
                f"&code={quote(c, safe='')}" for s, c in codes]
    lookup = [f"/fhir/CodeSystem/$lookup?system={quote(s, safe='')}&code={quote(c, safe='')}"
              for s, c in codes]
    validate_lua = script(work / "validate.lua", validate)
    lookup_lua = script(work / "lookup.lua", lookup)
    validate_cold = script(work / "validate-cold.lua",
                           [f"{p}&_n={i}" for i, p in enumerate(validate * 10)])
    words = run.search_words(store, 40_000)
    expand_paths = [f"/fhir/ValueSet/$expand?url={quote(FSIII, safe='')}"
                    f"&filter={quote(w, safe='')}" for w in words]
    expand_warm = script(work / "expand-warm.lua", expand_paths[:500])
    expand_lua = script(work / "expand.lua", expand_paths[500:])
    kl_lua = script(work / "kl.lua", [f"/fhir/ValueSet/$expand?url={quote(KL_VALUE_SET)}"
                                      f"&_n={i}" for i in range(50_000)])
    kl_memo = script(work / "kl-memo.lua",
                     [f"/fhir/ValueSet/$expand?url={quote(KL_VALUE_SET)}"])
    base_port, our_port = free_port(), free_port()
    baseline = subprocess.Popen(
        [str(BIN / "uvicorn"), "baseline_app:app", "--port", str(base_port), "--workers", "1",
         "--log-level", "warning", "--no-access-log"],
        cwd=REPO / "bench", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = start_server(data, our_port)
    server = f"http://127.0.0.1:{our_port}"
    try:
        wait_for(f"http://127.0.0.1:{base_port}/fixed")
        wait_for(f"{server}/fhir/metadata")
        wrk(server, 5, validate_lua)  # fill the response memo, as the lookup bench does
        wrk(server, 5, lookup_lua)
        wrk(server, 2, expand_warm)  # loads the search index with words not asked below
        wrk(server, 2, kl_lua, connections=1)
        base_rps, _, base_p99, _ = wrk(f"http://127.0.0.1:{base_port}/fixed", seconds, None)
        val_rps, _, val_p99, _ = wrk(server, seconds, validate_lua)
        look_rps, _, look_p99, _ = wrk(server, seconds, lookup_lua)
        cold_rps, _, cold_p99, _ = wrk(server, seconds, validate_cold)
        exp_rps, exp_p95, _, asked = wrk(server, seconds, expand_lua, connections=1)
        _, kl_p95, _, _ = wrk(server, seconds, kl_lua, connections=1)
        _, memo_p95, _, _ = wrk(server, seconds, kl_memo, connections=1)
    finally:
        for process in (baseline, ours):
            process.terminate()
            process.wait(10)
    median, p95, total = in_process_expansion(data, 200, cold=True)
    warm_median, warm_p95, _ = in_process_expansion(data, 200, cold=False)
    val_ratio, look_ratio = val_rps / base_rps, look_rps / base_rps
    unique = asked <= len(expand_paths) - 500
    return [
        row("FHIR CodeSystem/$validate-code throughput", val_rps, "req/s", base_rps,
            "FastAPI fixed JSON", val_ratio, "≥ 0.8× baseline", val_ratio >= 0.8),
        row("FHIR CodeSystem/$lookup throughput", look_rps, "req/s", base_rps,
            "FastAPI fixed JSON", look_ratio, "≥ 0.8× baseline", look_ratio >= 0.8),
        row("FHIR $validate-code / $lookup p99", max(val_p99, look_p99), "ms", base_p99,
            "FastAPI fixed JSON p99", None, "(reported)", True),
        row("FHIR $validate-code, distinct URLs (no memo)", cold_rps, "req/s", base_rps,
            "FastAPI fixed JSON", cold_rps / base_rps, "(reported)", True),
        row("FHIR $validate-code, distinct URLs p99", cold_p99, "ms", None, "", None,
            "(reported)", True),
        row(f"FHIR $expand FSIII, one-word filter p95 ({asked:,} distinct words, "
            "1 client)", exp_p95, "ms", None, "", None,
            "≤ 10 ms" + ("" if unique else "; words ran out"), exp_p95 <= 10 and unique),
        row("FHIR $expand FSIII, one-word filter throughput (1 client)", exp_rps, "req/s",
            None, "", None, "(reported)", True),
        row(f"FHIR $expand KL value set ({total} codes), in process, evaluated each time, "
            "p95", p95, "ms", median, "median", None, "≤ 5 ms", p95 <= 5),
        row(f"FHIR $expand KL value set ({total} codes), in process, evaluation reused, p95",
            warm_p95, "ms", warm_median, "median", None, "(reported)", True),
        row(f"FHIR $expand KL value set ({total} codes), HTTP distinct URLs p95", kl_p95,
            "ms", None, "", None, "≤ 5 ms", kl_p95 <= 5),
        row(f"FHIR $expand KL value set ({total} codes), HTTP one URL (memo) p95", memo_p95,
            "ms", None, "", None, "(reported)", True),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short wrk runs")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--ports", metavar="LOW-HIGH",
                        help="listen only on ports in this range (default: any free port)")
    args = parser.parse_args()
    if args.ports:
        low, _, high = args.ports.partition("-")
        run.PORTS = range(int(low), int(high or low) + 1)
    work = Path(tempfile.mkdtemp(prefix="termserver-bench-fhir-"))
    try:
        rows = bench(data_dir(work), work, 5 if args.quick else 15)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report_rows(rows, quick=args.quick, as_json=args.json, name="fhir")

if __name__ == "__main__":
    main()
