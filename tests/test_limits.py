"""No request starves another: bounded workers, bounded memos and answers, read deadlines.

In-process where the behaviour is the app's (gates, caps, memos, the contract); against
the real `termserver serve` on 127.0.0.1 where it is the server's (the event loop kept
free during a validation, a client hanging up mid-upload, slow and idle connections).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.connection
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import SHARED_DATA, make_settings, require_shared
from servers import serving
from termserver.api import create_app
from termserver.caching import BoundedCache
from termserver.errors import Overloaded
from termserver.services import open_services
from termserver.settings import Settings
from termserver.workers import Gate

TYPICAL = (SHARED_DATA / "kl-fhir-examples/kl-ffb-reporting/examples/"
           "Bundle-498644ca-b26c-4ba7-a1ef-69d691297ba3.json")
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def big_bundle(target_bytes: int) -> bytes:
    """The typical FFB reporting Bundle with its entries repeated up to ~target_bytes."""
    require_shared(TYPICAL)
    bundle = json.loads(TYPICAL.read_bytes())
    first, rest = bundle["entry"][0], bundle["entry"][1:]
    bundle["entry"] = [first] + rest * max(1, target_bytes // len(json.dumps(rest)))
    return json.dumps(bundle).encode()


def app_client(settings: Settings, **overrides) -> TestClient:
    """A client of an app whose settings differ from `settings` by `overrides`."""
    changed = settings.model_copy(update=overrides)
    return TestClient(create_app(changed, open_services(changed)))


def concurrently(*calls) -> list:
    """Run the calls in threads at once; their results in order."""
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


# -- the gate in front of every kind of worker -------------------------------------------
def test_the_gate_admits_its_limit_queues_briefly_and_then_refuses() -> None:
    async def scenario() -> None:
        gate = Gate("test", limit=1, queue=1, wait=0.2)
        await gate.acquire()
        with pytest.raises(Overloaded) as waited:  # waits 0.2 s in the queue, then 503
            await gate.acquire()
        assert waited.value.status_code == 503
        assert waited.value.headers == {"Retry-After": "1"}
        queued = asyncio.ensure_future(gate.acquire())
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded):  # the queue (one place) is full: refused at once
            await gate.acquire()
        gate.release()  # the slot passes to the one waiting
        await asyncio.wait_for(queued, 1)
        assert gate.active == 1 and gate.waiting == 0
        gate.release()
        assert gate.active == 0

    asyncio.run(scenario())


def test_a_refusal_for_a_full_queue_comes_after_the_delay_without_holding_the_loop() -> None:
    async def scenario() -> None:
        gate = Gate("test", limit=1, queue=0, wait=5, refusal_delay=0.3)
        await gate.acquire()
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        started = time.monotonic()
        with pytest.raises(Overloaded) as refused:
            await gate.acquire()
        waited = time.monotonic() - started
        ticker.cancel()
        assert 0.3 <= waited < 1.0
        assert ticks >= 10  # the loop ran other work while the refusal waited
        assert refused.value.headers == {"Retry-After": "5"}
        assert gate.active == 1 and gate.waiting == 0

    asyncio.run(scenario())


def test_a_waiter_that_gives_up_does_not_keep_a_slot() -> None:
    async def scenario() -> None:
        gate = Gate("test", limit=1, queue=4, wait=5)
        await gate.acquire()
        waiting = asyncio.ensure_future(gate.acquire())
        await asyncio.sleep(0.01)
        waiting.cancel()  # the client went away while queued
        with pytest.raises(asyncio.CancelledError):
            await waiting
        gate.release()
        assert gate.active == 0 and gate.waiting == 0
        async with gate.slot():
            assert gate.active == 1

    asyncio.run(scenario())


# -- validation ----------------------------------------------------------------------------
def test_validation_over_the_limit_is_503_with_retry_after(real_settings: Settings) -> None:
    client = app_client(real_settings, worker_processes=1, busy_queue_length=0)
    document = big_bundle(5_000_000)
    gate = client.app.state.services.workers.pool_gate

    def first():
        return client.post("/api/v1/validate", content=document, headers=FHIR_JSON)

    def second():
        wait_until(lambda: gate.active == 1)
        return client.post("/api/v1/validate", content=TYPICAL.read_bytes(),
                           headers=FHIR_JSON)

    try:
        busy, refused = concurrently(first, second)
    finally:
        client.app.state.services.close()
    assert busy.status_code == 200
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "overloaded"
    assert refused.headers["retry-after"] == "5"


def test_closing_the_services_stops_their_worker_processes(real_settings: Settings) -> None:
    before = set(multiprocessing.active_children())
    client = app_client(real_settings, worker_processes=2)
    answer = client.post("/api/v1/validate", content=TYPICAL.read_bytes(), headers=FHIR_JSON)
    assert answer.status_code == 200 and answer.json()["valid"]
    workers = set(multiprocessing.active_children()) - before
    assert len(workers) == 2
    client.app.state.services.close()
    assert all(ended(process) for process in workers)



def ended(process: multiprocessing.process.BaseProcess, seconds: float = 10) -> bool:
    """Whether `process` ends within `seconds`. Watches its sentinel: joining it here
    would race the pool's own thread reaping it (the loser's `waitpid` fails and
    `is_alive` then says True of a process that has ended)."""
    return bool(multiprocessing.connection.wait([process.sentinel], seconds))


def sleep_in_worker(services, seconds: float) -> None:
    """Stands for a request stuck in a worker (run there by `Workers.run`)."""
    time.sleep(seconds)


def test_a_worker_still_busy_after_the_grace_period_is_killed(
        real_settings: Settings) -> None:
    services = open_services(real_settings.model_copy(update={"worker_processes": 1}),
                             with_search=False)
    before = set(multiprocessing.active_children())
    outcome: list[BaseException] = []

    def stuck_request() -> None:
        try:
            asyncio.run(services.workers.run(sleep_in_worker, 600.0))
        except Overloaded as refused:  # the worker died under it
            outcome.append(refused)

    stuck = threading.Thread(target=stuck_request, daemon=True)
    stuck.start()
    wait_until(lambda: set(multiprocessing.active_children()) - before)
    workers = set(multiprocessing.active_children()) - before
    time.sleep(0.5)  # the sleep has reached the worker
    services.workers.close(grace=1.0)
    assert all(ended(process) for process in workers)
    wait_until(lambda: all(process.exitcode == -9 for process in workers))
    stuck.join(10)
    assert outcome and "stopped unexpectedly" in outcome[0].message

# -- SPARQL --------------------------------------------------------------------------------
def test_sparql_runs_a_bounded_number_of_queries_and_refuses_the_rest(
        real_settings: Settings) -> None:
    client = app_client(real_settings, sparql_max_concurrent=2, busy_queue_length=0,
                        sparql_timeout=2.0)
    client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})  # load the dataset first

    def cartesian():
        return client.get("/sparql", params={"query": CARTESIAN})

    answers = concurrently(*[cartesian] * 6)
    codes = sorted(a.json()["error"]["code"] for a in answers)
    assert codes == ["overloaded"] * 4 + ["query_timeout"] * 2, codes
    assert all(a.status_code == 503 for a in answers)
    assert all(a.headers["retry-after"] == "5" for a in answers
               if a.json()["error"]["code"] == "overloaded")


def test_sparql_queries_over_the_limit_wait_their_turn(real_settings: Settings) -> None:
    client = app_client(real_settings, sparql_max_concurrent=1, busy_queue_length=8,
                        busy_queue_seconds=30, sparql_timeout=1.0)
    client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    began = time.monotonic()
    answers = concurrently(*[lambda: client.get("/sparql", params={"query": CARTESIAN})] * 3)
    took = time.monotonic() - began
    assert [a.json()["error"]["code"] for a in answers] == ["query_timeout"] * 3
    assert took >= 2.9, f"three 1 s queries ran side by side ({took:.1f} s), not in turn"


@pytest.fixture(scope="module")
def capped(real_settings: Settings) -> TestClient:
    return app_client(real_settings, sparql_max_rows=5, sparql_max_bytes=20_000)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o }",  # ~19 MB unbounded
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 6",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 6",
])
def test_a_sparql_answer_over_the_row_limit_is_refused_saying_how_to_narrow_it(
        capped: TestClient, query: str) -> None:
    answer = capped.get("/sparql", params={"query": query})
    assert answer.status_code == 400, answer.text[:300]
    error = answer.json()["error"]
    assert error["code"] == "result_too_large"
    assert error["details"]["max_rows"] == 5 and "LIMIT" in error["message"]


def test_a_sparql_answer_at_the_row_limit_is_sent(capped: TestClient) -> None:
    answer = capped.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5"})
    assert answer.status_code == 200
    assert len(answer.json()["results"]["bindings"]) == 5
    unbound = capped.get("/sparql", params={
        "query": "SELECT ?x WHERE { OPTIONAL { ?s <urn:nothing> ?x } }"})
    assert unbound.json()["results"]["bindings"] == [{}]  # one solution, nothing bound


def test_a_sparql_answer_over_the_byte_limit_is_refused(real_settings: Settings) -> None:
    client = app_client(real_settings, sparql_max_bytes=2_000)
    answer = client.get("/sparql", params={
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100"})
    assert answer.status_code == 400
    assert answer.json()["error"]["details"]["exceeded"] == "bytes"


def test_sparql_over_a_release_without_its_triples_says_the_release_is_damaged(
        real_settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(real_settings.data_dir, data)
    removed = next((data / "releases").glob("icf/*/release.nt"))
    removed.unlink()
    settings = make_settings(data, vocab_dir=tmp_path / "none")
    client = TestClient(create_app(settings))
    answer = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error["code"] == "data_dir_damaged"
    assert str(removed) in error["message"] and "restore it from a backup" in error["message"]


# -- memos bounded by entries and bytes ----------------------------------------------------
def test_a_bounded_cache_forgets_the_least_recently_used_first() -> None:
    cache = BoundedCache(max_entries=3, max_bytes=10)
    for key in "abc":
        cache[key] = b"12"
    assert cache.get("a") == b"12"  # now the most recent
    cache["d"] = b"12"
    assert "b" not in cache and set("acd") <= {k for k in "abcd" if k in cache}
    cache["e"] = b"123456"  # 12 bytes would be over 10: the oldest go
    assert cache.bytes == 10 and "c" not in cache and len(cache) == 3
    cache["huge"] = b"x" * 11  # larger than the whole memo: not kept at all
    assert "huge" not in cache and cache.bytes <= 10
    with pytest.raises(KeyError):
        cache["nothing"]


def test_response_memo_does_not_grow_with_distinct_requests(real_settings: Settings) -> None:
    client = app_client(real_settings, cache_max_entries=10)
    codes = sorted(client.app.state.services.store.release("icf", None).concepts)[:60]
    for code in codes:
        assert client.get(f"/api/v1/schemes/icf/concepts/{code}").status_code == 200
    assert len(client.app.state.services.cache) <= 10
    again = client.get(f"/api/v1/schemes/icf/concepts/{codes[0]}")  # forgotten, rebuilt
    assert again.status_code == 200 and again.json()["code"] == codes[0]


def test_search_memos_do_not_grow_with_distinct_queries(real_settings: Settings) -> None:
    client = app_client(real_settings, cache_max_entries=25, cache_max_bytes=200_000)
    for n in range(120):
        query = f"gang på trapper og hukommelse {n} " + "x" * (n % 50) + f"ord{n}"
        assert client.get("/api/v1/search", params={"q": query}).status_code == 200
    index = client.app.state.services.search
    assert len(index._results) <= 25 and index._results.bytes <= 200_000
    assert len(index._builder._terms) <= 25
    answer = client.get("/api/v1/search", params={"q": "gang"}).json()
    assert answer["results"], "search still answers after its memos forgot"


# -- the contract says what the server does ------------------------------------------------
def test_the_contract_names_what_validation_and_sparql_really_take_and_give(
        client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    fhir = spec["paths"]["/fhir/$validate"]["post"]
    assert list(fhir["responses"]["200"]["content"]) == ["application/fhir+json"]
    answer = client.post("/fhir/$validate", content=TYPICAL.read_bytes(), headers=FHIR_JSON)
    assert answer.headers["content-type"] == "application/fhir+json"
    post = spec["paths"]["/sparql"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/sparql-query",
                                                  "application/x-www-form-urlencoded"}
    assert "415" in post["responses"]
    refused = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    for path, method in (("/sparql", "post"), ("/sparql", "get"), ("/api/v1/validate", "post"),
                         ("/fhir/$validate", "post"),
                         ("/api/v1/schemes/{scheme}/export", "get")):
        assert "503" in spec["paths"][path][method]["responses"], (path, method)


# -- the real server -----------------------------------------------------------------------
PORTS = range(18100, 18200)


@pytest.fixture(scope="module")
def server(real_settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`termserver serve` with short read deadlines: (base URL, its stderr log)."""
    log = tmp_path_factory.mktemp("serve-limits") / "stderr.log"
    with serving(real_settings.data_dir, log, "--no-vocab", ports=PORTS,
                 env={"TERMSERVER_HTTP_HEADER_TIMEOUT": "1",
                      "TERMSERVER_HTTP_BODY_TIMEOUT": "3"}) as served:
        yield served.base, log


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.e2e
def test_worker_processes_hold_no_connection_and_end_with_the_server(
        real_settings: Settings, tmp_path: Path) -> None:
    with serving(real_settings.data_dir, tmp_path / "stderr.log", "--no-vocab", ports=PORTS,
                 env={"TERMSERVER_HTTP_KEEP_ALIVE_TIMEOUT": "1"}) as served:
        base = served.base
        with raw_connection(base) as kept:  # open while the workers are forked
            kept.sendall(b"GET /api/v1/schemes HTTP/1.1\r\nHost: x\r\n\r\n")
            assert kept.recv(12) == b"HTTP/1.1 200"
            request = urllib.request.Request(f"{base}/api/v1/validate",
                                             data=TYPICAL.read_bytes(), headers=FHIR_JSON)
            with urllib.request.urlopen(request, timeout=60) as answer:
                assert answer.status == 200
            workers = children_of(served.process.pid)
            assert len(workers) == 2
            kept.settimeout(5)  # the server closes it after a second idle; a worker's
            _, after = read_all(kept)  # copy of the socket would keep it open
            assert after < 4
    # stopped with SIGTERM: uvicorn ends by re-raising it, so no exit handler runs
    wait_until(lambda: not any(alive(pid) for pid in workers), 10)
    with socket.socket() as sock:  # and nothing listens on the port any more
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(("127.0.0.1", int(base.rsplit(":", 1)[1])))


