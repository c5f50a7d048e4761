"""The terminology operations: `$lookup`, `$validate-code`, `$subsumes`, `$expand`.

Each takes a `Context` (where code systems and value sets come from) and the request's
`Params`, and returns a FHIR resource as a dict. Problems the caller must fix raise
`FhirError`; a code that is simply not valid is a `result: false` answer, not an error.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from datetime import UTC, datetime
from typing import Any

from ..exporters.fhir import codesystem_dict
from ..model import Concept, Release
from ..store import Store
from . import supplements
from .concepts import (
    CONCEPT_PROPERTIES,
    designations,
    display,
    is_abstract,
    is_inactive,
    release_canonical,
    release_status_notes,
    status_code,
)
from .context import Context, split_canonical
from .details import PREFERRED_FOR_LANGUAGE, Details, property_uri, property_values
from .displays import code_system_language
from .outcome import FhirError
from .params import Params
from .textfilter import filter_members
from .validation import batch_validate_code, validate_code
from .valuesets import (
    VERSIONS_MATCH,
    Evaluated,
    compose_parameters,
    evaluate,
    resolve_value_set,
    value_set_canonical,
    value_set_status,
)
from .versions import VersionRules

LANGUAGE_SYSTEM = "urn:ietf:bcp:47"

EXT_EXPANSION_PROPERTY = ("http://hl7.org/fhir/5.0/StructureDefinition/"
                          "extension-ValueSet.expansion.property")
EXT_CONTAINS_PROPERTY = ("http://hl7.org/fhir/5.0/StructureDefinition/"
                         "extension-ValueSet.expansion.contains.property")
"""R5's expansion properties in an R4 answer: the extensions FHIR defines for them."""

_ECHOED = ("filter", "includeDesignations", "excludeNested", "activeOnly", "offset", "count",
           "displayLanguage", "designation")
"""Request parameters an expansion repeats, as the ecosystem's servers do: those that shape
what was listed (the version parameters follow when they decided a version)."""

_DEFINITION_ONLY = ("expansion", "text", "compose", "extension", "description", "purpose",
                    "contact", "copyright", "publisher")
"""What an expansion leaves out of the value set: its definition and narrative."""



def resource_id(release: Release) -> str:
    """A FHIR id (letters, digits, `-`, `.`) for a release: scheme and version."""
    raw = f"{release.scheme}-{release.version}" if release.version else release.scheme
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in raw)[:64]


def codesystem_resource(release: Release, *, summary: bool = False) -> dict[str, Any]:
    """The release as a CodeSystem at its published canonical URL; concepts unless summary."""
    if summary:
        info = release.info
        return {"resourceType": "CodeSystem", "id": resource_id(release), "url": info.uri,
                "version": info.version, "name": info.extra.get("name", info.scheme),
                "title": info.title, "status": info.extra.get("status", "active"),
                "content": "complete", "count": len(release.concepts)}
    resource = codesystem_dict(release)
    resource["id"] = resource_id(release)
    return resource


def _coding_input(params: Params) -> tuple[str | None, str | None, str | None, str | None]:
    """(system, code, version, display) from `code`+`system` or a `coding`."""
    coding = params.get("coding")
    if isinstance(coding, dict):
        return (coding.get("system"), coding.get("code"), coding.get("version"),
                coding.get("display"))
    return (params.text("system"), params.text("code"),
            params.text("systemVersion") or params.text("version"), params.text("display"))


def _release_for(context: Context, system: str | None, version: str | None) -> Release:
    if not system:
        raise FhirError("No system given: send `system` with `code`, or a `coding`.")
    release = context.code_system(system, version)
    if release is None:
        base, pinned = split_canonical(system)
        version = version or pinned
        known = context.versions_of(base)
        if known and version:
            raise FhirError(
                f"A definition for CodeSystem '{base}' version '{version}' could not be "
                f"found. Valid versions: {', '.join(r.version for r in known)}.",
                status_code=404, issue_code="not-found")
        raise FhirError(f"A definition for CodeSystem '{base}' could not be found.",
                        status_code=404, issue_code="not-found")
    return release


