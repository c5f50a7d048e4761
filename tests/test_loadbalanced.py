"""Two `termserver serve` replicas over one data directory behind HAProxy, on 127.0.0.1.

The balancer runs `deploy/haproxy.cfg` itself (the file docs/operations.md documents),
with its addresses from the environment. The test publishes a new release with the real
CLI and sees both replicas serve it without a restart, then SIGKILLs one replica while
clients keep asking through the balancer: none of them may see a failed request, because
the balancer retries on the other replica and its /readyz check takes the dead one out.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from termserver.importers import ImportOptions
from termserver.publishing import import_paths
from termserver.settings import Settings

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
HAPROXY_CONFIG = REPO / "deploy" / "haproxy.cfg"
TERMSERVER = Path(sys.executable).with_name("termserver")
SMALL = Path(__file__).resolve().parent / "fixtures" / "small.ttl"
PORTS = range(18300, 18400)
BEFORE_KILL, AFTER_DOWN = 750, 750
"""Requests through the balancer before the SIGKILL, and after HAProxy marked the killed
replica DOWN (those in between are the ones its retries save)."""
RELOAD_INTERVAL = "0.5"
"""Seconds between a replica's looks at the data directory for new releases."""


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy"
                                        if Path("/usr/sbin/haproxy").exists() else None)
    if found is None:
        pytest.fail("haproxy is not installed: `apt-get install haproxy` (.ci/run does this)")
    return found


def free_ports(count: int) -> list[int]:
    """Ports in 18300-18399 nothing listens on now, tried from a random start."""
    start = random.randrange(len(PORTS))
    found: list[int] = []
    for port in (*PORTS[start:], *PORTS[:start]):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    pytest.fail(f"fewer than {count} free ports in 18300-18399")


def wait_for(what: str, check: Callable[[], bool], timeout: float,
             explain: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s\n{explain()}")


@dataclass
class Process:
    """A child process with its output in a file, stopped for good in teardown."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.argv, env=self.env, stdout=out,
                                          stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, open connections just break."""
        assert self.popen is not None
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)

    def tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(lines[-30:])


