"""Progression (FKO): did the citizens' functioning change, and did the interventions help?

From one citizen's course (documents in date order, validators.course): per tilstand
with a level scale, its level at each assessment, the target of the goal set for it,
the direction from the first assessment to the last (bedre / uændret / værre) and whether
the goal was met at the last follow-up. Across many citizens: per intervention (FFB
ydelse or FSIII indsats), how many of the citizens who got it improved, stayed or
declined on each tilstand it addresses.

Definitions (docs/validators.md, *Progression*):

* An assessment is a version of the tilstand (Condition) with a level (`severity`) on
  FFB's funktionsevneniveau or FSIII's funktionsniveau, dated by its
  conditionLastAssertedDate, else its recordedDate; a later report repeating the same
  assessment date is the same assessment (its later statement counts).
* Levels are ordinals, 0 the best: FFB Ingen (0), Let (1), Moderat (2), Svært (3),
  Fuldstændig (4) nedsat funktionsevne; FSIII 0–4 begrænsninger. »Ikke vurderet« and
  »Ikke relevant« are no level.
* Direction: the last level against the first: lower is bedre, equal uændret, higher
  værre; none with fewer than two levelled assessments.
* The goal of a tilstand: the latest goal (in course order) that addresses it as primary
  (ConditionRank 1), else the latest that addresses it at all; its target is the level
  under measure 66959f77 (forventet funktionsevneniveau), its kind (måltype) the value
  under 90c48f03.
* The last follow-up: the latest follow-up Observation (SNOMED CT 712744002) of the
  course that is about the tilstand: one whose focus names it, or one that names no
  tilstand at all (FFB follows up on the social indsats). The goal is met when the level
  then (the latest assessment on or before that day) is at least as good as the target.
* The tilstande an intervention addresses: those its goals address (the intervention's
  `goal`, `activity.detail.goal`, else those of the plan it is `basedOn`), those it names
  as reasons (FSIII `activity.detail.reasonReference`, `addresses`); when it links none,
  as in KL's FFB reporting, the tilstande addressed by any goal of the course (FFB's
  indsatsmål are the goals of the indsatser).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .context import all_codings, lst, obj, rank
from .course import CourseDocument, Item
from .dates import after, document_date, sort_key
from .parsing import DocumentError, parse_document
from .rules_dates import FOLLOW_UP
from .rules_ffb import CHANGE_MEASURE, SEVERITY_MEASURE
from .standard import CPR_SYSTEM, FFB, FSIII, LEGACY_CANONICALS

DIRECTIONS = ("bedre", "uændret", "værre")


@dataclass(frozen=True, slots=True)
class Scale:
    """A level scale: its codes as ordinals, 0 the best."""

    name: str
    system: str
    levels: dict[str, int]
    unassessed: frozenset[str]
    """Codes of the scale that are no level (ikke vurderet, ikke relevant)."""
    names: tuple[str, ...] = ()
    """Words for the levels where the code system labels them with a digit only (FSIII)."""


SCALES = (
    Scale("FFB funktionsevneniveau", FFB, {
        "b508ff66-6326-4862-a6d7-7bbf184c9823": 0,  # Ingen nedsat funktionsevne
        "8328ce4a-6238-4f73-bf1a-74aadb68eff8": 1,  # Let nedsat funktionsevne
        "5bdde847-2837-416b-ab63-bbff8b7aa531": 2,  # Moderat nedsat funktionsevne
        "cae545f5-2813-4d79-98fc-0a7d770af3cd": 3,  # Svært nedsat funktionsevne
        "832ae90b-23b5-4063-80aa-0b81bdce680e": 4,  # Fuldstændig nedsat funktionsevne
    }, frozenset({"1c327095-107f-4b96-88d0-ec562cb980be"})),  # Ikke vurderet
    Scale("FSIII funktionsniveau", FSIII, {
        "9c5cfb57-a498-40e5-98a7-792bf5fb205b": 0, "B1": 0,  # 0 ingen/ubetydelige
        "fcc16cb1-41f0-4832-b834-110fba0aaabe": 1, "B2": 1,  # 1 lette begrænsninger
        "d984ad21-48fe-4619-845e-2aa0303048e7": 2, "B3": 2,  # 2 moderate
        "1ceef776-0cfa-4acd-b222-c5bb2424e0c1": 3, "B4": 3,  # 3 svære
        "f4c9f159-5806-4c06-95e9-e69b83bab1a1": 4, "B5": 4,  # 4 totale begrænsninger
    }, frozenset({"d7ff926a-4955-478f-b300-0b0ec0785013", "B6"}),  # 9 ikke relevant
          ("ingen/ubetydelige begrænsninger", "lette begrænsninger", "moderate begrænsninger",
           "svære begrænsninger", "totale begrænsninger")),
)
_SCALE_OF = {scale.system: scale for scale in SCALES}
_INTERVENTION_SYSTEMS = (FFB, FSIII)


@dataclass(slots=True)
class Coded:
    system: str
    code: str
    label: str
    level: int | None = None
    scaled: bool = False
    """A code of a level scale: `level` is its ordinal (None: ikke vurderet/relevant)."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"system": self.system, "code": self.code, "label": self.label}
        if self.scaled:
            out["level"] = self.level
        return out


