"""SKOS vocabularies (Turtle, RDF/XML, N-Triples, JSON-LD) → Release.

Conventions (our own vocab/ files follow them; docs/decisions/0001 explains the kinds):
one `skos:ConceptScheme` per file; scheme id from `--scheme`, else the last path segment
of a `https://data.termserver.dk/id/…` scheme IRI, else `dct:identifier`; version from
`--version`, else `owl:versionInfo`; `ts:releaseKind` is `vocabulary` (default),
`mappings` (crosswalk statements only) or `overlay` (labels for other schemes' concepts).
Codes come from `skos:notation`, else the IRI's last segment. Any predicate SKOS has no
slot for is kept as a property under its local name. A release that termserver itself
exported (termserver.rdf) re-imports to identical content.

An import reads the one file given and nothing it points at. A JSON-LD context must be
written inline: a context reference (remote, `file:` or relative) or `@import` is refused
before rdflib could fetch it (jsonldsafety.py). An external DTD in RDF/XML is never read
(xmlsafety.py). `owl:imports` is accepted and never followed: rdflib treats it as an
ordinary triple, and refusing it would turn away ordinary files (vocabularies often
declare `owl:imports <http://www.w3.org/2004/02/skos/core>`) over a statement that does
not change what is read; a vocabulary named there is imported as its own file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.parser import PythonInputSource

from ..errors import ImportRefused
from ..model import (
    MAPPING_RELATIONS,
    RELEASE_PROPERTIES,
    Concept,
    Mapping,
    Note,
    Release,
    ReleaseInfo,
)
from ..namespaces import ID_BASE, TS, parse_concept_iri
from .decoding import read_text
from .jsonldsafety import refuse_context_references
from .triples import TripleIndex, is_literal, read_ntriples
from .xmlsafety import refuse_entities

FORMATS_BY_SUFFIX = {
    ".ttl": "turtle", ".n3": "n3", ".nt": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
    ".jsonld": "json-ld", ".json": "json-ld",
}
NOTE_KINDS = {
    SKOS.scopeNote: "scope", SKOS.note: "note", SKOS.example: "example",
    SKOS.editorialNote: "editorial", SKOS.historyNote: "history",
    SKOS.changeNote: "change",
}
_HANDLED = {
    RDF.type, SKOS.inScheme, SKOS.topConceptOf, SKOS.notation, SKOS.prefLabel,
    SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition, SKOS.broader, SKOS.narrower,
    OWL.deprecated, TS.status, TS.order, TS.hasNote, DCTERMS.isReplacedBy,
    *NOTE_KINDS, *(SKOS[r] for r in MAPPING_RELATIONS),
}
_PROP_PREFIX = f"{TS}prop-"

# Namespace attribute access costs ~1 µs; hot loops use these constants.
DCTERMS_DESCRIPTION = DCTERMS.description
DCTERMS_IDENTIFIER = DCTERMS.identifier
DCTERMS_ISREPLACEDBY = DCTERMS.isReplacedBy
DCTERMS_ISSUED = DCTERMS.issued
DCTERMS_TITLE = DCTERMS.title
OWL_DEPRECATED = OWL.deprecated
OWL_VERSIONINFO = OWL.versionInfo
RDF_TYPE = RDF.type
RDFS_LABEL = RDFS.label
SKOS_CONCEPTSCHEME = SKOS.ConceptScheme
SKOS_ALTLABEL = SKOS.altLabel
SKOS_BROADER = SKOS.broader
SKOS_DEFINITION = SKOS.definition
SKOS_HASTOPCONCEPT = SKOS.hasTopConcept
SKOS_HIDDENLABEL = SKOS.hiddenLabel
SKOS_INSCHEME = SKOS.inScheme
SKOS_NARROWER = SKOS.narrower
SKOS_NOTATION = SKOS.notation
SKOS_NOTE = SKOS.note
SKOS_PREFLABEL = SKOS.prefLabel
SKOS_TOPCONCEPTOF = SKOS.topConceptOf
TS_MAPPINGSTATEMENT = TS.MappingStatement
TS_ALSOIDENTIFIEDBY = TS.alsoIdentifiedBy
TS_HASNOTE = TS.hasNote
TS_MAPPINGRELATION = TS.mappingRelation
TS_MAPPINGSOURCE = TS.mappingSource
TS_MAPPINGTARGET = TS.mappingTarget
TS_NOTEKIND = TS.noteKind
TS_NOTEREF = TS.noteRef
TS_ORDER = TS.order
TS_RELEASEKIND = TS.releaseKind
TS_STATUS = TS.status


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in {".ttl", ".nt", ".n3", ".rdf", ".jsonld"}:
        return True
    return b"http://www.w3.org/2004/02/skos/core#" in head


def _syntax(path: Path, text: str) -> str:
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt:
        return fmt
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or stripped.startswith("<rdf:RDF"):
        return "xml"
    if stripped.startswith(("{", "[")):
        return "json-ld"
    return "turtle"


def parse(path: Path, data: bytes, options: Any) -> list[Release]:
    text = read_text(path, data, options.encoding)
    fmt = _syntax(path, text)
    if fmt == "xml":
        refuse_entities(path, data)
    index = read_ntriples(text) if fmt == "nt" else None
    if index is not None:
        del text, data
        return [_release(path, index, options)]
    if fmt == "xml":
        _refuse_other_xml(path, text)
    checked = PythonInputSource(_checked_jsonld(path, text)) if fmt == "json-ld" else None
    graph = Graph()
    try:
        graph.parse(source=checked, data=None if checked else text, format=fmt,
                    publicID=path.resolve().as_uri())
    except Exception as exc:  # each rdflib parser raises its own error types
        raise _syntax_error(path, fmt, text, str(exc)) from None
    return [_release(path, TripleIndex.from_graph(graph), options)]


def _checked_jsonld(path: Path, text: str) -> Any:
    """The parsed JSON-LD document, refused if any context would be fetched or read.

    rdflib parses the returned object itself (a PythonInputSource), so what it reads is
    exactly what was checked (and the JSON is parsed once).
    """
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _syntax_error(path, "json-ld", text, str(exc)) from None
    refuse_context_references(path, text, document)
    return document


_ROOT = re.compile(r"<(?![?!])([A-Za-z_][\w.:-]*)")
_RDF_ROOTS = ("rdf:RDF", "RDF")


def _refuse_other_xml(path: Path, text: str) -> None:
    """XML that is not RDF/XML (WHO's ClaML, a FHIR resource) gets told what it is, not
    an rdflib internal error."""
    root = _ROOT.search(re.sub(r"<!--.*?-->", "", text[:20_000], flags=re.S))
    name = root.group(1) if root else ""
    if name and name not in _RDF_ROOTS and not name.endswith(":RDF"):
        hint = {"ClaML": " It is ClaML: import it with --format claml (or without --format)."
                }.get(name, " Import it with the --format that matches it, or without "
                      "--format to have it detected.")
        raise ImportRefused(
            f"{path.name}: not RDF/XML: the root element is <{name}>, not <rdf:RDF>.{hint}",
            details={"file": path.name, "syntax": "xml", "root": name},
        )


SYNTAX_NAMES = {"turtle": "Turtle", "n3": "N3", "nt": "N-Triples", "xml": "RDF/XML",
                "json-ld": "JSON-LD"}
_PLACES = (
    re.compile(r"<[^>]*>:(?P<line>\d+):(?P<column>\d+): "),  # expat via SAX (RDF/XML)
    re.compile(r"at line (?P<line>\d+)(?: of <[^>]*>)?:?"),  # Turtle / N3
    re.compile(r"line (?P<line>\d+) column (?P<column>\d+)"),  # JSON
)


def _syntax_error(path: Path, fmt: str, text: str, error: str) -> ImportRefused:
    """rdflib's parsers each report places differently; say `line N` the same way for all."""
    line = column = None
    for pattern in _PLACES:
        match = pattern.search(error)
        if match:
            line = int(match.group("line"))
            column = int(match["column"]) if "column" in pattern.groupindex else None
            if pattern is not _PLACES[2]:
                error = (error[: match.start()] + error[match.end() :]).strip()
            break
    if line is None and fmt == "nt" and (bad := re.search(r"Invalid line: (.+)", error)):
        fragment = bad.group(1).strip().rstrip(".").strip()
        line = next((number for number, content in enumerate(text.splitlines(), 1)
                     if fragment and fragment in content), None)
    place = f"line {line}" + (f", column {column}" if column else "") if line else ""
    name = SYNTAX_NAMES.get(fmt, fmt)
    return ImportRefused(
        f"{path.name}: {place + ': ' if place else ''}not valid {name}: "
        f"{error.strip()[:500].rstrip('.')}. Fix the syntax there, or name the syntax with "
        "--format if the file extension is misleading.",
        details={"file": path.name, "syntax": fmt, "line": line, "column": column},
    )


def _one_scheme(path: Path, graph: TripleIndex) -> URIRef:
    schemes = sorted({s for s in graph.subjects(RDF_TYPE, SKOS_CONCEPTSCHEME)
                      if isinstance(s, URIRef)}, key=str)
    if len(schemes) != 1:
        found = ", ".join(str(s) for s in schemes) or "none"
        raise ImportRefused(
            f"{path.name}: expected exactly one skos:ConceptScheme, found {found}. Split the "
            "file, one scheme per file.",
            details={"file": path.name, "schemes": [str(s) for s in schemes]},
        )
    return schemes[0]


def _scheme_id(path: Path, graph: TripleIndex, scheme: URIRef, options: Any) -> str:
    if options.scheme:
        return options.scheme
    iri = str(scheme)
    if iri.startswith(ID_BASE) and "/" not in iri[len(ID_BASE):].strip("/"):
        return unquote(iri[len(ID_BASE):].strip("/"))
    identifier = str(graph.value(scheme, DCTERMS_IDENTIFIER) or "").strip()
    if identifier and not any(ch in identifier for ch in ":/#"):  # a name, not an IRI
        return identifier.lower()
    raise ImportRefused(
        f"{path.name}: cannot tell the scheme id of {iri}. Give it with --scheme, or add "
        "a short dct:identifier (such as \"ffb\") to the scheme.",
        details={"file": path.name},
    )


def _literal_text(value: Any) -> str:
    return str(value).strip()


def _release(path: Path, graph: TripleIndex, options: Any) -> Release:
    scheme_node = _one_scheme(path, graph)
    scheme = _scheme_id(path, graph, scheme_node, options)
    version = options.version or graph.value(scheme_node, OWL_VERSIONINFO)
    if version is None:
        raise ImportRefused(
            f"{path.name}: the scheme has no owl:versionInfo. Add one, or give --version.",
            details={"file": path.name},
        )
    title = (graph.value(scheme_node, DCTERMS_TITLE) or graph.value(scheme_node, SKOS_PREFLABEL)
             or graph.value(scheme_node, RDFS_LABEL) or scheme)
    kind = str(graph.value(scheme_node, TS_RELEASEKIND) or "vocabulary")
    if kind not in {"vocabulary", "mappings", "overlay"}:
        raise ImportRefused(
            f"{path.name}: ts:releaseKind {kind!r} is not one of vocabulary, mappings, overlay.",
            details={"file": path.name, "kind": kind},
        )
    issued = graph.value(scheme_node, DCTERMS_ISSUED)
    description = graph.value(scheme_node, DCTERMS_DESCRIPTION)
    identifier = str(graph.value(scheme_node, DCTERMS_IDENTIFIER) or "")
    info = ReleaseInfo(
        scheme=scheme,
        version=str(version),
        title=str(title),
        uri=identifier if identifier.startswith(("http", "urn:")) else str(scheme_node),
        issued=str(issued) if issued is not None else None,
        description=str(description) if description is not None else "",
        kind=kind,
        identifiers=sorted(str(o) for o in graph.objects(scheme_node, TS_ALSOIDENTIFIEDBY)),
    )
    for key, name in RELEASE_PROPERTIES.items():
        value = graph.value(scheme_node, TS[name])
        if value is not None and _literal_text(value):
            info.extra[key] = _literal_text(value)
    if kind == "overlay":
        concepts = _concepts(path, graph, scheme_node, scheme, overlay=True)
    else:
        concepts = _concepts(path, graph, scheme_node, scheme)
    languages = sorted({lang for c in concepts.values() for lang in c.labels if lang})
    info.languages = languages
    return Release(info=info, concepts=concepts, mappings=_mappings(graph))


def _concept_nodes(graph: TripleIndex, scheme_node: URIRef) -> list[URIRef]:
    nodes = set(graph.subjects(SKOS_INSCHEME, scheme_node))
    nodes.update(graph.subjects(SKOS_TOPCONCEPTOF, scheme_node))
    nodes.update(graph.objects(scheme_node, SKOS_HASTOPCONCEPT))
    return sorted((n for n in nodes if isinstance(n, URIRef)), key=str)


def _code_from_iri(iri: str) -> str:
    tail = iri.rstrip("/")
    for sep in ("#", "/"):
        if sep in tail:
            tail = tail.rsplit(sep, 1)[1]
    return unquote(tail)


def _labels(path: Path, graph: TripleIndex, node: URIRef, concept: Concept) -> None:
    for value in graph.objects(node, SKOS_PREFLABEL):
        lang = getattr(value, "language", None) or ""
        if lang in concept.labels and concept.labels[lang] != _literal_text(value):
            raise ImportRefused(
                f"{path.name}: {node} has two preferred labels in language {lang or '(none)'!r}: "
                f"{concept.labels[lang]!r} and {_literal_text(value)!r}. Keep one as "
                "skos:prefLabel and make the other skos:altLabel.",
                details={"file": path.name, "concept": str(node), "lang": lang},
            )
        concept.labels[lang] = _literal_text(value)
    for predicate, table in ((SKOS_ALTLABEL, concept.alt_labels),
                             (SKOS_HIDDENLABEL, concept.hidden_labels)):
        for value in sorted(graph.objects(node, predicate), key=str):
            table.setdefault(getattr(value, "language", None) or "", []).append(
                _literal_text(value))
    for value in graph.objects(node, SKOS_DEFINITION):
        concept.definitions[getattr(value, "language", None) or ""] = _literal_text(value)


def _concepts(
    path: Path, graph: TripleIndex, scheme_node: URIRef, scheme: str, overlay: bool = False
) -> dict[str, Concept]:
    """Concepts of a vocabulary, or of an overlay (whose subjects are other schemes' concepts).

    Both kinds read the same way so that what termserver.rdf writes for either re-imports
    unchanged; an overlay subject without skos:notation gets a local key.
    """
    nodes = _overlay_nodes(graph, scheme_node) if overlay else _concept_nodes(graph, scheme_node)
    code_of: dict[URIRef, str] = {}
    owner: dict[str, URIRef] = {}
    for node in nodes:
        notation = graph.value(node, SKOS_NOTATION)
        if notation is not None:
            code = _literal_text(notation)
        else:
            code = _overlay_key(node) if overlay else _code_from_iri(str(node))
        if code in owner:
            raise ImportRefused(
                f"{path.name}: code {code!r} is used by two concepts: {owner[code]} and {node}. "
                "Codes must be unique within a scheme; change one skos:notation.",
                details={"file": path.name, "code": code},
            )
        owner[code] = node
        code_of[node] = code
    concepts: dict[str, Concept] = {}
    nodes.sort(key=lambda n: code_of[n])  # deterministic order: by code, unless ts:order
    for position, node in enumerate(nodes):
        code = code_of[node]
        concept = Concept(code=code, uri=str(node),
                          order=_order(path, node, graph.value(node, TS_ORDER), position))
        _labels(path, graph, node, concept)
        for parent in graph.objects(node, SKOS_BROADER):
            parent_code = _member_code(parent, code_of, owner, scheme)
            if parent_code is not None:
                concept.broader.append(parent_code)
            elif _names_own_concept(parent, scheme):
                raise ImportRefused(
                    f"{path.name}: {node} has skos:broader {parent}, which is not a concept "
                    "of this file. Correct the broader concept's IRI, or add that concept.",
                    details={"file": path.name, "concept": str(node), "broader": str(parent)})
        status = graph.value(node, TS_STATUS)
        if status is not None:
            concept.status = str(status)  # type: ignore[assignment]
        elif str(graph.value(node, OWL_DEPRECATED) or "").lower() == "true":
            concept.status = "deprecated"
        concept.replaced_by = sorted(
            _member_code(r, code_of, owner, scheme) or _code_from_iri(str(r))
            for r in graph.objects(node, DCTERMS_ISREPLACEDBY))
        _notes(path, graph, node, concept)
        _properties(graph, node, concept)
        concepts[code] = concept
    for node in nodes:  # skos:narrower stated on the parent
        for child in graph.objects(node, SKOS_NARROWER):
            child_code = _member_code(child, code_of, owner, scheme)
            if child_code is not None and code_of[node] not in concepts[child_code].broader:
                concepts[child_code].broader.append(code_of[node])
    for concept in concepts.values():
        concept.broader.sort()
    return concepts


def _names_own_concept(node: Any, scheme: str) -> bool:
    """Whether an IRI is termserver's IRI of a concept of `scheme` (`…/id/<scheme>/<code>`):
    a broader link there that leads nowhere is a mistake, not a link to another scheme."""
    parsed = parse_concept_iri(str(node))
    return parsed is not None and parsed[0] == scheme


def _member_code(node: Any, code_of: dict[URIRef, str], owner: dict[str, URIRef],
                 scheme: str) -> str | None:
    """The code of a concept of this scheme named by its own IRI or by its termserver IRI.

    termserver's exports write hierarchy links with termserver IRIs
    (`…/id/<scheme>/<code>`) even when a concept's own IRI is the publisher's, so both
    must resolve for a round trip.
    """
    code = code_of.get(node)
    if code is not None:
        return code
    parsed = parse_concept_iri(str(node))
    if parsed is not None and parsed[0] == scheme and parsed[1] in owner:
        return parsed[1]
    return None


def _order(path: Path, node: Any, value: Any, default: int) -> int:
    """A `ts:order` value as an int; anything else is refused, naming the node."""
    if value is None:
        return default
    try:
        return int(str(value))
    except ValueError:
        raise ImportRefused(
            f"{path.name}: {node} has ts:order {str(value)[:40]!r}, which is not a whole "
            "number. Fix or remove the ts:order.",
            details={"file": path.name, "node": str(node), "order": str(value)[:40]},
        ) from None


def _notes(path: Path, graph: TripleIndex, node: URIRef, concept: Concept) -> None:
    for predicate, kind in NOTE_KINDS.items():
        for value in sorted(graph.objects(node, predicate), key=str):
            if is_literal(value):
                concept.notes.append(Note(kind, _literal_text(value), value.language or ""))
    stored = []
    for note_node in graph.objects(node, TS_HASNOTE):
        text = graph.value(note_node, SKOS_NOTE)
        if text is None:
            continue
        refs = tuple(sorted(
            parsed[1] for ref in graph.objects(note_node, TS_NOTEREF)
            if (parsed := parse_concept_iri(str(ref))) is not None
        ))
        stored.append((_order(path, note_node, graph.value(note_node, TS_ORDER), 0), Note(
            str(graph.value(note_node, TS_NOTEKIND) or "note"), str(text),
            getattr(text, "language", None) or "", refs)))
    concept.notes.extend(note for _, note in sorted(stored, key=lambda item: item[0]))


def _properties(graph: TripleIndex, node: URIRef, concept: Concept) -> None:
    values: dict[str, list[str]] = {}
    for predicate, value in graph.predicate_objects(node):
        if predicate in _HANDLED or isinstance(value, BNode):
            continue
        iri = str(predicate)
        name = iri[len(_PROP_PREFIX):] if iri.startswith(_PROP_PREFIX) else _code_from_iri(iri)
        values.setdefault(name, []).append(str(value).strip())
    concept.properties = {name: sorted(v) for name, v in sorted(values.items())}


def _overlay_nodes(graph: TripleIndex, scheme_node: URIRef) -> list[URIRef]:
    """Every subject that carries labels or definitions, plus stated scheme members."""
    label_predicates = (SKOS_PREFLABEL, SKOS_ALTLABEL, SKOS_HIDDENLABEL, SKOS_DEFINITION)
    nodes = {s for p in label_predicates for s in graph.subjects(p, None)}
    nodes.update(_concept_nodes(graph, scheme_node))
    return sorted((n for n in nodes if isinstance(n, URIRef) and n != scheme_node), key=str)


def _overlay_key(node: URIRef) -> str:
    """`ffb:<code>` for our own concept IRIs, else the IRI's last segment; never a "/"."""
    parsed = parse_concept_iri(str(node))
    code = f"{parsed[0]}:{parsed[1]}" if parsed else _code_from_iri(str(node))
    return code.replace("/", "_")


def _mappings(graph: TripleIndex) -> list[Mapping]:
    found: dict[tuple[str, str, str], str] = {}
    for relation in MAPPING_RELATIONS:
        for source, target in graph.subject_objects(SKOS[relation]):
            if isinstance(source, URIRef) and isinstance(target, URIRef):
                found.setdefault((str(source), relation, str(target)), "")
    for statement in graph.subjects(RDF_TYPE, TS_MAPPINGSTATEMENT):
        source = graph.value(statement, TS_MAPPINGSOURCE)
        relation = graph.value(statement, TS_MAPPINGRELATION)
        target = graph.value(statement, TS_MAPPINGTARGET)
        if source is None or relation is None or target is None:
            continue
        name = str(relation).rsplit("#", 1)[-1]
        note = graph.value(statement, SKOS_NOTE)
        found[(str(source), name, str(target))] = str(note).strip() if note is not None else ""
    return [Mapping(s, r, t, note) for (s, r, t), note in sorted(found.items())]
