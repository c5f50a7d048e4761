"""Read-only SPARQL over every loaded release, each version its own named graph.

rdflib evaluates queries in pure Python and cannot be interrupted, so each query runs
in a forked child process that inherits the loaded dataset; the parent waits at most
`sparql_timeout` seconds and kills the child after that. Update requests are refused
(rdflib's `query` only accepts query forms, and we never call `update`).
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass

from rdflib import Dataset

from .errors import BadRequest, QueryTimeout
from .rdf import add_release_to_dataset, bind_prefixes
from .releases import ReleaseRepository
from .store import Store

_FORK = multiprocessing.get_context("fork")
MAX_QUERY_CHARS = 20_000


@dataclass(slots=True)
class SparqlResult:
    body: bytes
    media_type: str


class SparqlEngine:
    """Lazily built dataset; the first query pays the load, later ones reuse it."""

    def __init__(self, store: Store, repository: ReleaseRepository, timeout: float) -> None:
        self._store = store
        self._repository = repository
        self._timeout = timeout
        self._dataset: Dataset | None = None
        self._lock = threading.Lock()

    def dataset(self) -> Dataset:
        with self._lock:
            if self._dataset is None:
                dataset = Dataset(default_union=True)
                bind_prefixes(dataset)
                for release in self._store.releases():
                    path = self._repository.nt_path(release.scheme, release.version)
                    add_release_to_dataset(dataset, release, path.read_text(encoding="utf-8"))
                self._dataset = dataset
            return self._dataset

    def query(self, text: str, accept: str = "") -> SparqlResult:
        if not text.strip():
            raise BadRequest("Empty SPARQL query. Send it as ?query=… or as the POST body.")
        if len(text) > MAX_QUERY_CHARS:
            raise BadRequest(f"SPARQL query longer than {MAX_QUERY_CHARS} characters.")
        dataset = self.dataset()
        receiver, sender = _FORK.Pipe(duplex=False)
        child = _FORK.Process(target=_run, args=(dataset, text, accept, sender), daemon=True)
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
        return SparqlResult(payload, media_type)


def _run(dataset: Dataset, text: str, accept: str, sender) -> None:  # pragma: no cover - child
    try:
        result = dataset.query(text)
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
        sender.send(("ok", payload, media))
    except Exception as exc:  # any parse/evaluation error goes back as a message
        sender.send(("error", f"{type(exc).__name__}: {exc}"[:2000], ""))
    finally:
        sender.close()
