"""Shared pieces of the operations benchmarks (bench_operations, soak, kill_test).

They all drive the real `termserver` CLI as a subprocess, over a data directory built with
that CLI, and need the same few things: a cached data directory, a server started on a
port of their own, the memory of the server *and its children* (SPARQL forks one child
per query), the load average next to every figure (the machine is shared and has two
cores, so a noisy figure must be recognisable), and which code was measured.

The code measured is whichever `termserver` package Python imports: the checkout by
default, or another tree put first with `PYTHONPATH=/path/to/tree/src` (the subprocesses
inherit it), e.g. a `git archive` of a commit to measure it beside today's work tree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TERMSERVER_SHARED_DATA", REPO.parent / "shared" / "data"))
TERMSERVER = Path(sys.executable).parent / "termserver"
RESULTS = REPO / "bench" / "results"
CACHE = Path(os.environ.get("TERMSERVER_BENCH_CACHE",
                            Path.home() / ".cache" / "termserver-bench"))
PORTS = range(18400, 18500)
KL_CURRENT = sorted((SHARED / "kl-term").glob("CodeSystem-*.json"))
ICF = [SHARED / "icf" / "ICF_1.0.2_2012-08-05.owl",
       SHARED / "icf" / "icf2005syst_claml_20120619.xml"]
VOCAB = sorted((REPO / "vocab").glob("*.ttl"))
FFB_EXAMPLES = SHARED / "kl-fhir-examples" / "kl-ffb-reporting" / "examples"
TYPICAL_BUNDLE = FFB_EXAMPLES / "Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json"


# -- what was measured, where, under which load ----------------------------------------------
def loadavg() -> list[float]:
    """The 1, 5 and 15 minute load averages: two cores, so ≥ 2 means others were busy too."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def machine() -> str:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (f"{os.cpu_count()} cores, {pages / 2**30:.0f} GB, {sys.platform}, Python "
            f"{sys.version.split()[0]}")


def package_root() -> Path:
    """The tree whose `src/termserver` the benchmarks run (see the module docstring)."""
    import termserver

    return Path(termserver.__file__).resolve().parents[2]


def code_identity() -> str:
    """`<commit>` or `<commit>+uncommitted` of the measured tree, so figures can be tied to
    the code; a `git archive` export names its commit in a COMMIT file."""
    root = package_root()
    if (root / "COMMIT").is_file():
        return (root / "COMMIT").read_text().strip() + f" ({root})"
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"unknown ({root})"
    return commit + ("+uncommitted changes in src/" if dirty else "")


def header() -> dict:
    return {"date": now(), "machine": machine(), "code": code_identity(),
            "loadavg_start": loadavg()}


# -- data directories --------------------------------------------------------------------------
DATA_SETS = {
    "full": (KL_CURRENT + ICF, "every current KL release, ICF (OWL + ClaML) and vocab/"),
    "small": (KL_CURRENT, "every current KL release and vocab/ (no ICF)"),
}


def _data_key(sources: list[Path]) -> str:
    """Changes with the inputs and with the code that writes releases and indexes, so a
    cached directory is never one an older termserver wrote."""
    digest = hashlib.sha256()
    for path in [*sources, *VOCAB]:
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    for path in sorted((package_root() / "src" / "termserver").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_dir(kind: str = "full", rebuild: bool = False) -> Path:
    """A data directory imported with the CLI (`termserver import`, then vocab/ as SKOS),
    built once per code version and reused; treat it as read-only (copy it to change it)."""
    sources, _ = DATA_SETS[kind]
    final = CACHE / f"{kind}-{_data_key(sources)}"
    if final.is_dir() and not rebuild:
        return final
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    building = CACHE / f".building-{kind}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    base = [str(TERMSERVER), "--data-dir", str(building), "import"]
    for command in ([*base, *map(str, sources)], [*base, "--format", "skos", *map(str, VOCAB)]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the {kind} data directory failed: "
                               f"{' '.join(command)}\n{done.stderr}")
    building.rename(final)
    # Other code versions' copies are left alone: a benchmark of another checkout may be
    # serving from one right now (deleting it emptied a running soak's server).
    return final


def lookup_paths(data: Path, count: int, seed: int = 2) -> list[str]:
    """API lookup paths of `count` concepts spread over every vocabulary release."""
    from urllib.parse import quote

    from termserver.store import Store

    store = Store.open(data)
    paths = [f"/api/v1/schemes/{r.scheme}/concepts/{quote(c, safe='')}"
             for r in store.latest_releases() if r.info.kind == "vocabulary"
             for c in r.concepts]
    random.Random(seed).shuffle(paths)
    return paths[:count]


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    """A free port from 18400–18499 (the range these benchmarks keep to)."""
    ports = list(PORTS)
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18400-18499")


def http_status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@dataclass
class Server:
    """`termserver serve` on 127.0.0.1 as a subprocess; its stderr goes to `log`."""

    data: Path
    log: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 120) -> float:
        """Start and wait for the first 200 from /api/v1/schemes; seconds it took."""
        env = {**os.environ, "TERMSERVER_VOCAB_DIR": str(self.data / "no-vocab"),
               **self.extra_env}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(TERMSERVER), "--data-dir", str(self.data), "serve", "--host",
                 "127.0.0.1", "--port", str(self.port), "--no-vocab"],
                env=env, stdout=log, stderr=log)
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"termserver serve exited with {self.process.returncode}; "
                                   f"see {self.log}")
            if http_status(self.base + "/api/v1/schemes", 2) == 200:
                return time.perf_counter() - started
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"termserver serve did not answer within {timeout} s; see {self.log}")

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- memory ------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _status_kb(pid: int, key: str = "VmRSS") -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


@dataclass(slots=True)
class Memory:
    """One sample. `tree_rss` adds every process's resident set and so counts pages a
    forked child shares with the server once per process; `tree_pss` splits shared pages
    between their processes and sums to the real footprint."""

    server_rss_kb: int
    tree_rss_kb: int
    tree_pss_kb: int
    children: int


def memory(pid: int) -> Memory:
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack += _children(current)
    return Memory(_status_kb(pid), sum(_status_kb(p) for p in tree),
                  sum(_pss_kb(p) for p in tree), len(tree) - 1)


class MemoryPeak:
    """Samples a process tree in a thread; `peak()` is the largest footprint since the last
    `reset()`."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._peak = Memory(0, 0, 0, 0)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            sample = memory(self.pid)
            with self._lock:
                self._peak = Memory(max(self._peak.server_rss_kb, sample.server_rss_kb),
                                    max(self._peak.tree_rss_kb, sample.tree_rss_kb),
                                    max(self._peak.tree_pss_kb, sample.tree_pss_kb),
                                    max(self._peak.children, sample.children))

    def reset(self) -> None:
        with self._lock:
            self._peak = memory(self.pid)

    def peak(self) -> Memory:
        with self._lock:
            return self._peak

    def __enter__(self) -> MemoryPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


# -- numbers -------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_result(name: str, report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{report['date'].replace(':', '')}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
