"""The SHACL half of a draft's check: the shapes in `shapes.ttl`, run with pySHACL over
the concepts the draft changed.

Only changed concepts are validated (as termserver's canonical RDF of them, with their
own mappings): the rest is the published base, and a check of 100 changed concepts must
not cost a validation of a 20,000-concept scheme. pySHACL's `validate()` entry point
attaches a handler to its logger and flips rdflib's process-wide literal normalisation
while it reads the shapes, neither of which a server may do per request; this module
reads the shapes once with plain rdflib and drives pySHACL's `Validator` directly, with a
logger of its own.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path

from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, Literal, Namespace, URIRef

from ..model import Release
from ..rdf import release_graph
from .findings import ERROR, WARNING, Finding, named

SHAPES = Path(__file__).resolve().parent / "shapes.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPE_PREFIX = "https://data.termserver.dk/def#shape-"
log = logging.getLogger(__name__)
_lock = threading.Lock()


@cache
def shapes_graph() -> Graph:
    """The shapes, read once per process (never changed after)."""
    return Graph().parse(SHAPES, format="turtle")


def rule_id(shape: object) -> str:
    """`ts:shape-pref-label` → `shacl-pref-label`; a shape without a name of ours (a blank
    node) is named by its constraint component."""
    text = str(shape)
    if text.startswith(SHAPE_PREFIX):
        return "shacl-" + text[len(SHAPE_PREFIX):]
    return "shacl"


def check(release: Release, changed: set[str]) -> list[Finding]:
    """SHACL findings for the changed concepts of `release` (a draft as a release)."""
    concepts = {c: release.concepts[c] for c in sorted(changed) if c in release.concepts}
    if not concepts:
        return []
    uris = {c.uri for c in concepts.values()}
    part = Release(info=release.info, concepts=concepts,
                   mappings=[m for m in release.mappings if m.source in uris])
    data = release_graph(part)
    with _lock:  # pySHACL keeps per-run state on shared shape objects
        validator = Validator(DataGraph.from_rdflib(data), shacl_graph=shapes_graph(),
                              options={"inference": "none", "logger": log,
                                       "abort_on_first": False})
        _, report, _ = validator.run()
    by_uri = {c.uri: code for code, c in concepts.items()}
    findings = []
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        code = by_uri.get(str(focus)) if focus is not None else None
        shape = report.value(result, SH.sourceShape)
        message = _message(report, result, shape)
        value = report.value(result, SH.value)
        shown = f" (værdi: {value})" if isinstance(value, Literal | URIRef) else ""
        severity = ERROR if report.value(result, SH.resultSeverity) == SH.Violation else WARNING
        subject = named(code, concepts.get(code)) if code else str(focus)
        findings.append(Finding(rule_id(shape), severity, code, f"{subject}: {message}{shown}",
                                source="shacl",
                                extra={"value": str(value)} if shown else {}))
    findings.sort(key=lambda f: (f.code or "", f.rule, f.message))
    return findings


def _message(report: Graph, result: object, shape: object) -> str:
    """The shape's Danish sh:message, else pySHACL's own (English) text."""
    danish = [m for m in shapes_graph().objects(shape, SH.message)
              if isinstance(m, Literal) and m.language == "da"] if shape is not None else []
    if danish:
        return str(danish[0])
    own = report.value(result, SH.resultMessage)
    return str(own) if own is not None else "Begrebet opfylder ikke formen."
