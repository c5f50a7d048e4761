"""Read-only SPARQL over every loaded release, each version its own named graph.

rdflib evaluates queries in pure Python and cannot be interrupted, so each query runs
in a forked child process that inherits the loaded dataset; the parent waits at most
`sparql_timeout` seconds and kills the child after that. Update requests are refused
(rdflib's `query` only accepts query forms, and we never call `update`).

The endpoint answers from the loaded releases only. rdflib would otherwise fetch what a
query names: `SERVICE <url>` calls another server, and `FROM <iri>` of a graph it does
not hold is downloaded or read from disk (`FROM <file:///…>`). Both are refused before
evaluation, and the child cannot open network connections at all.

An answer is bounded too: more than `max_rows` rows (or triples) or `max_bytes` bytes
serialised is refused with a message saying how to narrow the query, rather than sent
(an unbounded SELECT over every release is ~19 MB). How many queries run at once is
bounded by the caller (`workers.Workers.sparql_gate`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import threading
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rdflib import Dataset
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from .errors import BadRequest, QueryTimeout, ResultTooLarge
from .rdf import add_release_to_dataset, bind_prefixes
from .releases import ReleaseRepository, _damaged
from .store import Store
from .workers import detach_from_server

_FORK = multiprocessing.get_context("fork")
MAX_QUERY_CHARS = 20_000


@dataclass(slots=True)
class SparqlResult:
    body: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Limits:
    """How big an answer may be: rows (or triples) and serialised bytes."""

    rows: int
    bytes: int


class SparqlEngine:
    """Lazily built dataset; the first query pays the load, later ones reuse it."""

    def __init__(self, store: Store, repository: ReleaseRepository, timeout: float, *,
                 max_rows: int = 10_000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._store = store
        self._repository = repository
        self._timeout = timeout
        self._limits = Limits(max_rows, max_bytes)
        self._dataset: Dataset | None = None
        self._graphs: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def dataset(self) -> Dataset:
        with self._lock:
            if self._dataset is None:
                dataset = Dataset(default_union=True)
                bind_prefixes(dataset)
                for release in self._store.releases():
                    path = self._repository.nt_path(release.scheme, release.version)
                    try:
                        text = path.read_text(encoding="utf-8")
                        add_release_to_dataset(dataset, release, text)
                    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
                        # rdflib's N-Triples parser raises ParseError, a SyntaxError
                        raise _damaged(path, exc) from None
                self._graphs = frozenset(str(g.identifier) for g in dataset.graphs())
                self._dataset = dataset
            return self._dataset

    def query(self, text: str, accept: str = "") -> SparqlResult:
        if not text.strip():
            raise BadRequest("Empty SPARQL query. Send it as ?query=… or as the POST body.")
        if len(text) > MAX_QUERY_CHARS:
            raise BadRequest(f"SPARQL query longer than {MAX_QUERY_CHARS} characters.")
        dataset = self.dataset()
        receiver, sender = _FORK.Pipe(duplex=False)
        child = _FORK.Process(target=_run, args=(dataset, self._graphs, text, accept,
                                                 self._limits, self._timeout, os.getpid(),
                                                 sender), daemon=True)
        child.start()
        sender.close()
        try:
            if not receiver.poll(self._timeout):
                raise QueryTimeout(
                    f"The SPARQL query ran longer than {self._timeout:g} s and was stopped. "
                    "Narrow it with a graph, a LIMIT or more specific patterns.",
                    details={"timeout_seconds": self._timeout},
                )
            outcome, payload, media_type = receiver.recv()
        except EOFError:
            raise BadRequest("The SPARQL query failed without an answer.") from None
        finally:
            if child.is_alive():
                child.kill()
            child.join(1)
            receiver.close()
        if outcome == "error":
            raise BadRequest(f"SPARQL query not accepted: {payload}",
                             details={"query": text[:500]})
        if outcome == "too-large":
            raise self._too_large(payload)
        return SparqlResult(payload, media_type)

    def _too_large(self, what: str) -> ResultTooLarge:
        limits = self._limits
        over = (f"more than {limits.rows:,} rows or triples" if what == "rows"
                else f"more than {limits.bytes:,} bytes")
        return ResultTooLarge(
            f"The SPARQL answer would hold {over}, the limit of this endpoint (settings "
            f"sparql_max_rows, sparql_max_bytes); nothing was sent. Add a LIMIT (page with "
            "OFFSET), select fewer variables or narrow the patterns; a whole release is "
            "available from /api/v1/schemes/{scheme}/export.",
            details={"max_rows": limits.rows, "max_bytes": limits.bytes, "exceeded": what})


_NETWORK_EVENTS = frozenset({"urllib.Request", "socket.connect", "socket.getaddrinfo"})


def _no_network(event: str, args: Any) -> None:  # pragma: no cover - child
    if event in _NETWORK_EVENTS:
        raise PermissionError("this SPARQL endpoint does not make network requests")


def _services(node: Any) -> list[str]:
    """IRIs of every SERVICE clause anywhere in a query's algebra (subqueries, EXISTS…)."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                found.append(str(item.get("term")))
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def outside_reference(query: Any, graphs: frozenset[str]) -> str | None:
    """Why the query would reach beyond the loaded releases, or None when it stays inside."""
    services = _services(query.algebra)
    if services:
        return (f"SERVICE <{services[0]}> is not allowed: this endpoint answers from the "
                "releases loaded here and does not query other servers.")
    for clause in query.algebra.get("datasetClause") or ():
        iri = str(clause.get("default") or clause.get("named"))
        if iri not in graphs:
            return (f"FROM <{iri}> names a graph this endpoint does not hold. FROM and FROM "
                    "NAMED take release graphs, e.g. <https://data.termserver.dk/id/ffb/"
                    "version/20240530>; other sources are never fetched.")
    return None