Labels = Callable[[str, str], str]
"""(system, code) → the label a caseworker reads (the code itself when unknown)."""


@dataclass(slots=True)
class Assessment:
    date: str
    value: Coded
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date, **self.value.as_dict(), "document": self.source}


@dataclass(slots=True)
class Tilstand:
    """One tilstand of one citizen through the course."""

    condition: str
    code: Coded
    scale: str
    assessments: list[Assessment] = field(default_factory=list)
    goal: dict[str, Any] | None = None
    target: Coded | None = None
    direction: str | None = None
    last_follow_up: str | None = None
    level_at_follow_up: Coded | None = None
    goal_met: bool | None = None
    icf: list[str] = field(default_factory=list)

    @property
    def levels(self) -> list[int]:
        return [a.value.level for a in self.assessments if a.value.level is not None]

    def as_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, **self.code.as_dict(), "scale": self.scale,
                "icf": self.icf, "assessments": [a.as_dict() for a in self.assessments],
                "goal": self.goal, "direction": self.direction,
                "last_follow_up": self.last_follow_up,
                "level_at_follow_up": self.level_at_follow_up.as_dict()
                if self.level_at_follow_up else None, "goal_met": self.goal_met}


@dataclass(slots=True)
class CitizenProgress:
    citizen: str
    documents: list[str]
    tilstande: list[Tilstand]
    interventions: list[tuple[Coded, list[str]]]
    """(the intervention, the conditions it addresses)."""

    def as_dict(self) -> dict[str, Any]:
        return {"citizen": self.citizen, "documents": self.documents,
                "tilstande": [t.as_dict() for t in self.tilstande],
                "interventions": [{**code.as_dict(), "conditions": conditions}
                                  for code, conditions in self.interventions]}


def _key(reference: Any) -> tuple[str, str] | None:
    ref = obj(reference).get("reference")
    if type(ref) is not str:
        return None
    parts = ref.split("/_history/", 1)[0].rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def _canonical(system: Any) -> str:
    return LEGACY_CANONICALS.get(str(system), str(system))


def _level(concept: Any, labels: Labels) -> tuple[Coded, Scale] | None:
    for coding in all_codings(concept):
        system = _canonical(coding.get("system"))
        scale = _SCALE_OF.get(system)
        if scale is not None and (coding["code"] in scale.levels or
                                  coding["code"] in scale.unassessed):
            level = scale.levels.get(coding["code"])
            label = labels(system, coding["code"])
            if scale.names and label.strip().isdigit():  # FSIII's "2": say what it means
                label = f"{label} {scale.names[level]}" if level is not None else (
                    f"{label} ikke relevant")
            return Coded(system, coding["code"], label, level, True), scale
    return None