def lookup(context: Context, params: Params) -> dict[str, Any]:
    system, code, version, _ = _coding_input(params)
    if not code:
        raise FhirError("No code given: send `code` and `system`, or a `coding`.")
    used = supplements.apply(context, supplements.required(params))
    release = _release_for(context, system, version)
    concept = release.concepts.get(code)
    if concept is None:
        raise FhirError(f"Unknown code '{code}' in the CodeSystem '{release.info.uri}' "
                        f"version '{release.version}'.", status_code=404,
                        issue_code="not-found")
    language = params.text("displayLanguage")
    out: list[dict[str, Any]] = [
        {"name": "code", "valueCode": concept.code},
        {"name": "system", "valueUri": release.info.uri},
        {"name": "name", "valueString": release.info.extra.get("name", release.scheme)},
        *([{"name": "version", "valueString": release.version}] if release.version else []),
        {"name": "display", "valueString": display(concept, release, language) or code},
        {"name": "abstract", "valueBoolean": is_abstract(concept, release)},
    ]
    definition = concept.definition()
    if definition:
        out.append({"name": "definition", "valueString": definition})
    details = context.details_of(release)
    shown = display(concept, release)
    declared = code_system_language(release)
    if shown and declared:  # the display is the preferred designation in its language
        out.append({"name": "designation", "part": [
            {"name": "language", "valueCode": declared},
            {"name": "use", "valueCoding": {**PREFERRED_FOR_LANGUAGE,
                                            "display": "Preferred For Language"}},
            {"name": "value", "valueString": shown}]})
    for item in _designations(details, concept, release, source=True):
        part = [{"name": "value", "valueString": item["value"]}]
        if "source" in item:  # added by a supplement
            part.insert(0, {"name": "source", "valueCanonical": item["source"]})
        if "use" in item:
            part.insert(0, {"name": "use", "valueCoding": item["use"]})
        if "language" in item:
            part.insert(0, {"name": "language", "valueCode": item["language"]})
        out.append({"name": "designation", "part": part})
    properties = [("inactive", {"valueBoolean": is_inactive(concept)})]
    status = status_code(concept)
    if status:
        properties.append(("status", {"valueCode": status}))
    properties += [("parent", {"valueCode": p}) for p in concept.broader]
    properties += [("child", {"valueCode": c}) for c in release.narrower.get(code, ())]
    for name in concept.properties:
        if name not in ("status", "inactive"):
            properties += [(name, value) for value in
                           property_values(details, release, concept, name)]
    wanted = {str(p) for p in params.all("property")}
    for name, value in properties:
        if not wanted or "*" in wanted or name in wanted:
            out.append({"name": "property",
                        "part": [{"name": "code", "valueCode": name},
                                 {"name": "value", **value}]})
    out += [{"name": "used-supplement", "valueCanonical": c} for c in used]
    return {"resourceType": "Parameters", "parameter": out}


def subsumes(context: Context, params: Params) -> dict[str, Any]:
    code_a, code_b = params.text("codeA"), params.text("codeB")
    system, version = params.text("system"), params.text("version")
    coding_a, coding_b = params.get("codingA"), params.get("codingB")
    if isinstance(coding_a, dict):
        code_a, system = coding_a.get("code"), system or coding_a.get("system")
    if isinstance(coding_b, dict):
        code_b = coding_b.get("code")
    if not code_a or not code_b:
        raise FhirError("$subsumes needs codeA and codeB (or codingA and codingB).")
    release = _release_for(context, system, version)
    for code in (code_a, code_b):
        if code not in release.concepts:
            raise FhirError(f"Unknown code '{code}' in the CodeSystem '{release.info.uri}'.",
                            status_code=404, issue_code="not-found")
    store = context.store
    if code_a == code_b:
        outcome = "equivalent"
    elif store.is_descendant(release, code_b, code_a):
        outcome = "subsumes"
    elif store.is_descendant(release, code_a, code_b):
        outcome = "subsumed-by"
    else:
        outcome = "not-subsumed"
    return {"resourceType": "Parameters",
            "parameter": [{"name": "outcome", "valueCode": outcome}]}