@dataclass
class Cluster:
    data_dir: Path
    balancer: str
    stats: str
    replicas: dict[str, str]
    """HAProxy server name → the replica's own base URL."""
    processes: dict[str, Process] = field(default_factory=dict)

    def servers(self) -> dict[str, dict[str, str]]:
        """HAProxy's view of each server in the replica backend (its stats CSV)."""
        text = httpx.get(f"{self.stats}/;csv", timeout=5).text.lstrip("# ")
        return {row["svname"]: row for row in csv.DictReader(io.StringIO(text))
                if row["pxname"] == "termserver_replicas"}

    def explain(self) -> str:
        return "\n".join(p.tail() for p in self.processes.values())


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A data directory with one release, two replicas serving it, HAProxy in front."""
    settings = Settings(data_dir=tmp_path / "data", vocab_dir=tmp_path / "no-vocab")
    import_paths(settings, [SMALL], ImportOptions())
    lb, stats, first, second = free_ports(4)
    cluster = Cluster(settings.data_dir, f"http://127.0.0.1:{lb}", f"http://127.0.0.1:{stats}",
                      {"replica1": f"http://127.0.0.1:{first}",
                       "replica2": f"http://127.0.0.1:{second}"})
    env = {**os.environ, "TERMSERVER_DATA_DIR": str(settings.data_dir),
           "TERMSERVER_RELOAD_INTERVAL": RELOAD_INTERVAL}
    for name, port in (("replica1", first), ("replica2", second)):
        cluster.processes[name] = Process(
            name, [str(TERMSERVER), "serve", "--no-vocab", "--host", "127.0.0.1",
                   "--port", str(port)], env, tmp_path / f"{name}.log")
    # Debian's /etc/haproxy/haproxy.cfg supplies the global section in a deployment;
    # here a minimal one sends the access log to the captured output.
    global_cfg = tmp_path / "global.cfg"
    global_cfg.write_text("global\n    log stdout format raw local0 info\n")
    cluster.processes["haproxy"] = Process(
        "haproxy", [haproxy_binary(), "-db", "-f", str(global_cfg), "-f", str(HAPROXY_CONFIG)],
        {**os.environ, "LB_BIND": f"127.0.0.1:{lb}", "LB_STATS_BIND": f"127.0.0.1:{stats}",
         "REPLICA_1": f"127.0.0.1:{first}", "REPLICA_2": f"127.0.0.1:{second}"},
        tmp_path / "haproxy.log")
    try:
        for process in cluster.processes.values():
            process.start()
        wait_for("both replicas UP in HAProxy",
                 lambda: all(s["status"] == "UP" for s in cluster.servers().values()),
                 60, cluster.explain)
        yield cluster
    finally:
        for process in cluster.processes.values():
            process.stop()


def write_second_release(path: Path) -> Path:
    """small.ttl as version 2.0, with one concept more (D, Cykle)."""
    text = SMALL.read_text().replace('owl:versionInfo "1.0"', 'owl:versionInfo "2.0"')
    assert '"2.0"' in text
    text += ("\nex:D a skos:Concept ; skos:inScheme <https://data.termserver.dk/id/small> ;\n"
             '    skos:notation "D" ; skos:prefLabel "Cykle"@da ; skos:broader ex:A .\n')
    path.write_text(text)
    return path


def serves_second_release(base: str) -> bool:
    """Lookup and search both answer from version 2.0."""
    concept = httpx.get(f"{base}/api/v1/schemes/small/concepts/D", timeout=5)
    if concept.status_code != 200 or concept.json()["version"] != "2.0":
        return False
    hits = httpx.get(f"{base}/api/v1/search", params={"q": "cykle", "scheme": "small"},
                     timeout=5).json()["results"]
    return any(hit["code"] == "D" for hit in hits)


@dataclass
class Load:
    """Client threads asking through the balancer until told to stop; every answer
    that is not a 200 with the expected content is a failure."""

    base: str
    threads: int = 4
    done: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    REQUESTS = (("/api/v1/schemes/small/concepts/D", "Cykle"),
                ("/api/v1/search?q=cykle&scheme=small", '"code":"D"'),
                ("/api/v1/schemes/small", '"latest":"2.0"'))

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._work, args=(i,), daemon=True)
                         for i in range(self.threads)]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(30)

    def _work(self, offset: int) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            turn = offset
            while not self._stop.is_set():
                path, expected = self.REQUESTS[turn % len(self.REQUESTS)]
                turn += 1
                try:
                    response = client.get(path)
                    problem = None if response.status_code == 200 and \
                        expected in response.text else f"{response.status_code} on {path}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__} on {path}: {exc}"
                with self._lock:
                    self.done += 1
                    if problem:
                        self.failures.append(problem)


def test_operations_doc_describes_the_tested_config() -> None:
    """docs/operations.md explains deploy/haproxy.cfg; the two must not drift apart."""
    config = HAPROXY_CONFIG.read_text()
    doc = (REPO / "docs" / "operations.md").read_text()
    variables = set(re.findall(r"\$\{(\w+)-", config))
    assert variables == {"LB_BIND", "LB_STATS_BIND", "REPLICA_1", "REPLICA_2"}
    assert all(variable in doc for variable in variables)
    for setting in ("option httpchk GET /readyz", "http-check expect status 200", "retries 2",
                    "option redispatch 1", "retry-on all-retryable-errors", "balance leastconn",
                    "inter 1s fastinter 250ms", "fall 2 rise 2", "timeout server 60s",
                    "timeout http-request 10s"):
        assert setting in config, setting
        assert setting in doc, setting


def test_haproxy_config_is_valid() -> None:
    result = subprocess.run([haproxy_binary(), "-c", "-f", str(HAPROXY_CONFIG)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_new_release_reaches_both_replicas_and_a_killed_one_costs_no_request(
        cluster: Cluster, tmp_path: Path) -> None:
    # one data directory, one release, served by both
    for base in cluster.replicas.values():
        assert httpx.get(f"{base}/readyz", timeout=5).json()["releases"] == 1
    assert httpx.get(f"{cluster.balancer}/api/v1/schemes/small/concepts/D",
                     timeout=5).status_code == 404

    # publish 2.0 with the real CLI while both replicas run; each picks it up by itself
    source = write_second_release(tmp_path / "small-2.ttl")
    imported = subprocess.run([str(TERMSERVER), "--data-dir", str(cluster.data_dir), "import",
                               str(source)], capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    for name, base in cluster.replicas.items():
        wait_for(f"{name} serving small 2.0 (lookup and search)",
                 lambda base=base: serves_second_release(base), 30, cluster.explain)
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert 'termserver_release_latest_info{scheme="small",version="2.0"} 1' in metrics
        assert "termserver_releases_loaded 2\n" in metrics

    # load through the balancer; SIGKILL one replica in the middle of it
    load = Load(cluster.balancer)
    load.start()
    try:
        wait_for(f"{BEFORE_KILL} requests before the kill", lambda: load.done >= BEFORE_KILL,
                 60)
        before = cluster.servers()
        assert all(int(s["stot"]) > 0 for s in before.values()), before
        cluster.processes["replica1"].kill()
        at_kill = load.done
        wait_for("HAProxy marking the killed replica DOWN",
                 lambda: cluster.servers()["replica1"]["status"].startswith("DOWN"), 10,
                 cluster.explain)
        at_down = load.done
        wait_for(f"{AFTER_DOWN} requests after the replica went DOWN",
                 lambda: load.done >= at_down + AFTER_DOWN, 60)
    finally:
        load.stop()
    after = cluster.servers()
    retried = int(after["replica1"]["wretr"]) + int(after["replica1"]["wredis"])
    print(f"\n{load.done} requests through HAProxy, {load.done - at_kill} of them after the "
          f"SIGKILL ({at_down - at_kill} before HAProxy marked the replica DOWN); "
          f"{len(load.failures)} failed; HAProxy retried {after['replica1']['wretr']} and "
          f"redispatched {after['replica1']['wredis']} requests of the killed replica")
    assert load.failures == [], f"{len(load.failures)} failed: {load.failures[:10]}"
    assert retried > 0, "the kill never reached a request: nothing was shown"
    assert load.done - at_kill >= AFTER_DOWN

    # a restarted replica rejoins once its /readyz is 200, with no change to HAProxy
    replica1 = cluster.processes["replica1"]
    replica1.start()
    wait_for("the restarted replica UP again",
             lambda: cluster.servers()["replica1"]["status"] == "UP", 60, cluster.explain)
    assert serves_second_release(cluster.replicas["replica1"])
