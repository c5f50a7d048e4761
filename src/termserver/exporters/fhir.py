"""FHIR R4 CodeSystem JSON, shaped like KL's own files so the round trip is faithful.

Concepts nest under their first parent in source order; further parents become
`parent` properties. Untagged/first-language text becomes display and definition;
other labels become designations with their language.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..model import Concept, Release

_CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"


def _first_language(release: Release) -> str:
    return release.info.languages[0] if release.info.languages else ""


def _concept_json(release: Release, concept: Concept, lang: str) -> dict[str, Any]:
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
    properties = [{"code": "parent", "valueCode": p} for p in concept.broader[1:]]
    if concept.status != "active":
        properties.append({"code": "status", "valueCode": concept.status})
    if properties:
        item["property"] = properties
    children = [
        release.concepts[c] for c in release.narrower.get(concept.code, ())
        if release.concepts[c].broader and release.concepts[c].broader[0] == concept.code
    ]
    if children:
        item["concept"] = [_concept_json(release, child, lang) for child in children]
    return item


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
    declared = []  # FHIR: every property a concept uses is declared on the CodeSystem
    if any(c.broader[1:] for c in release.concepts.values()):
        declared.append({"code": "parent", "uri": f"{_CONCEPT_PROPERTIES}#parent",
                         "type": "code"})
    if any(c.status != "active" for c in release.concepts.values()):
        declared.append({"code": "status", "uri": f"{_CONCEPT_PROPERTIES}#status",
                         "type": "code"})
    if declared:
        resource["property"] = declared
    resource["concept"] = [
        _concept_json(release, release.concepts[code], lang) for code in release.top_concepts
    ]
    return resource


def codesystem_json(release: Release) -> bytes:
    return orjson.dumps(codesystem_dict(release), option=orjson.OPT_INDENT_2)
