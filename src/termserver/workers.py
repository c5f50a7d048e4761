"""CPU-heavy requests run off the event loop, a bounded number at a time.

Validation of a 10 MB document takes seconds of pure-Python work; run on the event loop
(or in a thread, where it holds the GIL) it stalls every other request meanwhile. So:

- Validation and exports run in a small process pool (`worker_processes`), forked from
  the loaded server on first use so the children share its store copy-on-write; the
  request's bytes go in, the response's bytes come back.
- SPARQL forks a child per query (`sparql.py`, so a runaway query can be killed); at most
  `sparql_max_concurrent` run at once.
- In front of each sits a `Gate`: over its limit a request waits up to
  `busy_queue_seconds`, at most `busy_queue_length` of them, and is then answered 503
  with `Retry-After` (`errors.Overloaded`) instead of piling up processes and memory.
  A request that finds the queue full too is refused after `busy_refusal_delay`, not at
  once: a client that ignores Retry-After and asks again at once (48 of them made some
  2,300 refusals a second) then costs the event loop a sleeping coroutine, not a stream
  of requests that crowds out the lookups.
- Worker processes run at a lower CPU priority (nice), so lookups and searches on the
  event loop get the cores first when both want them; they close the sockets they
  inherited (a forked copy of the listening socket or of a client's connection would
  keep the port taken, or the connection open, after the server closed it), and exit
  when the server does, however it ends (uvicorn ends on SIGTERM by re-raising it, so
  no exit handler of ours would run).
- A worker never garbage-collects what it inherited (`gc.freeze` first thing): the fork
  copies the server's uncollected garbage too, and collecting it in the child runs
  destructors written for the server's threads (a search index joining threads that do
  not exist in the child) and hangs the worker. It also keeps the shared pages shared.
- Closing the pool lets running requests finish; a worker still alive
  `WORKER_EXIT_GRACE` seconds later is killed, so no closed pool outlives its Services.

A `Workers` belongs to one `Services` (it holds that store): a reload that replaces the
Services closes the old pool with it (`Services.close`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import stat
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import Overloaded, TermserverError

if TYPE_CHECKING:
    from .services import Services
    from .sparql import SparqlEngine

WORKER_NICENESS = 19
"""How much lower worker processes run than the server (a nice increment, 0-19): the
lowest, so a CPU-bound SPARQL query or validation gets the cores only while lookups and
searches leave them idle (at 10, two runaway queries still doubled lookup p99)."""
WORKER_EXIT_GRACE = 120.0
"""Seconds a closed pool's workers have to finish what they run before they are killed
(well beyond the longest validation or export of a document the server accepts)."""
_FORK = multiprocessing.get_context("fork")


def detach_from_server(server_pid: int) -> None:
    """In a process forked from the server: run at a lower priority, hold none of its
    sockets, and end with it. Ctrl-C is ignored (the server's ending ends this one, so a
    terminal's SIGINT prints nothing here); SIGTERM ends it, as it would have without
    the handler the server installed before forking."""
    gc.freeze()  # inherited objects, garbage included, are never collected here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the server's graceful handler
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)  # nor its event loop's signal pipe
    with contextlib.suppress(OSError):  # not permitted here: the same priority, then
        os.nice(WORKER_NICENESS)
    _close_inherited_sockets()
    threading.Thread(target=_exit_with, args=(server_pid,), daemon=True,
                     name="exit-with-server").start()


def _close_inherited_sockets() -> None:
    """Close every socket this process holds: all were the server's (a worker talks to it
    over pipes only). Linux lists them in /proc; elsewhere nothing is closed."""
    with contextlib.suppress(OSError):
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
        for fd in descriptors:
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.close(fd)


def _exit_with(server_pid: int) -> None:  # pragma: no cover - runs in the child
    while os.getppid() == server_pid:
        time.sleep(1.0)
    os._exit(0)


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future
    granted: bool = False
    abandoned: bool = False


@dataclass(eq=False)
class Gate:
    """At most `limit` holders at once; up to `queue` more wait up to `wait` seconds.

    Whoever finds the gate full and the queue full, or waits past `wait`, gets
    `Overloaded` (HTTP 503, Retry-After). Slots are handed to waiters in arrival order.
    Thread-safe, and waiters may sit on different event loops (the test client runs one
    per request).
    """

    what: str
    limit: int
    queue: int
    wait: float
    refusal_delay: float = 0.0
    """Seconds a request refused because the queue is full waits for its 503."""
    active: int = 0
    _waiters: deque[_Waiter] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        with self._lock:
            if self.active < self.limit and not self._waiters:
                self.active += 1
                return
            refused = None
            if len(self._waiters) >= self.queue or self.wait <= 0:
                refused = self._overloaded()
            else:
                waiter = _Waiter(asyncio.get_running_loop().create_future())
                self._waiters.append(waiter)
        if refused is not None:
            if self.refusal_delay > 0:
                await asyncio.sleep(self.refusal_delay)
            raise refused
        try:
            await asyncio.wait_for(waiter.future, self.wait)
        except (TimeoutError, asyncio.CancelledError) as exc:
            with self._lock:
                if not waiter.granted:
                    waiter.abandoned = True
                    self._waiters.remove(waiter)
                    if isinstance(exc, TimeoutError):
                        raise self._overloaded() from None
                    raise
            if isinstance(exc, asyncio.CancelledError):  # granted as it was cancelled
                self.release()
                raise
            # granted just as the wait ran out: the slot is ours

    def release(self) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                if waiter.abandoned:
                    continue
                waiter.granted = True  # the slot passes on; `active` stays the same
                waiter.future.get_loop().call_soon_threadsafe(_wake, waiter.future)
                return
            self.active -= 1

    def _overloaded(self) -> Overloaded:
        retry = max(1, math.ceil(self.wait))
        return Overloaded(
            f"The server is busy: all {self.limit} {self.what} slots are taken and "
            f"{len(self._waiters)} requests are waiting. Send the request again in "
            f"{retry} s.",
            retry_after=retry, details={"limit": self.limit, "what": self.what})


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


_SERVICES: Services | None = None
"""In a worker process: the Services it was forked from."""


def _init_worker(services: Services, server_pid: int) -> None:  # pragma: no cover - child
    global _SERVICES
    _SERVICES = services
    detach_from_server(server_pid)


@dataclass(slots=True)
class _Failure:
    """A TermserverError from a worker, sent back by value (its keyword-only details do
    not survive pickling as an exception)."""

    kind: type[TermserverError]
    message: str
    details: dict[str, Any]

    def error(self) -> TermserverError:
        error = self.kind.__new__(self.kind)
        TermserverError.__init__(error, self.message, details=self.details)
        return error


def _call(function: Callable[..., Any], args: tuple) -> Any:  # pragma: no cover - child
    assert _SERVICES is not None, "not in a worker process"
    try:
        return function(_SERVICES, *args)
    except TermserverError as exc:
        return _Failure(type(exc), exc.message, exc.details)


class Workers:
    """The worker pool, the SPARQL engine and their gates for one `Services`."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self._services = services
        self._pool: ProcessPoolExecutor | None = None
        self._sparql: SparqlEngine | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.pool_gate = Gate("validation/export", settings.worker_processes,
                              settings.busy_queue_length, settings.busy_queue_seconds,
                              settings.busy_refusal_delay)
        self.sparql_gate = Gate("SPARQL", settings.sparql_max_concurrent,
                                settings.busy_queue_length, settings.busy_queue_seconds,
                                settings.busy_refusal_delay)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(services, *args)` in a worker process; its TermserverErrors are
        raised here. `function` must be a module-level function (it is sent by name)."""
        async with self.pool_gate.slot():
            pool = self._executor()
            try:
                result = await asyncio.wrap_future(pool.submit(_call, function, args))
            except BrokenProcessPool:
                self._discard(pool)
                raise Overloaded("A worker process stopped unexpectedly (out of memory?); "
                                 "it is being replaced. Send the request again.",
                                 retry_after=1) from None
        if isinstance(result, _Failure):
            raise result.error()
        return result

    def sparql(self) -> SparqlEngine:
        with self._lock:
            if self._sparql is None:
                from .releases import ReleaseRepository
                from .sparql import SparqlEngine

                settings = self._services.settings
                self._sparql = SparqlEngine(
                    self._services.store, ReleaseRepository(settings.data_dir),
                    settings.sparql_timeout, max_rows=settings.sparql_max_rows,
                    max_bytes=settings.sparql_max_bytes)
            return self._sparql

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise Overloaded("The server is switching to newly published releases; "
                                 "send the request again.", retry_after=1)
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._services.settings.worker_processes, mp_context=_FORK,
                    initializer=_init_worker, initargs=(self._services, os.getpid()))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        _shut_down(pool, WORKER_EXIT_GRACE)

    def close(self, grace: float = WORKER_EXIT_GRACE) -> None:
        """Stop the worker processes; requests already running in them have `grace`
        seconds to finish, then the workers still alive are killed."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            self._sparql = None
        if pool is not None:
            _shut_down(pool, grace)


def _shut_down(pool: ProcessPoolExecutor, grace: float) -> None:
    """Shut `pool` down without waiting; a thread kills its workers still alive after
    `grace` seconds (a stuck worker would otherwise hold its memory for ever)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    if processes:
        threading.Thread(target=_reap, args=(processes, grace), daemon=True,
                         name="reap-workers").start()


def _reap(processes: list[multiprocessing.process.BaseProcess], grace: float) -> None:
    # Watches the processes' sentinels rather than joining them: the pool's own thread
    # joins them too, and two threads reaping one child make each other's answer wrong.
    pending = {process.sentinel: process for process in processes}
    deadline = time.monotonic() + grace
    with contextlib.suppress(OSError, ValueError):  # a sentinel already closed: gone
        while pending and (left := deadline - time.monotonic()) > 0:
            for sentinel in multiprocessing.connection.wait(list(pending), left):
                del pending[sentinel]  # type: ignore[arg-type]
        for process in pending.values():
            process.kill()
