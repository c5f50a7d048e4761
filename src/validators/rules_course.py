"""Rules over a citizen's course: what one document cannot show (note §6.2).

Documents are read in the order of their own dates. A resource id seen again (same type
and id) is an update of the earlier resource: it may add and change what a later report
knows, but not what identifies it (a tilstand's code and recording date, an
intervention's code and creation). A follow-up follows up on something reported
earlier; a tilstand closed in one report is not active in a later one unless reopened
(FHIR's `recurrence` or `relapse`); and a later report that assesses a tilstand or an
observation differently must say so with a newer date of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import all_codings, lst, obj
from .course import CourseDocument, CourseFinding
from .dates import after, sort_key
from .engine import Validator
from .model import Rule
from .report import shown
from .rules_dates import FOLLOW_UP
from .standard import CPR_SYSTEM, LEGACY_CANONICALS

CLAUSE = "note §6.2 (tværgående kontrol af borgerens forløb)"
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("course-undated", "error", f"{CLAUSE}; note §3.2.6: en rapport har en dato",
         "Et dokument i et forløb skal have sin egen dato (Bundle.timestamp, eller kontaktens "
         "start), så det kan placeres i forløbet."),
    Rule("course-one-citizen", "error", f"{CLAUSE}: et forløb er én borgers",
         "Alle dokumenter i et forløb skal handle om samme borger."),
    Rule("course-immutable", "error",
         f"{CLAUSE}: en ændret tilstand beholder sin FFB-kode; note §3.2.6: samme id = "
         "opdatering, ændrede ydelser giver en ny CarePlan med nyt id",
         "En ressource med samme id som i et tidligere dokument er en opdatering og må ikke "
         "ændre det, der kendetegner den: en tilstands kode og registreringsdato, en "
         "observations kode, en indsats' ydelseskode og oprettelsesdato."),
    Rule("course-follow-up-earlier", "error",
         f"{CLAUSE}; note §3.2 (opfølgning): en opfølgning følger op på noget tidligere",
         "En opfølgning skal følge op på en tilstand, indsats eller vurdering, der er "
         "indberettet i et tidligere dokument i forløbet."),
    Rule("course-closed-condition-active", "error",
         f"{CLAUSE}: en afsluttet tilstand genåbnes (FHIR clinicalStatus recurrence/relapse)",
         "En tilstand, der er afsluttet (inactive, remission, resolved) i én rapport, må ikke "
         "vurderes som aktiv i en senere uden at være genåbnet (recurrence eller relapse)."),
    Rule("course-contradiction", "error",
         f"{CLAUSE}: konflikter med tidligere indberetninger; en ændret tilstand får en ny "
         "lastAssertedDate",
         "En rapport må ikke sige noget andet end en tidligere uden en nyere dato: en ny "
         "vurdering af en tilstand (funktionsevneniveau, status) kræver en nyere vurderingsdato "
         "(conditionLastAssertedDate), en ny observationsværdi et nyere tidspunkt, og to "
         "rapporter med samme dato må ikke beskrive samme ressource forskelligt."),
)}
"""The course rules (a registry of their own: no single document can break them)."""

_CLOSED = frozenset({"inactive", "remission", "resolved"})
_CORRECTIONS = frozenset({"amended", "corrected", "entered-in-error", "cancelled"})
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


class _Seen:
    """The latest version of each resource, and where it first appeared."""

    __slots__ = ("first", "latest")

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], int] = {}
        self.latest: dict[tuple[str, str], tuple[int, CourseDocument, str, dict]] = {}


def check(documents: list[CourseDocument]) -> tuple[str | None, list[CourseFinding]]:
    """(the citizen `Patient/<id>`, the course findings) for documents in course order."""
    findings: list[CourseFinding] = []

    def add(rule: str, doc: CourseDocument, path: str, message: str) -> None:
        findings.append(CourseFinding(RULES[rule].severity, rule, doc.source, path, message))

    seen = _Seen()
    citizen: tuple[str, str] | None = None  # (identity, Patient/<id>)
    for order, doc in enumerate(documents):
        if doc.document is None:
            continue
        if doc.date is None:
            where = "Bundle.timestamp" if doc.document.get(
                "resourceType") == "Bundle" else "(dokument)"
            add("course-undated", doc, where,
                "Dokumentet har ingen dato (Bundle.timestamp, eller en kontakts start), så det "
                "kan ikke placeres i forløbet; det er læst til sidst.")
        entries = [e for e in Validator.entries_of(doc.document) if e.kind != "Bundle"]
        for entry in entries:
            if entry.kind == "Patient":
                citizen = _citizen(entry.resource, citizen, doc, entry.path, add)
        for entry in entries:
            rid = entry.resource.get("id")
            if type(rid) is not str or not rid:
                continue
            key = (entry.kind, rid)
            before = seen.latest.get(key)
            if before is not None and before[0] < order:
                _update(before, doc, entry.path, entry.resource, add)
            elif key not in seen.first and _is_follow_up(entry.resource):
                _follow_up(seen, order, doc, entry.path, entry.resource, add)
            seen.first.setdefault(key, order)
            seen.latest[key] = (order, doc, entry.path, entry.resource)
    return (citizen[1] if citizen else None), findings


Add = Callable[[str, CourseDocument, str, str], None]


def _citizen(patient: dict, citizen: tuple[str, str] | None, doc: CourseDocument, path: str,
             add: Add) -> tuple[str, str]:
    """The course's citizen is the first document's; a Patient with another identity (its
    CPR number, else its id) is another citizen's. CPR numbers are never echoed."""
    cpr = next((str(i.get("value")) for i in lst(patient.get("identifier"))
                if type(i) is dict and i.get("system") == CPR_SYSTEM and i.get("value")), None)
    pid = f"Patient/{shown(patient.get('id'))}"
    identity = f"cpr:{cpr}" if cpr else pid
    if citizen is None:
        return identity, pid
    if identity != citizen[0]:
        add("course-one-citizen", doc, path,
            f"Dokumentet handler om en anden borger ({pid}) end forløbets første dokument "
            f"({citizen[1]}); et forløb er én borgers dokumenter.")
    return citizen


