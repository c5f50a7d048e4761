"""Liveness, readiness and Prometheus metrics: what a load balancer and monitoring ask.

`/healthz` answers while the process answers at all (a balancer or supervisor restarts
a replica that stops answering). `/readyz` is 200 only once the releases and the search
index are loaded, so a balancer sends no traffic to a replica that is still loading or
was pointed at an empty data directory. `/metrics` is the Prometheus text format 0.0.4:
request counts and latencies per route template (never the raw path, so the number of
series stays bounded whatever clients ask for), and the release and index state.

The counting is a pure ASGI middleware: a few dict updates per request on the event loop,
no dependency, and it sees every answer, including errors the exception handlers write.
"""

from __future__ import annotations

import bisect
import math
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import fastapi.routing
import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import error_envelope
from ..reload import ReloadStatus
from ..services import Services
from .responses import JSON
from .schemas import ErrorOut

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0)
"""Upper bounds (seconds) of the latency histogram: a cached lookup takes ~0.1 ms, a
large validation or a SPARQL query up to its time limit (5 s by default)."""
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
UNMATCHED = "unmatched"
"""Route label of a request no route matched (404s for made-up paths): one series for
all of them, however many different paths clients try."""
_NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(tags=["operations"])


# -- counting ------------------------------------------------------------------------------
@dataclass
class RequestMetrics:
    """Request counts and latencies of one process, kept since it started."""

    started_at: float = field(default_factory=lambda: _process_start())
    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)
    """(method, route template, status) → requests answered."""
    buckets: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(method, route template) → requests per latency bucket (not cumulative; the last
    slot counts those slower than the largest bound)."""
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    in_flight: int = 0

    def observe(self, method: str, route: str, status: int, elapsed: float) -> None:
        key = (method, route, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        series = (method, route)
        slots = self.buckets.get(series)
        if slots is None:
            slots = self.buckets[series] = [0] * (len(LATENCY_BUCKETS) + 1)
            self.seconds[series] = 0.0
        slots[bisect.bisect_left(LATENCY_BUCKETS, elapsed)] += 1
        self.seconds[series] += elapsed


class RouteTemplates:
    """The route template (`/id/{scheme}/{code}`) of the endpoint a request reached.

    The router leaves the endpoint it chose in the request scope (`scope["endpoint"]`,
    the function or mounted app). Which template that endpoint serves is read once from
    the app's route list; FastAPI releases that keep included routers unflattened list
    them through `fastapi.routing.iter_route_contexts`, older ones in `app.routes`.
    """

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._by_endpoint: dict[int, str] | None = None
        self._endpoints: list[object] = []
        """Keeps the keyed objects alive, so an id() is never reused for another one."""

    def label(self, scope: Scope) -> str:
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        if self._by_endpoint is None:
            self._by_endpoint = self._collect()
        template = self._by_endpoint.get(id(endpoint))
        return template or getattr(scope.get("route"), "path", None) or UNMATCHED

    def _collect(self) -> dict[int, str]:
        flatten = getattr(fastapi.routing, "iter_route_contexts", None)
        routes = flatten(self._app.routes) if flatten else self._app.routes
        templates: dict[int, str] = {}
        for route in routes:
            template = getattr(route, "path_format", None) or getattr(route, "path", None)
            endpoint = getattr(route, "endpoint", None) or getattr(route, "app", None)
            if template and endpoint is not None and id(endpoint) not in templates:
                templates[id(endpoint)] = template
                self._endpoints.append(endpoint)
        return templates


class MetricsMiddleware:
    """Counts every HTTP request by method, route template and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, routes: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app fails before it starts answering

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        metrics = self.metrics
        metrics.in_flight += 1
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            metrics.in_flight -= 1
            method = scope["method"] if scope["method"] in _METHODS else "other"
            metrics.observe(method, self.routes.label(scope), status,
                            time.perf_counter() - start)


def install(app: FastAPI) -> None:
    """Add the endpoints and the counting middleware to an app."""
    app.state.metrics = RequestMetrics()
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics,
                       routes=RouteTemplates(app))
    app.include_router(router)


