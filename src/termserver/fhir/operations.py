"""The terminology operations: `$lookup`, `$validate-code`, `$subsumes`, `$expand`.

Each takes a `Context` (where code systems and value sets come from) and the request's
`Params`, and returns a FHIR resource as a dict. Problems the caller must fix raise
`FhirError`; a code that is simply not valid is a `result: false` answer, not an error.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ..exporters.fhir import codesystem_dict
from ..model import Concept, Release
from .concepts import (
    CONCEPT_PROPERTIES,
    designations,
    display,
    displays,
    is_abstract,
    is_inactive,
    status_code,
)
from .context import Context, split_canonical
from .outcome import TX_ISSUE_TYPE, FhirError
from .params import Params
from .valuesets import evaluate, resolve_value_set

MAX_EXPANSION = 10_000
"""Larger expansions without `count` are refused as too costly (tx-ecosystem expects it)."""


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
    release = _release_for(context, system, version)
    concept = release.concepts.get(code)
    if concept is None:
        raise FhirError(f"Unknown code '{code}' in the CodeSystem '{release.info.uri}' "
                        f"version '{release.version}'.", status_code=404,
                        issue_code="not-found")
    language = params.text("displayLanguage")
    out: list[dict[str, Any]] = [
        {"name": "name", "valueString": release.info.extra.get("name", release.scheme)},
        {"name": "version", "valueString": release.version},
        {"name": "display", "valueString": display(concept, release, language) or code},
        {"name": "abstract", "valueBoolean": is_abstract(concept)},
    ]
    definition = concept.definition()
    if definition:
        out.append({"name": "definition", "valueString": definition})
    for item in designations(concept, release):
        part = [{"name": "value", "valueString": item["value"]}]
        if "language" in item:
            part.insert(0, {"name": "language", "valueCode": item["language"]})
        out.append({"name": "designation", "part": part})
    properties = [("inactive", {"valueBoolean": is_inactive(concept)})]
    status = status_code(concept)
    if status:
        properties.append(("status", {"valueCode": status}))
    properties += [("parent", {"valueCode": p}) for p in concept.broader]
    properties += [("child", {"valueCode": c}) for c in release.narrower.get(code, ())]
    for name, values in concept.properties.items():
        if name not in ("status", "inactive", "notSelectable"):
            # a code is a token without spaces; text with spaces is a string
            properties += [(name, {"valueString" if " " in v else "valueCode": v})
                           for v in values]
    wanted = {str(p) for p in params.all("property")}
    for name, value in properties:
        if not wanted or "*" in wanted or name in wanted:
            out.append({"name": "property",
                        "part": [{"name": "code", "valueCode": name},
                                 {"name": "value", **value}]})
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


def _issue(severity: str, code: str, text: str, expression: str | None,
           tx_code: str, *, location: bool = True) -> dict[str, Any]:
    """One issue as the ecosystem writes it: FHIR's type, the tx-issue-type, and where
    (`location` is the older spelling of `expression`; codeable concepts go without)."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "details": {
        "coding": [{"system": TX_ISSUE_TYPE, "code": tx_code}], "text": text}}
    if expression:
        if location:
            issue["location"] = [expression]
        issue["expression"] = [expression]
    return issue