def _is_follow_up(resource: dict) -> bool:
    return resource.get("resourceType") == "Observation" and any(
        c["code"] == FOLLOW_UP for c in all_codings(resource.get("code")))


def _target(reference: Any) -> tuple[str, str] | None:
    ref = obj(reference).get("reference")
    if type(ref) is not str:
        return None
    parts = ref.split("/_history/", 1)[0].rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def _follow_up(seen: _Seen, order: int, doc: CourseDocument, path: str, resource: dict,
               add: Add) -> None:
    for index, focus in enumerate(lst(resource.get("focus"))):
        target = _target(focus)
        if target is None:
            continue
        first = seen.first.get(target)
        if first is None or first >= order:
            add("course-follow-up-earlier", doc, f"{path}.focus[{index}]",
                f"Opfølgningen følger op på {target[0]}/{shown(target[1])}, som ikke er "
                "indberettet i et tidligere dokument i forløbet; en opfølgning følger op på "
                "noget, der allerede er indberettet.")


def _update(before: tuple[int, CourseDocument, str, dict], doc: CourseDocument, path: str,
            resource: dict, add: Add) -> None:
    _, earlier, _, old = before
    kind = resource.get("resourceType")
    name = f"{kind}/{shown(resource.get('id'))}"
    for element, what in _IMMUTABLE.get(kind, ()):
        was, now = what(old), what(resource)
        if was and now and was != now:
            add("course-immutable", doc, f"{path}.{element}",
                f"{name} er en opdatering af ressourcen fra {earlier.source}, men dens "
                f"{element} er ændret; {_IMMUTABLE_WHY}")
    if kind == "Condition":
        _condition(old, resource, earlier, doc, path, name, add)
    elif kind == "Observation":
        _observation(old, resource, earlier, doc, path, name, add)
    if (earlier.date is not None and doc.date is not None
            and sort_key(earlier.date) == sort_key(doc.date)
            and _content(old) != _content(resource)):
        add("course-contradiction", doc, path,
            f"{name} beskrives anderledes end i {earlier.source}, som har samme dato "
            f"({doc.date}); hvilken der gælder, kan ikke afgøres. En rapport, der ændrer en "
            "tidligere, skal have en nyere dato.")


_IMMUTABLE_WHY = ("det, der kendetegner en ressource, ændres ikke ved en opdatering: "
                  "indberet en ny ressource med sit eget id i stedet.")


