"""Concept states as a methodologist reads them: Danish field names, labels instead of
codes and IRIs, and a before/after per changed field.

Works on the states the draft edits store (`authoring.concepts.State`) and on the values
a rebase conflict carries, so the overview's diff, the stale-edit page and the rebase
form show a field the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...authoring.drafts import DraftContent
from ...namespaces import parse_concept_iri
from ..labels import (
    AREA_NAMES,
    LANG_NAMES,
    NOTE_NAMES,
    RELATION_NAMES,
    SCHEME_NAMES,
    STATUS_NAMES,
)
from .danish import FIELD_NAMES

FIELDS = ("labels", "alt_labels", "hidden_labels", "definitions", "status", "broader",
          "replaced_by", "notes", "mappings", "properties")
"""The fields of a concept a person edits, in the order the pages show them."""
PROPERTY_NAMES = {"legalBasis": "Lovgrundlag", "area": "Område", "addressesIcf": "ICF-koder",
                  "addressesCondition": "Tilstande", "targetGroup": "Målgrupper"}


@dataclass
class Describer:
    """Reads codes and IRIs as labels, from the store and the draft's own concepts."""

    store: Any
    content: DraftContent | None = None
    scheme: str | None = None
    """Without a draft: the scheme whose latest release names the codes."""

    def code_label(self, code: str) -> str:
        """`label (code)` of a concept of the draft (or of its scheme)."""
        label = None
        if self.content is not None:
            label = self.content.ref(code)["label"]
        elif self.scheme is not None:
            concept = self.store.concept(self.scheme, code)
            label = concept.label() if concept is not None else None
        return f"{label} ({code})" if label and label != code else code

    def iri_label(self, iri: str) -> str:
        """`label (scheme code)` of any concept termserver has, else the IRI itself."""
        found = self.store.resolve_uri(iri) or parse_concept_iri(iri)
        if found is None:
            return iri
        scheme, code = found
        if self.content is not None and scheme == self.content.base.scheme:
            return self.code_label(code)
        concept = self.store.concept(scheme, code)
        name = SCHEME_NAMES.get(scheme, scheme)
        if concept is None:
            return f"{code} ({name}, findes ikke)"
        label = concept.label()
        return f"{code} {label} ({name})" if scheme == "icf" else f"{label} ({name})"

    def lines(self, field: str, value: Any) -> list[str]:
        """A field's value as lines of text (empty: the field is empty)."""
        if value is None:
            return []
        if field in ("labels", "definitions"):
            return [f"{_lang(lang)}: {text}" for lang, text in value.items()]
        if field in ("alt_labels", "hidden_labels"):
            return [f"{_lang(lang)}: {', '.join(texts)}" for lang, texts in value.items()]
        if field == "status":
            return [STATUS_NAMES.get(value, "aktiv")]
        if field in ("broader", "replaced_by"):
            return [self.code_label(_code(v)) for v in value]
        if field == "notes":
            return [f"{NOTE_NAMES.get(n['kind'], n['kind'])}: {n['text']}" for n in value]
        if field == "mappings":
            return [self.mapping(m) for m in value]
        if field == "properties":
            return [f"{PROPERTY_NAMES.get(key, key)}: {self.value(v, key)}"
                    for key, values in value.items() for v in values]
        if field.startswith("properties."):
            return [self.value(v, field.split(".", 1)[1]) for v in value]
        if field == "*":
            return self.whole(value)
        return [str(value)]

    def mapping(self, mapping: dict[str, Any]) -> str:
        target = mapping.get("target") or mapping.get("uri") or ""
        relation = RELATION_NAMES.get(mapping.get("relation", ""), mapping.get("relation"))
        note = f" – {mapping['note']}" if mapping.get("note") else ""
        return f"{relation}: {self.iri_label(target)}{note}"

    def value(self, value: str, key: str = "") -> str:
        if key == "area":
            return AREA_NAMES.get(value, value)
        return self.iri_label(value) if value.startswith(("http://", "https://")) else value

    def whole(self, state: dict[str, Any] | None) -> list[str]:
        """A whole concept (a rebase conflict about one that was deleted or created)."""
        if state is None:
            return ["(findes ikke)"]
        return [f"{FIELD_NAMES.get(f, f)}: {line}" for f in FIELDS
                for line in self.lines(f, state.get(f))]

    def changes(self, before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The fields that differ, each with its lines before and after."""
        out = []
        for field in FIELDS:
            old = (before or {}).get(field)
            new = (after or {}).get(field)
            if (_empty(old) and _empty(new)) or old == new:
                continue
            if field == "properties":  # one row per catalogue field
                for key in sorted({*(old or {}), *(new or {})}, key=_property_order):
                    was, now = (old or {}).get(key, []), (new or {}).get(key, [])
                    if was != now:
                        out.append({"field": f"properties.{key}",
                                    "name": PROPERTY_NAMES.get(key, key),
                                    "before": self.lines(f"properties.{key}", was),
                                    "after": self.lines(f"properties.{key}", now)})
                continue
            out.append({"field": field, "name": FIELD_NAMES.get(field, field),
                        "before": self.lines(field, old), "after": self.lines(field, new)})
        return out


def change_kind(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What happened to a concept, in Danish."""
    if before is None:
        return "Nyt begreb"
    if after is None:
        return "Slettet"
    if after["code"] != before["code"]:
        return f"Ny kode (før {before['code']})"
    if after["status"] != "active" and before["status"] == "active":
        return "Udgået"
    if after["broader"] != before["broader"]:
        return "Flyttet"
    return "Ændret"


def _property_order(key: str) -> tuple[int, str]:
    order = list(PROPERTY_NAMES)
    return (order.index(key) if key in order else len(order), key)


def _lang(lang: str) -> str:
    return LANG_NAMES.get(lang, lang or "uden sprog")


def _code(value: Any) -> str:
    return value.get("code", "") if isinstance(value, dict) else str(value)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}) or (value == "active")