def _within(result: Any, limits: Limits) -> bool:
    """Whether the result holds at most `limits.rows` rows (triples for graphs), reading
    no more than one row past the limit."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return len(result.graph) <= limits.rows
    if result.type == "SELECT":
        # rdflib evaluates a SELECT lazily (a generator behind `bindings`): take one row
        # past the limit and keep what was taken for the serialiser
        pending = getattr(result, "_genbindings", None)
        if pending is not None:
            result._genbindings = None
            result._bindings = list(islice(pending, limits.rows + 1))
        return len(result.bindings) <= limits.rows
    return True


def _run(dataset: Dataset, graphs: frozenset[str], text: str, accept: str, limits: Limits,
         timeout: float, server_pid: int, sender) -> None:  # pragma: no cover - child
    try:
        detach_from_server(server_pid)
        signal.alarm(math.ceil(timeout) + 2)  # ends itself should the server not kill it
        sys.addaudithook(_no_network)  # this child only: it exits after one query
        query = prepareQuery(text, initNs=dict(dataset.namespaces()))
        refused = outside_reference(query, graphs)
        if refused is not None:
            sender.send(("error", refused, ""))
            return
        result = dataset.query(query)
        if not _within(result, limits):
            sender.send(("too-large", "rows", ""))
            return
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            if "json" in accept:
                payload = result.serialize(format="json-ld", encoding="utf-8")
                media = "application/ld+json"
            else:
                payload = result.serialize(format="turtle", encoding="utf-8")
                media = "text/turtle"
        elif "xml" in accept and "json" not in accept:
            payload = result.serialize(format="xml", encoding="utf-8")
            media = "application/sparql-results+xml"
        else:
            payload = result.serialize(format="json", encoding="utf-8")
            media = "application/sparql-results+json"
        if len(payload) > limits.bytes:
            sender.send(("too-large", "bytes", ""))
            return
        sender.send(("ok", payload, media))
    except Exception as exc:  # any parse/evaluation error goes back as a message
        sender.send(("error", f"{type(exc).__name__}: {exc}"[:2000], ""))
    finally:
        sender.close()
