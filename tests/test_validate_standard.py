"""The standard as data, checked against KL's own artefacts and exercised one constraint at a time.

* every declared value set expands (in our store) to exactly what KL's published ValueSet
  expands to: drift in either is caught;
* every declared profile constraint (required, forbidden, fixed, binding) is in KL's
  StructureDefinition, and every required binding KL declares is declared here (or listed
  below with the reason it is not);
* every declared constraint fires on a real example that is changed to break it.

KL's artefacts are read from ../shared/data at test time, never copied.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from termserver.settings import Settings
from termserver.store import Store
from validators import Validator
from validators.context import profile_names
from validators.engine import Validator as _V
from validators.model import Profile
from validators.paths import compile_path, resolve, values
from validators.standard import LEGACY_CANONICALS, PROFILES, VALUE_SETS

from .conftest import SHARED_DATA, require_shared

EXAMPLES = SHARED_DATA / "kl-fhir-examples"
CURRENT_GUIDES = ("kl-ffb-reporting", "kl-ffb-messaging", "kl-gateway", "kl-gateway-prevention",
                  "kl-gateway-rehab", "kl-ltt", "kl-children")
NOT_DECLARED = {
    ("kl-messaging-ffb-orderCarePlan", "extension.value[x]", "dk-core-MunicipalityCodes"):
        "the acting municipality: dk-core's municipality codes, not KL's and not in the store",
    ("kl-reporting-ffb-interventionGoal", "target.detail[x]", "KLSeveritiesFFB"):
        "sliced by target.measure: checked by the rule ffb-goal-targets",
    ("kl-reporting-ffb-interventionGoal", "target.detail[x]", "KLChangeValueCodesFFB"):
        "sliced by target.measure: checked by the rule ffb-goal-targets",
}
"""Required bindings KL declares that we deliberately do not check, with the reason."""


PREDECESSOR_CANONICALS = {"http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions"}
"""Systems a closed slicing allows beyond the current guide's: the predecessors' canonical
of the same code system, which the FSIII profiles also serve."""


@pytest.fixture(scope="module")
def validator(history_settings: Settings) -> Validator:
    return Validator(Store.open(history_settings.data_dir))


@cache
def kl_value_sets() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted(EXAMPLES.glob("*/conformance/ValueSet-*.json")):
        if path.parts[-3] in ("KL-dk", "KL-dk-tools"):
            continue  # KL-dk 1.2.0 only re-exports kl-term 1.0.0; FFinst's are not declared
        vs = json.loads(path.read_text(encoding="utf-8"))
        out.setdefault(vs["name"], vs)
        out.setdefault(vs["url"], vs)
    return out


@cache
def kl_code_systems() -> dict[str, list[dict]]:
    """The guides' own small code systems (not in the store), by URL: their concepts."""
    return {cs["url"]: cs.get("concept", [])
            for path in sorted(EXAMPLES.glob("*/conformance/CodeSystem-*.json"))
            for cs in [json.loads(path.read_text(encoding="utf-8"))]}


def kl_expand(validator: Validator, value_set: dict) -> dict[str, set[str]]:
    """KL's compose, expanded independently of our declarations (same store). Systems
    outside the store count with the codes KL lists; HL7's own value sets (v3) are not
    KL's to expand and are left out."""
    term = validator.terminology
    out: dict[str, set[str]] = {}
    for include in value_set["compose"].get("include", []):
        for ref in include.get("valueSet", []):
            if ref not in kl_value_sets():
                continue
            for system, codes in kl_expand(validator, kl_value_sets()[ref]).items():
                out.setdefault(system, set()).update(codes)
        system = include.get("system")
        if system and system not in term.systems and "filter" not in include:
            listed = include.get("concept") or kl_code_systems().get(system, [])
            out.setdefault(system, set()).update(c["code"] for c in listed)
            continue
        if not system or system not in term.systems:
            continue
        release = term.store.latest(term.systems[system])
        codes = out.setdefault(system, set())
        codes.update(c["code"] for c in include.get("concept", []))
        for flt in include.get("filter", []):
            assert flt["op"] in {"descendent-of", "is-a"}, flt
            if flt["value"] in release.concepts:
                codes.update(c.code for c in term.store.descendants(release, flt["value"]))
                if flt["op"] == "is-a":
                    codes.add(flt["value"])
    for exclude in value_set["compose"].get("exclude", []):
        for concept in exclude.get("concept", []):
            out.get(exclude["system"], set()).discard(concept["code"])
    return out


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_value_set_matches_kl(validator: Validator, name: str) -> None:
    require_shared(EXAMPLES / "kl-term" / "conformance")
    theirs = {s: c for s, c in kl_expand(validator, kl_value_sets()[name]).items()
              if s not in VALUE_SETS[name].unchecked_systems}
    ours = {s: set(c) for s, c in validator.terminology.value_sets[name].items()
            if s in validator.terminology.systems or s in theirs}
    assert ours == theirs
    assert sum(len(c) for c in ours.values()) > 0


