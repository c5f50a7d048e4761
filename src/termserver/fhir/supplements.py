"""Code system supplements: designations and properties another CodeSystem adds to a code
system's codes (`content: supplement`, `supplements: url|version`).

A supplement sent with a request is used when the request asks for it (`useSupplement`)
or the value set requires it (the `valueset-supplement` extension); a required supplement
we do not have is an error. Used, it makes a copy of the code system's release whose codes
carry the supplement's designations (marked with their `source`) and properties, and the
answer names it (`used-supplement`).
"""

from __future__ import annotations

import copy
from typing import Any

from ..model import Release
from .concepts import release_canonical
from .context import Context, split_canonical
from .details import Details
from .outcome import FhirError
from .params import Params

VALUESET_SUPPLEMENT = "http://hl7.org/fhir/StructureDefinition/valueset-supplement"


def required(params: Params, value_set: dict[str, Any] | None = None) -> list[str]:
    """The supplements (canonical URLs) the request and the value set ask for."""
    wanted = [str(v) for v in params.all("useSupplement")]
    for extension in (value_set or {}).get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == VALUESET_SUPPLEMENT:
            value = extension.get("valueCanonical") or extension.get("valueUri")
            if value and value not in wanted:
                wanted.append(str(value))
    return wanted


def apply(context: Context, canonicals: list[str]) -> list[str]:
    """Use the supplements named: every release of the code systems they supplement is
    answered with their additions from now on. Returns them as `url|version`."""
    used = []
    for canonical in canonicals:
        url, version = split_canonical(canonical)
        supplement = next((r for r in reversed(context.code_systems)
                           if r.info.uri == url and r.info.extra.get("supplements")
                           and (version is None or r.version == version)), None)
        if supplement is None:
            raise FhirError(f"Required supplement not found: {canonical}", status_code=404,
                            issue_code="not-found")
        target, target_version = split_canonical(supplement.info.extra["supplements"])
        for release in context.versions_of(target):
            if target_version is None or release.version == target_version:
                _supplement(context, release, supplement)
        used.append(release_canonical(supplement))
    return used


def _supplement(context: Context, base: Release, supplement: Release) -> None:
    """Register a copy of `base` with the supplement's additions in its place."""
    current = context.replacements.get(id(base), base)
    concepts = dict(current.concepts)
    for code, extra in supplement.concepts.items():
        concept = concepts.get(code)
        if concept is None:
            continue
        merged = copy.copy(concept)
        merged.alt_labels = {k: list(v) for k, v in concept.alt_labels.items()}
        for language, values in extra.alt_labels.items():
            merged.alt_labels.setdefault(language, []).extend(values)
        merged.properties = {k: list(v) for k, v in concept.properties.items()}
        for name, values in extra.properties.items():
            merged.properties.setdefault(name, []).extend(values)
        concepts[code] = merged
    replaced = Release(info=current.info, concepts=concepts, mappings=current.mappings,
                       top_concepts=current.top_concepts, narrower=current.narrower)
    details = _merged_details(context.details_of(current), context.details_of(supplement),
                              release_canonical(supplement))
    context.replacements[id(base)] = replaced
    context.details[id(replaced)] = details


def _merged_details(base: Details | None, extra: Details | None, source: str) -> Details:
    merged = Details(properties=dict(base.properties) if base else {},
                     concepts={k: dict(v) for k, v in base.concepts.items()} if base else {})
    if extra is None:
        return merged
    merged.properties.update({k: v for k, v in extra.properties.items()
                              if k not in merged.properties})
    for code, concept in extra.concepts.items():
        target = merged.concepts.setdefault(code, {"code": code})
        target["designation"] = [*(target.get("designation") or []),
                                 *({**d, "source": source} for d in
                                   concept.get("designation") or [] if isinstance(d, dict))]
        target["property"] = [*(target.get("property") or []), *(concept.get("property") or [])]
    return merged