def timed_get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as answer:
        answer.read()
    return time.perf_counter() - began


@pytest.mark.e2e
def test_lookups_go_on_while_a_large_document_validates(server: tuple[str, Path]) -> None:
    base, _ = server
    document = big_bundle(9_000_000)
    lookup = f"{base}/api/v1/schemes/icf/concepts/d450"
    timed_get(lookup)
    done = threading.Event()
    took: list[float] = []

    def validate() -> None:
        request = urllib.request.Request(f"{base}/api/v1/validate", data=document,
                                         headers=FHIR_JSON)
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as answer:
            assert answer.status == 200
        took.append(time.perf_counter() - began)
        done.set()

    thread = threading.Thread(target=validate)
    thread.start()
    time.sleep(0.3)  # the upload is on its way and validation starts
    latencies = []
    while not done.is_set():
        latencies.append(timed_get(lookup))
        time.sleep(0.02)
    thread.join()
    assert took and took[0] > 0.5, took  # long enough for lookups to have been in its way
    assert len(latencies) >= 5, (took, latencies)
    assert sorted(latencies)[len(latencies) // 2] < 0.1, latencies


def raw_connection(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_all(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it did."""
    began, data = time.monotonic(), b""
    while chunk := sock.recv(65536):
        data += chunk
    return data, time.monotonic() - began


@pytest.mark.e2e
def test_a_client_hanging_up_mid_upload_is_one_quiet_log_line(
        server: tuple[str, Path]) -> None:
    base, log = server
    with raw_connection(base) as sock:
        sock.sendall(b"POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/fhir+json\r\nContent-Length: 1000000\r\n\r\n"
                     + b"{" * 50_000)
        time.sleep(0.3)
    wait_until(lambda: "went away" in log.read_text(), 10)
    time.sleep(0.3)
    text = log.read_text()
    assert "Traceback" not in text and "unhandled" not in text, text
    assert text.count("went away before sending all of POST /api/v1/validate") == 1


@pytest.mark.e2e
def test_a_body_sent_too_slowly_is_cut_off_with_408(server: tuple[str, Path]) -> None:
    base, log = server
    with raw_connection(base) as sock:
        sock.sendall(b"POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/fhir+json\r\nContent-Length: 1000\r\n\r\n{")
        answer, after = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "request_timeout"
    assert 2.5 < after < 8
    wait_until(lambda: "http_body_timeout" in log.read_text(), 5)
    assert "Traceback" not in log.read_text()


@pytest.mark.e2e
@pytest.mark.parametrize("sent", [b"", b"GET /api/v1/schemes HTTP/1.1\r\nHost:"])
def test_idle_and_slow_header_connections_are_closed(server: tuple[str, Path],
                                                     sent: bytes) -> None:
    base, _ = server
    with raw_connection(base) as sock:
        sock.sendall(sent)
        answer, after = read_all(sock)
    assert answer == b"" and 0.5 < after < 5
