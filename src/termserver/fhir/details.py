"""FHIR detail of a CodeSystem sent with a request that a release does not hold.

A release keeps what termserver serves everywhere: labels per language, definitions,
properties as text. A CodeSystem resource says more: the `use` of each designation
(`olde-english`, FSN), the type of each property value (code, string, boolean,
decimal), and the URI that gives a property its meaning. For code systems sent as
`tx-resource` the operations answer with that detail, as the resource gave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Concept, Release
from .concepts import CONCEPT_PROPERTIES

PREFERRED_FOR_LANGUAGE = {"system": "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra",
                          "code": "preferredForLanguage"}


@dataclass
class Details:
    """A code system resource's property definitions and its concepts as it wrote them."""

    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    """property code → its definition (`code`, `uri`, `type`)."""
    concepts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, resource: dict[str, Any]) -> Details:
        details = cls()
        for item in resource.get("property") or []:
            if isinstance(item, dict) and item.get("code"):
                details.properties[str(item["code"])] = item
        for concept in _walk(resource.get("concept") or []):
            details.concepts.setdefault(str(concept.get("code")), concept)
        return details

    def designations(self, code: str, *, source: bool = False
                     ) -> list[dict[str, Any]] | None:
        """The code's designations as sent (language, use, value, and with `source` the
        supplement that added one), or None if the code is unknown."""
        concept = self.concepts.get(code)
        if concept is None:
            return None
        keys = ("language", "use", "value", "source") if source else ("language", "use",
                                                                       "value")
        return [{k: v for k, v in d.items() if k in keys}
                for d in concept.get("designation") or [] if isinstance(d, dict)]

    def property_values(self, code: str, name: str) -> list[dict[str, Any]]:
        """`{"valueCode": …}` for each value of property `name` on the code."""
        concept = self.concepts.get(code) or {}
        return [{k: v for k, v in p.items() if k.startswith("value")}
                for p in concept.get("property") or []
                if isinstance(p, dict) and p.get("code") == name]

    def uri(self, name: str) -> str | None:
        definition = self.properties.get(name)
        return str(definition["uri"]) if definition and definition.get("uri") else None


def _walk(concepts: list[Any]) -> Iterator[dict[str, Any]]:
    for concept in concepts:
        if isinstance(concept, dict):
            yield concept
            yield from _walk(concept.get("concept") or [])


def property_uri(details: Details | None, name: str) -> str | None:
    """The URI that gives a property its meaning: the code system's, else FHIR's own."""
    if details is not None and details.uri(name):
        return details.uri(name)
    if name in ("definition", "status", "inactive", "notSelectable", "parent", "child",
                "deprecated", "retirementDate", "deprecationDate"):
        return f"{CONCEPT_PROPERTIES}#{name}"
    return None


def property_values(details: Details | None, release: Release, concept: Concept,
                    name: str) -> list[dict[str, Any]]:
    """The values of one property of a code, typed: as the resource wrote them when it
    was sent, else from the release (`definition` is the code's definition)."""
    if name == "definition":
        text = concept.definition()
        return [{"valueString": text}] if text else []
    if details is not None and details.concepts.get(concept.code) is not None:
        return details.property_values(concept.code, name)
    return [{"valueString" if " " in v else "valueCode": v}
            for v in concept.properties.get(name, [])]
