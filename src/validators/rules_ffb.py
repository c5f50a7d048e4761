"""FFB business rules (kl-ffb-reporting invariants and prose, note §6.1–6.2).

Written from the rules' meaning, not KL's FHIRPath: ranks are read from ConditionRank
under any canonical and compared as integers (note §7.1).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .context import Context, all_codings, first_coding, has_extension, lst, rank
from .report import shown
from .standard import FFB, FSIII, PROFILES, STS_ORG_SYSTEM

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
SEVERITY_MEASURE = "66959f77-6e2a-4574-8423-3ff097f8b9fa"
CHANGE_MEASURE = "90c48f03-f194-4b2f-ad7d-6cba1069ae48"


def _in(ctx: Context, value_set: str, concept: object) -> bool:
    """Whether any of the concept's codings is in the value set."""
    return any(ctx.terminology.in_value_set(value_set, str(c.get("system")), c["code"])
               for c in all_codings(concept))


def _is_ad(ctx: Context, condition: dict | None) -> bool:
    return bool(condition) and _in(ctx, "KLConditionADCodesFFB", condition.get("code"))


def _ordered_open(plan: dict) -> bool:
    return plan.get("intent") == "order" and plan.get("status") != "completed"


def check(ctx: Context) -> None:
    patients = ctx.of("Patient")
    if len(patients) > 1:
        ctx.add("one-citizen", patients[1].path,
                f"Rapporten indeholder {len(patients)} borgere; kun én er tilladt.")
    for patient in patients:
        _citizen(ctx, patient.path, patient.resource)
    for entry in ctx.entries:
        rid = entry.resource.get("id")
        if entry.kind != "Bundle" and isinstance(rid, str) and not _UUID.fullmatch(rid):
            ctx.add("ffb-resource-id-uuid", f"{entry.path}.id",
                    f"Id »{shown(rid)}« er ikke et UUID; FFB-rapporter bruger UUID'er som id.")
    for entry in ctx.of("Condition"):
        if "kl-reporting-ffb-targetGroup" in entry.profiles:
            continue
        has_severity = first_coding(entry.resource.get("severity")) is not None
        if _is_ad(ctx, entry.resource) != has_severity:
            ctx.add("kl-reporting-ffb-condition-1", f"{entry.path}.severity",
                    "Tilstande under Aktivitet og deltagelse skal have et funktionsevneniveau "
                    "(severity)." if not has_severity else
                    "Kun tilstande under Aktivitet og deltagelse må have et "
                    "funktionsevneniveau; fjern severity.")
    for entry in ctx.of("Goal", "kl-reporting-ffb-interventionGoal"):
        _goal(ctx, entry.path, entry.resource)
    for entry in ctx.of("CarePlan", "kl-reporting-ffb-carePlan"):
        _care_plan(ctx, entry.path, entry.resource)
    for entry in ctx.of("Observation", "kl-reporting-ffb-followUp"):
        status = entry.resource.get("status")
        if status not in ("final", "entered-in-error"):
            ctx.add("kl-reporting-ffb-follow-up-1", f"{entry.path}.status",
                    f"Opfølgningens status er »{shown(status)}«; den skal være final eller "
                    "entered-in-error.")


def _citizen(ctx: Context, path: str, patient: dict) -> None:
    organisation = patient.get("managingOrganization")
    identifier = organisation.get("identifier") if isinstance(organisation, dict) else None
    if not isinstance(identifier, dict):
        return  # struct-required reports the absence
    value = identifier.get("value", "")
    if identifier.get("system") != STS_ORG_SYSTEM or type(value) is not str or not \
            _UUID.fullmatch(value):
        ctx.add("ffb-citizen-sts-organisation", f"{path}.managingOrganization.identifier",
                f"Ansvarlig kommune skal angives som KOMBIT STS-organisation ({STS_ORG_SYSTEM}) "
                f"med et UUID; fundet »{shown(identifier.get('system'))}« / »{shown(value)}«.")


def _goal(ctx: Context, path: str, goal: dict) -> None:
    addresses = [a for a in lst(goal.get("addresses")) if isinstance(a, dict)]
    for index, item in enumerate(addresses):
        target = ctx.resolve(item)
        if target is not None and not _is_ad(ctx, target):
            ctx.add("kl-reporting-ffb-intervention-goal-1", f"{path}.addresses[{index}]",
                    "Indsatsmålet adresserer en tilstand, der ikke hører under Aktivitet og "
                    "deltagelse.")
    primaries = sum(1 for a in addresses if rank(a) == 1)
    if primaries != 1:
        ctx.add("kl-reporting-ffb-intervention-goal-2", f"{path}.addresses",
                f"Indsatsmålet har {primaries} primære tilstande (ConditionRank 1); der skal "
                "være præcis én.")
    by_measure: dict[str, list[tuple[int, dict]]] = {SEVERITY_MEASURE: [], CHANGE_MEASURE: []}
    for index, target in enumerate(lst(goal.get("target"))):
        measures = all_codings(target.get("measure")) if isinstance(target, dict) else []
        measure = next((c["code"] for c in measures if c["code"] in by_measure), None)
        if measure is not None:
            by_measure[measure].append((index, target))
    for measure, value_set, label in (
            (SEVERITY_MEASURE, "KLSeveritiesFFB", "forventet funktionsevneniveau"),
            (CHANGE_MEASURE, "KLChangeValueCodesFFB", "måltype")):
        found = by_measure[measure]
        if len(found) != 1:
            ctx.add("ffb-goal-targets", f"{path}.target",
                    f"Indsatsmålet har {len(found)} mål for {label} (måleenhed {measure}); "
                    "der skal være præcis ét.")
            continue
        index, target = found[0]
        if not _in(ctx, value_set, target.get("detailCodeableConcept")):
            ctx.add("ffb-goal-targets", f"{path}.target[{index}].detailCodeableConcept",
                    f"Målet for {label} skal have en værdi fra {value_set}.")