def test_descendent_of_excludes_the_root(validator: Validator) -> None:
    ad = validator.terminology.value_sets["KLConditionADCodesFFB"]["urn:oid:1.2.208.176.2.22"]
    mobility = "c2b186f9-9c10-478e-8345-2d2c37ab4c46"  # a theme: its subthemes only
    release = validator.terminology.store.latest("ffb")
    assert mobility not in ad
    assert {c.code for c in validator.terminology.store.descendants(release, mobility)} <= ad
    excluded = "794ebc42-0639-46eb-aca2-40e996568578"
    assert excluded not in validator.terminology.value_sets["KLInterventionsFFB"][
        "urn:oid:1.2.208.176.2.22"]


# -- profiles against KL's StructureDefinitions ---------------------------------------------
@cache
def structure_definition(name: str) -> dict:
    for guide in CURRENT_GUIDES:
        path = EXAMPLES / guide / "conformance" / f"StructureDefinition-{name}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise AssertionError(f"no StructureDefinition for {name}")


def closed_slicing(name: str, path: str) -> tuple[str, set[str]]:
    """KL's closed slicing at path: its discriminator and what its slices allow (an
    extension URL's last segment with its slash, a coding's system); slices with max 0
    allow nothing."""
    head = next(e for e in elements(name) if normalise(e["id"]) == path
                and e.get("slicing", {}).get("rules") == "closed")
    key = head["slicing"]["discriminator"][0]["path"]
    allowed, excluded = set(), set()
    for e in elements(name):
        rest = e["id"].removeprefix(head["id"] + ":")
        if rest == e["id"]:
            continue
        slice_name, _, sub = rest.partition(".")
        if e.get("max") == "0" and not sub:
            excluded.add(slice_name)
        if slice_name in excluded:
            continue
        if key == "url" and not sub:
            allowed |= {"/" + p.rsplit("/", 1)[-1] for t in e.get("type", [])
                        for p in t.get("profile", [])}
        elif key == "system" and sub in ("", "system"):
            system = e.get("patternCoding", {}).get("system") or e.get("patternUri")
            if system:
                allowed.add(LEGACY_CANONICALS.get(system, system))
    return key, allowed


def extension_elements(name: str) -> list[dict]:
    for guide in CURRENT_GUIDES:
        path = EXAMPLES / guide / "conformance" / f"StructureDefinition-{name}.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))["differential"]["element"]
    return []


def normalise(element_id: str) -> str:
    """`CarePlan.activity.detail.extension:deliveryType.value[x]`
    → `activity.detail.extension.value[x]` (slice names dropped)."""
    return ".".join(part.split(":")[0] for part in element_id.split(".")[1:])


