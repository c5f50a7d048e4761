"""A read-only triple index built in one pass, for importers that look things up a lot.

rdflib's in-memory store answers `graph.value(s, p)` in ~10 µs; a 350,000-concept
vocabulary needs millions of such look-ups. This index answers from dicts. For
N-Triples it also skips rdflib's parser (≈ 20 µs a line) with a line reader for the
plain N-Triples our own exports and large vocabularies use; any line it does not
understand sends the whole file back to rdflib, which reports errors properly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef

_IRI = r"<([^<>\"{}|^`\\\s]*)>"
_LINE = re.compile(
    rf"^\s*(?:{_IRI}|_:(\S+))\s+{_IRI}\s+"
    rf"(?:{_IRI}|_:(\S+)|\"((?:[^\"\\]|\\.)*)\"(?:@([A-Za-z][A-Za-z0-9-]*)|\^\^{_IRI})?)"
    r"\s*\.\s*(?:#.*)?$"
)
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf\"'\\])")
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
           "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(
        lambda m: _SIMPLE.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


class PlainLiteral(str):
    """A literal from the fast reader: the text, with `language` and `datatype`.

    rdflib's Literal costs ~10 µs to make (it parses typed values); importers only
    need the text and the language tag.
    """

    __slots__ = ("datatype", "language")

    language: str | None
    datatype: URIRef | None

    def __new__(cls, text: str, language: str | None, datatype: URIRef | None) -> PlainLiteral:
        literal = super().__new__(cls, text)
        literal.language = language
        literal.datatype = datatype
        return literal


def is_literal(value: Any) -> bool:
    return isinstance(value, (Literal, PlainLiteral))


def _split_simple(line: str) -> tuple | None:
    """The common `<s> <p> <o> .` / `<s> <p> "text"@lang .` line without a regex.

    IRIs cannot contain `>` or spaces, so the first two `> ` end subject and predicate;
    anything unusual returns None and the full regex decides.
    """
    if not line.startswith("<") or not line.endswith("."):
        return None
    s_end = line.find("> <")
    if s_end < 0:
        return None
    p_end = line.find("> ", s_end + 3)
    if p_end < 0:
        return None
    subject, predicate = line[1:s_end], line[s_end + 3 : p_end]
    obj = line[p_end + 2 : -1].rstrip()
    if " " in subject or " " in predicate or "<" in subject or "<" in predicate:
        return None
    if obj.startswith("<") and obj.endswith(">") and " " not in obj:
        return subject, None, predicate, obj[1:-1], None, None, None, None
    if obj.startswith('"'):
        close = obj.rfind('"')
        if close <= 0:
            return None
        text, suffix = obj[1:close], obj[close + 1 :]
        if "\\" in text or "\"" in text:  # escapes or stray quotes: the full regex decides
            return None
        if not suffix:
            return subject, None, predicate, None, None, text, None, None
        if suffix.startswith("@") and suffix[1:].replace("-", "").isalnum():
            return subject, None, predicate, None, None, text, suffix[1:], None
        if suffix.startswith("^^<") and suffix.endswith(">"):
            return subject, None, predicate, None, None, text, None, suffix[3:-1]
    return None


def read_ntriples(text: str) -> TripleIndex | None:
    """The triples of a plain N-Triples document, indexed; None when rdflib should parse it.

    Indexing while reading keeps no list of all triples: a 350,000-concept file has ~2M.
    """
    index = TripleIndex(())
    iri_cache: dict[str, URIRef] = {}

    def iri(value: str) -> URIRef:
        node = iri_cache.get(value)
        if node is None:
            node = iri_cache[value] = URIRef(value)
        return node

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = _split_simple(stripped)
        if parts is None:
            match = _LINE.match(stripped)
            if match is None:
                return None
            parts = match.groups()
        s_iri, s_bnode, p_iri, o_iri, o_bnode, o_text, o_lang, o_type = parts
        subject = iri(s_iri) if s_iri is not None else BNode(s_bnode)
        if o_iri is not None:
            obj: Any = iri(o_iri)
        elif o_bnode is not None:
            obj = BNode(o_bnode)
        else:
            obj = PlainLiteral(_unescape(o_text), o_lang.lower() if o_lang else None,
                               iri(o_type) if o_type else None)
        index.add(subject, iri(p_iri), obj)
    return index


class TripleIndex:
    """Just the graph queries the importers use, answered from dicts."""

    def __init__(self, triples: Iterable[tuple[Any, Any, Any]]) -> None:
        self._spo: dict[Any, dict[Any, list[Any]]] = {}
        self._pos: dict[Any, dict[Any, list[Any]]] = {}
        for s, p, o in triples:
            self.add(s, p, o)

    def add(self, s: Any, p: Any, o: Any) -> None:
        self._spo.setdefault(s, {}).setdefault(p, []).append(o)
        if not is_literal(o):  # nobody looks subjects up by a label: keep memory low
            self._pos.setdefault(p, {}).setdefault(o, []).append(s)

    @classmethod
    def from_graph(cls, graph: Graph) -> TripleIndex:
        return cls(graph.triples((None, None, None)))

    def value(self, subject: Any, predicate: Any) -> Any:
        values = self._spo.get(subject, {}).get(predicate)
        return values[0] if values else None

    def objects(self, subject: Any, predicate: Any) -> list[Any]:
        return self._spo.get(subject, {}).get(predicate, [])

    def subjects(self, predicate: Any, obj: Any = None) -> Iterator[Any]:
        if obj is not None:
            yield from self._pos.get(predicate, {}).get(obj, ())
            return
        for subject, predicates in self._spo.items():
            if predicate in predicates:
                yield subject

    def subject_objects(self, predicate: Any) -> Iterator[tuple[Any, Any]]:
        """Pairs for IRI- or blank-node-valued predicates (mapping relations, types)."""
        for obj, subjects in self._pos.get(predicate, {}).items():
            for subject in subjects:
                yield subject, obj

    def predicate_objects(self, subject: Any) -> Iterator[tuple[Any, Any]]:
        for predicate, values in self._spo.get(subject, {}).items():
            for value in values:
                yield predicate, value