def _care_plan(ctx: Context, path: str, plan: dict) -> None:
    addresses = [a for a in lst(plan.get("addresses")) if isinstance(a, dict)]
    primaries = sum(1 for a in addresses if rank(a) == 1)
    if primaries > 1:
        ctx.add("kl-reporting-ffb-care-plan-2", f"{path}.addresses",
                f"Indsatsen har {primaries} primære målgrupper; højst én er tilladt.")
    elif addresses and primaries == 0:
        ctx.add("ffb-care-plan-primary-target-group", f"{path}.addresses",
                "Indsatsen har målgrupper, men ingen primær (ConditionRank 1).")
    if not has_extension(plan, "municipalityCaseNumber"):
        ctx.add("ffb-care-plan-case-number", f"{path}.extension",
                "Indsatsen mangler sagsnummer: tilføj municipalityCaseNumber-udvidelsen.")
    outcomes = [ref for activity in lst(plan.get("activity")) if isinstance(activity, dict)
                for ref in lst(activity.get("outcomeReference"))]
    evaluations = [ref for ref in outcomes
                   if "kl-reporting-ffb-careEvaluation" in _profiles_of(ctx.resolve(ref))]
    if len(evaluations) > 1:
        ctx.add("ffb-care-plan-one-support-need", f"{path}.activity",
                f"Indsatsen henviser til {len(evaluations)} støttebehovsvurderinger; højst én "
                "er tilladt.")
    if not _ordered_open(plan):
        return
    if not has_extension(plan, "follow-up-date-extension"):
        ctx.add("kl-reporting-ffb-care-plan-1", f"{path}.extension",
                "Bevilget indsats uden opfølgningsdato: tilføj follow-up-date-udvidelsen.")
    if not outcomes:
        ctx.add("kl-reporting-ffb-care-plan-4", f"{path}.activity",
                "Bevilget indsats uden støttebehovsvurdering: henvis til den i "
                "activity.outcomeReference.")
    if not addresses:
        ctx.add("kl-reporting-ffb-care-plan-5", f"{path}.addresses",
                "Bevilget indsats uden målgruppe: angiv målgruppen i addresses.")


def _profiles_of(resource: dict | None) -> str:
    if not resource:
        return ""
    meta = resource.get("meta")
    return " ".join(p for p in lst(meta.get("profile")) if isinstance(p, str)
                    ) if isinstance(meta, dict) else ""


_SCALES = {FFB: ("KLSeveritiesFFB", "FFB funktionsevneniveau"),
           FSIII: ("KLSeveritiesFSIII", "FSIII funktionsniveau")}


_DECLARED = frozenset(PROFILES)


@lru_cache(maxsize=1024)
def _bound_elements(profiles: frozenset[str]) -> frozenset[str]:
    """Called with declared profile names only, so the memo stays small."""
    return frozenset(b.path.split(".")[0] for name in profiles if name in PROFILES
                     for b in PROFILES[name].bindings)


def check_common(ctx: Context) -> None:
    """FKI rules for conditions not covered by a declared reporting profile."""
    term = ctx.terminology
    for entry in ctx.of("Condition"):
        # a profile's own bindings apply instead
        bound = _bound_elements(entry.profiles & _DECLARED)
        found = all_codings(entry.resource.get("code"))
        if not found:
            continue
        coding = found[0]
        if len(found) > 1:  # the FFB or FSIII coding, wherever it stands
            coding = next((c for c in found
                           if term.canonical(str(c.get("system")))[0] in _SCALES), coding)
        system = term.canonical(str(coding.get("system")))[0]
        code = str(coding["code"])
        if not term.lookup(system, code).exists:
            continue  # unknown or retired: the terminology layer says so
        if "code" not in bound and system == FFB and not term.in_value_set(
                "KLConditionsAndTargetGroupsFFB", system, code):
            ctx.add("fki-condition-code", f"{entry.path}.code",
                    f"{code} er hverken en FFB-tilstand eller en målgruppe "
                    "(KLConditionsAndTargetGroupsFFB).")
        severities = all_codings(entry.resource.get("severity"))
        if system not in _SCALES or not severities or "severity" in bound:
            continue
        value_set, label = _SCALES[system]
        if not any(term.in_value_set(value_set, str(c.get("system")), c["code"])
                   for c in severities):
            ctx.add("fki-severity-scale", f"{entry.path}.severity",
                    f"Tilstanden er kodet i {'FFB' if system == FFB else 'FSIII'}, så "
                    f"sværhedsgraden skal være {label} ({value_set}).")