def _assessed(condition: dict) -> str | None:
    for extension in lst(condition.get("extension")):
        if type(extension) is dict and str(extension.get("url", "")).endswith(
                "/ConditionLastAssertedDate") and type(extension.get("valueDateTime")) is str:
            return extension["valueDateTime"]
    recorded = condition.get("recordedDate")
    return recorded if type(recorded) is str else None


def _first_code(concept: Any, labels: Labels, systems: Iterable[str] | None = None
                ) -> Coded | None:
    for coding in all_codings(concept):
        system = _canonical(coding.get("system"))
        if systems is None or system in systems:
            return Coded(system, coding["code"], labels(system, coding["code"]))
    return None


class _Course:
    """What progression reads from one citizen's documents, in course order."""

    def __init__(self, documents: list[CourseDocument]) -> None:
        self.conditions: dict[str, list[tuple[CourseDocument, dict]]] = {}
        self.goals: dict[str, tuple[int, dict]] = {}
        self.plans: dict[str, dict] = {}
        self.follow_ups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        for order, doc in enumerate(documents):
            for kind, resource in _resources(doc.document or {}):
                rid = resource.get("id")
                if type(rid) is not str:
                    continue
                if kind == "Condition":
                    self.conditions.setdefault(rid, []).append((doc, resource))
                elif kind == "Goal":
                    self.goals[rid] = (order, resource)
                elif kind == "CarePlan":
                    self.plans[rid] = resource
                elif kind == "Observation" and any(
                        c["code"] == FOLLOW_UP for c in all_codings(resource.get("code"))):
                    when = resource.get("effectiveDateTime") or obj(
                        resource.get("effectivePeriod")).get("start")
                    if type(when) is str:
                        self.follow_ups[rid] = (when, [k for k in map(_key, lst(
                            resource.get("focus"))) if k is not None])


def _resources(document: dict) -> Iterable[tuple[str, dict]]:
    """(type, resource) of the document itself or each resource of its Bundle (bundles of
    bundles included): what Validator.entries_of gives, without the profiles."""
    kind = document.get("resourceType")
    if kind != "Bundle":
        if type(kind) is str:
            yield kind, document
        return
    for item in lst(document.get("entry")):
        resource = item.get("resource") if type(item) is dict else None
        if type(resource) is dict:
            yield from _resources(resource)


def progress_of(documents: list[CourseDocument], labels: Labels,
                icf: Callable[[str, str], list[str]] | None = None) -> CitizenProgress:
    """The progression of one citizen's course (documents in course order)."""
    course = _Course(documents)
    tilstande = []
    for rid, versions in course.conditions.items():
        tilstand = _tilstand(rid, versions, labels)
        if tilstand is None:
            continue
        _goal(tilstand, rid, course, labels)
        _follow_up(tilstand, rid, course)
        if icf is not None:
            tilstand.icf = icf(tilstand.code.system, tilstand.code.code)
        tilstande.append(tilstand)
    levelled = {t.condition for t in tilstande}
    interventions = [(code, [c for c in conditions if c in levelled])
                     for code, conditions in _interventions(course, labels)]
    return CitizenProgress(_citizen_of(documents), [d.source for d in documents], tilstande,
                           interventions)


