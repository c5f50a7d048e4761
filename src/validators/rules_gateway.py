"""FSIII gateway, § 119, § 140 and LTT business rules (note §6.1), written from meaning.

KL's citizen-observation invariant only knows the letter codes C/D; the UUID codes of the
same concepts are handled too.
"""

from __future__ import annotations

from .context import Context, all_codings, first_coding, lst, obj
from .paths import present
from .report import shown
from .standards import prevention_119, rehab_140
from .standards.ltt import TREATMENT

_PERFORMANCE = {"C", "d6d48a71-b96f-4b88-86f9-b13bd3c03560"}
_IMPORTANCE = {"D", "687159ad-a61c-47c0-a878-53aa54bae2d5"}


def _in(ctx: Context, value_set: str, concept: object) -> bool:
    """Whether any of the concept's codings is in the value set."""
    return any(ctx.terminology.in_value_set(value_set, str(c.get("system")), c["code"])
               for c in all_codings(concept))


def check_fsiii(ctx: Context) -> None:
    for entry in ctx.entries:
        if entry.kind == "Condition" and "klgateway-care-condition" in entry.profiles:
            code = entry.resource.get("code")
            home = _in(ctx, "KLConditionCodesHomeCare", code)
            nursing = _in(ctx, "KLConditionCodesNursing", code)
            severity = present(entry.resource.get("severity"))
            if (home or nursing) and not ((severity and home) or (not severity and nursing)):
                ctx.add("klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing",
                        f"{entry.path}.severity",
                        "Hjemmeplejetilstande skal have funktionsniveau (severity)." if home
                        else "Sygeplejetilstande må ikke have funktionsniveau; fjern severity.")
        elif entry.kind == "Goal" and "klgateway-care-goal" in entry.profiles:
            for index, item in enumerate(lst(entry.resource.get("addresses"))):
                target = ctx.resolve(item)
                if target is not None and not _in(ctx, "KLConditionCodesHomeCare",
                                                   target.get("code")):
                    ctx.add("klgateway-adresses-must-be-home-care-condition",
                            f"{entry.path}.addresses[{index}]",
                            "Målet adresserer en tilstand, der ikke er en hjemmeplejetilstand.")
        elif entry.kind == "Observation":
            _observation(ctx, entry.path, entry.resource, entry.profiles)


def _observation(ctx: Context, path: str, observation: dict, profiles: frozenset[str]) -> None:
    if "klgateway-care-follow-up-observation" in profiles:
        status = observation.get("status")
        if status not in ("final", "entered-in-error"):
            ctx.add("gateway-care-follow-up-1", f"{path}.status",
                    f"Opfølgningens status er »{shown(status)}«; den skal være final eller "
                    "entered-in-error.")
    if "klgateway-care-citizens-own-observation" in profiles:
        for index, focus in enumerate(lst(observation.get("focus"))):
            target = ctx.resolve(focus)
            if target is not None and not (
                    _in(ctx, "KLConditionCodesHomeCare", target.get("code"))
                    or _in(ctx, "KLHomeCareAreasFSIII", target.get("code"))):
                ctx.add("klgateway-focus-must-be-home-care-condition-or-area",
                        f"{path}.focus[{index}]",
                        "Vurderingen handler om noget, der hverken er en hjemmeplejetilstand "
                        "eller et hjemmeplejeområde.")
        codes = {c["code"] for c in all_codings(observation.get("code"))}
        value = observation.get("valueCodeableConcept")
        for own, value_set, label in ((_PERFORMANCE, "KLPerformanceLevelCodesFSIII",
                                       "Udførelse"),
                                      (_IMPORTANCE, "KLImportanceLevelCodesFSIII",
                                       "Betydning")):
            if codes & own and not _in(ctx, value_set, value):
                ctx.add("klgateway-citizen-observation-code-and-value-must-match",
                        f"{path}.valueCodeableConcept",
                        f"Koden er {label}, så værdien skal komme fra {value_set}.")