# -- readiness -----------------------------------------------------------------------------
class HealthOut(BaseModel):
    status: str = Field("ok", description="Always `ok`: the process answers.")


class ReadyOut(BaseModel):
    status: str = Field("ready", description="Always `ready` (not ready is a 503).")
    releases: int = Field(description="Releases loaded (every version of every scheme).")
    loaded_at: float | None = Field(
        None, description="When the loaded releases and search index were opened (Unix "
        "time); changes with every reload.")
    reload_error: str | None = Field(
        None, description="Why the newest published releases could not be loaded, while "
        "that is so. The releases loaded before are still served, so the replica stays "
        "ready.")


def readiness_problems(request: Request) -> dict[str, str]:
    """What keeps this process from serving every release: {what: why}, empty when ready."""
    problems: dict[str, str] = {}
    if not getattr(request.app.state, "ready", True):
        problems["first_load"] = "the first load of the releases and the search index " \
                                 "has not finished"
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        problems["releases"] = "no releases are loaded yet"
        return problems
    if next(services.store.releases(), None) is None:
        problems["releases"] = (f"the data directory {services.settings.data_dir} holds no "
                                "releases; import them (termserver import) or point "
                                "TERMSERVER_DATA_DIR at the published data directory")
    if not _index_open(services):
        problems["search_index"] = "the search index is not open"
    return problems


def _index_open(services: Services) -> bool:
    """Whether the search index is open, without opening it (which may build it)."""
    return getattr(services, "_search", None) is not None


@router.get("/healthz", response_model=HealthOut, summary="Liveness: the process answers")
async def healthz() -> Response:
    return _json({"status": "ok"})


@router.get(
    "/readyz", response_model=ReadyOut, summary="Readiness: releases and search index loaded",
    responses={503: {"model": ErrorOut, "description": "Not ready; the body says what is "
                     "missing (details.missing)"}},
)
async def readyz(request: Request) -> Response:
    problems = readiness_problems(request)
    if problems:
        body = error_envelope("not_ready", "Not ready: " + "; ".join(problems.values()) + ".",
                              {"missing": sorted(problems)})
        return _json(body, status_code=503)
    services: Services = request.app.state.services
    reloader = getattr(request.app.state, "reloader", None)
    return _json({"status": "ready", "releases": sum(1 for _ in services.store.releases()),
                  "loaded_at": getattr(services, "loaded_at", None),
                  "reload_error": reloader.status.last_error if reloader else None})


def _json(body: dict, status_code: int = 200) -> Response:
    """A probe's answer: never cached by a proxy between the prober and the replica."""
    return Response(orjson.dumps(body), status_code=status_code, media_type=JSON,
                    headers=_NO_STORE)


# -- exposition ----------------------------------------------------------------------------
@router.get(
    "/metrics", response_class=Response, summary="Prometheus metrics (text format 0.0.4)",
    responses={200: {"content": {PROMETHEUS_TEXT: {"schema": {"type": "string"}}},
                     "description": "Request counts and latencies per route template, "
                     "releases and search index state"}},
)
async def metrics(request: Request) -> Response:
    text = "".join(_exposition(request))
    return Response(text, media_type=PROMETHEUS_TEXT, headers=_NO_STORE)


def _exposition(request: Request) -> Iterator[str]:
    recorded: RequestMetrics = request.app.state.metrics
    services: Services | None = getattr(request.app.state, "services", None)
    yield from _family("termserver_build_info", "gauge", "The running termserver version.",
                       [({"version": __version__}, 1)])
    yield from _family("process_start_time_seconds", "gauge",
                       "Start time of the process since the Unix epoch in seconds.",
                       [({}, recorded.started_at)])
    yield from _family("termserver_ready", "gauge",
                       "1 when /readyz answers 200 (releases and search index loaded).",
                       [({}, 0 if readiness_problems(request) else 1)])
    yield from _request_families(recorded)
    if services is not None:
        yield from _release_families(services)
    reloader = getattr(request.app.state, "reloader", None)
    if reloader is not None:
        yield from _reload_families(reloader.status)