def _tilstand(rid: str, versions: list[tuple[CourseDocument, dict]], labels: Labels
              ) -> Tilstand | None:
    by_date: dict[tuple, Assessment] = {}
    scale: Scale | None = None
    code: Coded | None = None
    for doc, condition in versions:
        code = _first_code(condition.get("code"), labels) or code
        found = _level(condition.get("severity"), labels)
        when = _assessed(condition)
        if found is None or when is None:
            continue
        value, scale = found
        by_date[sort_key(when)[:2]] = Assessment(when, value, doc.source)
    if scale is None or code is None:
        return None  # no level at any assessment: not a tilstand progression can follow
    tilstand = Tilstand(f"Condition/{rid}", code, scale.name,
                        [by_date[k] for k in sorted(by_date)])
    levels = tilstand.levels
    if len(levels) >= 2:
        first, last = levels[0], levels[-1]
        tilstand.direction = "bedre" if last < first else "værre" if last > first else "uændret"
    return tilstand


def _goal(tilstand: Tilstand, rid: str, course: _Course, labels: Labels) -> None:
    best: tuple[tuple[int, int], str, dict, int | None] | None = None
    for gid, (order, goal) in course.goals.items():
        for address in lst(goal.get("addresses")):
            if _key(address) == ("Condition", rid):
                place = rank(address)
                candidate = ((1 if place == 1 else 0, order), gid, goal, place)
                if best is None or candidate[0] > best[0]:
                    best = candidate
    if best is None:
        return
    _, gid, goal, place = best
    target = change = None
    for item in lst(goal.get("target")):
        measures = {c["code"] for c in all_codings(obj(item).get("measure"))}
        detail = obj(item).get("detailCodeableConcept")
        if SEVERITY_MEASURE in measures:
            found = _level(detail, labels)
            target = found[0] if found else _first_code(detail, labels)
        elif CHANGE_MEASURE in measures:
            change = _first_code(detail, labels)
    tilstand.target = target
    tilstand.goal = {"goal": f"Goal/{gid}", "rank": place,
                     "target": target.as_dict() if target else None,
                     "change": change.as_dict() if change else None}


def _follow_up(tilstand: Tilstand, rid: str, course: _Course) -> None:
    dates = [when for when, focus in course.follow_ups.values()
             if ("Condition", rid) in focus or not any(k[0] == "Condition" for k in focus)]
    if not dates:
        return
    last = max(dates, key=sort_key)
    tilstand.last_follow_up = last
    then = [a for a in tilstand.assessments if a.value.level is not None
            and not after(a.date, last)]
    if then:
        tilstand.level_at_follow_up = then[-1].value
        target = tilstand.target
        if target is not None and target.level is not None:
            tilstand.goal_met = then[-1].value.level <= target.level


def _interventions(course: _Course, labels: Labels) -> list[tuple[Coded, list[str]]]:
    """Each intervention code of the course with the conditions it addresses."""
    every_goal = _addressed(course, list(course.goals))
    found: dict[tuple[str, str], tuple[Coded, list[str]]] = {}
    for plan in course.plans.values():
        codes = [c for a in lst(plan.get("activity")) if (c := _first_code(
            obj(obj(a).get("detail")).get("code"), labels, _INTERVENTION_SYSTEMS))]
        if not codes:
            continue
        conditions = _linked(course, plan) or every_goal
        for code in codes:
            held = found.setdefault((code.system, code.code), (code, []))[1]
            held.extend(c for c in conditions if c not in held)
    return list(found.values())


def _linked(course: _Course, plan: dict) -> list[str]:
    goals = [k[1] for k in map(_key, lst(plan.get("goal"))) if k and k[0] == "Goal"]
    reasons: list[str] = []
    for activity in lst(plan.get("activity")):
        detail = obj(obj(activity).get("detail"))
        goals += [k[1] for k in map(_key, lst(detail.get("goal"))) if k and k[0] == "Goal"]
        reasons += [f"Condition/{k[1]}" for k in map(_key, lst(detail.get("reasonReference")))
                    if k and k[0] == "Condition"]
    reasons += [f"Condition/{k[1]}" for k in map(_key, lst(plan.get("addresses")))
                if k and k[0] == "Condition"]
    if not goals:
        for based in map(_key, lst(plan.get("basedOn"))):
            parent = course.plans.get(based[1]) if based and based[0] == "CarePlan" else None
            if parent is not None:
                goals += [k[1] for k in map(_key, lst(parent.get("goal")))
                          if k and k[0] == "Goal"]
    return _addressed(course, goals) + [r for r in reasons if r not in _addressed(course, goals)]


