"""`ConceptMap/$translate` over the ConceptMaps sent with a request (`tx-resource`) and
our crosswalks (`conceptmaps.py`).

A code of a source system is translated to the codes a map's groups give it in a target
system (or, `reverse`/`targetCode`, a target code back to its sources). Each match names
the code it maps to, how the two relate and the map that said so. termserver speaks R4,
so a match says `equivalence` (R4's word); maps written in R5 (`relationship`) are read
through FHIR's own correspondence of the two.
"""

from __future__ import annotations

from typing import Any

from .conceptmaps import stored_concept_maps
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
    r5_reverse = params.get("targetCode") is not None or params.get("targetCoding") is not None
    reverse = params.flag("reverse") or r5_reverse
    code, system = _input(params, r5_reverse)
    if not code:
        raise FhirError("$translate needs the code to translate: sourceCode (code) with "
                        "sourceSystem (system), or sourceCoding (coding); targetCode or "
                        "targetCoding to translate back.")
    other = params.text("targetSystem") or params.text("targetsystem")
    if r5_reverse:  # then targetSystem names the system the code is in, sourceSystem the other
        other = params.text("sourceSystem") or params.text("system")
    # R4's reverse=true keeps code/system for the code and targetsystem for the other side
    maps = _maps(context, params)
    matches = []
    for concept_map in maps:
        canonical = _canonical(concept_map)
        for group in concept_map.get("group") or []:
            source, target = group.get("source"), group.get("target")
            if reverse and not r5_reverse:
                matches += _back(group, code, system, other, canonical)
            elif reverse:
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
    """The maps to translate with: those sent with the request, then our crosswalks;
    narrowed by `url` (and `conceptMapVersion`) and R4's `source`/`target` value sets."""
    maps = [*context.concept_maps, *stored_concept_maps(context.store)]
    url = params.text("url")
    if url:
        base, version = split_canonical(url)
        version = params.text("conceptMapVersion") or version
        maps = [m for m in maps if m.get("url") == base
                and (version is None or m.get("version") == version)]
        if not maps:
            known = f" version '{version}'" if version else ""
            raise FhirError(f"A definition for the ConceptMap '{base}'{known} could not be "
                            "found; GET /fhir/ConceptMap lists the maps this server holds.",
                            status_code=404, issue_code="not-found")
    for name, key in (("source", "sourceUri"), ("target", "targetUri")):
        wanted = params.text(name)
        if wanted:  # a value set: the map's own, or a system's implicit one
            maps = [m for m in maps if _value_set_matches(m, key, wanted)]
    return maps


def _value_set_matches(concept_map: dict[str, Any], key: str, wanted: str) -> bool:
    stated = concept_map.get(key) or concept_map.get(key.replace("Uri", "Canonical"))
    if stated is None:
        return True  # a map that does not say which value sets it is between
    return split_canonical(str(stated))[0] in (wanted, f"{wanted}?fhir_vs",
                                               wanted.removesuffix("?fhir_vs"))


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


_INVERSE = {"wider": "narrower", "narrower": "wider", "subsumes": "specializes",
            "specializes": "subsumes"}


def _back(group: dict[str, Any], code: str, system: str | None, other: str | None,
          canonical: str) -> list[dict[str, Any]]:
    """R4's `reverse=true`: a target code to the source codes mapped to it. The match is
    the source code, and its equivalence is the map's turned round (what the map calls
    `wider`, the target being broader, is `narrower` read from the target)."""
    if (system and group.get("target") != system) or (other and group.get("source") != other):
        return []
    out = []
    for element in group.get("element") or []:
        for item in element.get("target") or []:
            if item.get("code") == code:
                match = _match(group.get("source"), {
                    "code": element.get("code"), "display": element.get("display"),
                    "equivalence": _INVERSE.get(str(item.get("equivalence")),
                                                item.get("equivalence")),
                    "relationship": item.get("relationship")}, canonical)
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
