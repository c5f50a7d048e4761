"""`ConceptMap/$translate` over the ConceptMaps sent with a request (`tx-resource`).

A code of a source system is translated to the codes a map's groups give it in a target
system (or, `reverse`/`targetCode`, a target code back to its sources). Each match names
the code it maps to, how the two relate and the map that said so. termserver speaks R4,
so a match says `equivalence` (R4's word); maps written in R5 (`relationship`) are read
through FHIR's own correspondence of the two.
"""

from __future__ import annotations

from typing import Any

from .context import Context, split_canonical
from .outcome import FhirError
from .params import Params

_EQUIVALENCE = {
    "related-to": "relatedto",
    "equivalent": "equivalent",
    "source-is-narrower-than-target": "wider",
    "source-is-broader-than-target": "narrower",
    "not-related-to": "disjoint",
}
"""R5 ConceptMap relationship → R4 equivalence."""


def translate(context: Context, params: Params) -> dict[str, Any]:
    reverse = params.flag("reverse") or params.get("targetCode") is not None \
        or params.get("targetCoding") is not None
    code, system = _input(params, reverse)
    if not code:
        raise FhirError("$translate needs the code to translate: sourceCode (code) with "
                        "sourceSystem (system), or sourceCoding (coding); targetCode or "
                        "targetCoding to translate back.")
    other = params.text("targetSystem") or params.text("targetsystem")
    if reverse:  # then targetSystem names the system the code is in, sourceSystem the other
        other = params.text("sourceSystem") or params.text("system")
    maps = _maps(context, params)
    matches = []
    for concept_map in maps:
        canonical = _canonical(concept_map)
        for group in concept_map.get("group") or []:
            source, target = group.get("source"), group.get("target")
            if reverse:
                matches += _reverse(group, code, system, other, canonical)
            elif (not system or source == system) and (not other or target == other):
                for element in group.get("element") or []:
                    if element.get("code") != code:
                        continue
                    for item in element.get("target") or []:
                        matches.append(_match(target, item, canonical))
    if not matches:
        return {"resourceType": "Parameters", "parameter": [
            {"name": "result", "valueBoolean": False},
            {"name": "message", "valueString": f"No translations found for {system}#{code}"
                                               f"{' to ' + other if other else ''}"}]}
    return {"resourceType": "Parameters", "parameter": [
        {"name": "result", "valueBoolean": True}, *matches]}


def _input(params: Params, reverse: bool) -> tuple[str | None, str | None]:
    prefix = "target" if reverse else "source"
    coding = params.get(f"{prefix}Coding") or (None if reverse else params.get("coding"))
    if isinstance(coding, dict):
        return coding.get("code"), coding.get("system")
    code = params.text(f"{prefix}Code") or (None if reverse else params.text("code"))
    system = params.text("targetSystem") if reverse else (
        params.text("sourceSystem") or params.text("system"))
    return code, system


def _maps(context: Context, params: Params) -> list[dict[str, Any]]:
    url = params.text("url")
    if not url:
        return context.concept_maps
    base, version = split_canonical(url)
    found = [m for m in context.concept_maps if m.get("url") == base
             and (version is None or m.get("version") == version)]
    if not found:
        raise FhirError(f"A definition for the ConceptMap '{url}' could not be found",
                        status_code=404, issue_code="not-found")
    return found


def _reverse(group: dict[str, Any], code: str, system: str | None, other: str | None,
             canonical: str) -> list[dict[str, Any]]:
    if (system and group.get("target") != system) or (other and group.get("source") != other):
        return []
    out = []
    for element in group.get("element") or []:
        for item in element.get("target") or []:
            if item.get("code") == code:
                match = _match(group.get("target"), item, canonical)
                match["part"].append({"name": "source", "valueCoding": {
                    "system": group.get("source"), "code": element.get("code")}})
                out.append(match)
    return out


def _match(system: str | None, item: dict[str, Any], canonical: str) -> dict[str, Any]:
    relationship = item.get("relationship")
    equivalence = item.get("equivalence") or _EQUIVALENCE.get(str(relationship),
                                                               "relatedto")
    concept = {"system": system, "code": item.get("code")}
    if item.get("display"):
        concept["display"] = item["display"]
    return {"name": "match", "part": [
        {"name": "concept", "valueCoding": concept},
        {"name": "equivalence", "valueCode": equivalence},
        {"name": "originMap", "valueCanonical": canonical}]}


def _canonical(concept_map: dict[str, Any]) -> str:
    url = str(concept_map.get("url") or "")
    return f"{url}|{concept_map['version']}" if concept_map.get("version") else url