def check_119_140(ctx: Context) -> None:
    check_interventions(ctx)
    for entry in ctx.of("CarePlan"):
        rule = ("klgateway-119-care-plan-1" if "klgateway-119-care-plan" in entry.profiles else
                "klgateway-140-care-plan-1" if "klgateway-140-care-plan" in entry.profiles
                else None)
        if rule is None:
            continue
        for index, activity in enumerate(lst(entry.resource.get("activity"))):
            detail = activity.get("detail") if isinstance(activity, dict) else None
            if not isinstance(detail, dict):
                continue
            stopped = detail.get("status") in ("cancelled", "stopped")
            if stopped != present(detail.get("statusReason")):
                ctx.add(rule, f"{entry.path}.activity[{index}].detail.statusReason",
                        "Aktiviteten er stoppet eller aflyst, men mangler en ophørsbegrundelse."
                        if stopped else "Kun stoppede eller aflyste aktiviteter må have en "
                        "ophørsbegrundelse (statusReason).")


def _intervention_codes(plan: dict) -> set[str]:
    return {str(c.get("code")) for a in lst(plan.get("activity")) if isinstance(a, dict)
            for c in lst(obj(obj(a.get("detail")).get("code")).get("coding"))
            if isinstance(c, dict)}


_BASED_ON = (
    ("klgateway-119-planned-intervention", "klgateway-119-intervention",
     prevention_119.TREATMENT_INTERVENTIONS, prevention_119.STANDALONE_INTERVENTIONS),
    ("klgateway-140-planned-intervention", "klgateway-140-intervention",
     rehab_140.TREATMENT_INTERVENTIONS, rehab_140.STANDALONE_INTERVENTIONS),
)


def check_interventions(ctx: Context) -> None:
    """basedOn rules of § 119/§ 140 planned interventions, and the § 140 plan type."""
    for entry in ctx.of("CarePlan"):
        for profile, rule, needs, forbids in _BASED_ON:
            if profile not in entry.profiles:
                continue
            codes = _intervention_codes(entry.resource)
            based_on = present(entry.resource.get("basedOn"))
            if codes & set(needs) and not based_on:
                ctx.add(f"{rule}-1", f"{entry.path}.basedOn",
                        "Indsatsen har behandlingsfokus og skal henvise til sit forløb "
                        "(basedOn).")
            if codes & set(forbids) and based_on:
                ctx.add(f"{rule}-2", f"{entry.path}.basedOn",
                        "Denne indsatstype må ikke henvise til et forløb; fjern basedOn.")
    for entry in ctx.of("ServiceRequest", "klgateway-140-servicerequest"):
        codes = {str(c.get("code")) for cat in lst(entry.resource.get("category"))
                 if isinstance(cat, dict) for c in lst(cat.get("coding"))
                 if isinstance(c, dict)}
        if not codes & set(rehab_140.PLAN_TYPES_REQUIRED):
            ctx.add("gateway-140-service-request-1", f"{entry.path}.category",
                    "Genoptræningsplanen skal have kategorien almen, specialiseret eller "
                    "rehabilitering.")


def check_ltt(ctx: Context) -> None:
    for entry in ctx.of("CarePlan", "klgateway-ltt-care-plan"):
        plan = entry.resource
        period = plan.get("period") if isinstance(plan.get("period"), dict) else {}
        if plan.get("status") == "completed" and not present(period.get("end")):
            ctx.add("klgateway-ltt-careplan-endtime", f"{entry.path}.period.end",
                    "Forløbet er afsluttet (completed), men har ingen slutdato.")
    for entry in ctx.of("Encounter", "klgateway-ltt-encounter"):
        encounter = entry.resource
        types = {str(c.get("code")) for t in lst(encounter.get("type")) if isinstance(t, dict)
                 for c in lst(t.get("coding")) if isinstance(c, dict)}
        if TREATMENT not in types:
            continue
        participant_type = any(first_coding(t) for p in lst(encounter.get("participant"))
                               if isinstance(p, dict) for t in lst(p.get("type")))
        delivery = any(first_coding(e.get("valueCodeableConcept"))
                       for e in lst(encounter.get("extension")) if isinstance(e, dict)
                       and str(e.get("url", "")).endswith("klgateway-ltt-encounter-delivery-type"))
        if not (participant_type and delivery):
            ctx.add("klgateway-ltt-encounter-participants-and-deliveryType", entry.path,
                    "En behandlingskontakt skal angive deltagertype (participant.type) og "
                    "leveringstype (delivery-type-udvidelsen).")
