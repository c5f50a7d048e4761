"""Which codes a value set holds: its `compose` evaluated over the releases we have.

A value set is a list of (release, concept) pairs in the order the publisher gives them:
enumerated concepts as listed, whole systems and filters in the code system's order.
A CodeSystem's implicit value set (its `valueSet`, or its URL) holds every code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Concept, Release
from .concepts import is_abstract, is_inactive
from .context import Context, split_canonical
from .outcome import FhirError

Member = tuple[Release, Concept]


@dataclass
class Evaluated:
    members: list[Member] = field(default_factory=list)
    used: list[Release] = field(default_factory=list)
    """Code systems the value set drew codes from, for `used-codesystem`."""


def implicit_value_set(context: Context, url: str) -> Release | None:
    """The code system whose implicit value set `url` names (`…?fhir_vs`, or its own URL)."""
    base = url.split("?fhir_vs")[0]
    return context.code_system(base)


def evaluate(context: Context, value_set: dict[str, Any],
             system_versions: dict[str, str] | None = None, depth: int = 0) -> Evaluated:
    """Every member of the value set; unknown systems are an error naming the system."""
    if depth > 20:
        raise FhirError("Value sets import each other in a loop.", issue_code="processing")
    compose = value_set.get("compose") or {}
    out = Evaluated()
    included: dict[tuple[str, str], Member] = {}
    for include in compose.get("include") or []:
        for member in _include(context, include, system_versions or {}, out, depth):
            included.setdefault((member[0].info.uri, member[1].code), member)
    for exclude in compose.get("exclude") or []:
        for member in _include(context, exclude, system_versions or {}, Evaluated(), depth):
            included.pop((member[0].info.uri, member[1].code), None)
    inactive_allowed = compose.get("inactive", True)
    out.members = [m for m in included.values() if inactive_allowed or not is_inactive(m[1])]
    return out


def _include(context: Context, include: dict[str, Any], system_versions: dict[str, str],
             out: Evaluated, depth: int) -> Iterator[Member]:
    nested = [evaluate(context, _value_set_named(context, url), system_versions, depth + 1)
              for url in include.get("valueSet") or []]
    system = include.get("system")
    if system is None:
        for evaluated in nested:
            out.used.extend(r for r in evaluated.used if r not in out.used)
        yield from _intersection(nested)
        return
    version = include.get("version") or system_versions.get(system)
    release = context.code_system(system, version)
    if release is None:
        what = f"{system}|{version}" if version else system
        raise FhirError(f"A definition for CodeSystem '{what}' could not be found, so the "
                        "value set cannot be expanded.", status_code=422,
                        issue_code="not-found")
    if release not in out.used:
        out.used.append(release)
    members = list(_from_system(context, release, include))
    for evaluated in nested:
        keep = {(r.info.uri, c.code) for r, c in evaluated.members}
        members = [m for m in members if (m[0].info.uri, m[1].code) in keep]
    yield from members


def _intersection(evaluated: list[Evaluated]) -> Iterator[Member]:
    if not evaluated:
        return
    first, *rest = evaluated
    keeps = [{(r.info.uri, c.code) for r, c in e.members} for e in rest]
    for release, concept in first.members:
        if all((release.info.uri, concept.code) in keep for keep in keeps):
            yield release, concept


def _value_set_named(context: Context, url: str) -> dict[str, Any]:
    found = context.value_set(url)
    if found is not None:
        return found
    release = implicit_value_set(context, url)
    if release is not None:
        return {"compose": {"include": [{"system": release.info.uri,
                                         "version": release.version}]}}
    raise FhirError(f"A definition for the value Set '{url}' could not be found",
                    status_code=404, issue_code="not-found")


def _from_system(context: Context, release: Release, include: dict[str, Any]
                 ) -> Iterator[Member]:
    listed = include.get("concept") or []
    filters = include.get("filter") or []
    if listed:
        for item in listed:
            concept = release.concepts.get(str(item.get("code")))
            if concept is not None:
                yield release, concept
        return
    candidates = sorted(release.concepts.values(), key=lambda c: c.order)
    for item in filters:
        candidates = [c for c in candidates if _passes(context, release, c, item)]
    for concept in candidates:
        yield release, concept


def _passes(context: Context, release: Release, concept: Concept, item: dict[str, Any]) -> bool:
    prop, op, value = item.get("property"), item.get("op"), str(item.get("value", ""))
    store = context.store
    if prop in ("concept", "code", None) and op in ("is-a", "descendent-of", "is-not-a",
                                                    "child-of", "generalizes", "in", "not-in",
                                                    "=", "regex"):
        if op == "is-a":
            return concept.code == value or store.is_descendant(release, concept.code, value)
        if op == "descendent-of":
            return store.is_descendant(release, concept.code, value)
        if op == "is-not-a":
            return not (concept.code == value
                        or store.is_descendant(release, concept.code, value))
        if op == "child-of":
            return value in concept.broader
        if op == "generalizes":
            return concept.code == value or store.is_descendant(release, value, concept.code)
        if op == "in":
            return concept.code in value.split(",")
        if op == "not-in":
            return concept.code not in value.split(",")
        if op == "=":
            return concept.code == value
        return _regex(value, concept.code)
    values = _property_values(concept, str(prop))
    if op == "=":
        return value in values
    if op == "in":
        return bool(set(value.split(",")) & set(values))
    if op == "not-in":
        return not set(value.split(",")) & set(values)
    if op == "regex":
        return any(_regex(value, v) for v in values)
    if op == "exists":
        return bool(values) == (value.lower() == "true")
    raise FhirError(f"The filter operator {op!r} on property {prop!r} is not supported.",
                    issue_code="not-supported")


def _property_values(concept: Concept, prop: str) -> list[str]:
    if prop == "inactive":
        return ["true" if is_inactive(concept) else "false"]
    if prop == "notSelectable":
        return ["true" if is_abstract(concept) else "false"]
    if prop == "parent":
        return list(concept.broader)
    if prop == "display":
        return list(concept.labels.values())
    return concept.properties.get(prop, [])


_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")
"""A quantified group that itself repeats, `(a+)+`: Python's regex engine can take
exponential time on such a pattern, so it is refused rather than run."""


def _regex(pattern: str, text: str) -> bool:
    if _NESTED_QUANTIFIER.search(pattern):
        raise FhirError(f"The regular expression {pattern!r} repeats a group that itself "
                        "repeats, which can take unbounded time; simplify it.",
                        issue_code="too-costly")
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error as exc:
        raise FhirError(f"The regular expression {pattern!r} is not valid: {exc}.") from None


def resolve_value_set(context: Context, url: str, version: str | None = None
                      ) -> dict[str, Any]:
    """The value set a URL names: a sent/known ValueSet or a code system's implicit one."""
    url, pinned = split_canonical(url)
    found = context.value_set(url, version or pinned)
    if found is not None:
        return found
    release = implicit_value_set(context, url)
    if release is not None and ("?fhir_vs" in url or url == release.info.uri):
        return {"resourceType": "ValueSet", "url": url, "status": "active",
                "compose": {"include": [{"system": release.info.uri}]}}
    pinned = version or pinned
    raise FhirError(f"A definition for the value Set '{url}{'|' + pinned if pinned else ''}' "
                    "could not be found", status_code=404, issue_code="not-found")
