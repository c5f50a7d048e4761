"""FHIR R4 CodeSystem JSON, shaped like KL's own files so the round trip is faithful.

Concepts nest under their first parent in source order; further parents become
`parent` properties. Untagged/first-language text becomes display and definition;
other labels become designations with their language.

A hierarchy deeper than `MAX_NESTING` levels is written flat instead: every concept in
the top-level list, in the same order, with all its parents as `parent` properties
(FHIR's other way of stating is-a). Nesting that deep cannot be written or read by the
JSON libraries (orjson stops at 254 levels of brackets on writing and 1024 on reading),
and the flat form imports back to the same release. Both walks are loops, not
recursion, so no hierarchy depth reaches Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from ..model import Concept, Release

_CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"
MAX_NESTING = 100
"""Deepest hierarchy written as nested `concept` lists; KL's and WHO's are under 10 deep.
Each level takes two brackets, so 100 levels stay well inside orjson's 254."""


def _first_language(release: Release) -> str:
    return release.info.languages[0] if release.info.languages else ""


def _concept_json(concept: Concept, lang: str, parents: list[str]) -> dict[str, Any]:
    """One concept without its children; `parents` become `parent` properties."""
    item: dict[str, Any] = {"code": concept.code}
    display = concept.labels.get(lang) or concept.label()
    if display:
        item["display"] = display
    definition = concept.definitions.get(lang) or concept.definition()
    if definition:
        item["definition"] = definition
    designations = [
        {"language": other, "value": text}
        for other, text in concept.labels.items() if other != lang and other
    ]
    designations += [
        ({"language": alt_lang, "value": text} if alt_lang and alt_lang != lang
         else {"value": text})
        for alt_lang, texts in concept.alt_labels.items() for text in texts
    ]
    if designations:
        item["designation"] = designations
    properties = [{"code": "parent", "valueCode": p} for p in parents]
    if concept.status != "active":
        properties.append({"code": "status", "valueCode": concept.status})
    if properties:
        item["property"] = properties
    return item


def _first_parent_walk(release: Release) -> Iterator[tuple[Concept, int]]:
    """Every concept under its first parent, depth first in source order, with its depth.

    An explicit stack of child iterators: a 600-level chain is 600 stack entries, not
    600 Python frames.
    """
    stack = [iter(release.top_concepts)]
    while stack:
        code = next(stack[-1], None)
        if code is None:
            stack.pop()
            continue
        concept = release.concepts[code]
        yield concept, len(stack) - 1
        children = [
            child for child in release.narrower.get(code, ())
            if release.concepts[child].broader[0] == code
        ]
        if children:
            stack.append(iter(children))


def _nested(walk: list[tuple[Concept, int]], lang: str) -> list[dict[str, Any]]:
    """Concepts nested under their first parent; further parents as properties."""
    top: list[dict[str, Any]] = []
    open_items: list[dict[str, Any]] = []  # the item at each depth on the current path
    for concept, depth in walk:
        item = _concept_json(concept, lang, concept.broader[1:])
        if depth == 0:
            top.append(item)
        else:
            open_items[depth - 1].setdefault("concept", []).append(item)
        del open_items[depth:]
        open_items.append(item)
    return top


def _flat(walk: list[tuple[Concept, int]], lang: str) -> list[dict[str, Any]]:
    """Every concept at the top level, in walk order, each parent a `parent` property."""
    return [_concept_json(concept, lang, concept.broader) for concept, _ in walk]


def codesystem_dict(release: Release) -> dict[str, Any]:
    info = release.info
    lang = _first_language(release)
    resource: dict[str, Any] = {
        "resourceType": "CodeSystem",
        "id": info.extra.get("name", info.scheme),
        "url": info.uri,
        "version": info.version,
        "name": info.extra.get("name", info.scheme),
        "title": info.title,
        "status": info.extra.get("status", "active"),
        "description": info.description or info.title,
        "hierarchyMeaning": "is-a",
        "content": "complete",
        "count": len(release.concepts),
    }
    if lang:  # without it, an importer takes the text as Danish (FHIR has no default)
        resource["language"] = lang
    if info.identifiers:
        resource["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": i}
                                  for i in info.identifiers]
    if info.issued:
        resource["date"] = info.issued
    walk = list(_first_parent_walk(release))
    flat = max((depth for _, depth in walk), default=0) >= MAX_NESTING
    declared = []  # FHIR: every property a concept uses is declared on the CodeSystem
    if any(c.broader[0 if flat else 1:] for c in release.concepts.values()):
        declared.append({"code": "parent", "uri": f"{_CONCEPT_PROPERTIES}#parent",
                         "type": "code"})
    if any(c.status != "active" for c in release.concepts.values()):
        declared.append({"code": "status", "uri": f"{_CONCEPT_PROPERTIES}#status",
                         "type": "code"})
    if declared:
        resource["property"] = declared
    resource["concept"] = _flat(walk, lang) if flat else _nested(walk, lang)
    return resource


def codesystem_json(release: Release) -> bytes:
    return orjson.dumps(codesystem_dict(release), option=orjson.OPT_INDENT_2)