def expand(context: Context, params: Params) -> dict[str, Any]:
    vs = params.get("valueSet")
    url: str | None = None
    if not isinstance(vs, dict):
        url = params.text("url")
        if not url:
            raise FhirError("$expand needs `url` (a value set's canonical URL) or `valueSet`.")
        vs = resolve_value_set(context, url, params.text("valueSetVersion"))
    for name, kind, value in compose_parameters(vs):
        params.default(name, kind, value)
    used_supplements = supplements.apply(context, supplements.required(params, vs))
    if params.get("displayLanguage") is None and vs.get("language"):
        # the value set's own language is the display language unless one is asked for
        params.values["displayLanguage"] = [vs["language"]]
        params.kinds["displayLanguage"] = "valueCode"
    rules = VersionRules.from_params(params)
    evaluated = _evaluated(context, vs, rules, params, url, used_supplements)
    members = evaluated.members
    if params.flag("activeOnly"):
        members = [m for m in members if not is_inactive(m[1])]
    text_filter = params.text("filter") or ""
    if text_filter.strip():  # our Danish search analysis where the index covers the release
        members = filter_members(context.store, members, text_filter)
    total = len(members)
    offset = params.number("offset") or 0
    count = params.number("count")
    if count is None and total > context.max_expansion:
        raise FhirError(f"The value set {_canonical_of(vs)} has {total} codes, more than the "
                        f"{context.max_expansion} expanded at once; page with `count` and "
                        "`offset`.", status_code=422, issue_code="too-costly", tx_code="")
    page = members[offset:offset + count if count is not None else None]
    language = params.text("displayLanguage")
    designations_wanted = params.flag("includeDesignations")
    wanted_properties = [str(p) for p in params.all("property")]
    # version parameters are echoed when they decided a version, as the ecosystem does
    parameters = params.echo(only=_ECHOED)
    parameters += [{"name": name, "valueUri": canonical} for name, canonical in rules.used]
    if evaluated.versions_match:
        parameters.append({"name": VERSIONS_MATCH, "valueBoolean": True})
    parameters += [{"name": "used-valueset", "valueUri": canonical}
                   for canonical in evaluated.used_value_sets]
    parameters += [{"name": "used-supplement", "valueUri": canonical}
                   for canonical in used_supplements]
    for release in evaluated.used:
        parameters.append({"name": "used-codesystem", "valueUri": release_canonical(release)})
        parameters += [{"name": f"warning-{note}", "valueUri": release_canonical(release)}
                       for note in release_status_notes(release)]
        if release.info.extra.get("content") == "fragment":  # it may not hold every code
            parameters.append({"name": "used-fragment", "valueUri": release_canonical(release)})
    for source in evaluated.sources:
        status = value_set_status(source)
        if status:
            parameters.append({"name": f"warning-{status}",
                               "valueUri": value_set_canonical(source)})
    expansion: dict[str, Any] = {
        "identifier": f"urn:uuid:{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "total": total,
        "parameter": parameters,
        "contains": [_contains(context, r, c, language, designations_wanted, evaluated,
                               wanted_properties, [str(d) for d in params.all("designation")])
                     for r, c in page],
    }
    if not expansion["contains"]:
        del expansion["contains"]
    definitions = _property_definitions(context, evaluated, wanted_properties)
    if definitions:  # R5's expansion.property, as the R4 extension that carries it
        expansion["extension"] = definitions
    if params.get("offset") is not None:
        expansion["offset"] = offset
    # the definition is not repeated: the expansion is what was asked for
    out = {k: v for k, v in vs.items() if k not in _DEFINITION_ONLY}
    out["resourceType"] = "ValueSet"
    out["expansion"] = expansion
    return out


_EVALUATED: weakref.WeakKeyDictionary[Store, dict[tuple[str, str | None], tuple[Any, Evaluated]]]
_EVALUATED = weakref.WeakKeyDictionary()
_EVALUATED_LOCK = threading.Lock()
_VERSION_PARAMETERS = ("system-version", "force-system-version", "check-system-version",
                       "default-valueset-version")


def _evaluated(context: Context, vs: dict[str, Any], rules: VersionRules, params: Params,
               url: str | None, used_supplements: list[str]) -> Evaluated:
    """The value set's members, evaluated once per loaded store and published resources
    when nothing in the request can change them (a stored value set or code system by its
    URL; no resources sent along, no supplements, no version parameters): a KL value set's
    filters and imports cost a millisecond or more, its paging, filter and languages
    are applied afresh to every request."""
    if url is None or context.code_systems or context.value_sets or context.replacements \
            or used_supplements or any(params.get(n) is not None for n in _VERSION_PARAMETERS):
        return evaluate(context, vs, rules=rules)
    key = (url, params.text("valueSetVersion"))
    with _EVALUATED_LOCK:
        memo = _EVALUATED.setdefault(context.store, {})
        found = memo.get(key)
    if found is not None and found[0] is context.stored:
        return found[1]
    evaluated = evaluate(context, vs, rules=rules)
    with _EVALUATED_LOCK:
        if len(memo) >= 1000:  # the keys are URLs that resolved: bounded by what is held
            memo.clear()
        memo[key] = (context.stored, evaluated)
    return evaluated


