"""kill -9 at random moments of import, publish and reindex; then lookup and search must agree.

    .venv/bin/python bench/kill_test.py                  # 60 tries (~5 minutes)
    .venv/bin/python bench/kill_test.py --tries 100 --seed 7 --json
    .venv/bin/python bench/kill_test.py --check DATA_DIR # only the checker, on any data dir

Target (issue 11, "Measured"): after each kill, lookup and search agree on every release.

Each try copies a small base data directory (every current KL release and vocab/, built
with the CLI), starts one operation as a subprocess and SIGKILLs it after a random delay
within the operation's usual run time (measured first, unkilled, which also shows that the
checker passes a data directory nobody killed):

- import:        `termserver import` of an older KL release (kl-term/history): a new
                 release beside the current ones;
- import-newer:  `termserver import --version 99990101.N` of a current KL file: a new
                 latest release of its scheme;
- publish:       `termserver serve` publishing vocab/ on start, with the catalogue's
                 version raised so there is something to publish;
- reindex:       `termserver reindex`.

What the kill left on disk is recorded before anything reads it (no new release, a new
release with the old index, a new release and a new index), then `termserver check-data`
runs when the CLI has it (it only reads), then the checker opens the data directory the
way the server does and checks, for every release lookup sees: its files are complete and
match their checksum (no half-written release is visible), sampled codes are found by a
search filtered to that scheme and version, a search without version finds the latest
release's codes in the latest release, and every search hit is a release lookup knows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import opslib

OPERATIONS = ("import", "import-newer", "publish", "reindex")
SAMPLE = 8
"""Codes per release searched for."""
HISTORY_SAMPLE = 6
"""Older KL files tried unkilled first; those that import cleanly are the import sources."""


# -- the checker (run in its own process, like a server starting) --------------------------------
def _release_files(data: Path) -> list[str]:
    """Problems of release directories as they lie on disk: missing files or a release.nt
    that does not hash to the checksum its meta.json records."""
    problems = []
    root = data / "releases"
    for version_dir in sorted(root.glob("*/*")) if root.is_dir() else []:
        if version_dir.name.startswith(".") or version_dir.parent.name.startswith("."):
            continue
        missing = [n for n in ("meta.json", "release.json", "release.nt")
                   if not (version_dir / n).is_file()]
        if missing:
            problems.append(f"{version_dir.relative_to(data)}: half-written, no "
                            f"{', '.join(missing)}")
            continue
        recorded = json.loads((version_dir / "meta.json").read_bytes()).get("checksum")
        actual = hashlib.sha256((version_dir / "release.nt").read_bytes()).hexdigest()
        if recorded != actual:
            problems.append(f"{version_dir.relative_to(data)}: release.nt does not match "
                            "its checksum")
    return problems


def _sample(codes: list[str], key: str) -> list[str]:
    rng = random.Random(key)
    picked = codes[:2] + codes[-2:] + rng.sample(codes, min(len(codes), SAMPLE - 4))
    return list(dict.fromkeys(picked))


def _found(hits: list, code: str) -> bool:
    return any(hit.code == code or code in hit.other_codes for hit in hits)


def check(data: Path) -> dict:
    """Every disagreement between what lookup sees and what search finds, in words."""
    from termserver.errors import TermserverError
    from termserver.search.documents import SKIPPED_KINDS
    from termserver.services import open_services
    from termserver.settings import Settings

    problems = _release_files(data)
    try:
        services = open_services(Settings(data_dir=data, vocab_dir=data / "no-vocab"))
    except TermserverError as exc:
        return {"problems": [*problems, f"cannot open: {exc.message}"], "releases": 0}
    store, search = services.store, services.search
    known = {(r.scheme, r.version) for r in store.releases()}
    releases = [r for r in store.releases() if r.info.kind not in SKIPPED_KINDS]
    for release in releases:
        codes = _sample(list(release.concepts), f"{release.scheme}@{release.version}")
        lost = []
        for code in codes:
            hits = search.search(code, scheme=release.scheme, version=release.version,
                                 limit=20).hits
            problems += [f"search hit {h.scheme}@{h.version} {h.code} is not a release "
                         "lookup knows" for h in hits if (h.scheme, h.version) not in known]
            if not _found(hits, code):
                lost.append(code)
        if lost:
            problems.append(f"{release.scheme}@{release.version}: search does not find "
                            f"{len(lost)} of {len(codes)} sampled codes (e.g. {lost[0]!r})")
        if store.latest(release.scheme) is release:
            for code in codes[:3]:
                hits = [h for h in search.search(code, scheme=release.scheme, limit=20).hits
                        if h.code == code or code in h.other_codes]
                if hits and hits[0].version != release.version:
                    problems.append(f"{release.scheme}: lookup's latest is "
                                    f"{release.version}, search's is {hits[0].version}")
                    break
    opened = getattr(services, "opened_index", None)
    return {"problems": problems, "releases": len(known),
            "index_opened": getattr(opened, "state", None) if opened else None}


# -- operations --------------------------------------------------------------------------------
def _history_files() -> list[Path]:
    return sorted((opslib.SHARED / "kl-term" / "history").glob("*/CodeSystem-*.json"))


def _bumped_vocab(folder: Path, version: str) -> Path:
    """A copy of vocab/ whose catalogue carries a version not yet published."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in opslib.VOCAB:
        text = source.read_text(encoding="utf-8")
        if source.name == "catalogue.ttl":
            text = re.sub(r'owl:versionInfo "[^"]*"', f'owl:versionInfo "{version}"', text,
                          count=1)
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


