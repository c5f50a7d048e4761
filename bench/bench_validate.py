"""Validation speed: one FFB reporting Bundle in-process, and a 10,000-file batch.

    .venv/bin/python bench/bench_validate.py [--files 10000]

Targets (issue: document validation): ≥ 1,000 documents/s on one core for a typical
FFB reporting Bundle (~20 resources); batch validation of a directory uses both cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
BUNDLE = SHARED / "kl-fhir-examples/kl-ffb-reporting/examples/" \
    "Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    from termserver.importers import ImportOptions
    from termserver.publishing import import_paths
    from termserver.settings import Settings
    from termserver.store import Store
    from validators import Validator

    work = Path(tempfile.mkdtemp(prefix="termserver-bench-validate-"))
    try:
        data = work / "data"
        import_paths(Settings(data_dir=data, vocab_dir=work / "none"),
                     sorted((SHARED / "kl-term").glob("CodeSystem-*.json")), ImportOptions())
        validator = Validator(Store.open(data))
        raw = BUNDLE.read_bytes()
        resources = len(json.loads(raw)["entry"])
        for _ in range(50):
            validator.validate_bytes(raw)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 3:
            validator.validate_bytes(raw)
            count += 1
        per_second = count / (time.perf_counter() - start)
        print(f"in-process, one core: {per_second:,.0f} documents/s "
              f"({resources}-resource FFB Bundle; target ≥ 1,000) "
              f"{'PASS' if per_second >= 1000 else 'FAIL'}")
        folder = work / "docs"
        folder.mkdir()
        for n in range(args.files):
            (folder / f"doc-{n:05d}.json").write_bytes(raw)
        start = time.perf_counter()
        cpu_before = os.times()
        subprocess.run([str(Path(sys.executable).parent / "termserver"), "--data-dir", str(data),
                        "validate", "--json", str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        cpu_after = os.times()
        cpu = (cpu_after.children_user - cpu_before.children_user
               + cpu_after.children_system - cpu_before.children_system)
        print(f"batch of {args.files:,} files via CLI: {elapsed:.1f} s wall, {cpu:.1f} s CPU "
              f"(CPU/wall {cpu / elapsed:.2f} on {os.cpu_count()} cores; > 1 means both cores "
              "were used)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