def _addressed(course: _Course, goals: list[str]) -> list[str]:
    out: list[str] = []
    for gid in goals:
        goal = course.goals.get(gid)
        for address in lst(goal[1].get("addresses")) if goal else []:
            key = _key(address)
            if key and key[0] == "Condition" and f"Condition/{key[1]}" not in out:
                out.append(f"Condition/{key[1]}")
    return out


def citizen_identity(document: dict) -> tuple[str, str] | None:
    """(identity, `Patient/<id>`) of the document's citizen: the CPR number when the
    Patient has one (never shown), else the Patient's id."""
    for kind, patient in _resources(document):
        if kind != "Patient":
            continue
        cpr = next((str(i.get("value")) for i in lst(patient.get("identifier"))
                    if type(i) is dict and i.get("system") == CPR_SYSTEM and i.get("value")),
                   None)
        pid = f"Patient/{patient.get('id')}"
        return (f"cpr:{cpr}" if cpr else pid), pid
    return None


def _citizen_of(documents: list[CourseDocument]) -> str:
    for doc in documents:
        found = citizen_identity(doc.document or {})
        if found is not None:
            return found[1]
    return "(ukendt borger)"


@dataclass
class ProgressionReport:
    citizens: list[CitizenProgress]
    unreadable: list[str] = field(default_factory=list)
    unattributed: list[str] = field(default_factory=list)
    """Documents without a Patient: no course to put them in."""

    def interventions(self) -> list[dict[str, Any]]:
        """Per intervention, per tilstand it addresses: how many citizens improved,
        stayed, declined (or cannot tell yet), and met their goal."""
        by_code: dict[tuple[str, str], dict[str, Any]] = {}
        for citizen in self.citizens:
            by_condition = {t.condition: t for t in citizen.tilstande}
            for code, conditions in citizen.interventions:
                summary = by_code.setdefault((code.system, code.code), {
                    **code.as_dict(), "citizens": 0, "tilstande": {}})
                summary["citizens"] += 1
                counted: set[tuple[str, str]] = set()
                for condition in conditions:
                    tilstand = by_condition[condition]
                    key = (tilstand.code.system, tilstand.code.code)
                    if key in counted:
                        continue  # a citizen counts once per tilstand
                    counted.add(key)
                    row = summary["tilstande"].setdefault(key, {
                        **tilstand.code.as_dict(), "scale": tilstand.scale, "icf": tilstand.icf,
                        "improved": 0, "unchanged": 0, "declined": 0, "unknown": 0,
                        "goal_met": 0, "goal_not_met": 0})
                    row[{"bedre": "improved", "uændret": "unchanged", "værre": "declined",
                         None: "unknown"}[tilstand.direction]] += 1
                    if tilstand.goal_met is not None:
                        row["goal_met" if tilstand.goal_met else "goal_not_met"] += 1
        out = []
        for summary in sorted(by_code.values(), key=lambda s: (s["label"], s["code"])):
            rows = sorted(summary["tilstande"].values(), key=lambda r: (r["label"], r["code"]))
            out.append({**summary, "tilstande": rows})
        return out

    def as_dict(self, *, icf: str | None = None) -> dict[str, Any]:
        interventions = self.interventions()
        if icf:
            for summary in interventions:
                summary["tilstande"] = [r for r in summary["tilstande"]
                                        if any(c.startswith(icf) for c in r["icf"])]
            interventions = [s for s in interventions if s["tilstande"]]
        return {"citizens": len(self.citizens),
                "documents": sum(len(c.documents) for c in self.citizens),
                "icf": icf, "interventions": interventions,
                "courses": [c.as_dict() for c in self.citizens],
                "unreadable": self.unreadable, "unattributed": self.unattributed}