def validate_code(context: Context, params: Params, *, value_set: bool) -> dict[str, Any]:
    """`$validate-code` on a code system (`value_set=False`) or a value set."""
    concept_param = params.get("codeableConcept")
    codings = (concept_param.get("coding") or []) if isinstance(concept_param, dict) else []
    where = "CodeableConcept.coding[0]" if codings else (
        "Coding" if params.get("coding") else "")
    if codings:
        first = codings[0]
        system, code = first.get("system"), first.get("code")
        version, wanted_display = first.get("version"), first.get("display")
    else:
        system, code, version, wanted_display = _coding_input(params)
    if not code:
        raise FhirError("No code given: send `code`, a `coding` or a `codeableConcept`.")
    if not value_set and not system:  # CodeSystem/$validate-code names the system by `url`
        system = params.text("url")
    if value_set and not system and params.flag("inferSystem"):
        system = _inferred_system(context, params, code)
    code_where = f"{where}.code" if where else "code"
    system_where = f"{where}.system" if where else "system"
    display_where = f"{where}.display" if where else "display"
    release = context.code_system(system, version) if system else None
    out: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    if release is None:
        base, pinned = split_canonical(system) if system else ("", None)
        version = version or pinned
        known = [r.version for r in context.versions_of(base)] if system else []
        if not system:
            text = "No system given for the code"
        elif version:
            text = (f"A definition for CodeSystem '{base}' version '{version}' could not be "
                    "found, so the code cannot be validated. Valid versions: "
                    f"{', '.join(known) or 'none'}")
        else:
            text = (f"A definition for CodeSystem '{base}' could not be found, so the code "
                    "cannot be validated")
        issues.append(_issue("error", "not-found", text, system_where, "not-found"))
        answer = _validation_result(False, text, code, base or None, None, None, issues,
                                    codings)
        if system:  # which system was missing, so a client can fetch it and ask again
            answer["parameter"].append({"name": "x-caused-by-unknown-system",
                                        "valueCanonical": f"{base}|{version}" if version
                                        else base})
        return answer
    concept = release.concepts.get(code)
    member = concept is not None
    vs_name = ""
    version_mismatch: list[str] = []
    if value_set:
        vs = params.get("valueSet")
        if not isinstance(vs, dict):
            url = params.text("url")
            if not url:
                raise FhirError("$validate-code on a ValueSet needs `url` or `valueSet`.")
            vs = resolve_value_set(context, url, params.text("valueSetVersion"))
        vs_name = str(vs.get("url") or "") + (f"|{vs['version']}" if vs.get("version") else "")
        pinned_by_vs = _include_release(context, vs, release.info.uri)
        if pinned_by_vs is not None and pinned_by_vs is not release:
            if version:  # the value says one version, the value set another
                text = (f"The code system '{release.info.uri}' version "
                        f"'{pinned_by_vs.version}' in the ValueSet include is different to "
                        f"the one in the value ('{version}')")
                issues.append(_issue("error", "invalid", text,
                                     f"{where}.version" if where else "version",
                                     "vs-invalid"))
                version_mismatch.append(text)
            release = pinned_by_vs
            concept = release.concepts.get(code)
            member = concept is not None
        if concept is not None:
            members = evaluate(context, vs).members
            member = any(r is release and c.code == code for r, c in members)
    messages: list[str] = list(version_mismatch)
    in_concept = bool(codings)
    if version_mismatch:  # the mismatch is the answer; the code was not looked for
        member = False
    if not member and value_set and not version_mismatch:
        if in_concept:  # the concept as a whole fails; the coding's own miss is information
            text = f"No valid coding was found for the value set '{vs_name}'"
            issues.append(_issue("error", "code-invalid", text, None, "not-in-vs"))
        else:
            text = (f"The provided code '{release.info.uri}#{code}' was not found in the "
                    f"value set '{vs_name}'")
            issues.append(_issue("error", "code-invalid", text, code_where, "not-in-vs"))
        messages.append(text)
    if concept is None:
        text = (f"Unknown code '{code}' in the CodeSystem '{release.info.uri}' version "
                f"'{release.version}'")
        messages.append(text)
        issues.append(_issue("error", "code-invalid", text, code_where, "invalid-code",
                             location=not in_concept))
    if not member and value_set and in_concept:
        shown_as = f" ('{wanted_display}')" if wanted_display else ""
        issues.append(_issue(
            "information", "code-invalid",
            f"The provided code '{release.info.uri}#{code}{shown_as}' was not found in the "
            f"value set '{vs_name}'", code_where, "this-code-not-in-vs", location=False))
    if concept is None or (in_concept and not member):
        # a failed codeable concept names no single code as the answer
        return _validation_result(False, "; ".join(messages),
                                  None if in_concept else code,
                                  None if in_concept else release.info.uri,
                                  None if in_concept else release.version,
                                  None, issues, codings)
    shown = display(concept, release, params.text("displayLanguage"))
    result = member
    message = "; ".join(messages) or None
    if wanted_display and wanted_display not in displays(concept):
        text = (f"Wrong Display Name '{wanted_display}' for {release.info.uri}#{code}. "
                f"Valid display is '{shown}'")
        issues.append(_issue("error", "invalid", text, display_where, "invalid-display"))
        result = False
        message = text if message is None else f"{message}; {text}"
    for note in _status_notes(release):
        issues.append(_issue("information", "business-rule",
                             f"Reference to {note} CodeSystem {_canonical(release)}", None,
                             "status-check"))
    if is_inactive(concept):
        out.append({"name": "inactive", "valueBoolean": True})
        status = (concept.properties.get("status") or ["inactive"])[0]
        text = (f"The concept '{code}' has a status of {status} and its use should be "
                "reviewed")
        issues.append(_issue("warning", "business-rule", text, where or "code",
                             "code-comment"))
        message = text if message is None else f"{message}; {text}"
    return _validation_result(result, message, code, release.info.uri, release.version,
                              shown, issues, codings, extra=out)


def _include_release(context: Context, vs: dict[str, Any], system: str) -> Release | None:
    """The release a value set's include of `system` draws from (its version, or latest)."""
    for include in (vs.get("compose") or {}).get("include") or []:
        if include.get("system") == system:
            return context.code_system(system, include.get("version"))
    return None


def _status_notes(release: Release) -> list[str]:
    """`draft`/`experimental` for a code system a client should know is not settled."""
    notes = []
    if release.info.extra.get("status") == "draft":
        notes.append("draft")
    if release.info.extra.get("experimental", "").lower() == "true":
        notes.append("experimental")
    return notes


