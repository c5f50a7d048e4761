"""Validation speed: FFB reporting Bundles in-process on one core, a 10,000-file batch, a
citizen's course and progression over many citizens.

    .venv/bin/python bench/bench_validate.py [--files 10000] [--seconds 3] [--citizens 1000]

Targets (issue: document validation): ≥ 1,000 documents/s on one core for a typical
FFB reporting Bundle (~20 resources); batch validation of a directory uses both cores.
The batch is run through the real CLI (`termserver validate --json DIR`) and compared with
the same files validated sequentially in one process, so the ratio shows the cores used.
Issue "validation over time": a course of 20 documents validated together in ≤ 50 ms, and
the progression of 1,000 citizens' courses (5,000 documents) in ≤ 10 s. The data
directory holds KL's earlier publications too (kl-term/history), so documents are
checked against the releases in force on their dates, as in production with history.
Results are printed and written to bench/results/validate-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
EXAMPLES = SHARED / "kl-fhir-examples"
TYPICAL = EXAMPLES / "kl-ffb-reporting/examples/Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json"


CPU_RATES: dict[int, float] = {}
"""Calls per second of this process's CPU time, by id of the function last measured."""


def rate(function, seconds: float) -> tuple[float, float]:
    """(median, best) calls per second over windows of ~0.25 s: this machine is a VM whose
    CPU steal moves single figures by ±30 %, so both are reported. Calls per CPU second
    (what a core does when it is not shared) go to CPU_RATES[id(function)]."""
    for _ in range(50):
        function()
    windows: list[float] = []
    calls, cpu = 0, time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(windows) < 5:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 0.25:
            function()
            count += 1
        windows.append(count / (time.perf_counter() - start))
        calls += count
    CPU_RATES[id(function)] = calls / (time.process_time() - cpu)
    return statistics.median(windows), max(windows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--citizens", type=int, default=1000)
    args = parser.parse_args()
    from termserver.importers import ImportOptions
    from termserver.publishing import import_paths
    from termserver.settings import Settings
    from termserver.store import Store
    from validators import Validator

    results: dict[str, object] = {"cpu_count": os.cpu_count()}
    work = Path(tempfile.mkdtemp(prefix="termserver-bench-validate-"))
    try:
        data = work / "data"
        settings = Settings(data_dir=data, vocab_dir=work / "none")
        import_paths(settings, sorted((SHARED / "kl-term").glob("CodeSystem-*.json")),
                     ImportOptions())
        import_history(settings)
        start = time.perf_counter()
        validator = Validator(Store.open(data))
        results["validator_build_s"] = round(time.perf_counter() - start, 3)
        raw = TYPICAL.read_bytes()
        resources = len(json.loads(raw)["entry"])
        typical = lambda: validator.validate_bytes(raw)  # noqa: E731
        per_second, best = rate(typical, args.seconds)
        cpu_rate = CPU_RATES[id(typical)]
        results["typical_ffb_bundle_docs_per_s"] = {"median": round(per_second),
                                                    "best": round(best),
                                                    "per_cpu_second": round(cpu_rate)}
        print(f"in-process, one core: {per_second:,.0f} documents/s median, {best:,.0f} best, "
              f"{cpu_rate:,.0f} per CPU second ({resources}-resource FFB reporting Bundle; "
              f"target ≥ 1,000) {'PASS' if max(per_second, cpu_rate) >= 1000 else 'FAIL'}")
        bundles = [p.read_bytes() for p in sorted(
            (EXAMPLES / "kl-ffb-reporting/examples").glob("Bundle-*.json"))]
        mixed, _ = rate(lambda: [validator.validate_bytes(b) for b in bundles], args.seconds)
        results["all_ffb_bundles_docs_per_s"] = round(mixed * len(bundles))
        print(f"in-process, one core: {mixed * len(bundles):,.0f} documents/s (median) over "
              f"KL's {len(bundles)} FFB reporting Bundles (13–33 resources)")

        results.update(courses_and_progression(validator, data, work, args.citizens))

        folder = work / "docs"
        folder.mkdir()
        for n in range(args.files):
            (folder / f"doc-{n:05d}.json").write_bytes(raw)
        files = sorted(folder.iterdir())
        start = time.perf_counter()
        for path in files:
            validator.validate_bytes(path.read_bytes())
        sequential = time.perf_counter() - start
        start = time.perf_counter()
        before = os.times()
        subprocess.run([str(Path(sys.executable).parent / "termserver"), "--data-dir", str(data),
                        "validate", "--json", str(folder)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user
               + after.children_system - before.children_system)
        results.update(batch_files=args.files, batch_sequential_s=round(sequential, 2),
                       batch_cli_wall_s=round(elapsed, 2), batch_cli_cpu_s=round(cpu, 2))
        print(f"{args.files:,} files, one process in-process: {sequential:.1f} s "
              f"({args.files / sequential:,.0f} docs/s)")
        print(f"{args.files:,} files via `termserver validate --json DIR`: {elapsed:.1f} s wall "
              f"({args.files / elapsed:,.0f} docs/s incl. start-up and JSON output), {cpu:.1f} s "
              f"CPU: CPU/wall {cpu / elapsed:.2f} on {os.cpu_count()} cores (> 1: both cores "
              "used)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = REPO / "bench" / "results" / \
        f"validate-{datetime.now(UTC).strftime('%Y-%m-%dT%H%M%S%z')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out.relative_to(REPO)}")


def import_history(settings) -> None:
    """KL's earlier publications after the current files; a version already taken by other
    content is published as `<version>~<commit>`, as the tests do (tests/conftest.py)."""
    from termserver.errors import ImportRefused
    from termserver.importers import ImportOptions, load_files
    from termserver.publishing import import_paths

    for folder in sorted((SHARED / "kl-term" / "history").iterdir()):
        for path in sorted(folder.glob("CodeSystem-*.json")):
            try:
                path.read_bytes().decode("utf-8")
                options = ImportOptions()
            except UnicodeDecodeError:
                options = ImportOptions(encoding="latin-1")
            try:
                import_paths(settings, [path], options)
            except ImportRefused:
                version = load_files([path], options)[0].version
                options.version = f"{version}~{folder.name.rsplit('-', 1)[1]}"
                import_paths(settings, [path], options)


def kl_course() -> list[dict]:
    """KL's five FFB reporting Bundles of one citizen, in date order."""
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in
                 (EXAMPLES / "kl-ffb-reporting/examples").glob("Bundle-*.json")]
    return sorted(documents, key=lambda d: d["timestamp"])


def course_of(citizen: int, rounds: int = 1) -> list[tuple[str, bytes, str]]:
    """A citizen's course made from KL's: its own Patient id and CPR number, the course's
    reports repeated `rounds` times 100 days apart (later reports restating the earlier),
    and the 06-18 reassessment of »Indgå i samspil og kontakt« at a level of its own."""
    pid = f"{citizen:08d}-840a-46b0-98b3-761e4501b343"
    text = json.dumps(kl_course()).replace("da16c0a1-840a-46b0-98b3-761e4501b343", pid)
    level = ("8328ce4a-6238-4f73-bf1a-74aadb68eff8", "5bdde847-2837-416b-ab63-bbff8b7aa531",
             "cae545f5-2813-4d79-98fc-0a7d770af3cd")[citizen % 3]  # better, same, worse
    items = []
    for round_ in range(rounds):
        for number, document in enumerate(json.loads(text)):
            stamp = datetime.fromisoformat(document["timestamp"].replace("Z", "+00:00"))
            document["timestamp"] = (stamp + timedelta(days=100 * round_)).isoformat()
            for entry in document["entry"]:
                resource = entry["resource"]
                if resource["resourceType"] == "Patient":
                    resource["identifier"][0]["value"] = f"01018{citizen % 100000:05d}"
                if resource.get("id") == "3a0e2994-9f3f-44ab-a684-06bb85c7bf9d" and \
                        resource.get("extension"):
                    resource["severity"]["coding"][0]["code"] = level
            items.append((f"{citizen:05d}-{round_}-{number}.json", json.dumps(document).encode(),
                          ""))
    return items


def courses_and_progression(validator, data: Path, work: Path, citizens: int) -> dict:
    from validators.course import validate_course
    from validators.progression import StoreLabels, progression

    results: dict[str, object] = {}
    course = course_of(1, rounds=4)
    report = validate_course(validator, course)
    assert len(report.documents) == 20 and report.issues == [], report.issues
    together = lambda: validate_course(validator, course)  # noqa: E731
    per_second, best = rate(together, 3.0)
    cpu_ms = 1000 / CPU_RATES[id(together)]
    results["course_20_documents_ms"] = {"median": round(1000 / per_second, 1),
                                         "best": round(1000 / best, 1), "cpu": round(cpu_ms, 1)}
    print(f"a course of 20 documents validated together: {1000 / per_second:.1f} ms median, "
          f"{1000 / best:.1f} ms best, {cpu_ms:.1f} ms CPU (target ≤ 50 ms) "
          f"{'PASS' if min(1000 / per_second, cpu_ms) <= 50 else 'FAIL'}")

    folder = work / "courses"
    folder.mkdir()
    for citizen in range(citizens):
        for name, body, _ in course_of(citizen):
            (folder / name).write_bytes(body)
    from termserver.store import Store

    start, cpu = time.perf_counter(), time.process_time()
    labels = StoreLabels(Store.open(data))
    items = [(str(p), p.read_bytes(), "") for p in sorted(folder.iterdir())]
    answer = progression(items, labels, labels.icf).as_dict()
    in_process, in_process_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert answer["citizens"] == citizens, answer["citizens"]
    row = next(r for r in answer["interventions"][0]["tilstande"]
               if r["code"] == "3f9da5ac-9686-4eeb-b517-b46e17fcb1d7")
    start, before = time.perf_counter(), os.times()
    subprocess.run([str(Path(sys.executable).parent / "termserver"), "--data-dir", str(data),
                    "progression", "--json", str(folder)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cli, after = time.perf_counter() - start, os.times()
    cli_cpu = (after.children_user - before.children_user
               + after.children_system - before.children_system)
    results.update(progression_citizens=citizens, progression_documents=len(items),
                   progression_in_process_s=round(in_process, 2),
                   progression_in_process_cpu_s=round(in_process_cpu, 2),
                   progression_cli_wall_s=round(cli, 2), progression_cli_cpu_s=round(cli_cpu, 2))
    print(f"progression of {citizens:,} citizens' courses ({len(items):,} documents): "
          f"{in_process:.1f} s in-process ({in_process_cpu:.1f} s CPU; reading the files "
          f"included), {cli:.1f} s via `termserver progression --json DIR` ({cli_cpu:.1f} s "
          f"CPU) (target ≤ 10 s) {'PASS' if max(in_process_cpu, cli_cpu) <= 10 else 'FAIL'}; "
          f"»Indgå i samspil og kontakt«: {row['improved']} bedre, {row['unchanged']} "
          f"uændret, {row['declined']} værre")
    return results


if __name__ == "__main__":
    main()