def progression(items: Iterable[Item], labels: Labels,
                icf: Callable[[str, str], list[str]] | None = None, *,
                max_bytes: int = 10 * 1024 * 1024, max_depth: int = 256) -> ProgressionReport:
    """The progression of every citizen's course among the documents given (grouped by
    citizen, each course in date order).

    Each document is cut down to what progression reads as soon as it is parsed: keeping
    thousands of whole reports alive made Python's garbage collector walk them again and
    again, which cost more than everything else together."""
    courses: dict[str, list[CourseDocument]] = {}
    report = ProgressionReport([])
    for position, (source, data, content_type) in enumerate(items):
        if isinstance(data, dict):
            document = data
        else:
            try:
                document = parse_document(data, content_type, max_bytes, max_depth)
            except DocumentError:
                report.unreadable.append(source)
                continue
        found = citizen_identity(document)
        if found is None:
            report.unattributed.append(source)
            continue
        courses.setdefault(found[0], []).append(
            CourseDocument(source, position, _slim(document), document_date(document)))
    for course in courses.values():
        course.sort(key=lambda d: d.key)
    report.citizens = [progress_of(course, labels, icf) for course in courses.values()]
    return report


_KEEP = {"Condition": ("id", "code", "severity", "extension", "recordedDate"),
         "Goal": ("id", "addresses", "target"),
         "CarePlan": ("id", "activity", "goal", "addresses", "basedOn"),
         "Patient": ("id", "identifier"),
         "Observation": ("id", "code", "focus", "effectiveDateTime", "effectivePeriod")}
"""Per resource type, the elements progression reads."""


def _slim(document: dict) -> dict:
    """The document as a Bundle of only the resources and elements progression reads."""
    entries = []
    for kind, resource in _resources(document):
        keep = _KEEP.get(kind)
        if keep is None or (kind == "Observation" and not any(
                c["code"] == FOLLOW_UP for c in all_codings(resource.get("code")))):
            continue
        entries.append({"resource": {"resourceType": kind,
                                     **{k: resource[k] for k in keep if k in resource}}})
    return {"resourceType": "Bundle", "entry": entries}


class StoreLabels:
    """Labels and ICF crosswalk targets from the store, remembered per code.

    A label comes from the latest release that has the code (a retired code keeps the
    label it last had); the ICF codes are the targets of the crosswalks that speak about
    the concept (vocab/crosswalk-*-icf.ttl), whatever the relation."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.systems: dict[str, str] = {}
        for scheme in store.schemes():
            info = store.latest(scheme).info
            if info.uri:
                self.systems.setdefault(info.uri, scheme)
            for identifier in info.identifiers:
                self.systems.setdefault(identifier, scheme)
        self._labels: dict[tuple[str, str], str] = {}
        self._icf: dict[tuple[str, str], list[str]] = {}

    def _concept(self, system: str, code: str) -> Any:
        scheme = self.systems.get(system)
        if scheme is None:
            return None
        for release in reversed(self.store.versions(scheme)):
            concept = release.concepts.get(code)
            if concept is not None:
                return concept
        return None

    def __call__(self, system: str, code: str) -> str:
        key = (system, code)
        found = self._labels.get(key)
        if found is None:
            concept = self._concept(system, code)
            found = self._labels[key] = concept.label() if concept is not None else code
        return found

    def icf(self, system: str, code: str) -> list[str]:
        from termserver.namespaces import parse_concept_iri

        key = (system, code)
        found = self._icf.get(key)
        if found is None:
            concept = self._concept(system, code)
            targets = [parse_concept_iri(m.target) for m in self.store.mappings(concept.uri)
                       ] if concept is not None else []
            found = self._icf[key] = sorted({t[1] for t in targets if t and t[0] == "icf"})
        return found
