"""The API contract as pydantic models: OpenAPI is generated from these.

Routes return pre-rendered JSON for speed (releases are immutable, so a body never
goes stale); these models document the shapes, and tests check real bodies against
them so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class VersionInfo(_Open):
    version: str
    issued: str | None = None
    status: str
    concepts: int
    source: str = ""
    checksum: str = ""


class SchemeOut(_Open):
    id: str
    title: str
    uri: str
    kind: str
    latest: str
    concepts: int
    versions: list[VersionInfo]


class ConceptRef(_Open):
    scheme: str | None
    code: str | None
    label: str | None


class MappingOut(_Open):
    relation: str = Field(description="SKOS mapping relation seen from this concept.")
    uri: str
    scheme: str | None
    code: str | None
    label: str | None
    source: str = Field(description="The release that states the mapping (scheme@version).")
    note: str = ""


class NoteOut(_Open):
    kind: str
    text: str
    lang: str = ""
    refs: list[str] = []


class LabelSource(_Open):
    """Whose `label` is shown, when it is not the publisher's own (an overlay supplied it)."""

    scheme: str = Field(description="The overlay release, e.g. `icf-da`.")
    version: str
    title: str
    official: bool = Field(description="False for termserver's own working labels (the "
                           "Danish ICF labels), which are no official translation.")
    note: str = Field(description="What pages show beside such a label, in Danish.")


class ConceptOut(_Open):
    scheme: str
    version: str
    code: str
    uri: str
    label: str
    label_source: LabelSource | None = Field(
        default=None, description="Set when `label` comes from an overlay rather than the "
        "publisher, e.g. termserver's Danish ICF working labels; null for the publisher's.")
    labels: dict[str, str]
    alt_labels: dict[str, list[str]]
    hidden_labels: dict[str, list[str]]
    definition: str | None
    definitions: dict[str, str]
    status: str = Field(description="active | deprecated | retired (gone from this version).")
    last_version: str | None = Field(
        default=None, description="For retired codes: the last version that had the code."
    )
    broader: list[ConceptRef]
    narrower: list[ConceptRef]
    mappings: list[MappingOut]
    replaced_by: list[ConceptRef]
    notes: list[NoteOut]
    properties: dict[str, list[str]]


class AncestorsOut(_Open):
    scheme: str
    version: str
    code: str
    ancestors: list[ConceptRef]


class DescendantsOut(_Open):
    scheme: str
    version: str
    code: str
    descendants: list[ConceptRef]


class WhereStep(_Open):
    code: str
    label: str


class SearchHitOut(_Open):
    scheme: str
    version: str
    code: str
    label: str
    label_source: LabelSource | None = Field(
        default=None, description="As in a concept: set when `label` is not the publisher's.")
    matched: str
    field: str
    score: float
    other_codes: list[str] = Field(
        default_factory=list,
        description="The same concept under other codes in this release (FSIII lists each "
        "concept under its UUID and its older letter code); folded into this result.")
    matched_marks: list[list[int]] = Field(
        default_factory=list,
        description="[start, end) character offsets in `matched` of the words the query "
        "found, for highlighting. `matched` is the label that matched, or the one sentence "
        "of a definition that did (cut to about 180 characters), never a whole definition.")
    status: str = Field(default="active", description="The concept's status: `active`, or "
                        "`deprecated`/`retired` (found only with `include_retired=true`).")
    kind: str = Field(default="", description="tilstand, indsats (also FFB ydelser), icf, "
                      "maalgruppe or andet (scales, statuses, administrative codes).")
    path: list[WhereStep] = Field(
        default_factory=list,
        description="Where the concept sits: its ancestors from the top of the hierarchy "
        "down to its parent, so concepts with one label can be told apart.")


class SearchOut(_Open):
    query: str
    total: int = Field(description="How many results there are: page through them with "
                       "`offset` (at most 1000).")
    offset: int = 0
    results: list[SearchHitOut]


class FieldChangeOut(_Open):
    field: str
    old: Any
    new: Any


class ChangeOut(_Open):
    code: str
    label: str
    fields: list[FieldChangeOut]


class CodeLabel(_Open):
    code: str
    label: str


class DiffOut(_Open):
    scheme: str
    from_: str = Field(alias="from")
    to: str
    added: list[CodeLabel]
    removed: list[CodeLabel]
    changed: list[ChangeOut]
    deprecated: list[CodeLabel]


class ErrorDetail(_Open):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad request"},
    404: {"model": ErrorOut, "description": "Unknown scheme, version or code"},
}


class CodeLabelRef(_Open):
    scheme: str
    code: str
    label: str


class PathStep(_Open):
    scheme: str
    code: str
    label: str
    relation: str | None = None
    note: str | None = None


class InterventionMatch(_Open):
    scheme: str
    code: str
    label: str
    match: str = Field(description="exact | narrower | crosswalk | broader")
    path: list[PathStep]
    area: str | None = None
    legal_basis: list[str] = []
    in_force_from: str | None = Field(
        default=None, description="Since when the law the legal basis names is in force "
        "(YYYY-MM-DD), where the catalogue records it.")


class InterventionSummary(_Open):
    scheme: str
    code: str
    label: str
    area: str | None = None
    legal_basis: list[str] = []
    in_force_from: str | None = None
    via: CodeLabelRef | None = Field(
        default=None, description="The broader målgruppe or the ICF code that led here, when "
        "the entry does not name the concept itself.")


class ConceptInterventionsOut(_Open):
    scheme: str
    code: str
    label: str
    kind: str = Field(description="tilstand, maalgruppe, icf, indsats or andet.")
    icf: list[PathStep] = Field(default_factory=list,
                                description="For a tilstand: the ICF codes our crosswalks "
                                "relate it to, with the relation.")
    match: str = Field(description="direct (the entries name the concept), icf (for a "
                       "tilstand no entry names: entries for its ICF codes), target_group, "
                       "or none.")
    total: int
    interventions: list[InterventionSummary]


class InterventionsOut(_Open):
    icf: str
    qualifier: str | None
    label: str
    label_source: LabelSource | None = Field(
        default=None, description="Set when `label` is termserver's Danish working label "
        "for the ICF code, not WHO's.")
    version: str
    total: int
    results: list[InterventionMatch]


class AddressedRef(_Open):
    scheme: str | None
    code: str | None
    label: str | None
    uri: str


class InterventionOut(_Open):
    scheme: str
    code: str
    label: str
    definition: str | None
    status: str = Field(default="active", description="`active`, or `deprecated` for an "
                        "entry withdrawn from the catalogue: it is never offered in lists, "
                        "searches or interventions for an ICF code.")
    status_reason: str | None = Field(default=None, description="Why it was withdrawn.")
    replaced_by: list[AddressedRef] = Field(default_factory=list,
                                            description="The entries to use instead.")
    area: str | None
    legal_basis: list[str]
    in_force_from: str | None = None
    icf: list[AddressedRef]
    conditions: list[AddressedRef]
    target_groups: list[AddressedRef]
    official: list[AddressedRef]