def _codes(concept: Any) -> frozenset[tuple[str, str]]:
    return frozenset((LEGACY_CANONICALS.get(str(c.get("system")), str(c.get("system"))),
                      c["code"]) for c in all_codings(concept))


def _moment(value: Any) -> Any:
    return sort_key(value) if type(value) is str and sort_key(value)[0] == 0 else None


def _activity_codes(plan: dict) -> frozenset[tuple[str, str]]:
    return frozenset().union(*(_codes(obj(obj(a).get("detail")).get("code"))
                               for a in lst(plan.get("activity"))))


_IMMUTABLE: dict[str, tuple[tuple[str, Callable[[dict], Any]], ...]] = {
    "Condition": (("code", lambda r: _codes(r.get("code"))),
                  ("recordedDate", lambda r: _moment(r.get("recordedDate")))),
    "Observation": (("code", lambda r: _codes(r.get("code"))),),
    "CarePlan": (("activity", _activity_codes),
                 ("created", lambda r: _moment(r.get("created")))),
}
"""Per resource type, what identifies it: (element, its value as compared)."""


def _status(resource: dict, element: str, system: str) -> str | None:
    return next((c["code"] for c in all_codings(resource.get(element))
                 if c.get("system") == system), None)


def _assessed(condition: dict) -> str | None:
    """When a tilstand was last assessed: conditionLastAssertedDate, else recordedDate."""
    for extension in lst(condition.get("extension")):
        if type(extension) is dict and str(extension.get("url", "")).endswith(
                "/ConditionLastAssertedDate") and type(extension.get("valueDateTime")) is str:
            return extension["valueDateTime"]
    recorded = condition.get("recordedDate")
    return recorded if type(recorded) is str else None


def _condition(old: dict, new: dict, earlier: CourseDocument, doc: CourseDocument, path: str,
               name: str, add: Add) -> None:
    was, now = _status(old, "clinicalStatus", _CLINICAL), _status(new, "clinicalStatus",
                                                                  _CLINICAL)
    if was in _CLOSED and now == "active":
        add("course-closed-condition-active", doc, f"{path}.clinicalStatus",
            f"{name} er afsluttet ({was}) i {earlier.source}, men aktiv her; en afsluttet "
            "tilstand genåbnes med clinicalStatus recurrence eller relapse.")
    if _status(new, "verificationStatus", _VERIFICATION) == "entered-in-error":
        return  # a correction says itself that it corrects
    changed = [element for element, value in (
        ("severity", lambda r: _codes(r.get("severity"))),
        ("clinicalStatus", lambda r: _status(r, "clinicalStatus", _CLINICAL)),
        ("verificationStatus", lambda r: _status(r, "verificationStatus", _VERIFICATION)))
        if value(old) != value(new)]
    if not changed:
        return
    before, after_ = _assessed(old), _assessed(new)
    if before is not None and after_ is not None and not after(after_, before):
        add("course-contradiction", doc, f"{path}.{changed[0]}",
            f"{name} vurderes anderledes end i {earlier.source} ({changed[0]}), men med samme "
            f"vurderingsdato ({after_}); en ny vurdering skal have en nyere "
            "conditionLastAssertedDate.")


def _value(observation: dict) -> Any:
    for key, value in observation.items():
        if key.startswith("value"):
            return (key, _codes(value)) if key == "valueCodeableConcept" else (key, repr(value))
    return None


def _effective(observation: dict) -> str | None:
    found = observation.get("effectiveDateTime") or observation.get("effectiveInstant") or obj(
        observation.get("effectivePeriod")).get("start")
    return found if type(found) is str else None


def _observation(old: dict, new: dict, earlier: CourseDocument, doc: CourseDocument, path: str,
                 name: str, add: Add) -> None:
    if new.get("status") in _CORRECTIONS or _value(old) == _value(new):
        return
    before, now = _effective(old), _effective(new)
    if before is not None and now is not None and not after(now, before):
        add("course-contradiction", doc, f"{path}.value",
            f"{name} har en anden værdi end i {earlier.source}, men samme tidspunkt ({now}); "
            "en ny værdi skal have et nyere tidspunkt, eller observationen status amended "
            "eller corrected.")


def _content(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k not in ("meta", "text")}