def _canonical(release: Release) -> str:
    return f"{release.info.uri}|{release.version}" if release.version else release.info.uri


def _inferred_system(context: Context, params: Params, code: str) -> str | None:
    """`inferSystem`: the one system of the value set that has the code, if only one has."""
    url = params.text("url")
    vs = params.get("valueSet")
    if not isinstance(vs, dict):
        if not url:
            return None
        vs = resolve_value_set(context, url, params.text("valueSetVersion"))
    systems = {r.info.uri for r, c in evaluate(context, vs).members if c.code == code}
    return systems.pop() if len(systems) == 1 else None


def _validation_result(result: bool, message: str | None, code: str | None,
                       system: str | None, version: str | None, shown: str | None,
                       issues: list[dict[str, Any]], codings: list[dict[str, Any]],
                       extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: list[dict[str, Any]] = [{"name": "result", "valueBoolean": result}]
    if code:
        out.append({"name": "code", "valueCode": code})
    if system:
        out.append({"name": "system", "valueUri": system})
    if version:
        out.append({"name": "version", "valueString": version})
    if shown:
        out.append({"name": "display", "valueString": shown})
    out.extend(extra or [])
    if message:
        out.append({"name": "message", "valueString": message})
    if codings:
        out.append({"name": "codeableConcept",
                    "valueCodeableConcept": {"coding": codings}})
    if issues:
        out.append({"name": "issues", "resource": {"resourceType": "OperationOutcome",
                                                    "issue": issues}})
    return {"resourceType": "Parameters", "parameter": out}


def expand(context: Context, params: Params) -> dict[str, Any]:
    vs = params.get("valueSet")
    if not isinstance(vs, dict):
        url = params.text("url")
        if not url:
            raise FhirError("$expand needs `url` (a value set's canonical URL) or `valueSet`.")
        vs = resolve_value_set(context, url, params.text("valueSetVersion"))
    if params.get("displayLanguage") is None and vs.get("language"):
        # the value set's own language is the display language unless one is asked for
        params.values["displayLanguage"] = [vs["language"]]
        params.kinds["displayLanguage"] = "valueCode"
    evaluated = evaluate(context, vs, _system_versions(params))
    members = evaluated.members
    if params.flag("activeOnly"):
        members = [m for m in members if not is_inactive(m[1])]
    text_filter = (params.text("filter") or "").lower()
    if text_filter:
        members = [m for m in members if _matches(m[1], text_filter)]
    total = len(members)
    offset = params.number("offset") or 0
    count = params.number("count")
    if count is None and total > MAX_EXPANSION:
        raise FhirError(f"The value set has {total} codes, more than the {MAX_EXPANSION} "
                        "expanded at once; page with `count` and `offset`.", status_code=422,
                        issue_code="too-costly")
    page = members[offset:offset + count if count is not None else None]
    language = params.text("displayLanguage")
    designations_wanted = params.flag("includeDesignations")
    parameters = params.echo()
    for release in evaluated.used:
        parameters.append({"name": "used-codesystem", "valueUri": _canonical(release)})
        parameters += [{"name": f"warning-{note}", "valueUri": _canonical(release)}
                       for note in _status_notes(release)]
    expansion: dict[str, Any] = {
        "identifier": f"urn:uuid:{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "total": total,
        "parameter": parameters,
        "contains": [_contains(r, c, language, designations_wanted) for r, c in page],
    }
    if not expansion["contains"]:
        del expansion["contains"]
    if params.get("offset") is not None:
        expansion["offset"] = offset
    # the definition is not repeated: the expansion is what was asked for
    out = {k: v for k, v in vs.items() if k not in ("expansion", "text", "compose")}
    out["resourceType"] = "ValueSet"
    out["expansion"] = expansion
    return out


def _system_versions(params: Params) -> dict[str, str]:
    out = {}
    for value in [*params.all("system-version"), *params.all("force-system-version")]:
        base, version = split_canonical(str(value))
        if version:
            out[base] = version
    return out


def _matches(concept: Concept, text: str) -> bool:
    return any(text in label.lower() for label in concept.labels.values()) or (
        concept.code.lower().startswith(text))


def _contains(release: Release, concept: Concept, language: str | None,
              with_designations: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"system": release.info.uri}  # the version is in used-codesystem
    if is_abstract(concept):
        item["abstract"] = True
    if is_inactive(concept):
        item["inactive"] = True
    item["code"] = concept.code
    shown = display(concept, release, language)
    if shown:
        item["display"] = shown
    if with_designations:
        found = designations(concept, release)
        if found:
            item["designation"] = found
    return item


__all__ = ["CONCEPT_PROPERTIES", "codesystem_resource", "expand", "lookup", "resource_id",
           "subsumes", "validate_code"]
