"""Which codes a value set holds: its `compose` evaluated over the releases we have.

A value set is a list of (release, concept) pairs in the order the publisher gives them:
enumerated concepts as listed, whole systems and filters in the code system's order.
A CodeSystem's implicit value set (its `valueSet`, or its URL) holds every code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..model import Concept, Release
from ..versions import version_key
from .concepts import NOT_SELECTABLE, is_inactive, not_selectable_values
from .context import Context, split_canonical
from .outcome import FhirError
from .versions import VersionRules, check_message, present_versions

Member = tuple[Release, Concept]
Resolve = Callable[[str, "str | None"], "Release | None"]
"""(system, the include's version) → the release an include draws from, or None when
there is none (the resolver has then said why: an error, or an issue it keeps)."""

STANDARDS_STATUS = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
CONCEPT_STATUS_EXTENSIONS = ("http://hl7.org/fhir/StructureDefinition/valueset-deprecated",
                             STANDARDS_STATUS)
"""Extensions by which a value set marks one of its codes as deprecated."""

VERSIONS_MATCH = "versionsMatch"
"""Expansion parameter: codes of different versions of one system are the same code."""


class ValueSetNotFound(FhirError):
    """A value set (imported by another, or asked for) that we do not have."""

    def __init__(self, canonical: str) -> None:
        super().__init__(f"A definition for the value Set '{canonical}' could not be found",
                         status_code=404, issue_code="not-found")
        self.canonical = canonical


@dataclass
class Evaluated:
    members: list[Member] = field(default_factory=list)
    used: list[Release] = field(default_factory=list)
    """Code systems the value set drew codes from, for `used-codesystem`."""
    used_value_sets: list[str] = field(default_factory=list)
    """Value sets it imported (`url|version`), for `used-valueset`."""
    versioned: bool = False
    """The value set names one system in several versions: each code says its version."""
    versions_match: bool = False
    """Codes were matched across versions (`versionsMatch`), which the expansion says."""
    marks: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """(system, code) → the value set's own status extensions on the code (deprecated)."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """The value set and every value set it imported, for their status warnings."""
    inactive_left_out: set[tuple[str, str]] = field(default_factory=set)
    """(system, code) the value set would hold but leaves out as inactive."""


def implicit_value_set(context: Context, url: str) -> Release | None:
    """The code system whose implicit value set `url` names (`…?fhir_vs`, or its own URL)."""
    base = url.split("?fhir_vs")[0]
    return context.code_system(base)


def unknown_system_text(context: Context, system: str, version: str | None,
                        purpose: str) -> str:
    """FHIR's message for a code system (version) we do not have, naming the versions we
    do have; `purpose` is what could not be done (`the value set cannot be expanded`)."""
    if not version:
        return f"A definition for CodeSystem '{system}' could not be found, so {purpose}"
    known = sorted({r.version for r in context.versions_of(system) if r.version},
                   key=version_key)
    tail = (f"Valid versions: {present_versions(known)}" if known
            else "No versions of this code system are known")
    return (f"A definition for CodeSystem '{system}' version '{version}' could not be "
            f"found, so {purpose}. {tail}")


def expansion_resolver(context: Context, rules: VersionRules) -> Resolve:
    """Releases for an expansion: the version rules decide, and a code system (version)
    we do not have, or one a `check-system-version` refuses, is an error."""

    def resolve(system: str, version: str | None) -> Release:
        wanted = rules.system_version(system, version)
        release = context.code_system(system, wanted)
        if release is None:
            raise FhirError(unknown_system_text(context, system, wanted,
                                                "the value set cannot be expanded"),
                            status_code=404, issue_code="not-found")
        for pattern in rules.check_failures(system, release.version):
            raise FhirError(check_message(system, release.version, pattern),
                            issue_code="exception", tx_code="version-error")
        return release

    return resolve


def evaluate(context: Context, value_set: dict[str, Any], resolve: Resolve | None = None,
             rules: VersionRules | None = None, chain: tuple[str, ...] = ()) -> Evaluated:
    """Every member of the value set, each from the release `resolve` gives its include;
    `chain` is the value sets whose imports led here, to refuse a circle."""
    name = str(value_set.get("url") or "") + (
        f"|{value_set['version']}" if value_set.get("version") else "")
    if (name and name in chain) or len(chain) > 50:
        circle = " → ".join((*chain, name))
        raise FhirError(f"The value set {name or chain[0]} imports itself ({circle}), so it "
                        "cannot be evaluated; remove the circular reference.",
                        issue_code="processing", tx_code="vs-invalid")
    chain = (*chain, name)
    rules = rules or VersionRules()
    resolve = resolve or expansion_resolver(context, rules)
    compose = value_set.get("compose") or {}
    out = Evaluated(versioned=_differing_versions(compose), sources=[value_set])
    out.versions_match = _versions_match(compose)
    keep_version = not out.versions_match

    def key(member: Member) -> tuple[str, ...]:
        release, concept = member
        if keep_version:
            return (release.info.uri, release.version, concept.code)
        return (release.info.uri, concept.code)

    included: dict[tuple[str, ...], Member] = {}
    for index, include in enumerate(compose.get("include") or []):
        where = f"ValueSet.compose.include[{index}]"
        for member in _include(context, value_set, include, resolve, rules, out, chain,
                               where):
            found = included.get(key(member))
            # matched across versions, the newest version of the code stands for it
            if found is None or version_key(member[0].version) > version_key(found[0].version):
                included[key(member)] = member
    for index, exclude in enumerate(compose.get("exclude") or []):
        where = f"ValueSet.compose.exclude[{index}]"
        for member in _include(context, value_set, exclude, resolve, rules, out, chain,
                               where):
            included.pop(key(member), None)
    inactive_allowed = compose.get("inactive", True)
    out.members = [m for m in included.values() if inactive_allowed or not is_inactive(m[1])]
    out.inactive_left_out = {(r.info.uri, c.code) for r, c in included.values()
                             if not inactive_allowed and is_inactive(c)}
    return out


def _differing_versions(compose: dict[str, Any]) -> bool:
    """Does the compose name one system with different versions (or with and without)?"""
    seen: dict[str, str | None] = {}
    for item in [*(compose.get("exclude") or []), *(compose.get("include") or [])]:
        system = item.get("system")
        if system is None:
            continue
        if system in seen and seen[system] != item.get("version"):
            return True
        seen.setdefault(system, item.get("version"))
    return False


def _versions_match(compose: dict[str, Any]) -> bool:
    """`versionsMatch`: as the value set asks (an expansion-parameter extension), else
    true when it includes some versions of one system and excludes other versions of it,
    which only makes sense if a code excluded in one version is excluded in all."""
    for extension in compose.get("extension") or []:
        if extension.get("url", "").endswith("/valueset-expansion-parameter"):
            parts = {e.get("url"): e for e in extension.get("extension") or []}
            name = parts.get("name", {})
            if (name.get("valueCode") or name.get("valueString")) == VERSIONS_MATCH:
                value = parts.get("value", {})
                flag = value.get("valueBoolean", value.get("valueString"))
                return str(flag).lower() == "true"
    includes, excludes = compose.get("include") or [], compose.get("exclude") or []
    if not includes or not excludes:
        return False
    system = includes[0].get("system")
    items = [*includes, *excludes]
    if system is None or not all(i.get("system") == system and i.get("version")
                                 for i in items):
        return False
    included = {i["version"] for i in includes}
    return not any(e["version"] in included for e in excludes)


def _include(context: Context, value_set: dict[str, Any], include: dict[str, Any],
             resolve: Resolve,
             rules: VersionRules, out: Evaluated, chain: tuple[str, ...],
             where: str) -> Iterator[Member]:
    nested = []
    for url in include.get("valueSet") or []:
        imported, canonical = _value_set_named(context, value_set, url, rules)
        if canonical and canonical not in out.used_value_sets:
            out.used_value_sets.append(canonical)
        evaluated = evaluate(context, imported, resolve, rules, chain)
        out.used_value_sets.extend(u for u in evaluated.used_value_sets
                                   if u not in out.used_value_sets)
        out.sources.extend(v for v in evaluated.sources if v not in out.sources)
        out.marks.update(evaluated.marks)
        nested.append(evaluated)
    system = include.get("system")
    if system is None:
        for evaluated in nested:
            out.used.extend(r for r in evaluated.used if r not in out.used)
        yield from _intersection(nested)
        return
    release = resolve(system, include.get("version"))
    if release is None:
        return
    if release not in out.used:
        out.used.append(release)
    members = list(_from_system(context, release, include, out, where))
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


def _value_set_named(context: Context, importer: dict[str, Any], url: str,
                     rules: VersionRules) -> tuple[dict[str, Any], str]:
    """An imported value set and its `url|version`; `#id` is one the importing value set
    contains; `default-valueset-version` decides the version of an import naming none."""
    if url.startswith("#"):
        for contained in importer.get("contained") or []:
            if isinstance(contained, dict) and contained.get("resourceType") == "ValueSet" \
                    and contained.get("id") == url[1:]:
                return contained, ""
        raise ValueSetNotFound(url)
    base, pinned = split_canonical(url)
    version = rules.value_set_version(base, pinned)
    found = context.value_set(base, version)
    if found is not None:
        canonical = base + (f"|{found['version']}" if found.get("version") else "")
        return found, canonical
    if version is None:
        release = implicit_value_set(context, base)
        if release is not None:
            return {"compose": {"include": [{"system": release.info.uri}]}}, ""
    raise ValueSetNotFound(f"{base}|{version}" if version else base)


def _from_system(context: Context, release: Release, include: dict[str, Any],
                 out: Evaluated, where: str) -> Iterator[Member]:
    listed = include.get("concept") or []
    filters = include.get("filter") or []
    if listed:
        for item in listed:
            concept = release.concepts.get(str(item.get("code")))
            if concept is not None:
                marks = [e for e in item.get("extension") or []
                         if e.get("url") in CONCEPT_STATUS_EXTENSIONS]
                if marks:
                    out.marks[(release.info.uri, concept.code)] = marks
                yield release, concept
        return
    for index, item in enumerate(filters):
        if item.get("value") in (None, ""):
            raise FhirError(f"The system {release.info.uri} filter with property = "
                            f"{item.get('property')}, op = {item.get('op')} has no value",
                            tx_code="vs-invalid", expression=f"{where}.filter[{index}]")
    candidates, rest = _subtree(context, release, filters)
    for item in rest:
        candidates = [c for c in candidates if _passes(context, release, c, item)]
    for concept in candidates:
        yield release, concept


def _subtree(context: Context, release: Release, filters: list[dict[str, Any]]
             ) -> tuple[list[Concept], list[dict[str, Any]]]:
    """The concepts the first `is-a`/`descendent-of` filter leaves, walked down from its
    code (KL's value sets are mostly such subtrees: walking down is linear in what is
    kept, where testing every concept's ancestry is not), and the filters still to apply."""
    for index, item in enumerate(filters):
        if item.get("property") in ("concept", "code", None) and \
                item.get("op") in ("is-a", "descendent-of"):
            value = str(item.get("value", ""))
            found = context.store.descendants(release, value) if value in release.concepts \
                else []
            if item.get("op") == "is-a" and value in release.concepts:
                found = [release.concepts[value], *found]
            return (sorted(found, key=lambda c: c.order),
                    [f for i, f in enumerate(filters) if i != index])
    return sorted(release.concepts.values(), key=lambda c: c.order), filters


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
    values = _property_values(release, concept, str(prop))
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


def _property_values(release: Release, concept: Concept, prop: str) -> list[str]:
    if prop == "inactive":
        return ["true" if is_inactive(concept) else "false"]
    if prop == NOT_SELECTABLE and prop not in concept.properties:
        return not_selectable_values(concept, release)  # declared under another code
    if prop == "parent":
        return list(concept.broader)
    if prop == "display":
        return list(concept.labels.values())
    return concept.properties.get(prop, [])


_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")
"""A quantified group that itself repeats, `(a+)+`: Python's regex engine can take
exponential time on such a pattern, so it is refused rather than run."""


_ATOM = r"(?:\\.|\[(?:\\.|[^\]\\])*\]|[^()\[\]\\|+*?{}])"
"""One character, escape or character class."""
_REPEATED_REPEAT = re.compile(r"\((?:\?:)?(" + _ATOM + r")([+*])\)([+*])")
"""`(S+)+`, `(S*)+`…: a single repeated atom, repeated again."""
_WRAPPED = re.compile(r"\((?:\?:)?(\(\?:" + _ATOM + r"[+*]\))\)")
"""`((?:S+))`: a group around nothing but another group."""


def _unnest(pattern: str) -> str:
    """Rewrite a repeated repetition of one atom to the single repetition it equals:
    `(S+)+` is `S+`, and with a `*` on either side it is `S*`, so `((a+)+)+` becomes
    `(?:a+)`. The patterns match the same texts, without the exponential backtracking."""
    while True:
        rewritten = _REPEATED_REPEAT.sub(
            lambda m: f"(?:{m.group(1)}{'+' if m.group(2) == m.group(3) == '+' else '*'})",
            pattern)
        rewritten = _WRAPPED.sub(r"\1", rewritten)
        if rewritten == pattern:
            return pattern
        pattern = rewritten


def _regex(pattern: str, text: str) -> bool:
    pattern = _unnest(pattern)
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
    raise ValueSetNotFound(f"{url}|{pinned}" if pinned else url)


def value_set_status(value_set: dict[str, Any]) -> str | None:
    """`withdrawn` or `deprecated`, when the value set's standards status says so."""
    for extension in value_set.get("extension") or []:
        if extension.get("url") == STANDARDS_STATUS and extension.get("valueCode") in (
                "withdrawn", "deprecated"):
            return str(extension["valueCode"])
    return None


def value_set_canonical(value_set: dict[str, Any]) -> str:
    url = str(value_set.get("url") or "")
    return f"{url}|{value_set['version']}" if value_set.get("version") else url


def compose_parameters(value_set: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(name, value key, value) of the expansion parameters the value set sets itself
    (`valueset-expansion-parameter` on its compose); the request's own win over them."""
    out = []
    for extension in (value_set.get("compose") or {}).get("extension") or []:
        if not str(extension.get("url", "")).endswith("/valueset-expansion-parameter"):
            continue
        parts = {e.get("url"): e for e in extension.get("extension") or []}
        name = parts.get("name", {})
        name = name.get("valueCode") or name.get("valueString")
        value = next(((k, v) for k, v in parts.get("value", {}).items()
                      if k.startswith("value")), None)
        if name and value:
            out.append((str(name), value[0], value[1]))
    return out