def _request_families(recorded: RequestMetrics) -> Iterator[str]:
    yield from _family(
        "termserver_http_requests_total", "counter",
        "HTTP requests answered, by method, route template and status.",
        [({"method": m, "route": r, "status": str(s)}, n)
         for (m, r, s), n in sorted(recorded.counts.items())])
    yield from _family("termserver_http_requests_in_flight", "gauge",
                       "HTTP requests being answered now.", [({}, recorded.in_flight)])
    name = "termserver_http_request_duration_seconds"
    yield f"# HELP {name} Time to answer an HTTP request, by method and route template.\n"
    yield f"# TYPE {name} histogram\n"
    for (method, route), slots in sorted(recorded.buckets.items()):
        labels = {"method": method, "route": route}
        cumulative = 0
        for bound, count in zip((*LATENCY_BUCKETS, math.inf), slots, strict=True):
            cumulative += count
            yield _sample(f"{name}_bucket", {**labels, "le": _number(bound)}, cumulative)
        yield _sample(f"{name}_sum", labels, recorded.seconds[(method, route)])
        yield _sample(f"{name}_count", labels, cumulative)


def _release_families(services: Services) -> Iterator[str]:
    store = services.store
    yield from _family("termserver_releases_loaded", "gauge",
                       "Releases loaded (every version of every scheme).",
                       [({}, sum(1 for _ in store.releases()))])
    yield from _family("termserver_release_latest_info", "gauge",
                       "The latest loaded version of each scheme (value always 1).",
                       [({"scheme": r.scheme, "version": r.version}, 1)
                        for r in store.latest_releases()])
    backend = services.settings.search_backend
    yield from _family("termserver_search_index_open", "gauge",
                       "1 when the search index is open.",
                       [({"backend": backend}, 1 if _index_open(services) else 0)])
    opened = getattr(services, "opened_index", None)
    if opened is not None:
        yield from _family("termserver_search_index_info", "gauge",
                           "How the open search index came to be (value always 1): current "
                           "(as published), repaired (rebuilt on open) or private (a "
                           "read-only data directory's index, built in a scratch directory).",
                           [({"backend": backend, "state": opened.state}, 1)])
    loaded_at = getattr(services, "loaded_at", None)
    if loaded_at is not None:
        yield from _family("termserver_releases_loaded_timestamp_seconds", "gauge",
                           "When the loaded releases and search index were opened "
                           "(Unix time); changes on every reload.", [({}, loaded_at)])


def _reload_families(status: ReloadStatus) -> Iterator[str]:
    yield from _family("termserver_reloads_total", "counter",
                       "Times newly published releases were loaded without a restart.",
                       [({}, status.reloads)])
    yield from _family("termserver_reload_failing", "gauge",
                       "1 while the newest published releases could not be loaded (the "
                       "ones loaded before are still served; /readyz says why).",
                       [({}, 0 if status.last_error is None else 1)])
    if status.checked_at is not None:
        yield from _family("termserver_reload_last_check_timestamp_seconds", "gauge",
                           "When the data directory was last checked for new releases.",
                           [({}, status.checked_at)])


def _process_start() -> float:
    """When this process started (Linux /proc), else now: the app is built at start."""
    try:
        with open(f"/proc/{os.getpid()}/stat", "rb") as handle:
            # field 22, counted from the state field that follows the ")" of the name
            ticks = int(handle.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/stat", "rb") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith(b"btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


def _family(name: str, kind: str, help_text: str,
            samples: Iterable[tuple[dict[str, str], float]]) -> Iterator[str]:
    yield f"# HELP {name} {help_text}\n"
    yield f"# TYPE {name} {kind}\n"
    for labels, value in samples:
        yield _sample(name, labels, value)


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    if not labels:
        return f"{name} {_number(value)}\n"
    inner = ",".join(f'{key}="{_escape(str(text))}"' for key, text in labels.items())
    return f"{name}{{{inner}}} {_number(value)}\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    return str(value) if isinstance(value, int) else repr(float(value))
