"""A release as RDF: canonical N-Triples (for storage, hashing, SPARQL) and rdflib graphs.

N-Triples lines are produced directly from the model rather than through an rdflib
Graph: building a graph costs ~10 µs a triple, which a 350,000-concept import cannot
afford. The line order is sorted, so equal content gives equal bytes and one sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from rdflib import Dataset, Graph, URIRef

from .model import RELEASE_PROPERTIES, Concept, Release, ReleaseInfo
from .namespaces import DCTERMS, OWL, RDF, SKOS, TS, concept_iri, release_iri, scheme_iri

_P_TYPE = f"<{RDF.type}>"
_P_INSCHEME = f"<{SKOS.inScheme}>"
_P_NOTATION = f"<{SKOS.notation}>"
_P_PREF = f"<{SKOS.prefLabel}>"
_P_ALT = f"<{SKOS.altLabel}>"
_P_HIDDEN = f"<{SKOS.hiddenLabel}>"
_P_DEF = f"<{SKOS.definition}>"
_P_BROADER = f"<{SKOS.broader}>"
_P_TOP = f"<{SKOS.topConceptOf}>"
_P_STATUS = f"<{TS.status}>"
_P_ORDER = f"<{TS.order}>"
_P_REPLACED = f"<{DCTERMS.isReplacedBy}>"
_P_NOTE = f"<{SKOS.note}>"
_P_NOTE_KIND = f"<{TS.noteKind}>"
_P_NOTE_REF = f"<{TS.noteRef}>"
_P_HAS_NOTE = f"<{TS.hasNote}>"
_C_CONCEPT = f"<{SKOS.Concept}>"
_C_SCHEME = f"<{SKOS.ConceptScheme}>"
_C_NOTE = f"<{TS.Note}>"
_C_MAPPING = f"<{TS.MappingStatement}>"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _lit(text: str, lang: str = "") -> str:
    return f'"{_escape(text)}"@{lang}' if lang else f'"{_escape(text)}"'


def _iri(iri: str) -> str:
    return f"<{iri}>"


def property_predicate(name: str) -> str:
    """Publisher properties become `ts:prop-<name>` predicates."""
    return f"{TS}prop-{name}"


def _concept_lines(scheme: str, concept: Concept) -> Iterator[str]:
    s = _iri(concept.uri)
    yield f"{s} {_P_TYPE} {_C_CONCEPT} ."
    yield f"{s} {_P_INSCHEME} {_iri(scheme_iri(scheme))} ."
    yield f"{s} {_P_NOTATION} {_lit(concept.code)} ."
    yield f"{s} {_P_STATUS} {_lit(concept.status)} ."
    yield f'{s} {_P_ORDER} "{concept.order}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    for lang, text in concept.labels.items():
        yield f"{s} {_P_PREF} {_lit(text, lang)} ."
    for predicate, table in ((_P_ALT, concept.alt_labels), (_P_HIDDEN, concept.hidden_labels)):
        for lang, texts in table.items():
            for text in texts:
                yield f"{s} {predicate} {_lit(text, lang)} ."
    for lang, text in concept.definitions.items():
        yield f"{s} {_P_DEF} {_lit(text, lang)} ."
    if concept.broader:
        for parent in concept.broader:
            yield f"{s} {_P_BROADER} {_iri(concept_iri(scheme, parent))} ."
    else:
        yield f"{s} {_P_TOP} {_iri(scheme_iri(scheme))} ."
    for code in concept.replaced_by:
        yield f"{s} {_P_REPLACED} {_iri(concept_iri(scheme, code))} ."
    for name, values in concept.properties.items():
        predicate = _iri(property_predicate(name))
        for value in values:
            yield f"{s} {predicate} {_lit(value)} ."
    for number, note in enumerate(concept.notes):
        n = _iri(f"{concept.uri}#note-{number}")
        yield f"{s} {_P_HAS_NOTE} {n} ."
        yield f"{n} {_P_TYPE} {_C_NOTE} ."
        yield f"{n} {_P_NOTE_KIND} {_lit(note.kind)} ."
        yield f"{n} {_P_NOTE} {_lit(note.text, note.lang)} ."
        yield f'{n} {_P_ORDER} "{number}"^^<http://www.w3.org/2001/XMLSchema#integer> .'
        for ref in note.refs:
            yield f"{n} {_P_NOTE_REF} {_iri(concept_iri(scheme, ref))} ."


def scheme_lines(info: ReleaseInfo) -> Iterator[str]:
    s = _iri(scheme_iri(info.scheme))
    yield f"{s} {_P_TYPE} {_C_SCHEME} ."
    yield f"{s} <{DCTERMS.title}> {_lit(info.title)} ."
    yield f"{s} <{OWL.versionInfo}> {_lit(info.version)} ."
    yield f"{s} <{DCTERMS.identifier}> {_lit(info.uri)} ."
    if info.description:
        yield f"{s} <{DCTERMS.description}> {_lit(info.description)} ."
    if info.issued:
        yield f"{s} <{DCTERMS.issued}> {_lit(info.issued)} ."
    yield f"{s} <{TS.releaseKind}> {_lit(info.kind)} ."
    for key, name in RELEASE_PROPERTIES.items():
        if info.extra.get(key):
            yield f"{s} <{TS[name]}> {_lit(info.extra[key], 'da' if key == 'label_note' else '')} ."
    for identifier in info.identifiers:
        yield f"{s} <{TS.alsoIdentifiedBy}> {_lit(identifier)} ."


def _mapping_lines(release: Release) -> Iterator[str]:
    for mapping in release.mappings:
        yield f"{_iri(mapping.source)} <{SKOS[mapping.relation]}> {_iri(mapping.target)} ."
        if mapping.note:
            digest = hashlib.sha1(
                f"{mapping.source} {mapping.relation} {mapping.target}".encode()
            ).hexdigest()[:16]
            m = _iri(f"{release_iri(release.scheme, release.version)}#mapping-{digest}")
            yield f"{m} {_P_TYPE} {_C_MAPPING} ."
            yield f"{m} <{TS.mappingSource}> {_iri(mapping.source)} ."
            yield f"{m} <{TS.mappingRelation}> <{SKOS[mapping.relation]}> ."
            yield f"{m} <{TS.mappingTarget}> {_iri(mapping.target)} ."
            yield f"{m} {_P_NOTE} {_lit(mapping.note)} ."


def concept_lines(release: Release, concept: Concept) -> list[str]:
    """The triples describing one concept (with the mappings its release states about it)."""
    lines = set(_concept_lines(release.scheme, concept))
    lines.update(
        line for line in _mapping_lines(release) if line.startswith(_iri(concept.uri) + " ")
    )
    return sorted(lines)


def lines_graph(lines: Iterable[str]) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    graph.parse(data="\n".join(lines), format="nt")
    return graph


def content_lines(release: Release) -> list[str]:
    """The release's triples as sorted N-Triples lines: its canonical content."""
    lines = list(scheme_lines(release.info))
    for concept in release.concepts.values():
        lines.extend(_concept_lines(release.scheme, concept))
    lines.extend(_mapping_lines(release))
    lines.sort()
    # drop duplicates (sorted, so they are neighbours); a set would double the memory
    return [line for i, line in enumerate(lines) if i == 0 or line != lines[i - 1]]


def checksum(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def release_graph(release: Release) -> Graph:
    """The release as an rdflib Graph (for export, content negotiation and SPARQL)."""
    return lines_graph(content_lines(release))


PREFIXES: dict[str, str] = {"skos": str(SKOS), "dct": str(DCTERMS), "owl": str(OWL),
                            "ts": str(TS)}
"""The prefixes our RDF is written with, in every serialisation (rdflib's and our own)."""


def bind_prefixes(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)


def split_line(line: str) -> tuple[str, str, str]:
    """(subject, predicate, object) terms of one line as this module writes it.

    Subject and predicate are always `<IRI>`s, which hold no space; the object is the rest
    of the line up to the final ` .`, in N-Triples syntax (an IRI or a literal).
    """
    subject, predicate, obj = line[:-2].split(" ", 2)
    return subject, predicate, obj


def add_release_to_dataset(dataset: Dataset, release: Release, nt_text: str) -> None:
    """Load a release's stored N-Triples as its own named graph (versions are graphs)."""
    graph = dataset.graph(URIRef(release_iri(release.scheme, release.version)))
    graph.parse(data=nt_text, format="nt")