def elements(name: str) -> list[dict]:
    return structure_definition(name)["differential"]["element"]


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_profile_constraints_are_kl_s(name: str) -> None:
    require_shared(EXAMPLES / "kl-ffb-reporting")
    profile = PROFILES[name]
    sd = structure_definition(name)
    assert sd["type"] == profile.resource_type
    required = {normalise(e["id"]) for e in elements(name) if e.get("min", 0) >= 1}
    forbidden = {normalise(e["id"]) for e in elements(name) if e.get("max") == "0"}
    fixed = {(normalise(e["id"]), v) for e in elements(name) for k, v in e.items()
             if k.startswith(("fixed", "pattern")) and isinstance(v, str)}
    assert set(profile.required) <= required | {"subject"}  # subject: FHIR base 1..1 (Condition)
    assert {normalise("X." + p) for p in profile.forbidden} <= forbidden
    assert set(profile.fixed) <= fixed
    patterns = set()
    for e in elements(name):
        for key in ("patternCoding", "patternCodeableConcept"):
            for coding in ([e[key]] if key == "patternCoding" else e.get(key, {}).get(
                    "coding", [])) if key in e else []:
                patterns.add((normalise(e["id"]).removesuffix(".coding"),
                              LEGACY_CANONICALS.get(coding["system"], coding["system"]),
                              coding["code"]))
    assert set(profile.codings) <= patterns
    for path, key, allowed in profile.closed:  # (predecessors' canonicals may be added)
        theirs = closed_slicing(name, path)
        assert theirs[0] == key and theirs[1] <= set(allowed), (path, theirs)
        assert {a for a in allowed if a not in theirs[1]} <= set(PREDECESSOR_CANONICALS)
    value_set_names = {url: vs["name"] for url, vs in kl_value_sets().items() if "/" in url}
    kl_bindings = {(normalise(e["id"]), value_set_names.get(e["binding"]["valueSet"],
                                                            e["binding"]["valueSet"].rsplit(
                                                                "/", 1)[-1]),
                    e["binding"]["strength"]) for e in elements(name)
                   if e.get("binding", {}).get("valueSet")}
    for e in elements(name):  # a binding in the extension's own definition, on the slice
        for url in [p for t in e.get("type", []) if t["code"] == "Extension"
                    for p in t.get("profile", [])]:
            for x in extension_elements(url.rsplit("/", 1)[-1]):
                if x["id"] == "Extension.value[x]" and x.get("binding", {}).get("valueSet"):
                    bound = x["binding"]["valueSet"]
                    kl_bindings.add((normalise(e["id"]) + ".value[x]", value_set_names.get(
                        bound, bound.rsplit("/", 1)[-1]), x["binding"]["strength"]))
    ours = {(normalise("X." + b.path), b.value_set, b.strength) for b in profile.bindings}
    assert ours <= kl_bindings
    undeclared = {(name, path, vs) for path, vs, strength in kl_bindings - ours
                  if strength == "required"}
    assert undeclared <= set(NOT_DECLARED), "declare these bindings or explain in NOT_DECLARED"


def test_every_current_profile_is_declared() -> None:
    require_shared(EXAMPLES / "kl-ffb-reporting")
    names = set()
    for guide in CURRENT_GUIDES:
        for path in (EXAMPLES / guide / "conformance").glob("StructureDefinition-*.json"):
            sd = json.loads(path.read_text(encoding="utf-8"))
            if sd["type"] != "Extension" and sd["kind"] == "resource":
                names.add(path.stem.removeprefix("StructureDefinition-"))
    undeclared = names - set(PROFILES)
    # focus conditions, organisations and incremental deliveries carry nothing we check
    assert {n for n in undeclared if not n.endswith(("focus-condition", "organization",
                                                     "incremental-delivery"))} == set(
        UNDECLARED_PROFILES)


UNDECLARED_PROFILES = {
    "kl-messaging-ffb-disgnosis": "its only constraint is the defect code.coding.system = "
                                  "'' (note §7.3)",
    "kl-messaging-ffb-interventionGoal": "target slices only; FFB goal targets are a "
                                         "reporting rule (ffb-goal-targets)",
    "kl-messaging-ffb-interventionPurpose": "no constraints of its own",
    "kl-messaging-ffb-informationGathering": "no constraints of its own",
    "kl-messaging-ffb-matterOfInterest": "not used by the example, so not exercisable",
    "KLGatewayChildrenQuestionnaire": "profiles the Questionnaires KL publishes, which are "
                                      "not reported",
}
"""Profiles of the current guides that are deliberately not declared, with the reason."""