class Operation:
    """One run of an operation on a data directory, as a subprocess that can be killed."""

    def __init__(self, name: str, source: Path | None, data: Path, work: Path,
                 number: int) -> None:
        self.port: int | None = None
        self.env = dict(os.environ)
        command = [str(opslib.TERMSERVER), "--data-dir", str(data)]
        if name == "import":
            self.command = [*command, "import", str(source)]
        elif name == "import-newer":
            self.command = [*command, "import", "--version", f"99990101.{number}",
                            str(source)]
        elif name == "publish":
            self.port = opslib.free_port()
            vocab = _bumped_vocab(work / f"vocab-{number}", f"2099.{number}")
            self.env["TERMSERVER_VOCAB_DIR"] = str(vocab)
            self.command = [*command, "serve", "--port", str(self.port)]
        else:
            self.command = [*command, "reindex"]

    def run(self, kill_after: float | None, timeout: float = 120) -> tuple[float, str]:
        """(seconds it ran, how it ended: 'exit N', 'killed' or 'ready' for a server)."""
        start = time.perf_counter()
        process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = start + (timeout if kill_after is None else kill_after)
        ended = ""
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                ended = f"exit {process.returncode}"
                break
            if self.port and opslib.http_status(
                    f"http://127.0.0.1:{self.port}/api/v1/schemes", 0.5) == 200:
                ended = "ready"
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            ended = ended or "killed"
        process.wait()
        return elapsed, ended


# -- one try -----------------------------------------------------------------------------------
def _disk_state(data: Path) -> tuple[frozenset[str], str]:
    """Published releases (as readers list them: hidden staging directories are not
    releases) and the index generation CURRENT names."""
    releases = frozenset(str(p.parent.relative_to(data / "releases"))
                         for p in (data / "releases").glob("*/*/meta.json")
                         if not any(part.startswith(".") for part in p.parts[-3:-1]))
    pointer = data / "index" / "tantivy" / "CURRENT"
    return releases, pointer.read_text().strip() if pointer.is_file() else ""


def _phase(before: tuple, after: tuple) -> str:
    new_release = bool(after[0] - before[0])
    new_index = after[1] != before[1]
    if not new_release:
        return "no release, index switched" if new_index else "nothing written"
    return "published, index rebuilt" if new_index else "published, index NOT rebuilt"