def _canonical_of(vs: dict[str, Any]) -> str:
    url = str(vs.get("url") or "(sent without a url)")
    return f"{url}|{vs['version']}" if vs.get("version") else url


def _contains(context: Context, release: Release, concept: Concept, language: str | None,
              with_designations: bool, evaluated: Evaluated,
              wanted_properties: list[str], wanted_designations: list[str]
              ) -> dict[str, Any]:
    item: dict[str, Any] = {}
    extensions = list(evaluated.marks.get((release.info.uri, concept.code), []))
    details = context.details_of(release)
    for name in wanted_properties:  # R5's contains.property, as R4's extension
        for value in property_values(details, release, concept, name):
            extensions.append({"url": EXT_CONTAINS_PROPERTY, "extension": [
                {"url": "code", "valueCode": name}, {"url": "value", **value}]})
    if extensions:  # the value set's own word on the code (deprecated), properties
        item["extension"] = extensions
    item["system"] = release.info.uri
    # the version is in used-codesystem, unless the value set uses several of one system
    if evaluated.versioned and release.version:
        item["version"] = release.version
    if is_abstract(concept, release):
        item["abstract"] = True
    if is_inactive(concept):
        item["inactive"] = True
    item["code"] = concept.code
    shown = display(concept, release, language)
    if shown:
        item["display"] = shown
    if with_designations:
        found = _expansion_designations(details, concept, release, shown, wanted_designations)
        if found:
            item["designation"] = found
    return item


def _expansion_designations(details: Details | None, concept: Concept, release: Release,
                            shown: str | None, wanted: list[str]) -> list[dict[str, Any]]:
    """A code's designations in an expansion: when the display was taken from another
    language, the code system's own display joins them (preferred for its language) and
    the one shown leaves them; `designation` parameters (`urn:ietf:bcp:47|es`,
    `system|code` of a use) keep only those asked for."""
    found = _designations(details, concept, release)
    own = display(concept, release)
    declared = code_system_language(release)
    if own and shown != own:  # shown in another language, or (`*; q=0`) not at all
        found = [d for d in found if d.get("value") != shown]
        if declared:
            found.insert(0, {"language": declared, "use": {
                **PREFERRED_FOR_LANGUAGE, "display": "Preferred For Language"}, "value": own})
    if wanted:
        found = [d for d in found if _designation_wanted(d, wanted)]
    return found


def _designation_wanted(designation: dict[str, Any], wanted: list[str]) -> bool:
    use = designation.get("use") or {}
    for token in wanted:
        system, _, code = token.partition("|")
        if system == LANGUAGE_SYSTEM and designation.get("language") == code:
            return True
        if system and use.get("system") == system and use.get("code") == code:
            return True
    return False


def _designations(details: Details | None, concept: Concept, release: Release, *,
                  source: bool = False) -> list[dict[str, Any]]:
    """The code's designations: as its code system's resource gave them, when it was sent
    with the request, else the labels the release holds in other languages."""
    found = details.designations(concept.code, source=source) if details is not None \
        else None
    return found if found is not None else designations(concept, release)


def _property_definitions(context: Context, evaluated: Evaluated, wanted: list[str]
                          ) -> list[dict[str, Any]]:
    """`expansion.property` (R5) for each property asked for that has a meaning (URI)."""
    out = []
    for name in wanted:
        uri = next((u for u in (property_uri(context.details_of(r), name)
                                for r in evaluated.used) if u), None)
        if uri:
            out.append({"url": EXT_EXPANSION_PROPERTY, "extension": [
                {"url": "code", "valueCode": name}, {"url": "uri", "valueUri": uri}]})
    return out


__all__ = ["CONCEPT_PROPERTIES", "batch_validate_code", "codesystem_resource", "expand",
           "lookup", "resource_id", "subsumes", "validate_code"]