# -- every declared constraint fires when a real example breaks it ------------------------
@cache
def example_entries() -> list[tuple[str, str, dict]]:
    """(example file, entry path, resource) for every resource in every current example."""
    out = []
    for guide in CURRENT_GUIDES:
        for path in sorted((EXAMPLES / guide / "examples").glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            for entry in _V._entries(document):
                out.append((str(path.relative_to(EXAMPLES)), entry.path, entry.resource))
    return out


def sample(profile: str, path: str) -> tuple[str, str, dict]:
    """The first example resource of this profile (declared, or a base of one declared)
    where `path` has a value."""
    for source, where, resource in example_entries():
        if profile in profile_names(resource) and values(resource, path):
            return source, where, resource
    raise AssertionError(f"no example has {profile} {path}")


def mutated(source: str, resource: dict, change) -> dict:
    """The example document with `change` applied to (a copy of) this resource."""
    document = json.loads((EXAMPLES / source).read_text(encoding="utf-8"))
    target = next(e.resource for e in _V._entries(document) if e.resource == resource)
    change(target)
    return document


NO_EXAMPLE = {
    "klgateway-children-nicotine": "KL has no nicotine observation among its examples; "
                                   "test_validate.py::test_a_nicotine_observation_is_checked "
                                   "builds one",
}
"""Declared profiles no KL example uses, so the generic tests below have nothing to break."""


def _exercisable(profiles: list[Profile]) -> list[Profile]:
    return [p for p in profiles if p.name not in NO_EXAMPLE]


def _cases(kind: str) -> list[tuple[str, str]]:
    return [(p.name, path) for p in _exercisable(list(PROFILES.values())) for path in
            (p.required if kind == "required" else p.forbidden if kind == "forbidden"
             else [b.path for b in p.bindings])]


def _delete(resource: dict, path: str) -> None:
    parent, _, last = path.rpartition(".")
    holder = values(resource, parent)[0] if parent else resource
    kind, name = compile_path(last)[0]
    if kind == "ext":
        holder["extension"] = [e for e in holder["extension"]
                               if not str(e.get("url")).endswith(name)]
    else:
        for key in [k for k in holder if k == name or (kind == "choice" and k.startswith(name))]:
            del holder[key]


@pytest.mark.parametrize(("profile", "path"), _cases("required"))
def test_required_element_is_enforced(validator: Validator, profile: str, path: str) -> None:
    require_shared(EXAMPLES)
    source, where, resource = sample(profile, path)
    document = mutated(source, resource, lambda r: _delete(r, path))
    got = [i for i in validator.validate(document).issues if i.rule == "struct-required"]
    assert any(i.path.startswith(where) for i in got), got


@pytest.mark.parametrize(("profile", "path"), _cases("forbidden"))
def test_forbidden_element_is_refused(validator: Validator, profile: str, path: str) -> None:
    require_shared(EXAMPLES)
    parent, _, last = path.rpartition(".")
    source, where, resource = (sample(profile, parent) if parent else
                               sample(profile, PROFILES[profile].required[0]) if
                               PROFILES[profile].required else sample(profile, "id"))

    def plant(r: dict) -> None:
        holder = values(r, parent)[0] if parent else r
        holder[last[:-3] + "String" if last.endswith("[x]") else last] = "fritekst"

    document = mutated(source, resource, plant)
    got = [i for i in validator.validate(document).issues if i.rule == "struct-forbidden"]
    assert any(i.path.startswith(where) for i in got), got


def _outside(validator: Validator, system: str, value_set: str) -> str:
    term = validator.terminology
    if system not in term.systems:  # a system whose codes the value set lists (v3, UCUM)
        return "not-" + sorted(term.value_sets[value_set][system])[0]
    release = term.store.latest(term.systems[system])
    return next(c for c in sorted(release.concepts) if c not in
                term.value_sets[value_set].get(system, ()))


@pytest.mark.parametrize(("profile", "path"), _cases("binding"))
def test_binding_is_enforced(validator: Validator, profile: str, path: str) -> None:
    require_shared(EXAMPLES)
    binding = next(b for b in PROFILES[profile].bindings if b.path == path)
    systems = set(validator.terminology.value_sets[binding.value_set])
    try:
        source, where, resource = sample(profile, path)
        planted = False
    except AssertionError:  # no example uses this element: plant it with a bad code
        head, _, tail = ("", "", path.removeprefix("extension:")) if path.startswith(
            "extension:") else path.partition(".extension:")
        source, where, resource = sample(profile, head or "id")
        planted = True

    def swap(r: dict) -> None:
        if planted:
            url = "http://fhir.kl.dk/gateway/StructureDefinition/" + tail.split(".")[0]
            system = sorted(systems)[0]
            (values(r, head)[0] if head else r).setdefault("extension", []).append(
                {"url": url, "valueCodeableConcept": {"coding": [
                    {"system": system, "code": _outside(validator, system, binding.value_set)}]}})
            return
        value = values(r, binding.judged)[0]
        codings = value.get("coding", [value]) if isinstance(value, dict) else []
        coding = next(c for c in codings if validator.terminology.canonical(
            c.get("system", ""))[0] in systems)
        system = validator.terminology.canonical(coding["system"])[0]
        coding["code"] = _outside(validator, system, binding.value_set)
        coding.pop("display", None)

    document = mutated(source, resource, swap)
    rule = "term-valueset" if binding.strength == "required" else "term-valueset-extensible"
    # _outside picks its code from the latest releases: judge by them, not by the example's date
    got = [i for i in validator.validate(document, day="latest").issues if i.rule == rule]
    located = [where] if planted and not head else [
        loc for loc, _ in resolve(resource, where, head if planted else binding.judged)]
    assert any(i.path.startswith(located[0]) for i in got), got


@pytest.mark.parametrize(("profile", "path"),
                         [(p.name, path) for p in _exercisable(list(PROFILES.values()))
                          for path, _, _ in p.closed])
def test_closed_slicing_is_enforced(validator: Validator, profile: str, path: str) -> None:
    require_shared(EXAMPLES)
    source, where, resource = sample(profile, path)
    key = next(k for p, k, _ in PROFILES[profile].closed if p == path)
    parent, _, last = path.rpartition(".")

    def add(r: dict) -> None:
        holder = values(r, parent)[0] if parent else r
        holder[last].append({"url": "http://example.org/fhir/StructureDefinition/local",
                             "valueString": "x"} if key == "url" else
                            {"system": "http://example.org/local-codes", "code": "x"})

    document = mutated(source, resource, add)
    got = [i for i in validator.validate(document).issues if i.rule == "struct-closed-slicing"]
    assert [i for i in got if i.path.startswith(where) and "example.org" in i.message], got


COVERED_BY = {
    "report-allowed-profiles": {"kl-reporting-ffb-delivery-report-1",
                                "kl-reporting-ffb-delivery-report-2",
                                "kl-reporting-ffb-delivery-report-3", "gateway-care-report-1",
                                "gateway-care-report-2", "gateway-140-report-1",
                                "gateway-140-report-2"},
}
"""KL invariants implemented under one of our rule ids (the rule's clause names them)."""


def test_every_kl_invariant_is_a_rule() -> None:
    """Each invariant of every guide in kl-fhir-examples (current ones, predecessors, FKI,
    FFinst) is a rule of ours, under its own id or named by the rule that covers it."""
    from validators.standard import RULES

    require_shared(EXAMPLES / "kl-ffb-reporting")
    guides = sorted(p.name for p in EXAMPLES.iterdir() if (p / "conformance").is_dir())
    assert set(CURRENT_GUIDES) | {"KL-dk", "KL-dk-tools", "kl-gateway-care-data"} <= set(guides)
    keys = set()
    for guide in guides:
        for path in (EXAMPLES / guide / "conformance").glob("StructureDefinition-*.json"):
            for element in json.loads(path.read_text(encoding="utf-8"))["differential"][
                    "element"]:
                keys.update(c["key"] for c in element.get("constraint", []))
    covered = {key for rule, keys_ in COVERED_BY.items() for key in keys_}
    assert keys - covered <= set(RULES), sorted(keys - covered - set(RULES))
    for rule, keys_ in COVERED_BY.items():
        assert rule in RULES and keys_ <= keys


@pytest.mark.parametrize(("profile", "path", "expected"),
                         [(p.name, path, value) for p in PROFILES.values()
                          for path, value in p.fixed])
def test_fixed_value_is_enforced(validator: Validator, profile: str, path: str,
                                 expected: str) -> None:
    require_shared(EXAMPLES)
    source, where, resource = sample(profile, path)
    parent, _, last = path.rpartition(".")

    def change(r: dict) -> None:
        holder = values(r, parent)[0] if parent else r
        holder[last] = "entered-in-error" if expected != "entered-in-error" else "unknown"

    document = mutated(source, resource, change)
    got = [i for i in validator.validate(document).issues if i.rule == "struct-fixed"]
    assert any(i.path.startswith(where) and expected in i.message for i in got), got


@pytest.mark.parametrize(("profile", "path", "code"),
                         [(p.name, path, code) for p in _exercisable(list(PROFILES.values()))
                          for path, _, code in p.codings])
def test_pattern_coding_is_enforced(validator: Validator, profile: str, path: str,
                                    code: str) -> None:
    require_shared(EXAMPLES)
    source, where, resource = sample(profile, path)

    def change(r: dict) -> None:
        value = values(r, path)[0]
        for coding in value.get("coding", [value]):
            if coding.get("code") == code:
                coding["code"] = "not-" + code

    document = mutated(source, resource, change)
    got = [i for i in validator.validate(document).issues if i.rule == "struct-fixed"]
    assert any(i.path.startswith(where) and code in i.message for i in got), got


def test_every_declared_value_set_is_used() -> None:
    """No dead data: each value set is bound, included by another, or named by a rule."""
    import validators

    used = {b.value_set for p in PROFILES.values() for b in p.bindings}
    used |= {n for vs in VALUE_SETS.values() for i in vs.include for n in i.value_sets}
    rule_code = " ".join(path.read_text(encoding="utf-8") for path in
                         Path(validators.__file__).parent.glob("rules_*.py"))
    used |= {name for name in VALUE_SETS if f'"{name}"' in rule_code}
    assert set(VALUE_SETS) - used == set()