def _check_data(data: Path, available: bool) -> int | None:
    if not available:
        return None
    return subprocess.run([str(opslib.TERMSERVER), "--data-dir", str(data), "check-data"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode


def _checker(data: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--check", str(data), "--json"],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        return {"problems": [f"checker crashed: {out.stderr.strip()[-300:]}"], "releases": 0}
    return json.loads(out.stdout)


def one_try(base: Path, work: Path, name: str, source: Path | None, number: int,
            kill_after: float | None, has_check_data: bool) -> dict:
    """Copy the base, run the operation (killed after `kill_after` s unless None), look at
    what it left, then check; the copy is left in `work` for the caller to remove."""
    data = work / f"try-{number}"
    shutil.copytree(base, data, symlinks=True)
    operation = Operation(name, source, data, work, number)
    before = _disk_state(data)
    ran, ended = operation.run(kill_after)
    after = _disk_state(data)
    result = {"try": number, "operation": name, "source": _key(name, source),
              "kill_after_s": None if kill_after is None else round(kill_after, 3),
              "ran_s": round(ran, 3), "ended": ended, "phase": _phase(before, after),
              "new_releases": sorted(after[0] - before[0]),
              "check_data_exit": _check_data(data, has_check_data)}
    checked = _checker(data)
    result.update(problems=checked["problems"], releases=checked["releases"],
                  index_opened=checked.get("index_opened"),
                  index_after_open_changed=_disk_state(data)[1] != after[1],
                  loadavg=opslib.loadavg()[0])
    return result


def _key(name: str, source: Path | None) -> str:
    return name if source is None else f"{name} {source.parent.name}/{source.name}"


def sources(name: str, usable: list[Path]) -> list[Path | None]:
    """What an operation takes: an older KL file, a current one, or nothing of its own."""
    if name == "import":
        return list(usable)
    if name == "import-newer":
        return list(opslib.KL_CURRENT)
    return [None, None]  # publish and reindex: two unkilled runs for their duration


def calibrate(base: Path, work: Path, history: list[Path], has_check_data: bool,
              rng: random.Random) -> tuple[dict[str, float], list[Path], list[dict]]:
    """Run each operation unkilled on each source: its usual duration (the kill lands
    within it), older KL files that import cleanly on the base (some are already there,
    some re-use a current version string with other content and are refused), and the
    checker's verdict on outcomes nobody killed (must be clean)."""
    runs: list[dict] = []
    usable: list[Path] = []
    durations: dict[str, float] = {}
    number = 1000

    def run(name: str, source: Path | None) -> dict:
        nonlocal number
        number += 1
        result = one_try(base, work, name, source, number, None, has_check_data)
        shutil.rmtree(work / f"try-{number}", ignore_errors=True)
        runs.append(result)
        return result

    for path in rng.sample(history, len(history)):
        if len(usable) == HISTORY_SAMPLE:
            break
        result = run("import", path)
        if result["ended"] == "exit 0" and result["phase"] != "nothing written":
            usable.append(path)
            durations[result["source"]] = result["ran_s"]
    for name in OPERATIONS[1:]:
        for source in sources(name, usable):
            result = run(name, source)
            key = result["source"]
            durations[key] = max(durations.get(key, 0.0), result["ran_s"])
    return durations, usable, runs


# -- report ------------------------------------------------------------------------------------
def summary(tries: list[dict]) -> dict:
    failed = [t for t in tries if t["problems"]]
    by_op = {name: {"tries": sum(t["operation"] == name for t in tries),
                    "disagree": sum(t["operation"] == name for t in failed)}
             for name in OPERATIONS}
    phases = Counter(t["phase"] for t in tries)
    phases_failed = Counter(t["phase"] for t in failed)
    flagged = sum(1 for t in tries if t["check_data_exit"] not in (0, None))
    return {"tries": len(tries), "disagree": len(failed), "by_operation": by_op,
            "phases": dict(phases), "phases_disagreeing": dict(phases_failed),
            "check_data_flagged": flagged,
            "repaired_on_open": sum(t["index_after_open_changed"] for t in tries)}


def print_report(report: dict) -> None:
    s = report["summary"]
    print(f"{report['date']}  {report['machine']}  code {report['code']}")
    print(f"load average at start {report['loadavg_start']}, at end {report['loadavg_end']}")
    print("usual run times (unkilled):\n  " + "\n  ".join(
        f"{k} {v:.2f} s" for k, v in report["durations_s"].items()))
    bad_calibration = [r for r in report["calibration"] if r["problems"]]
    print(f"calibration: {len(report['calibration'])} unkilled runs, "
          f"{len(bad_calibration)} with checker problems (must be 0)")
    print(f"\n{s['tries']} kills: {s['disagree']} left lookup and search disagreeing "
          f"(target 0) {'PASS' if s['disagree'] == 0 else 'FAIL'}")
    for name, counts in s["by_operation"].items():
        print(f"  {name:<13} {counts['disagree']:>3} of {counts['tries']:>3} tries disagree")
    print("where the kills landed (state on disk before any reader opened it):")
    for phase, count in sorted(s["phases"].items()):
        print(f"  {phase:<30} {count:>3} tries, {s['phases_disagreeing'].get(phase, 0)} "
              "disagree after opening")
    if report["has_check_data"]:
        print(f"termserver check-data said 'not ready' after {s['check_data_flagged']} kills")
    print(f"opening repaired the index after {s['repaired_on_open']} kills")
    for t in [t for t in report["tries"] if t["problems"]][:10]:
        print(f"  try {t['try']} {t['operation']} {t['source']} killed at "
              f"{t['kill_after_s']} s ({t['phase']}): {t['problems'][0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", help=f"comma list of {','.join(OPERATIONS)} (default: all)")
    parser.add_argument("--check", type=Path, metavar="DATA_DIR",
                        help="only check this data directory (exit 1 on disagreement)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the data directories of tries that disagree")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.check:
        checked = check(args.check)
        print(json.dumps(checked, indent=2, ensure_ascii=False) if args.json
              else "\n".join(checked["problems"]) or "lookup and search agree")
        sys.exit(1 if checked["problems"] else 0)
    operations = (args.only or ",".join(OPERATIONS)).split(",")
    if set(operations) - set(OPERATIONS):
        parser.error(f"--only takes {', '.join(OPERATIONS)}")
    report = opslib.header()
    rng = random.Random(args.seed)
    base = opslib.data_dir("small")
    help_text = subprocess.run([str(opslib.TERMSERVER), "--help"], capture_output=True,
                               text=True).stdout
    report["has_check_data"] = has_check_data = "check-data" in help_text
    tries: list[dict] = []
    with opslib.scratch("termserver-kill-") as work:
        durations, usable, calibration = calibrate(base, work, _history_files(),
                                                   has_check_data, rng)
        report.update(durations_s=durations, calibration=calibration,
                      history_usable=[str(p.relative_to(opslib.SHARED)) for p in usable])
        for number in range(args.tries):
            name = operations[number % len(operations)]
            source = rng.choice(sources(name, usable))
            kill_after = rng.uniform(0.0, durations[_key(name, source)])
            result = one_try(base, work, name, source, number, kill_after, has_check_data)
            tries.append(result)
            if not (args.keep and result["problems"]):
                shutil.rmtree(work / f"try-{number}", ignore_errors=True)
            elif args.keep:
                kept = opslib.RESULTS / "kill-kept" / f"try-{number}"
                shutil.copytree(work / f"try-{number}", kept, dirs_exist_ok=True)
            if not args.json:
                print(f"try {number:>3} {result['source'][:45]:<45} kill at {kill_after:5.2f} s: "
                      f"{result['ended']:<8} {result['phase']:<30} "
                      f"{len(result['problems'])} problems", flush=True)
    report.update(loadavg_end=opslib.loadavg(), tries=tries, summary=summary(tries),
                  settings={k: str(v) for k, v in vars(args).items()})
    saved = opslib.write_result("kill", report)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print()
        print_report(report)
        print(f"written to {saved.relative_to(opslib.REPO)}")


if __name__ == "__main__":
    main()
