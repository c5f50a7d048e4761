"""The in-memory shape of a vocabulary release.

Every importer produces a `Release`; everything that reads (lookup, search, API,
validators) reads these plain objects. rdflib is only for RDF in and out: a dict
lookup is ~0.2 µs where rdflib's graph API is ~15 µs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["active", "deprecated", "retired", "draft"]
ReleaseStatus = Literal["active", "draft", "retired"]
MappingRelation = Literal["exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"]
MAPPING_RELATIONS: tuple[str, ...] = (
    "exactMatch",
    "closeMatch",
    "broadMatch",
    "narrowMatch",
    "relatedMatch",
)
INVERSE_RELATION = {
    "exactMatch": "exactMatch",
    "closeMatch": "closeMatch",
    "broadMatch": "narrowMatch",
    "narrowMatch": "broadMatch",
    "relatedMatch": "relatedMatch",
}


@dataclass(slots=True)
class Note:
    """A typed note: ICF inclusions/exclusions, scope notes, editorial notes.

    `refs` holds the codes an exclusion points to ("see d450"), in the same scheme.
    """

    kind: str  # inclusion | exclusion | scope | editorial | example | history
    text: str
    lang: str = ""
    refs: tuple[str, ...] = ()


@dataclass(slots=True)
class Mapping:
    """A SKOS mapping statement: `source` relation `target`, both IRIs.

    Kept at release level so that a crosswalk release can speak about concepts
    that live in other releases.
    """

    source: str
    relation: str  # one of MAPPING_RELATIONS
    target: str
    note: str = ""


@dataclass(slots=True)
class Concept:
    code: str
    uri: str
    labels: dict[str, str] = field(default_factory=dict)
    """Preferred label per language tag ("da", "en", "de"); "" for untagged."""
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    hidden_labels: dict[str, list[str]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    status: Status = "active"
    broader: list[str] = field(default_factory=list)
    """Codes of parents in the same release (poly-hierarchy allowed, cycles not)."""
    properties: dict[str, list[str]] = field(default_factory=dict)
    """Publisher properties kept verbatim (FHIR concept properties, ICF kind, legal basis…)."""
    replaced_by: list[str] = field(default_factory=list)
    order: int = 0
    """Position in the source, so exports and children lists keep the publisher's order."""
    label_sources: dict[str, str] = field(default_factory=dict)
    """Language → scheme of the overlay release that supplied that preferred label (our
    Danish ICF working labels, DIMDI's German ICF): set on the loaded view only, never
    stored or exported, so pages and the API can say whose label a person is reading."""

    def label(self, prefer: tuple[str, ...] = ("da", "en", "")) -> str:
        """The label a person should see: Danish first, then English, then anything."""
        for lang in prefer:
            text = self.labels.get(lang)
            if text:
                return text
        return next(iter(self.labels.values()), self.code)

    def label_source(self, prefer: tuple[str, ...] = ("da", "en", "")) -> str | None:
        """The overlay scheme that supplied the label `label()` shows, or None when the
        publisher's own label is shown."""
        for lang in prefer:
            if self.labels.get(lang):
                return self.label_sources.get(lang)
        return self.label_sources.get(next(iter(self.labels), ""))

    def definition(self, prefer: tuple[str, ...] = ("da", "en", "")) -> str | None:
        for lang in prefer:
            text = self.definitions.get(lang)
            if text:
                return text
        return next(iter(self.definitions.values()), None)


RELEASE_PROPERTIES = {"label_status": "labelStatus", "label_note": "labelNote"}
"""`ReleaseInfo.extra` keys that are part of a release's content, stated on its scheme as
`ts:<name>`: an overlay of our own working labels says so (`label_status` = `working`,
`label_note` the sentence pages show beside such a label), and the marking travels with
the release through export and re-import."""


@dataclass(slots=True)
class ReleaseInfo:
    """What identifies and describes a release; stored beside its content as meta.json."""

    scheme: str
    version: str
    title: str
    uri: str
    """The publisher's canonical identity (FHIR CodeSystem.url, ConceptScheme IRI)."""
    issued: str | None = None
    status: ReleaseStatus = "active"
    description: str = ""
    source: str = ""
    """File name the release was imported from (name only: no local paths leak)."""
    source_format: str = ""
    checksum: str = ""
    """sha256 of the canonical sorted N-Triples: identical content, identical checksum."""
    imported_at: str = ""
    kind: str = "vocabulary"
    """`vocabulary`, or `mappings` for a release that only carries crosswalk statements."""
    identifiers: list[str] = field(default_factory=list)
    """Other identities the publisher uses (OIDs, legacy canonical URLs)."""
    languages: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Release:
    info: ReleaseInfo
    concepts: dict[str, Concept]
    mappings: list[Mapping] = field(default_factory=list)
    top_concepts: list[str] = field(default_factory=list)
    narrower: dict[str, list[str]] = field(default_factory=dict)
    """Derived at load by `index_hierarchy`; never stored."""

    @property
    def scheme(self) -> str:
        return self.info.scheme

    @property
    def version(self) -> str:
        return self.info.version

    def index_hierarchy(self) -> None:
        """Derive narrower lists and top concepts from `broader`, in source order."""
        narrower: dict[str, list[str]] = {}
        tops: list[str] = []
        for concept in sorted(self.concepts.values(), key=lambda c: c.order):
            if not concept.broader:
                tops.append(concept.code)
            for parent in concept.broader:
                narrower.setdefault(parent, []).append(concept.code)
        self.narrower = narrower
        self.top_concepts = tops
