"""Consistency of the dates within one document: things happen in an order.

A tilstand is assessed after it was recorded; a follow-up comes after what it follows; a
goal lies inside the plan it belongs to; and a report tells what has happened up to its
own date (the day of its Bundle.timestamp). Dates are compared as FHIR compares them
(validators.dates): only a date surely on the wrong side is a finding. These rules hold
for every document type; planned dates (a follow-up encounter, a plan's end) may lie in
the future.
"""

from __future__ import annotations

from collections.abc import Iterator

from .context import Context, Entry, all_codings, by_bundle, lst, obj
from .dates import after

FOLLOW_UP = "712744002"
"""SNOMED CT »follow-up status«: the code of every follow-up Observation (FFB, FSIII)."""
_STARTED = frozenset({"arrived", "triaged", "in-progress", "onleave", "finished"})
"""Encounter statuses of a visit that has begun: its start has happened."""
_HAPPENED: dict[str, tuple[str, ...]] = {
    "Condition": ("recordedDate",),
    "Observation": ("effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"),
    "ClinicalImpression": ("effectiveDateTime", "effectivePeriod.start", "date"),
    "CarePlan": ("created",),
    "ServiceRequest": ("authoredOn",),
    "QuestionnaireResponse": ("authored",),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "Patient": ("birthDate", "deceasedDateTime"),
    "Consent": ("dateTime",),
}
"""Per resource type, the elements dating something that has happened (not planned)."""
_DATED = frozenset({*_HAPPENED, "Encounter"})


def _text(value: object) -> str:
    """A code as text; anything else (a list, a number where a code belongs) as empty."""
    return value if type(value) is str else ""


def _get(resource: dict, path: str) -> object:
    head, _, tail = path.partition(".")
    value = resource.get(head)
    return obj(value).get(tail) if tail else value


def _last_asserted(resource: dict) -> Iterator[tuple[str, str]]:
    """(relative path, date) of the conditionLastAssertedDate extension (any canonical)."""
    for index, extension in enumerate(lst(resource.get("extension"))):
        if type(extension) is dict and str(extension.get("url", "")).endswith(
                "/ConditionLastAssertedDate"):
            value = extension.get("valueDateTime")
            if type(value) is str:
                yield f"extension[{index}].valueDateTime", value


def happened(entry: Entry) -> Iterator[tuple[str, str]]:
    """(relative path, date) of every date in the resource that records a past event."""
    resource = entry.resource
    for path in _HAPPENED.get(entry.kind, ()):
        value = _get(resource, path)
        if type(value) is str:
            yield path, value
    if entry.kind == "Condition":
        yield from _last_asserted(resource)
    elif entry.kind == "Encounter" and _text(resource.get("status")) in _STARTED:
        start = obj(resource.get("period")).get("start")
        if type(start) is str:
            yield "period.start", start


def _assessed(resource: dict | None) -> list[str]:
    """The date(s) a follow-up follows: a tilstand's recording, a plan's start, an
    observation's time, a goal's start."""
    if resource is None:
        return []
    kind = resource.get("resourceType")
    if kind == "Condition":
        found = resource.get("recordedDate")
    elif kind == "CarePlan":
        found = obj(resource.get("period")).get("start")
    elif kind == "Observation":
        found = resource.get("effectiveDateTime") or obj(resource.get("effectivePeriod")).get(
            "start")
    elif kind == "Goal":
        found = resource.get("startDate")
    else:
        found = None
    return [found] if type(found) is str else []


def check(ctx: Context) -> None:
    for entry in ctx.of("Condition"):
        if "extension" in entry.resource:  # the last assessment and the follow-up date
            _last_assessment(ctx, entry)
            _planned_follow_up(ctx, entry)
    for entry in ctx.of("Observation"):
        if any(c["code"] == FOLLOW_UP for c in all_codings(entry.resource.get("code"))):
            _follow_up(ctx, entry)
    for entry in ctx.of("CarePlan"):
        if "extension" in entry.resource:
            _planned_follow_up(ctx, entry)
        _goals_in_period(ctx, entry)
    bundles = {e.path: e.resource for e in ctx.of("Bundle")}
    for bundle_path, members in by_bundle(ctx.entries).items():
        stamp = bundles[bundle_path].get("timestamp") if bundle_path in bundles else None
        if type(stamp) is str:
            _not_after_report(ctx, members, stamp)


