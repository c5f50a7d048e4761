"""What changed between two releases of a scheme.

A pure function over two loaded releases, used by `termserver diff` and
`GET /api/v1/schemes/{scheme}/diff`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Concept, Release

COMPARED_FIELDS = ("label", "definition", "parent", "status")


@dataclass(slots=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(slots=True)
class ConceptChange:
    code: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass(slots=True)
class ReleaseDiff:
    scheme: str
    from_version: str
    to_version: str
    added: list[Concept]
    removed: list[Concept]
    changed: list[ConceptChange]
    deprecated: list[Concept]


def _field_values(concept: Concept) -> dict[str, object]:
    return {
        "label": dict(sorted(concept.labels.items())),
        "definition": dict(sorted(concept.definitions.items())),
        "parent": sorted(concept.broader),
        "status": concept.status,
    }


def concept_changes(before: Concept, after: Concept) -> list[FieldChange]:
    """The compared fields that differ between two versions of one concept."""
    old_values, new_values = _field_values(before), _field_values(after)
    return [
        FieldChange(name, old_values[name], new_values[name])
        for name in COMPARED_FIELDS
        if old_values[name] != new_values[name]
    ]


def diff_releases(old: Release, new: Release) -> ReleaseDiff:
    """Concepts added, removed and changed (label, definition, parent, status)."""
    added = [c for code, c in new.concepts.items() if code not in old.concepts]
    removed = [c for code, c in old.concepts.items() if code not in new.concepts]
    changed: list[ConceptChange] = []
    deprecated: list[Concept] = []
    for code, after in new.concepts.items():
        before = old.concepts.get(code)
        if before is None:
            continue
        fields = concept_changes(before, after)
        if fields:
            changed.append(ConceptChange(code, after.label(), fields))
        if after.status == "deprecated" and before.status != "deprecated":
            deprecated.append(after)
    order = {code: i for i, code in enumerate(new.concepts)}
    changed.sort(key=lambda change: order.get(change.code, 0))
    return ReleaseDiff(
        scheme=new.scheme,
        from_version=old.version,
        to_version=new.version,
        added=added,
        removed=removed,
        changed=changed,
        deprecated=deprecated,
    )