def _last_assessment(ctx: Context, entry: Entry) -> None:
    recorded = entry.resource.get("recordedDate")
    if type(recorded) is not str:
        return
    for where, asserted in _last_asserted(entry.resource):
        if after(recorded, asserted):
            ctx.add("date-condition-last-asserted", f"{entry.path}.{where}",
                    f"Tilstanden er sidst vurderet {asserted}, før den blev registreret "
                    f"({recorded}); den seneste vurdering kan ikke ligge før registreringen.")


def _follow_up(ctx: Context, entry: Entry) -> None:
    resource = entry.resource
    when = resource.get("effectiveDateTime") or obj(resource.get("effectivePeriod")).get(
        "start")
    if type(when) is not str:
        return
    for index, focus in enumerate(lst(resource.get("focus"))):
        for assessed in _assessed(ctx.resolve(focus)):
            if after(assessed, when):
                ctx.add("date-follow-up-before-assessment", f"{entry.path}.focus[{index}]",
                        f"Opfølgningen er dateret {when}, før det, den følger op på "
                        f"({assessed}).")


def _planned_follow_up(ctx: Context, entry: Entry) -> None:
    """A follow-up date (the planned Encounter a tilstand or an indsats points to) comes
    after the assessment it follows: the tilstand's recording and last assessment, the
    indsats's støttebehovsvurdering (activity.outcomeReference)."""
    resource = entry.resource
    for index, extension in enumerate(lst(resource.get("extension"))):
        url = str(obj(extension).get("url", "")).lower().replace("-", "")
        if "followup" not in url:
            continue
        encounter = ctx.resolve(obj(extension).get("valueReference"))
        start = obj(obj(encounter).get("period")).get("start")
        if type(start) is not str:
            continue
        if entry.kind == "Condition":
            assessed = [d for d in [resource.get("recordedDate")] if type(d) is str]
            assessed += [d for _, d in _last_asserted(resource)]
        else:
            assessed = [d for activity in lst(resource.get("activity"))
                        for ref in lst(obj(activity).get("outcomeReference"))
                        for d in _assessed(ctx.resolve(ref))]
        for date in assessed:
            if after(date, start):
                ctx.add("date-follow-up-before-assessment", f"{entry.path}.extension[{index}]",
                        f"Opfølgningsdatoen {start} ligger før vurderingen, den følger op på "
                        f"({date}).")
                break


def _goals_in_period(ctx: Context, entry: Entry) -> None:
    if "goal" not in entry.resource and "activity" not in entry.resource:
        return
    period = obj(entry.resource.get("period"))
    start, end = period.get("start"), period.get("end")
    if type(start) is not str and type(end) is not str:
        return
    references = [(f"goal[{i}]", ref) for i, ref in enumerate(lst(entry.resource.get("goal")))]
    for a, activity in enumerate(lst(entry.resource.get("activity"))):
        detail = obj(obj(activity).get("detail"))
        references += [(f"activity[{a}].detail.goal[{i}]", ref)
                       for i, ref in enumerate(lst(detail.get("goal")))]
    for where, reference in references:
        goal = ctx.resolve(reference)
        if goal is None:
            continue
        dates = [("startDate", goal.get("startDate"))]
        dates += [(f"target[{i}].dueDate", obj(t).get("dueDate"))
                  for i, t in enumerate(lst(goal.get("target")))]
        for name, value in dates:
            if type(value) is not str:
                continue
            if (type(start) is str and after(start, value)) or (
                    type(end) is str and after(value, end)):
                ctx.add("date-goal-outside-plan", f"{entry.path}.{where}",
                        f"Målets {name} ({value}) ligger uden for planens periode "
                        f"({start or '…'} – {end or '…'}).")
                break


def _not_after_report(ctx: Context, members: list[Entry], stamp: str) -> None:
    """Judged by the day: a report covers its day (note §3.2.6, one report per citizen per
    day), so a timestamp written at midnight still holds what happened later that day."""
    day = stamp[:10]
    for entry in members:
        if entry.kind not in _DATED:
            continue
        for where, value in happened(entry):
            # ISO dates order as text: only a value whose date reads later needs the
            # full comparison (which also refuses what is no date at all)
            if value[:10] > day and after(value, day):
                ctx.add("date-after-report", f"{entry.path}.{where}",
                        f"Datoen {value} ligger efter rapportens egen dato ({stamp}); en "
                        "rapport kan kun indeholde det, der er sket til og med dens dato.")
